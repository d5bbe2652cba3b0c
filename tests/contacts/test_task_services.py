from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from relata.concurrency import StaleEditError
from relata.contacts.models import Notification, RoutingRule, Task
from relata.contacts.routing import routing_reason_text
from relata.contacts.task_services import (
    contact_moment_log_with_follow_up,
    routing_rule_delete,
    routing_rule_move,
    routing_rule_reorder,
    routing_rule_save,
    task_assign,
    task_claim,
    task_complete,
    task_create,
    task_reroute,
    task_update,
)
from relata.scoring.choices import TierChoice
from tests.contacts.task_support import make_task, scored_customer, user_with_role
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_create_routes_a_big_quote_to_the_owner_and_notifies_them() -> None:
    # given a customer owned by Jan, and a back-office colleague
    jan = user_with_role("jan", first_name="Jan", last_name="de Vries")
    bo = user_with_role("bo", "back_office")
    customer = scored_customer(TierChoice.SMALL, account_owner=jan)
    # when the back office logs a €1,200 quote request
    task = task_create(
        customer=customer,
        title="Quote 40 chairs",
        kind="quote_request",
        value=Decimal("1200"),
        actor=bo,
    )
    # then it sits in Jan's inbox with the reason, and Jan is told
    assert (task.team, task.assignee, task.routing_rule.position) == ("sales", jan, 10)
    assert routing_reason_text(task.routing) == (
        "Account owner Jan de Vries: €1,200 ≥ €500 threshold"
    )
    notification = Notification.objects.get(recipient=jan)
    assert notification.kind == "task_assigned"
    assert notification.params["title"] == "Quote 40 chairs"
    assert notification.url == f"/tasks/{task.pk}/"
    assert task.created_by == bo


def test_create_sends_a_small_request_to_the_back_office_queue() -> None:
    jan = user_with_role("jan")
    customer = scored_customer(TierChoice.SMALL, account_owner=jan)
    task = task_create(customer=customer, title="Copy invoice", value=Decimal("120"), actor=jan)
    assert (task.team, task.assignee) == ("back_office", None)
    assert routing_reason_text(task.routing) == (
        "Back office: €120 < €500 threshold and tier Small"
    )
    assert not Notification.objects.exists()


def test_create_by_hand_skips_the_rules() -> None:
    sam = user_with_role("sam", first_name="Sam")
    bo = user_with_role("bo", "back_office", first_name="Bo")
    task = task_create(customer=CustomerFactory(), title="Check", actor=sam, assignee=bo)
    assert (task.team, task.assignee, task.routing_rule) == ("back_office", bo, None)
    assert routing_reason_text(task.routing) == "Bo: placed by hand by Sam"
    queued = task_create(customer=CustomerFactory(), title="Queue", actor=sam, team="sales")
    assert (queued.team, queued.assignee) == ("sales", None)


def test_create_refuses_bad_values() -> None:
    with pytest.raises(ValidationError) as error:
        task_create(customer=CustomerFactory(), title="", value=Decimal("-1"), actor=None)
    assert {"title", "value"} <= set(error.value.message_dict)
    assert not Task.objects.exists()


def test_update_with_a_stale_version_changes_nothing() -> None:
    sam = user_with_role("sam")
    task = make_task(assignee=sam)
    first = Task.objects.get(pk=task.pk)
    second = Task.objects.get(pk=task.pk)
    task_update(task=first, fields={"title": "First"}, actor=sam, version=1)
    with pytest.raises(StaleEditError):
        task_update(task=second, fields={"title": "Second"}, actor=sam, version=1)
    task.refresh_from_db()
    assert (task.title, task.version) == ("First", 2)


def test_update_to_done_records_completion_and_reopening_clears_it() -> None:
    sam = user_with_role("sam")
    task = make_task(assignee=sam)
    task_update(task=task, fields={"status": "done"}, actor=sam, version=1)
    assert task.completed_by == sam and task.completed_at is not None
    task_update(task=task, fields={"status": "open"}, actor=sam, version=2)
    assert task.completed_at is None


def test_update_refuses_fields_it_does_not_own() -> None:
    task = make_task()
    with pytest.raises(ValidationError):
        task_update(task=task, fields={"assignee": None}, actor=None)


def test_claim_takes_a_task_from_the_queue_once() -> None:
    bo, other = user_with_role("bo", "back_office"), user_with_role("other", "back_office")
    task = make_task(team="back_office")
    stale_copy = Task.objects.get(pk=task.pk)
    task_claim(task=task, actor=bo)
    assert (task.assignee, task.status, task.version) == (bo, "in_progress", 2)
    assert task.routing["claimed_by"] == bo.pk
    with pytest.raises(ValidationError, match="already took this task"):
        task_claim(task=stale_copy, actor=other)


