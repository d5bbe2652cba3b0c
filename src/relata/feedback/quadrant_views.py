"""The loyalty-quadrant page (attitudinal against behavioural loyalty, Dick & Basu) and the
customer list per quadrant with CSV. Thin: reads in quadrant_selectors and
influence_selectors."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from relata.analytics.loyalty_quadrant import LoyaltySettings
from relata.feedback import influence_selectors as influence
from relata.feedback import quadrant_selectors as reads
from relata.feedback.influence_export import csv_response
from relata.feedback.influence_forms import QuadrantListForm
from relata.feedback.influence_views import (
    PERMISSION,
    empty_state,
    form_run,
    url_or_blank,
)
from relata.scoring.choices import QuadrantChoice
from relata.scoring.dashboard import period_choices
from relata.scoring.models import ScoreRun
from relata.web.http import HtmxHttpRequest
from relata.web.pagination import paginate_estimated

PER_PAGE = 50
#: Where the quadrant's lines lie (the analytics core's defaults, which scoring uses).
THRESHOLDS = LoyaltySettings()
DEFAULT_SORT = "-clv"
#: The survey page, if the installation has one (the surveys app names it one of these).
SURVEY_URL_NAMES = ("surveys:list", "surveys:index", "surveys:overview")


def survey_url() -> str:
    for name in SURVEY_URL_NAMES:
        url = url_or_blank(name)
        if url:
            return url
    return ""


def _chart_data(run: ScoreRun, known: int) -> dict[str, Any]:
    scatter = reads.quadrant_scatter(run=run, known=known)
    return {
        "points": scatter.points,
        "sampled": scatter.sampled,
        "quadrants": {
            str(code): {"label": str(label), "badge": reads.GUIDES[code].badge}
            for code, label in QuadrantChoice.choices
        },
        "customer_url": reverse("customers:detail", kwargs={"pk": 0}),
        "attitude_high": THRESHOLDS.attitude_high,
        "behaviour_high": THRESHOLDS.behaviour_high,
        "labels": {
            # The axes are labelled in percent, so no "(0–1)" here (unlike the CSV export).
            "attitudinal": _("Attitudinal loyalty"),
            "behavioural": _("Behavioural loyalty"),
            "customer": _("Customer"),
        },
    }


@login_required
@permission_required(PERMISSION, raise_exception=True)
def overview(request: HttpRequest) -> HttpResponse:
    form = QuadrantListForm(request.GET)
    run, error = form_run(form)
    title = _("Loyalty quadrant")
    if error is not None:
        failed = {"error": error, "title": title}
        return render(request, "feedback/quadrant/overview.html", failed, status=400)
    if run is None:
        return empty_state(request, title)
    summary = reads.quadrant_overview(run=run)
    previous = influence.previous_run(run=run)
    context: dict[str, Any] = {
        "title": title,
        "run": run,
        "summary": summary,
        "movement": reads.quadrant_movement(run=run, previous=previous),
        "previous": previous,
        "movement_limit": reads.MOVEMENT_MAX_CUSTOMERS,
        "chart_data": _chart_data(run, summary.known),
        "survey_url": survey_url(),
        "unknown_code": QuadrantChoice.UNKNOWN,
        "periods": period_choices(),
        "attitude_high": THRESHOLDS.attitude_high,
        "behaviour_high": THRESHOLDS.behaviour_high,
    }
    return render(request, "feedback/quadrant/overview.html", context)


@login_required
@permission_required(PERMISSION, raise_exception=True)
def customers(request: HtmxHttpRequest) -> HttpResponse:
    form = QuadrantListForm(request.GET)
    run, error = form_run(form)
    title = _("Loyalty quadrant")
    if error is not None:
        failed = {"error": error, "title": title}
        return render(request, "feedback/quadrant/customers.html", failed, status=400)
    if run is None:
        return empty_state(request, title)
    filters = form.influence_filter()
    sort = form.cleaned_data.get("sort") or DEFAULT_SORT
    page = paginate_estimated(
        request,
        influence.influence_snapshots(run=run, filters=filters, sort=sort),
        per_page=PER_PAGE,
    )
    quadrant = filters.quadrant
    context: dict[str, Any] = {
        "title": title,
        "form": form,
        "run": run,
        "page": page,
        "sort": sort,
        "quadrant": quadrant,
        "quadrant_label": QuadrantChoice(quadrant).label if quadrant is not None else "",
        "guide": reads.GUIDES[quadrant] if quadrant is not None else None,
        "survey_url": survey_url() if quadrant == QuadrantChoice.UNKNOWN else "",
    }
    template = "feedback/quadrant/customers.html"
    response = render(request, f"{template}#results" if request.htmx else template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@permission_required(PERMISSION, raise_exception=True)
def export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    form = QuadrantListForm(request.GET)
    run, error = form_run(form)
    if error is not None or run is None:
        messages.error(request, error or _("Customers have not been scored yet."))
        return redirect("quadrant:overview")
    sort = form.cleaned_data.get("sort") or DEFAULT_SORT
    snapshots = influence.influence_snapshots(run=run, filters=form.influence_filter(), sort=sort)
    return csv_response(request, snapshots, run=run, name="loyalty-quadrant")
