"""Settings page of the routing rules: list in order, add, edit, move, delete, and a box to
try the rules on a made-up task."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relata.contacts.models import RoutingRule, TaskKind
from relata.contacts.routing import (
    RoutingFacts,
    active_rules,
    decide,
    routing_reason_text,
    tier_label,
)
from relata.contacts.task_forms import UNKNOWN_TIER, RoutingRuleForm, RoutingTestForm
from relata.contacts.task_services import (
    routing_rule_delete,
    routing_rule_move,
    routing_rule_save,
)
from relata.web.http import HtmxHttpRequest


def _rule_summary(rule: RoutingRule) -> dict[str, Any]:
    return {
        "rule": rule,
        "kinds": [str(label) for value, label in TaskKind.choices if value in rule.task_kinds],
        "tiers": [tier_label(t) for t in rule.tiers],
    }


def _try_rules(form: RoutingTestForm) -> str:
    data = form.cleaned_data
    tier = None if data["tier"] == UNKNOWN_TIER else int(data["tier"])
    facts = RoutingFacts(
        kind=data["kind"],
        value=data["value"],
        tier=tier,
        owner_id=0 if data["has_owner"] else None,
    )
    decision = decide(active_rules(), facts)
    return routing_reason_text(decision.reason)


@login_required
@permission_required("contacts.view_routingrule", raise_exception=True)
def rule_list(request: HtmxHttpRequest) -> HttpResponse:
    rules = RoutingRule.objects.select_related("user").order_by("position", "id")
    test_form = RoutingTestForm(request.GET if "kind" in request.GET else None)
    outcome = _try_rules(test_form) if test_form.is_valid() else ""
    context = {
        "rules": [_rule_summary(r) for r in rules],
        "test_form": test_form,
        "outcome": outcome,
    }
    if request.htmx and request.GET.get("partial") == "test":
        return render(request, "tasks/rules.html#test", context)
    return render(request, "tasks/rules.html", context)


@login_required
@permission_required("contacts.change_routingrule", raise_exception=True)
def rule_edit(request: HtmxHttpRequest, pk: int | None = None) -> HttpResponse:
    rule = get_object_or_404(RoutingRule, pk=pk) if pk else RoutingRule()
    form = RoutingRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        try:
            routing_rule_save(rule=form.save(commit=False))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Routing rule saved."))
            return redirect("tasks:rules")
    return render(request, "tasks/rule_form.html", {"form": form, "rule": rule if pk else None})


@login_required
@require_POST
@permission_required("contacts.change_routingrule", raise_exception=True)
def rule_move(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(RoutingRule, pk=pk)
    routing_rule_move(rule=rule, up=request.POST.get("direction") != "down")
    return redirect("tasks:rules")


@login_required
@require_POST
@permission_required("contacts.delete_routingrule", raise_exception=True)
def rule_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(RoutingRule, pk=pk)
    routing_rule_delete(rule=rule)
    messages.success(request, _("Routing rule “%(name)s” deleted.") % {"name": rule.name})
    return redirect("tasks:rules")
