"""Task routing (DOMAIN.md §15): which inbox or queue a new task goes to, and why.

The decision is a pure function of plain data (``RuleSpec``, ``RoutingFacts``) so it can be
tested without a database; ``route`` gathers those facts from the ORM. The reason is stored
as data in ``Task.routing`` and rendered by ``routing_reason_text`` in the reader's language:

* the matched rule and the conditions that held ("€1,200 ≥ €500 threshold", "tier Top");
* when a rule without conditions caught the task, the conditions of the earlier rules that
  did not hold ("€120 < €500 threshold and tier Small");
* the fall-back when the account owner or the named colleague is missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.utils.formats import number_format
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from relata.contacts.models.tasks import RoutingDestination, RoutingRule, TaskKind, Team
from relata.customers.models import Customer
from relata.scoring.choices import TierChoice

VALUE, TIER, KIND = "value", "tier", "kind"


@dataclass(frozen=True)
class RuleSpec:
    """A routing rule as plain data."""

    id: int | None
    name: str
    destination: str
    task_kinds: tuple[str, ...] = ()
    min_value: Decimal | None = None
    tiers: tuple[int, ...] = ()
    match_any: bool = False
    user_id: int | None = None
    user_name: str = ""
    user_team: str = Team.SALES
    active: bool = True

    @property
    def has_conditions(self) -> bool:
        return self.min_value is not None or bool(self.tiers)


@dataclass(frozen=True)
class RoutingFacts:
    """What routing compares: the task's kind and value, the customer's tier and owner."""

    kind: str
    value: Decimal | None = None
    tier: int | None = None  # None: the customer was never scored
    owner_id: int | None = None
    owner_name: str = ""


@dataclass(frozen=True)
class RoutingDecision:
    team: str
    assignee_id: int | None
    rule_id: int | None
    reason: dict[str, Any]


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _condition(kind: str, rule: RuleSpec) -> dict[str, Any]:
    if kind == VALUE:
        return {"c": VALUE, "threshold": _money(rule.min_value)}
    if kind == TIER:
        return {"c": TIER, "tiers": list(rule.tiers)}
    return {"c": KIND, "kinds": list(rule.task_kinds)}


def _check(
    rule: RuleSpec, facts: RoutingFacts
) -> tuple[bool, list[dict[str, Any]], list[dict[str, Any]]]:
    """Whether ``rule`` matches, the conditions that held and those that did not."""
    met: list[dict[str, Any]] = []
    missed: list[dict[str, Any]] = []
    if rule.task_kinds and facts.kind not in rule.task_kinds:
        # The kind is a scope, not a condition "either" can replace.
        return False, met, [_condition(KIND, rule)]
    tests: list[tuple[str, bool]] = []
    if rule.min_value is not None:
        tests.append((VALUE, facts.value is not None and facts.value >= rule.min_value))
    if rule.tiers:
        tests.append((TIER, facts.tier is not None and facts.tier in rule.tiers))
    for kind, held in tests:
        (met if held else missed).append(_condition(kind, rule))
    if not tests:
        matched = True
        if rule.task_kinds:
            met.append(_condition(KIND, rule))
    elif rule.match_any:
        matched = bool(met)
    else:
        matched = not missed
    return matched, met, missed


def _destination(
    rule: RuleSpec, facts: RoutingFacts
) -> tuple[str, int | None, str, dict[str, Any]]:
    """(team, assignee id, assignee name, extra reason fields) for a matched rule."""
    if rule.destination == RoutingDestination.ACCOUNT_OWNER:
        if facts.owner_id is None:
            return Team.SALES, None, "", {"fallback": "no_owner"}
        return Team.SALES, facts.owner_id, facts.owner_name, {}
    if rule.destination == RoutingDestination.USER:
        if rule.user_id is None:
            return Team.SALES, None, "", {"fallback": "no_user"}
        return rule.user_team, rule.user_id, rule.user_name, {}
    if rule.destination == RoutingDestination.BACK_OFFICE:
        return Team.BACK_OFFICE, None, "", {}
    return Team.SALES, None, "", {}


def decide(rules: Sequence[RuleSpec], facts: RoutingFacts) -> RoutingDecision:
    """Try the active rules in order; the first that matches decides. No match: the sales
    queue. The reason records the facts, the matched conditions and, for earlier rules that
    did not match, the conditions that failed (each once)."""
    missed: list[dict[str, Any]] = []
    base: dict[str, Any] = {
        "kind": facts.kind,
        "value": _money(facts.value),
        "tier": facts.tier,
    }
    for rule in rules:
        if not rule.active:
            continue
        matched, met, failed = _check(rule, facts)
        if not matched:
            for condition in failed:
                if condition not in missed:
                    missed.append(condition)
            continue
        team, assignee_id, assignee_name, extra = _destination(rule, facts)
        reason = {
            **base,
            "rule": rule.id,
            "name": rule.name,
            "destination": rule.destination,
            "team": team,
            "assignee": assignee_id,
            "assignee_name": assignee_name,
            "met": met,
            # Earlier rules only explain a catch-all; a rule with its own conditions says why.
            "missed": [] if met else missed,
            **extra,
        }
        return RoutingDecision(team, assignee_id, rule.id, reason)
    reason = {
        **base,
        "rule": None,
        "name": "",
        "destination": RoutingDestination.SALES.value,
        "team": Team.SALES.value,
        "assignee": None,
        "assignee_name": "",
        "met": [],
        "missed": missed,
        "fallback": "no_rule",
    }
    return RoutingDecision(Team.SALES, None, None, reason)


def manual_reason(
    *, team: str, assignee_id: int | None, assignee_name: str, by_id: int | None, by_name: str
) -> dict[str, Any]:
    """The routing record of a task someone placed by hand."""
    return {
        "manual": True,
        "team": team,
        "assignee": assignee_id,
        "assignee_name": assignee_name,
        "by": by_id,
        "by_name": by_name,
    }


# --- Rendering ---------------------------------------------------------------------------


def euro(amount: str | Decimal | None) -> str:
    """An amount as "€1,200" (whole euros) or "€120.50", in the active language's format."""
    if amount is None:
        return ""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    places = 0 if value == value.to_integral_value() else 2
    return "€" + number_format(value, places, use_l10n=True, force_grouping=True)


