"""Generated tasks and the routing they went through."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from relata.demo.generate import DemoData, RuleSpec
from relata.demo.routing import decide, route
from relata.demo.tasks import KINDS
from tests.demo.conftest import DEFAULT_RULES, NOW


def _columns(data: DemoData, model: str) -> dict[str, np.ndarray]:
    return {name: col.values for name, col in data.table(model).columns.items()}


def _route(rules: tuple[RuleSpec, ...], *tasks: tuple[str, int | None]) -> list[dict[str, Any]]:
    kind = np.array([KINDS.index(k) for k, _ in tasks])
    value = np.array([v or 0 for _, v in tasks])
    has_value = np.array([v is not None for _, v in tasks])
    routed = route(rules, KINDS, kind, value, has_value, np.zeros(len(tasks), bool))
    return [json.loads(text) for text in routed.reason.tolist()]


def test_route_takes_the_first_rule_whose_conditions_hold() -> None:
    # given a quote above the threshold, one below, a call-back, and a request without value
    # when
    big, small, call, request = _route(
        DEFAULT_RULES,
        ("quote_request", 60_000),
        ("quote_request", 12_000),
        ("call_back", None),
        ("request", None),
    )
    # then the big quote goes to the account owner because of its value
    assert big["rule"] == 1 and big["destination"] == "account_owner" and big["team"] == "sales"
    assert big["value"] == "600.00" and big["threshold"] == "500.00"
    assert big["met"] == [{"c": "value", "threshold": "500.00"}] and big["missed"] == []
    # and the rest falls through to the back office, saying which conditions did not hold
    # (the tier rule never holds: tiers are unknown before scoring)
    for reason in (small, call, request):
        assert reason["rule"] == 3 and reason["team"] == "back_office"
        assert {"c": "tier", "tiers": [1, 2]} in reason["missed"]
    assert {"c": "value", "threshold": "500.00"} in small["missed"]
    assert {"c": "kind", "kinds": ["quote_request", "request"]} in call["missed"]
    assert call["value"] is None and call["threshold"] is None
    assert request["value"] is None and request["threshold"] == "500.00"


def test_route_with_either_condition_to_a_colleague_and_without_any_rule() -> None:
    # given a rule on value or tier, for every kind, to a named colleague
    rules = (
        RuleSpec(7, "Big or VIP", "user", min_value=100_00, tiers=(1,), match_any=True, user_id=5),
    )
    # when
    big, small = _route(rules, ("follow_up", 150_00), ("follow_up", 50_00))
    (unrouted,) = _route((), ("follow_up", 150_00))
    # then the value alone is enough; what no rule takes waits in the sales queue
    assert big["rule"] == 7 and big["assignee"] == 5 and big["destination"] == "user"
    assert small["rule"] is None and small["fallback"] == "no_rule" and small["team"] == "sales"
    assert unrouted["rule"] is None and unrouted["destination"] == "sales"


def test_decide_matches_a_row_at_the_threshold() -> None:
    assert decide(DEFAULT_RULES, "request", 50_000)["rule"] == 1
    assert decide(DEFAULT_RULES, "request", 49_999)["rule"] == 3


def test_tasks_are_routed_and_say_why(work_data: DemoData) -> None:
    # given
    tasks = _columns(work_data, "contacts.Task")
    value_null = work_data.table("contacts.Task").columns["value"].null
    rule_null = work_data.table("contacts.Task").columns["routing_rule_id"].null
    assert value_null is not None and rule_null is not None
    routing = [json.loads(text) for text in tasks["routing"].tolist()]
    destination = np.array([r["destination"] for r in routing])
    # then the explanation has the expected shape and agrees with the columns
    assert all(
        {"destination", "rule", "name", "value", "threshold", "tier", "team"} <= set(r)
        for r in routing
    )
    assert all(r["tier"] is None for r in routing)
    rules = {rule.id: rule for rule in DEFAULT_RULES}
    for r, rule_id, no_rule, team in zip(
        routing, tasks["routing_rule_id"], rule_null, tasks["team"], strict=True
    ):
        assert (r["rule"] is None) == bool(no_rule)
        assert r["team"] == team
        if r["rule"] is not None:
            assert r["rule"] == rule_id and r["name"] == rules[rule_id].name
            assert r["destination"] == rules[rule_id].destination
        else:
            assert r["manual"] and r["destination"] == "account_owner"
    values = [r["value"] for r in routing]
    assert [v is None for v in values] == value_null.tolist()
    stored = [f"{v / 100:.2f}" for v in tasks["value"]]
    assert [v for v in values if v] == [s for s, n in zip(stored, value_null, strict=True) if not n]
    # and big quotes went to the account owner, in the sales team; small ones to the back office
    quote = tasks["kind"] == "quote_request"
    big = quote & ~value_null & (tasks["value"] >= 50_000)
    assert big.any() and (quote & ~big).any()
    assert np.all(destination[big] == "account_owner")
    assert np.all(destination[quote & ~big] == "back_office")
    assert np.all(tasks["team"][destination == "account_owner"] == "sales")
    assert np.all(tasks["team"][destination == "back_office"] == "back_office")
    # and nobody is assigned yet: the demo users do not exist when the data is generated
    assignee_null = work_data.table("contacts.Task").columns["assignee_id"].null
    assert assignee_null is not None and assignee_null.all()


def test_tasks_cover_the_kinds_and_are_open_or_done(work_data: DemoData) -> None:
    # given
    tasks = _columns(work_data, "contacts.Task")
    completed_null = work_data.table("contacts.Task").columns["completed_at"].null
    assert completed_null is not None
    status = tasks["status"]
    is_open = np.isin(status, ["open", "in_progress", "waiting"])
    # then
    assert set(tasks["kind"].tolist()) == set(KINDS)
    assert 0.05 < is_open.mean() < 0.4
    assert np.array_equal(completed_null, is_open | (status == "cancelled"))
    done = status == "done"
    assert np.all(tasks["completed_at"][done] >= tasks["created_at"][done])
    assert np.all(tasks["completed_at"][done] <= np.datetime64(NOW))
    assert np.all(tasks["due_date"] >= tasks["created_at"].astype("datetime64[D]"))
    assert set(tasks["priority"].tolist()) == {1, 2, 3, 4}
    # and they are from recent months
    from_moment = tasks["deal_id"] == 0
    age = np.datetime64(NOW) - tasks["created_at"][from_moment]
    assert age.max() < np.timedelta64(130, "D")


def test_tasks_point_at_what_they_are_about(work_data: DemoData) -> None:
    # given
    tasks = _columns(work_data, "contacts.Task")
    moments = _columns(work_data, "contacts.ContactMoment")
    complaints = _columns(work_data, "contacts.Complaint")
    deals = _columns(work_data, "sales.Deal")
    columns = work_data.table("contacts.Task").columns
    moment_null, complaint_null, deal_null = (
        columns[name].null for name in ("contact_moment_id", "complaint_id", "deal_id")
    )
    assert moment_null is not None and complaint_null is not None and deal_null is not None
    # then moments, complaints and deals are the task customer's
    m = ~moment_null
    assert np.array_equal(
        moments["customer_id"][tasks["contact_moment_id"][m] - 1], tasks["customer_id"][m]
    )
    c = ~complaint_null
    assert (
        np.all(tasks["kind"][c] == "complaint") and c.sum() == (tasks["kind"] == "complaint").sum()
    )
    assert np.array_equal(
        complaints["customer_id"][tasks["complaint_id"][c] - 1], tasks["customer_id"][c]
    )
    # and an open complaint has open handling
    complaint_open = np.isin(
        complaints["status"][tasks["complaint_id"][c] - 1], ["open", "in_progress"]
    )
    assert np.array_equal(
        complaint_open, np.isin(tasks["status"][c], ["open", "in_progress", "waiting"])
    )
    d = ~deal_null
    deal_index = tasks["deal_id"][d] - 1
    assert d.any()
    assert np.array_equal(deals["customer_id"][deal_index], tasks["customer_id"][d])
    assert set(deals["stage"][deal_index].tolist()) <= {"qualified", "quote"}
