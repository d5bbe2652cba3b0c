"""Reads of trigger rules and their firings, with what each firing made (its task, its
outbox messages, its campaign contact), for the pages, the customer file and the API."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from relata.customers.models import ConsentChannel, Customer
from relata.engagement.models import (
    CampaignContact,
    ContactGroup,
    FiringOutcome,
    MessageStatus,
    OutboxMessage,
    TriggerFiring,
    TriggerRule,
)
from relata.engagement.trigger_events import ACTIONS, EVENTS
from relata.engagement.trigger_params import Param

RECENT_DAYS = 30


def trigger_rule_list(*, active: bool | None = None) -> QuerySet[TriggerRule]:
    """Rules by name, with the number of firings in the last 30 days."""
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    rules = TriggerRule.objects.select_related("segment", "campaign", "template").annotate(
        fired_recently=Count("firings", filter=Q(firings__fired_at__gte=since))
    )
    if active is not None:
        rules = rules.filter(active=active)
    return rules.order_by("name", "pk")


def trigger_rule_outcomes(rule: TriggerRule) -> dict[str, int]:
    """Firings of the rule in the last 30 days per outcome (every outcome present)."""
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    counts = dict(
        rule.firings.filter(fired_at__gte=since)
        .values_list("outcome")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {outcome: int(counts.get(outcome, 0)) for outcome in FiringOutcome.values}


def firing_list(
    *,
    rule_id: int | None = None,
    outcome: str = "",
    event: str = "",
    customer_id: int | None = None,
) -> QuerySet[TriggerFiring]:
    """Firings, newest first (by id: the order they were made in, on the primary key)."""
    firings = TriggerFiring.objects.select_related("rule", "customer", "task")
    if rule_id is not None:
        firings = firings.filter(rule_id=rule_id)
    if outcome:
        firings = firings.filter(outcome=outcome)
    if event:
        firings = firings.filter(rule__event=event)
    if customer_id is not None:
        firings = firings.filter(customer_id=customer_id)
    return firings.order_by("-pk")


@dataclass(frozen=True)
class FiringLink:
    kind: str  # "task", "message", "campaign", "customer"
    label: str
    url: str


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _campaign_url(campaign_id: int) -> str:
    try:
        return reverse("campaigns:detail", kwargs={"pk": campaign_id})
    except NoReverseMatch:  # the campaign pages are not there (yet)
        return ""


def firing_links(firings: Iterable[TriggerFiring]) -> dict[int, list[FiringLink]]:
    """What each firing made, with links: two queries for any number of firings."""
    firings = list(firings)
    ids = [f.pk for f in firings]
    links: dict[int, list[FiringLink]] = defaultdict(list)
    for firing in firings:
        if firing.task_id is not None:
            url = reverse("tasks:detail", kwargs={"pk": firing.task_id})
            links[firing.pk].append(FiringLink("task", f"#{firing.task_id}", url))
    messages = OutboxMessage.objects.filter(trigger_firing_id__in=ids).values_list(
        "pk", "trigger_firing_id", "channel", "status"
    )
    for pk, firing_id, channel, status in messages:
        url = reverse("outbox:detail", kwargs={"pk": pk})
        label = f"#{pk} {_label(ConsentChannel, channel)} · {_label(MessageStatus, status)}"
        links[firing_id].append(FiringLink("message", label, url))
    contacts = CampaignContact.objects.filter(trigger_firing_id__in=ids).values_list(
        "trigger_firing_id", "campaign_id", "campaign__name", "group"
    )
    for firing_id, campaign_id, name, group in contacts:
        group = _label(ContactGroup, group).lower()
        links[firing_id].append(
            FiringLink("campaign", f"{name} ({group})", _campaign_url(campaign_id))
        )
    return dict(links)


def customer_firings(customer: Customer | int, *, limit: int = 10) -> list[TriggerFiring]:
    """The customer's latest firings (on the customer index), each with ``links``."""
    customer_id = customer if isinstance(customer, int) else customer.pk
    firings = list(
        TriggerFiring.objects.filter(customer_id=customer_id)
        .select_related("rule", "task")
        .order_by("-fired_at", "-pk")[:limit]
    )
    links = firing_links(firings)
    for firing in firings:
        firing.links = links.get(firing.pk, [])  # type: ignore[attr-defined]
    return firings


def customer_firing_count(customer: Customer | int) -> int:
    customer_id = customer if isinstance(customer, int) else customer.pk
    return TriggerFiring.objects.filter(customer_id=customer_id).count()


def _value_text(param: Param, value: Any) -> str:
    if param.kind == "bool":
        return "✓" if value else "✗"
    if param.kind == "choice":
        return next((str(label) for v, label in param.choices if str(v) == str(value)), str(value))
    return str(value)


def params_summary(params: Iterable[Param], stored: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) of each setting that has a value (the default when not stored)."""
    summary = []
    for param in params:
        value = stored.get(param.name, param.default)
        if value is None or value == "" or (param.kind == "bool" and not value):
            continue
        summary.append((str(param.label), _value_text(param, value)))
    return summary


def rule_settings(rule: TriggerRule) -> dict[str, list[tuple[str, str]]]:
    event = EVENTS.get(rule.event)
    action = ACTIONS.get(rule.action)
    return {
        "event": params_summary(event.params, rule.event_params or {}) if event else [],
        "action": params_summary(action.params, rule.action_params or {}) if action else [],
    }