def tier_label(tier: int | None) -> str:
    if tier is None:
        return _("unknown (never scored)")
    try:
        return str(TierChoice(tier).label)
    except ValueError:
        return str(tier)


def _kind_label(kind: str) -> str:
    try:
        return str(TaskKind(kind).label)
    except ValueError:
        return kind


def _tiers_label(tiers: Iterable[int]) -> str:
    return "/".join(tier_label(t) for t in tiers)


def _met_text(condition: dict[str, Any], reason: dict[str, Any]) -> str:
    if condition["c"] == VALUE:
        return _("%(value)s ≥ %(threshold)s threshold") % {
            "value": euro(reason.get("value")),
            "threshold": euro(condition["threshold"]),
        }
    if condition["c"] == TIER:
        return _("tier %(tier)s") % {"tier": tier_label(reason.get("tier"))}
    return _("kind %(kind)s") % {"kind": _kind_label(reason.get("kind", ""))}


def _missed_text(condition: dict[str, Any], reason: dict[str, Any]) -> str:
    if condition["c"] == VALUE:
        if reason.get("value") is None:
            return _("no value given (threshold %(threshold)s)") % {
                "threshold": euro(condition["threshold"])
            }
        return _("%(value)s < %(threshold)s threshold") % {
            "value": euro(reason.get("value")),
            "threshold": euro(condition["threshold"]),
        }
    if condition["c"] == TIER:
        if reason.get("tier") is None:
            return _("tier unknown (never scored)")
        return _("tier %(tier)s") % {"tier": tier_label(reason.get("tier"))}
    kinds = [_kind_label(k).lower() for k in condition.get("kinds", [])]
    return _("%(kind)s is not a %(kinds)s") % {
        "kind": _kind_label(reason.get("kind", "")),
        "kinds": get_text_list(kinds, _("or")),
    }


def _and(parts: list[str]) -> str:
    return str(get_text_list(parts, _("and")))


