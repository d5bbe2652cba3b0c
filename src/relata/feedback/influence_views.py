"""The influence page: influence score, advocacy value and holistic value per customer from
the latest score run, the assumptions behind them, the "low spend, high influence" list, a
scatter of CLV against influence, and the list as CSV. Thin: reads in influence_selectors."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_vary_headers
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from relata.analytics.influence import InfluenceSettings
from relata.customers.models import Customer
from relata.feedback import influence_selectors as reads
from relata.feedback.influence_export import csv_response
from relata.feedback.influence_forms import VIEW_LOW_SPEND, InfluenceListForm
from relata.scoring.choices import TierChoice
from relata.scoring.dashboard import (
    HIGH_SPEND_TIERS,
    INFLUENTIAL,
    LOW_SPEND_TIERS,
    period_choices,
)
from relata.scoring.models import ScoreRun
from relata.scoring.views import can_manage_scoring
from relata.web.http import HtmxHttpRequest
from relata.web.pagination import paginate_estimated

PERMISSION = "scoring.view_customersnapshot"
PER_PAGE = 50
#: Where influence data is recorded: (URL name, link text), shown when a name resolves.
SOURCES = (
    ("social:list", _lazy("Social profiles")),
    ("reviews:list", _lazy("Reviews")),
    ("surveys:list", _lazy("Surveys")),
    ("referrals:list", _lazy("Referrals")),
)


def url_or_blank(name: str) -> str:
    """The URL of a page that may not exist in this installation (blank if it does not)."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def source_links() -> list[tuple[str, str]]:
    links = [(str(label), url_or_blank(name)) for name, label in SOURCES]
    return [(label, url) for label, url in links if url]


def empty_state(request: HttpRequest, title: str) -> HttpResponse:
    """The page before any score run: what to do to get one."""
    context = {
        "title": title,
        "can_manage": can_manage_scoring(request.user),
        "customer_count": Customer.objects.count(),
    }
    return render(request, "feedback/influence/no_run.html", context)


def form_run(form: InfluenceListForm) -> tuple[ScoreRun | None, str | None]:
    """(run, error): the run the query asks for (the latest when it names none)."""
    if not form.is_valid():
        return None, form.error_text()
    run_id = form.cleaned_data.get("run")
    run = reads.influence_run(run_id=run_id)
    if run is None and run_id is not None:
        return None, _("There is no complete score run for that period.")
    return run, None


def _chart_data(run: ScoreRun) -> dict[str, Any]:
    scatter = reads.influence_scatter(run=run)
    return {
        "points": scatter.points,
        "threshold": INFLUENTIAL,
        "tiers": {str(code): str(label) for code, label in TierChoice.choices},
        "low_spend_tiers": list(LOW_SPEND_TIERS),
        "customer_url": reverse("customers:detail", kwargs={"pk": 0}),
        "labels": {
            "clv": _("CLV (BG/NBD + Gamma-Gamma)"),
            "influence": _("Influence score"),
            "low_spend": _("Low spend, high influence"),
            "others": _("Other customers"),
            "customer": _("Customer"),
            "tier": _("Tier"),
        },
    }


@login_required
@permission_required(PERMISSION, raise_exception=True)
def overview(request: HtmxHttpRequest) -> HttpResponse:
    form = InfluenceListForm(request.GET)
    run, error = form_run(form)
    title = _("Influence and holistic value")
    if error is not None:
        failed = {"error": error, "title": title}
        return render(request, "feedback/influence/overview.html", failed, status=400)
    if run is None:
        return empty_state(request, title)
    filters = form.influence_filter()
    sort = form.cleaned_data.get("sort") or reads.DEFAULT_SORT
    page = paginate_estimated(
        request, reads.influence_snapshots(run=run, filters=filters, sort=sort), per_page=PER_PAGE
    )
    reasons = reads.influence_reasons(customer_ids=[s.customer_id for s in page], run=run)
    context: dict[str, Any] = {
        "title": title,
        "form": form,
        "run": run,
        "page": page,
        "rows": [(s, reasons[s.customer_id]) for s in page],
        "sort": sort,
        "low_spend": filters.low_spend,
        "threshold": INFLUENTIAL,
        # get_text_list joins with Django's own translated "or".
        "high_spend_tiers": get_text_list([str(TierChoice(t).label) for t in HIGH_SPEND_TIERS]),
    }
    if request.htmx:
        response = render(request, "feedback/influence/overview.html#results", context)
    else:
        context.update(
            totals=reads.influence_totals(run=run),
            assumptions=reads.influence_assumptions(run=run),
            chart_data=_chart_data(run),
            can_manage=can_manage_scoring(request.user),
            view_low_spend=VIEW_LOW_SPEND,
            periods=period_choices(),
            sources=source_links(),
            scales=InfluenceSettings(),
        )
        response = render(request, "feedback/influence/overview.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@permission_required(PERMISSION, raise_exception=True)
def export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    form = InfluenceListForm(request.GET)
    run, error = form_run(form)
    if error is not None or run is None:
        messages.error(request, error or _("Customers have not been scored yet."))
        return redirect("influence:overview")
    sort = form.cleaned_data.get("sort") or reads.DEFAULT_SORT
    snapshots = reads.influence_snapshots(run=run, filters=form.influence_filter(), sort=sort)
    return csv_response(request, snapshots, run=run, name="influence")
