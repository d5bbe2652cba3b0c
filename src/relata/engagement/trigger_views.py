"""Trigger pages: the rule list, a rule's page with its firing log, the form (whose settings
follow the chosen event and action, swapped in by htmx), preview, run now, switch on/off,
and the log of all firings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relata.accounts.visibility import visible_by_customer
from relata.customers.models import Customer
from relata.engagement.models import FiringOutcome, TriggerRule
from relata.engagement.trigger_events import ACTIONS, EVENTS, occurrence_text
from relata.engagement.trigger_forms import FiringFilterForm, TriggerRuleForm
from relata.engagement.trigger_selectors import (
    RECENT_DAYS,
    firing_links,
    firing_list,
    rule_settings,
    trigger_rule_list,
    trigger_rule_outcomes,
)
from relata.engagement.trigger_services import (
    RuleResult,
    trigger_rule_save,
    trigger_rule_set_active,
    trigger_rules_run,
)
from relata.web.http import HtmxHttpRequest, int_param
from relata.web.pagination import paginate_estimated

SAMPLE_SIZE = 10


def _rule(pk: int) -> TriggerRule:
    return get_object_or_404(
        TriggerRule.objects.select_related("segment", "campaign", "template"), pk=pk
    )


@login_required
@permission_required("engagement.view_triggerrule", raise_exception=True)
def rule_list(request: HtmxHttpRequest) -> HttpResponse:
    rules = [
        {"rule": rule, "event": EVENTS.get(rule.event), "settings": rule_settings(rule)}
        for rule in trigger_rule_list()
    ]
    return render(
        request, "engagement/triggers/list.html", {"rules": rules, "recent_days": RECENT_DAYS}
    )


def _firing_page(request: HtmxHttpRequest, **filters: Any) -> tuple[Any, FiringFilterForm]:
    form = FiringFilterForm(request.GET or None)
    chosen = form.cleaned_data if form.is_valid() else {}
    # A firing names its customer: a restricted user sees only their own accounts' firings.
    firings = visible_by_customer(
        request.user,
        firing_list(
            outcome=chosen.get("outcome") or "",
            event=chosen.get("event") or "",
            customer_id=int_param(request.GET.get("customer")),
            **filters,
        ),
    )
    page = paginate_estimated(request, firings, per_page=25)
    links = firing_links(page.object_list)
    for firing in page.object_list:
        firing.links = links.get(firing.pk, [])
    return page, form


@login_required
@permission_required("engagement.view_triggerrule", raise_exception=True)
def rule_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    rule = _rule(pk)
    page, form = _firing_page(request, rule_id=rule.pk)
    counts = trigger_rule_outcomes(rule)
    context = {
        "rule": rule,
        "event": EVENTS.get(rule.event),
        "action": ACTIONS.get(rule.action),
        "settings": rule_settings(rule),
        "outcomes": [(value, label, counts[value]) for value, label in FiringOutcome.choices],
        "recent_days": RECENT_DAYS,
        "page": page,
        "form": form,
    }
    template = "engagement/triggers/detail.html"
    response = render(request, f"{template}#firings" if request.htmx else template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@permission_required("engagement.view_triggerfiring", raise_exception=True)
def firing_log(request: HtmxHttpRequest) -> HttpResponse:
    page, form = _firing_page(request)
    template = "engagement/triggers/firings.html"
    context = {"page": page, "form": form}
    response = render(request, f"{template}#firings" if request.htmx else template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _form_page(request: HtmxHttpRequest, rule: TriggerRule | None) -> HttpResponse:
    instance = rule or TriggerRule()
    if request.method == "POST":
        form = TriggerRuleForm(request.POST, instance=instance)
        if form.is_valid():
            try:
                saved = trigger_rule_save(rule=form.rule(), actor=request.user)
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
            else:
                messages.success(request, _("Trigger rule “%(name)s” saved.") % {"name": saved})
                return redirect("triggers:detail", pk=saved.pk)
    else:
        form = TriggerRuleForm(instance=instance, kinds=request.GET)
    context = {"form": form, "rule": rule}
    template = "engagement/triggers/form.html"
    part = request.GET.get("part")
    if request.htmx and part in ("event", "action"):
        response = render(request, f"{template}#{part}-settings", context)
    else:
        response = render(request, template, context, status=400 if form.errors else 200)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@permission_required("engagement.add_triggerrule", raise_exception=True)
def rule_create(request: HtmxHttpRequest) -> HttpResponse:
    return _form_page(request, None)


@login_required
@permission_required("engagement.change_triggerrule", raise_exception=True)
def rule_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _form_page(request, _rule(pk))


@login_required
@permission_required("engagement.view_triggerrule", raise_exception=True)
def rule_preview(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """A dry run: how many customers would fire now, and who (a sample)."""
    rule = _rule(pk)
    result: RuleResult = trigger_rules_run(rule=rule, dry_run=True, sample_size=SAMPLE_SIZE).rules[
        0
    ]
    customers = Customer.objects.in_bulk([o.customer_id for o in result.sample])
    sample = [
        (customers.get(o.customer_id), o.event_key, occurrence_text(rule.event, o.facts))
        for o in result.sample
        if o.customer_id in customers
    ]
    context = {"rule": rule, "result": result, "sample": sample}
    template = "engagement/triggers/preview.html"
    return render(request, f"{template}#preview" if request.htmx else template, context)


def _result_message(result: RuleResult) -> str:
    if result.error:
        return result.error
    if not result.scheduled:
        return _("This rule fires when its event happens; there is nothing to scan.")
    return _(
        "Matched %(matched)s, fired %(fired)s: %(done)s done, %(refused)s refused, "
        "%(skipped)s skipped, %(failed)s failed."
    ) % {
        "matched": result.matched,
        "fired": result.fired,
        "done": result.done,
        "refused": result.refused,
        "skipped": result.skipped,
        "failed": result.failed,
    }


@login_required
@require_POST
@permission_required("engagement.change_triggerrule", raise_exception=True)
def rule_run(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    rule = _rule(pk)
    result = trigger_rules_run(rule=rule).rules[0]
    (messages.error if result.error else messages.success)(request, _result_message(result))
    return redirect("triggers:detail", pk=rule.pk)


@login_required
@require_POST
@permission_required("engagement.change_triggerrule", raise_exception=True)
def rule_toggle(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    rule = _rule(pk)
    active = request.POST.get("active") == "on"
    try:
        trigger_rule_set_active(rule=rule, active=active)
    except ValidationError as error:
        messages.error(
            request,
            _("The rule cannot be switched on: %(errors)s") % {"errors": " ".join(error.messages)},
        )
    else:
        messages.success(
            request,
            _("Trigger rule switched on.") if active else _("Trigger rule switched off."),
        )
    if request.POST.get("next") == "list":
        return redirect("triggers:list")
    return redirect("triggers:detail", pk=rule.pk)