def _where(reason: dict[str, Any]) -> str:
    name = reason.get("assignee_name") or ""
    if reason.get("fallback") in ("no_owner", "no_user", "no_rule"):
        return _("Sales queue")
    destination = reason.get("destination")
    if destination == RoutingDestination.ACCOUNT_OWNER:
        return _("Account owner %(name)s") % {"name": name} if name else _("Account owner")
    if destination == RoutingDestination.USER:
        return name
    if destination == RoutingDestination.BACK_OFFICE:
        return _("Back office")
    return _("Sales queue")


def routing_reason_text(reason: dict[str, Any] | None) -> str:
    """Why a task went where it went, in the active language, e.g.
    "Back office: €120 < €500 threshold and tier Small"."""
    if not reason:
        return ""
    if reason.get("manual"):
        where = reason.get("assignee_name") or (
            _("Back-office queue") if reason.get("team") == Team.BACK_OFFICE else _("Sales queue")
        )
        by = reason.get("by_name")
        if by:
            return _("%(where)s: placed by hand by %(by)s") % {"where": where, "by": by}
        return _("%(where)s: placed by hand") % {"where": where}
    met = [_met_text(c, reason) for c in reason.get("met", [])]
    missed = [_missed_text(c, reason) for c in reason.get("missed", [])]
    fallback = reason.get("fallback")
    if fallback == "no_owner":
        why = _("no account owner")
        if met:
            why += f" ({_and(met)})"
    elif fallback == "no_user":
        why = _("the colleague of rule “%(name)s” no longer exists") % {"name": reason["name"]}
    elif fallback == "no_rule":
        why = _("no routing rule applies")
        if missed:
            why += f" ({_and(missed)})"
    elif met:
        why = _and(met)
    elif missed:
        why = _and(missed)
    else:
        why = _("rule “%(name)s”") % {"name": reason.get("name", "")}
    return f"{_where(reason)}: {why}"


# --- Facts from the database ---------------------------------------------------------------


def user_name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _user_team(user: User) -> str:
    in_back_office = any(g.name == "back_office" for g in user.groups.all())
    return Team.BACK_OFFICE if in_back_office else Team.SALES


def rule_spec(rule: RoutingRule) -> RuleSpec:
    user = rule.user if rule.user_id is not None else None
    if user is not None and not user.is_active:
        user = None
    return RuleSpec(
        id=rule.pk,
        name=rule.name,
        destination=rule.destination,
        task_kinds=tuple(rule.task_kinds or ()),
        min_value=rule.min_value,
        tiers=tuple(int(t) for t in rule.tiers or ()),
        match_any=rule.match_any,
        user_id=user.pk if user else None,
        user_name=user_name(user),
        user_team=_user_team(user) if user else Team.SALES,
        active=rule.active,
    )


def active_rules() -> list[RuleSpec]:
    rules = (
        RoutingRule.objects.filter(active=True).select_related("user").order_by("position", "id")
    )
    return [rule_spec(rule) for rule in rules]


def customer_tier(customer_id: int) -> int | None:
    """The customer's tier in the latest complete score run; None if it never scored them."""
    from relata.scoring.models import CustomerSnapshot, RunStatus, ScoreRun

    run_id = (
        ScoreRun.objects.filter(status=RunStatus.COMPLETE)
        .order_by("-period_end")
        .values_list("id", flat=True)
        .first()
    )
    if run_id is None:
        return None
    tier: int | None = (
        CustomerSnapshot.objects.filter(run_id=run_id, customer_id=customer_id)
        .values_list("tier", flat=True)
        .first()
    )
    return tier


def customer_facts(*, customer: Customer, kind: str, value: Decimal | None) -> RoutingFacts:
    owner = customer.account_owner if customer.account_owner_id is not None else None
    if owner is not None and not owner.is_active:
        owner = None
    return RoutingFacts(
        kind=kind,
        value=value,
        tier=customer_tier(customer.pk),
        owner_id=owner.pk if owner else None,
        owner_name=user_name(owner),
    )


def route(*, customer: Customer, kind: str, value: Decimal | None) -> RoutingDecision:
    """Where a task of ``kind`` and ``value`` about ``customer`` goes under the active rules."""
    return decide(active_rules(), customer_facts(customer=customer, kind=kind, value=value))
