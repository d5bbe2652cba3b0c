"""/api/journeys: journey analytics (DOMAIN.md §14) — paths before a first purchase or
churn, channel switching, drop-off causes, time to conversion and cohort retention. Every
endpoint takes the same filters as the page and returns the figures it shows."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from relata.api.errors import field_error, invalid
from relata.api.permissions import require_perms
from relata.api.responses import READ_ERRORS
from relata.api.schemas.journeys import (
    CohortsOut,
    ConversionTimeOut,
    DropOffOut,
    JourneyQuery,
    PathsOut,
    PathsQuery,
    SwitchingOut,
)
from relata.feedback.journey_forms import JourneyFilterForm
from relata.feedback.journey_report import journey_report_cached

router = Router(tags=["Journeys"])
PERMISSION = "contacts.view_contactmoment"
_QUERY_FIELDS = ("date_from", "date_to", "node", "steps", "grouping", "window_days")


def _report(request: HttpRequest, query: JourneyQuery) -> dict[str, Any]:
    """The report for the filters, checked by the page's own rules (422 naming the field)."""
    require_perms(request, PERMISSION)
    values = query.model_dump(include=set(_QUERY_FIELDS))
    form = JourneyFilterForm(
        data={name: "" if value is None else str(value) for name, value in values.items()}
    )
    if not form.is_valid():
        raise invalid(
            field_error(["query", name], error["message"], error["code"] or "invalid")
            for name, errors in form.errors.get_json_data().items()
            for error in errors
        )
    return journey_report_cached(form.filters())


@router.get(
    "/paths",
    response={200: PathsOut, **READ_ERRORS},
    summary="Paths before a first purchase or before churn",
)
def get_paths(request: HttpRequest, query: Query[PathsQuery]) -> dict[str, Any]:
    """The last ``steps`` contact moments before the outcome, as Sankey nodes and links and
    the most frequent whole journeys. ``first_purchase``: buyers whose first purchase fell
    in the period (outcome first_purchase) and customers contacted in the period who have
    not bought (no_purchase); ``churn``: customers whose churn point (the first day with more
    days since the last purchase than scoring's lost-after setting) fell in the period."""
    report = _report(request, query)
    return {"meta": report["meta"], **report[query.kind]}


@router.get(
    "/switching",
    response={200: SwitchingOut, **READ_ERRORS},
    summary="Channel switching",
)
def get_switching(request: HttpRequest, query: Query[JourneyQuery]) -> dict[str, Any]:
    """Channel of each contact moment in the period against the channel of the same
    customer's next one, when it came within ``window_days``."""
    report = _report(request, query)
    return {"meta": report["meta"], **report["switching"]}


@router.get(
    "/drop-off",
    response={200: DropOffOut, **READ_ERRORS},
    summary="Drop-off causes",
)
def get_drop_off(request: HttpRequest, query: Query[JourneyQuery]) -> dict[str, Any]:
    """Friction per touchpoint or channel in the period, and its share in the journeys of
    customers not won or lost against those won or kept, with the ratio and its 95%
    interval."""
    report = _report(request, query)
    return {"meta": report["meta"], **report["drop_off"]}


@router.get(
    "/conversion-time",
    response={200: ConversionTimeOut, **READ_ERRORS},
    summary="Time to conversion",
)
def get_conversion_time(request: HttpRequest, query: Query[JourneyQuery]) -> dict[str, Any]:
    """Days from the first contact moment to the first purchase, for first purchases in
    the period: median, quartiles, histogram, and per channel of the first contact."""
    report = _report(request, query)
    return {"meta": report["meta"], **report["conversion"]}


@router.get(
    "/cohorts",
    response={200: CohortsOut, **READ_ERRORS},
    summary="Cohort retention",
)
def get_cohorts(request: HttpRequest, query: Query[JourneyQuery]) -> dict[str, Any]:
    """Cohorts by month of first purchase in the period: the share who bought in each
    month since (0 … 24), for everyone and per ``grouping``."""
    report = _report(request, query)
    return {"meta": report["meta"], **report["cohorts"]}
