"""Next-best-offer pages: the last run with its evaluation, the association rules explorer
and "recompute" for managers. Thin: reads in ``offer_selectors``, the run in
``offer_services``."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relata.accounts.roles import ADMIN
from relata.customers.models import Customer
from relata.engagement.offer_compute import OfferRunSettings
from relata.engagement.offer_forms import RecomputeForm, RuleFilterForm
from relata.engagement.offer_selectors import (
    offer_evaluation_rows,
    offer_run_current,
    offer_runs_recent,
    rules_top,
)
from relata.engagement.offer_services import offer_run_create
from relata.web.http import HtmxHttpRequest
from relata.web.pagination import paginate

logger = logging.getLogger(__name__)

RULES_PER_PAGE = 50
# "Recompute" runs in the request; beyond this many customers use `relata offers` instead.
RECOMPUTE_MAX_CUSTOMERS = 50_000


def can_manage_offers(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Administrators (the admin group) and whoever may add offer runs."""
    if not isinstance(user, User) or not user.is_active:
        return False
    if user.has_perm("engagement.add_offerrun"):
        return True
    return user.groups.filter(name=ADMIN).exists()


@login_required
@permission_required("engagement.view_offerrun", raise_exception=True)
def offers_summary(request: HttpRequest) -> HttpResponse:
    run = offer_run_current()
    context: dict[str, Any] = {
        "run": run,
        "can_manage": can_manage_offers(request.user),
        "recompute_form": RecomputeForm(),
        "recompute_limit": RECOMPUTE_MAX_CUSTOMERS,
    }
    if run is None:
        context["customer_count"] = Customer.objects.count()
        return render(request, "engagement/offers/summary.html", context)
    figures = run.settings_used.get("figures", {})
    context.update(
        figures=figures,
        offers_by_kind=figures.get("offers_by_kind", {}),
        settings=OfferRunSettings.from_dict(run.settings_used),
        evaluation=run.evaluation or {},
        evaluation_rows=offer_evaluation_rows(run),
        history=[
            {"run": past, "rows": offer_evaluation_rows(past)} for past in offer_runs_recent()
        ],
        top_rules=list(rules_top(run=run, across_categories=True)[:10]),
        seconds=(run.finished_at - run.started_at).total_seconds() if run.finished_at else None,
    )
    return render(request, "engagement/offers/summary.html", context)


@login_required
@permission_required("engagement.view_offerrule", raise_exception=True)
def offer_rules(request: HtmxHttpRequest) -> HttpResponse:
    form = RuleFilterForm(request.GET or None)
    run = offer_run_current()
    context: dict[str, Any] = {"form": form, "run": run}
    status = 200
    if form.is_bound and not form.is_valid():
        context["error"] = form.error_text()
        status = 400
        filters: dict[str, Any] = {}
    else:
        filters = form.filters() if form.is_bound else {}
    context["sort"] = filters.get("sort") or request.GET.get("sort") or "-lift"
    if run is not None and "error" not in context:
        context["page"] = paginate(request, rules_top(run=run, **filters), per_page=RULES_PER_PAGE)
        context["product"] = form.cleaned_data.get("product") if form.is_bound else None
    partial = request.htmx and "error" not in context and run is not None
    template = "engagement/offers/rules.html#results" if partial else "engagement/offers/rules.html"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_POST
@permission_required("engagement.add_offerrun", raise_exception=True)
def offers_recompute(request: HttpRequest) -> HttpResponse:
    if not can_manage_offers(request.user):
        raise PermissionDenied
    form = RecomputeForm(request.POST)
    evaluate = form.is_valid() and form.cleaned_data["evaluate"]
    total = Customer.objects.count()
    if total > RECOMPUTE_MAX_CUSTOMERS:
        messages.warning(
            request,
            _(
                "%(n)s customers are too many to compute offers for while you wait; run "
                "`relata offers` on the server (or let the scheduled task do it)."
            )
            % {"n": intcomma(total)},
        )
        return redirect("offers:summary")
    current = offer_run_current()
    try:
        settings = OfferRunSettings.from_dict(current.settings_used if current else None)
    except (TypeError, ValueError):
        settings = OfferRunSettings()
    started = time.perf_counter()
    try:
        run = offer_run_create(settings=settings, evaluate=evaluate)
    except ValueError:
        # The analytics core refuses data it cannot work with (no orders, or none on one
        # side of the evaluation's split); its English reason goes to the log.
        logger.exception("offer run from the page refused its data")
        messages.error(
            request,
            _(
                "The offers could not be computed from the orders there are (for the check, "
                "orders are needed before and after the split). Try without the check."
            ),
        )
        return redirect("offers:summary")
    except Exception:
        logger.exception("offer run from the page failed")
        messages.error(request, _("Computing the offers failed; the details are in the log."))
        return redirect("offers:summary")
    messages.success(
        request,
        _(
            "Offers computed in %(seconds)s s: %(baskets)s baskets, %(rules)s rules, "
            "%(customers)s customers with offers."
        )
        % {
            "seconds": number_format(time.perf_counter() - started, 1),
            "baskets": intcomma(run.baskets),
            "rules": intcomma(run.rules),
            "customers": intcomma(run.customers),
        },
    )
    return redirect("offers:summary")