def test_assign_notifies_the_new_assignee() -> None:
    sam, piet = user_with_role("sam"), user_with_role("piet")
    task = make_task(team="sales")
    task_assign(task=task, actor=sam, assignee=piet, version=1)
    assert task.assignee == piet
    assert Notification.objects.filter(recipient=piet, kind="task_assigned").count() == 1
    task_assign(task=task, actor=sam, assignee=None, team="back_office", version=2)
    assert (task.assignee, task.team) == (None, "back_office")


def test_back_office_completing_tells_the_account_owner() -> None:
    # given Jan's customer with a task in Jan's inbox
    jan = user_with_role("jan")
    bo = user_with_role("bo", "back_office", first_name="Bo")
    task = make_task(customer=CustomerFactory(account_owner=jan), assignee=jan)
    # when the back office completes it on Jan's behalf
    task_complete(task=task, actor=bo)
    # then it is done, by Bo, and Jan hears about it once
    task.refresh_from_db()
    assert (task.status, task.completed_by) == ("done", bo)
    notes = Notification.objects.filter(recipient=jan)
    assert [(n.kind, n.params["by"]) for n in notes] == [("task_done", "Bo")]


def test_owner_completing_their_own_task_notifies_nobody() -> None:
    jan = user_with_role("jan")
    task = make_task(customer=CustomerFactory(account_owner=jan), assignee=jan)
    task_complete(task=task, actor=jan)
    assert not Notification.objects.exists()
    # completing twice changes nothing
    task_complete(task=task, actor=jan)
    assert Task.objects.get(pk=task.pk).version == 2


def test_reroute_applies_changed_rules() -> None:
    jan = user_with_role("jan")
    customer = scored_customer(TierChoice.SMALL, account_owner=jan)
    task = task_create(customer=customer, title="Request", value=Decimal("300"), actor=None)
    assert task.team == "back_office"
    RoutingRule.objects.filter(position=10).update(min_value=Decimal("200"))
    task_reroute(task=task, actor=None)
    assert task.assignee == jan
    assert Notification.objects.filter(recipient=jan).count() == 1


def test_contact_by_a_colleague_notifies_the_owner_and_creates_a_follow_up() -> None:
    jan = user_with_role("jan")
    bo = user_with_role("bo", "back_office")
    customer = scored_customer(TierChoice.TOP, account_owner=jan)
    fields = {"channel": "phone", "touchpoint": "service", "subject": "Asked for a price"}
    moment, task = contact_moment_log_with_follow_up(
        customer=customer, actor=bo, fields=fields, follow_up_title="Send the price list"
    )
    assert moment.staff == bo
    assert task is not None and task.contact_moment == moment and task.kind == "follow_up"
    assert task.assignee == jan  # routed: Top customer
    kinds = sorted(Notification.objects.filter(recipient=jan).values_list("kind", flat=True))
    assert kinds == ["contact_logged", "task_assigned"]


def test_owner_logging_their_own_contact_is_not_notified() -> None:
    jan = user_with_role("jan")
    customer = CustomerFactory(account_owner=jan)
    fields = {"channel": "email", "touchpoint": "sales", "subject": "Hello"}
    _moment, task = contact_moment_log_with_follow_up(
        customer=customer, actor=jan, fields=fields, follow_up_title="Call", follow_up_assign="me"
    )
    assert task is not None and task.assignee == jan
    assert not Notification.objects.exists()


def test_follow_up_for_the_owner_needs_an_owner_and_rolls_back() -> None:
    bo = user_with_role("bo", "back_office")
    customer = CustomerFactory(account_owner=None)
    fields = {"channel": "email", "touchpoint": "sales", "subject": "Hello"}
    with pytest.raises(ValidationError):
        contact_moment_log_with_follow_up(
            customer=customer,
            actor=bo,
            fields=fields,
            follow_up_title="Call",
            follow_up_assign="owner",
        )
    assert not customer.contact_moments.exists()


def test_rule_save_reorder_move_delete() -> None:
    piet = user_with_role("piet", "back_office")
    rule = routing_rule_save(
        rule=RoutingRule(
            name="Complaints to Piet",
            destination="user",
            user=piet,
            task_kinds=["complaint", "complaint"],
            tiers=["4", 2],
        )
    )
    assert rule.position == 40
    assert rule.task_kinds == ["complaint"] and rule.tiers == [2, 4]
    ids = list(RoutingRule.objects.values_list("id", flat=True))
    routing_rule_reorder(ids=[rule.pk])
    assert RoutingRule.objects.values_list("id", flat=True).first() == rule.pk
    routing_rule_move(rule=rule, up=False)
    assert list(RoutingRule.objects.values_list("id", flat=True))[1] == rule.pk
    routing_rule_delete(rule=rule)
    assert list(RoutingRule.objects.values_list("id", flat=True)) == ids[:3]


def test_rule_save_refuses_a_colleague_rule_without_colleague_and_unknown_tiers() -> None:
    with pytest.raises(ValidationError) as error:
        routing_rule_save(rule=RoutingRule(name="x", destination="user", tiers=[9]))
    assert {"user", "tiers"} <= set(error.value.message_dict)
