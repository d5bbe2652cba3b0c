"""Journey analytics pages (DOMAIN.md §14): paths before a first purchase and before churn,
channel switching, drop-off causes, time to conversion and cohort retention, with the
cohort table as CSV."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from relata.feedback.journey_forms import (
    JourneyFilterForm,
    default_filters,
    filter_form_showing,
    form_errors,
)
from relata.feedback.journey_report import cohort_csv_rows, journey_report_cached
from relata.feedback.journey_selectors import JourneyFilters
from relata.imports.parsing import neutralise_formula

PERMISSION = "contacts.view_contactmoment"


def _filters(request: HttpRequest) -> tuple[JourneyFilterForm, JourneyFilters | None]:
    form = JourneyFilterForm(request.GET)
    return form, form.filters() if form.is_valid() else None


def _chart_data(report: dict[str, Any]) -> dict[str, Any]:
    """What the charts draw (the tables on the page hold the same figures)."""
    drop = report["drop_off"]
    return {
        "first_purchase": {
            "nodes": report["first_purchase"]["nodes"],
            "links": report["first_purchase"]["links"],
        },
        "churn": {"nodes": report["churn"]["nodes"], "links": report["churn"]["links"]},
        "switching": {
            "channels": [c["label"] for c in report["switching"]["channels"]],
            "matrix": report["switching"]["matrix"],
        },
        "drop_off": {
            "nodes": [row["label"] for row in drop["by_node"]],
            "causes": [cause["label"] for cause in drop["causes"]],
            "counts": [row["causes"] for row in drop["by_node"]],
            "share": [row["share"] for row in drop["by_node"]],
        },
        "conversion": {
            "bins": [row["label"] for row in report["conversion"]["histogram"]],
            "customers": [row["customers"] for row in report["conversion"]["histogram"]],
        },
        "cohorts": {
            "months_since": report["cohorts"]["months_since"],
            "all": report["cohorts"]["curve"],
            "groups": [
                {"label": group["label"], "curve": group["curve"], "customers": group["customers"]}
                for group in report["cohorts"]["groups"]
            ],
        },
        "labels": {
            "customers": _("Customers"),
            "moments": _("Contact moments"),
            "all": _("All customers"),
            "months_since": _("Months since the first purchase"),
            "retention": _("Bought in that month"),
            "next": _("Next contact"),
            "with_friction": _("With friction"),
            "days": _("Days from first contact to first purchase"),
        },
    }


@login_required
@permission_required(PERMISSION, raise_exception=True)
def overview(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    if filters is None:
        messages.warning(
            request, _("The filters were not applied: %(errors)s") % {"errors": form_errors(form)}
        )
        filters = default_filters()
    else:
        form = filter_form_showing(filters)
    report = journey_report_cached(filters)
    context = {
        "form": form,
        "filters": filters,
        "report": report,
        "chart_data": _chart_data(report),
        "query": request.GET.urlencode(),
        "computed_at": datetime.fromisoformat(report["meta"]["computed_at"]),
    }
    return render(request, "feedback/journeys/overview.html", context)


@login_required
@permission_required(PERMISSION, raise_exception=True)
def cohorts_csv(request: HttpRequest) -> HttpResponse:
    """The cohort table (everyone, then each group): semicolons and decimal commas in
    Dutch, commas in English."""
    form, filters = _filters(request)
    if filters is None:
        return HttpResponseBadRequest(form_errors(form), content_type="text/plain; charset=utf-8")
    report = journey_report_cached(filters)
    dutch = (get_language() or "en").startswith("nl")
    delimiter = ";" if dutch else ","
    stream = io.StringIO()
    writer = csv.writer(stream, delimiter=delimiter, lineterminator="\r\n")
    for row in cohort_csv_rows(report):
        writer.writerow([_cell(value, dutch) for value in row])
    response = HttpResponse("\ufeff" + stream.getvalue(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="relata-cohorts-{filters.date_from.isoformat()}-'
        f'{filters.date_to.isoformat()}-{stamp}.csv"'
    )
    return response


def _cell(value: Any, decimal_comma: bool) -> Any:
    if isinstance(value, float):
        text = f"{value:.4f}".rstrip("0").rstrip(".")
        return text.replace(".", ",") if decimal_comma else text
    if isinstance(value, str):
        return neutralise_formula(value)
    return value
