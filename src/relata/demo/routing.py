"""Routing of generated tasks through the routing rules, with the reason recorded as
`relata.contacts.routing` records it (so the task pages explain it the same way).

Rows that compare alike (same kind, value on the same side of every threshold) get the same
decision, so the rules are applied once per such group in plain Python, and the rows only
fill in their value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from relata.demo.tables import S
from relata.demo.text import money_text, strings

ACCOUNT_OWNER, SALES, BACK_OFFICE, USER = "account_owner", "sales", "back_office", "user"


@dataclass(frozen=True)
class RuleSpec:
    """One active routing rule (`relata.contacts` RoutingRule) as the generator applies it.
    Amounts in cents. Customers have no tier before scoring, so a tier condition never
    holds here."""

    id: int
    name: str
    destination: str
    task_kinds: tuple[str, ...] = ()
    min_value: int | None = None
    tiers: tuple[int, ...] = ()
    match_any: bool = False
    user_id: int | None = None


@dataclass(frozen=True)
class Routed:
    """Per task: the rule's id (0: none), team, assignee (0: nobody yet), where it was sent,
    and the reason as JSON text."""

    rule_id: np.ndarray
    team: np.ndarray
    assignee: np.ndarray
    destination: np.ndarray
    reason: np.ndarray


def _cents(value: int | None) -> str | None:
    return None if value is None else f"{value // 100}.{value % 100:02d}"


def _condition(kind: str, rule: RuleSpec) -> dict[str, Any]:
    if kind == "value":
        return {"c": "value", "threshold": _cents(rule.min_value)}
    if kind == "tier":
        return {"c": "tier", "tiers": list(rule.tiers)}
    return {"c": "kind", "kinds": list(rule.task_kinds)}


def decide(rules: tuple[RuleSpec, ...], kind: str, value: int | None) -> dict[str, Any]:
    """The decision for one task as the reason record (without the value): the first rule
    whose conditions hold, the conditions that held, and for a catch-all the conditions of
    earlier rules that did not. No rule: the sales queue."""
    missed: list[dict[str, Any]] = []
    threshold = next(
        (
            r.min_value
            for r in rules
            if r.min_value is not None and (not r.task_kinds or kind in r.task_kinds)
        ),
        None,
    )
    base = {"kind": kind, "tier": None, "threshold": _cents(threshold)}
    for position, rule in enumerate(rules):
        if rule.task_kinds and kind not in rule.task_kinds:
            missed.append(_condition("kind", rule))
            continue
        tests = []
        if rule.min_value is not None:
            tests.append(("value", value is not None and value >= rule.min_value))
        if rule.tiers:
            tests.append(("tier", False))
        met = [_condition(c, rule) for c, held in tests if held]
        failed = [_condition(c, rule) for c, held in tests if not held]
        if not tests:
            holds = True
            met = [_condition("kind", rule)] if rule.task_kinds else []
        else:
            holds = bool(met) if rule.match_any else not failed
        if not holds:
            missed.extend(c for c in failed if c not in missed)
            continue
        team = BACK_OFFICE if rule.destination == BACK_OFFICE else SALES
        extra: dict[str, Any] = {}
        if rule.destination == USER and rule.user_id is None:
            extra = {"fallback": "no_user"}
        assignee = rule.user_id if rule.destination == USER else None
        return {
            **base,
            "position": position,
            "rule": rule.id,
            "name": rule.name,
            "destination": rule.destination,
            "team": team,
            "assignee": assignee,
            "assignee_name": "",
            "met": met,
            "missed": [] if met else _unique(missed),
            **extra,
        }
    return {
        **base,
        "position": -1,
        "rule": None,
        "name": "",
        "destination": SALES,
        "team": SALES,
        "assignee": None,
        "assignee_name": "",
        "met": [],
        "missed": _unique(missed),
        "fallback": "no_rule",
    }


def _unique(conditions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for condition in conditions:
        if condition not in out:
            out.append(condition)
    return out


def _split(reason: dict[str, Any]) -> tuple[str, str]:
    """The reason's JSON text before and after the value, which each row fills in."""
    text = json.dumps({"value": "\0", **reason})
    head, tail = text.split('"\\u0000"')
    return head, tail


def route(
    rules: tuple[RuleSpec, ...],
    kinds: tuple[str, ...],
    kind: np.ndarray,
    value: np.ndarray,
    has_value: np.ndarray,
    by_hand: np.ndarray,
) -> Routed:
    """Route every task (`kind` indexes `kinds`, `value` in cents where `has_value`). Tasks
    `by_hand` were placed with the account owner by a salesperson, without routing."""
    thresholds = np.unique([r.min_value for r in rules if r.min_value is not None]).astype(np.int64)
    width = len(thresholds) + 2
    bucket = np.where(has_value, np.searchsorted(thresholds, value, side="right"), -1)
    code = np.where(by_hand, -1, kind * width + bucket + 1)
    groups, group_of = np.unique(code, return_inverse=True)
    heads, tails, rule_ids, teams, assignees, destinations = [], [], [], [], [], []
    for group in groups.tolist():
        if group < 0:
            reason: dict[str, Any] = {
                "manual": True,
                "destination": ACCOUNT_OWNER,
                "rule": None,
                "name": "",
                "team": SALES,
                "assignee": None,
                "assignee_name": "",
                "by": None,
                "by_name": "",
                "threshold": None,
                "tier": None,
            }
        else:
            b = group % width - 1
            sample = None if b < 0 else (0 if b == 0 else int(thresholds[b - 1]))
            reason = decide(rules, kinds[group // width], sample)
            reason.pop("position")
        head, tail = _split(reason)
        heads.append(head)
        tails.append(tail)
        rule_ids.append(reason["rule"] or 0)
        teams.append(reason["team"])
        assignees.append(reason["assignee"] or 0)
        destinations.append(reason["destination"])
    amount = np.where(
        has_value, np.strings.add(np.strings.add('"', money_text(value)), '"'), "null"
    ).astype(S)
    text = np.strings.add(
        np.strings.add(strings(heads)[group_of], amount), strings(tails)[group_of]
    )
    return Routed(
        rule_id=np.array(rule_ids, dtype=np.int64)[group_of],
        team=strings(teams)[group_of],
        assignee=np.array(assignees, dtype=np.int64)[group_of],
        destination=strings(destinations)[group_of],
        reason=text,
    )
