"""Running trigger rules: idempotency, the four actions and what each records, consent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import ValidationError

from relata.contacts.models import Notification, Task
from relata.contacts.task_services import task_create
from relata.engagement.models import (
    Campaign,
    CampaignContact,
    OutboxMessage,
    TriggerFiring,
    TriggerRule,
)
from relata.engagement.trigger_scanners import Occurrence
from relata.engagement.trigger_services import (
    _fire,
    _result,
    trigger_rule_save,
    trigger_rule_set_active,
    trigger_rules_run,
)
from tests.contacts.task_support import ensure_default_rules, scored_customer
from tests.engagement.trigger_support import NOW, TODAY, buy, make_rule, opt_in, template
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def new_customers(n: int, **fields: object) -> list[int]:
    ids = []
    for _ in range(n):
        customer = CustomerFactory(**fields)
        buy(customer, TODAY - timedelta(days=2))
        ids.append(customer.pk)
    return ids


def test_running_twice_fires_each_occurrence_once() -> None:
    # given three new customers and a welcome rule
    ids = new_customers(3)
    rule = make_rule("new_customer", "task", action_params={"title": "Welcome call"})
    # when the rules run twice, and again a day later
    first = trigger_rules_run(now=NOW)
    second = trigger_rules_run(now=NOW)
    trigger_rules_run(now=NOW + timedelta(days=1))
    # then one welcome per customer: three firings and three tasks
    assert (first.rules[0].matched, first.rules[0].fired) == (3, 3)
    assert (second.rules[0].matched, second.rules[0].fired) == (3, 0)
    assert (
        sorted(TriggerFiring.objects.filter(rule=rule).values_list("customer_id", flat=True)) == ids
    )
    assert Task.objects.filter(title="Welcome call").count() == 3
    rule.refresh_from_db()
    assert rule.last_run_at is not None


def test_an_occurrence_claimed_by_another_run_is_not_acted_on() -> None:
    # given a firing another run inserted a moment ago (it holds that run's token)
    customer = CustomerFactory()
    rule = make_rule("new_customer", "task")
    TriggerFiring.objects.create(rule=rule, customer=customer, event_key="welcome", detail="x")
    # when this run tries to claim the same occurrence
    fired = _fire(rule, [Occurrence(customer.pk, "welcome", {})], now=NOW, result=_result(rule))
    # then it gets nothing and creates no task
    assert fired == [] and not Task.objects.exists()


def test_dry_run_counts_and_writes_nothing() -> None:
    new_customers(4)
    rule = make_rule("new_customer", "notice")
    summary = trigger_rules_run(now=NOW, dry_run=True, sample_size=2)
    result = summary.rules[0]
    assert (result.matched, result.fired, len(result.sample)) == (4, 4, 2)
    assert not TriggerFiring.objects.exists()
    rule.refresh_from_db()
    assert rule.last_run_at is None


def test_task_is_routed_and_names_its_rule() -> None:
    # given the default routing rules and a new Small customer
    ensure_default_rules()
    customer = scored_customer(4)
    buy(customer, TODAY)
    rule = make_rule(
        "new_customer",
        "task",
        name="Welcome programme",
        action_params={"title": "Welcome call", "kind": "call_back", "due_days": 2},
    )
    # when the rule runs
    trigger_rules_run(now=NOW)
    # then a routed task exists, linked from the firing, saying which rule made it
    firing = TriggerFiring.objects.get(rule=rule)
    task = firing.task
    assert task is not None and task.customer_id == customer.pk
    assert (task.title, task.kind, task.due_date) == (
        "Welcome call",
        "call_back",
        TODAY + timedelta(2),
    )
    assert task.team == "back_office" and task.routing_rule is not None
    assert "Welcome programme" in task.description and f"#{rule.pk}" in task.description
    assert firing.outcome == "done" and f"Task #{task.pk}" in firing.detail


def test_task_to_the_account_owner() -> None:
    owner = User.objects.create_user("owner", first_name="Olga")
    customer = CustomerFactory(account_owner=owner)
    buy(customer, TODAY)
    make_rule("new_customer", "task", action_params={"send_to": "owner"})
    trigger_rules_run(now=NOW)
    task = Task.objects.get()
    assert task.assignee == owner
    assert Notification.objects.filter(recipient=owner, kind="task_assigned").exists()


def test_notice_to_the_account_owner_or_skipped_without_one() -> None:
    owner = User.objects.create_user("owner", first_name="Olga")
    owned = CustomerFactory(account_owner=owner, first_name="Bea")
    buy(owned, TODAY)
    orphan = CustomerFactory()
    buy(orphan, TODAY)
    rule = make_rule("new_customer", "notice", action_params={"text": "Say hello"})
    summary = trigger_rules_run(now=NOW)
    # then the owner is notified, naming the rule; the customer without owner is skipped
    notice = Notification.objects.get(recipient=owner)
    assert notice.params["rule_id"] == rule.pk and "Say hello" in notice.params["title"]
    assert TriggerFiring.objects.get(customer=orphan).outcome == "skipped"
    assert (summary.rules[0].done, summary.rules[0].skipped) == (1, 1)


def test_message_without_opt_in_is_refused_stored_and_not_sent() -> None:
    # given a new customer without any consent, and one who opted in to marketing e-mail
    refused, allowed = CustomerFactory(first_name="Rik"), CustomerFactory(first_name="Ans")
    buy(refused, TODAY)
    buy(allowed, TODAY)
    opt_in(allowed)
    rule = make_rule(
        "new_customer",
        "message",
        template=template(),
        action_params={"offer": "10% off your next order"},
    )
    # when the rule runs
    summary = trigger_rules_run(now=NOW)
    # then the refused message is stored with its reason, and only the allowed one was sent
    no_consent = OutboxMessage.objects.get(customer=refused)
    assert no_consent.status == "refused" and "No opt-in" in no_consent.status_reason
    assert no_consent.trigger_firing.rule == rule
    sent = OutboxMessage.objects.get(customer=allowed)
    assert sent.status == "sent" and sent.trigger_firing.rule == rule
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [allowed.email]
    assert mail.outbox[0].subject == "Hello Ans" and "10% off" in mail.outbox[0].body
    outcomes = dict(TriggerFiring.objects.values_list("customer_id", "outcome"))
    assert outcomes == {refused.pk: "refused", allowed.pk: "done"}
    assert (summary.rules[0].refused, summary.rules[0].done) == (1, 1)


def test_message_refused_sends_no_mail_at_all() -> None:
    customer = CustomerFactory()
    buy(customer, TODAY)
    make_rule("new_customer", "message", template=template())
    trigger_rules_run(now=NOW)
    assert mail.outbox == []
    assert OutboxMessage.objects.get().status == "refused"


def test_campaign_enrolment_records_the_firing() -> None:
    # given a running e-mail campaign and a new customer who opted in
    customer = CustomerFactory()
    buy(customer, TODAY)
    opt_in(customer)
    campaign = Campaign.objects.create(
        name="Welcome", channel="email", template=template(), status="running"
    )
    rule = make_rule("new_customer", "campaign", campaign=campaign)
    # when the rule runs
    trigger_rules_run(now=NOW)
    # then the customer is a campaign contact that points back at the firing
    firing = TriggerFiring.objects.get(rule=rule)
    contact = CampaignContact.objects.get(campaign=campaign, customer=customer)
    assert contact.trigger_firing == firing
    assert firing.outcome == "done" and "Welcome" in firing.detail


def test_a_campaign_not_running_uses_up_no_occurrence() -> None:
    # given a new customer and a welcome rule whose campaign is still a draft
    customer = CustomerFactory()
    buy(customer, TODAY)
    campaign = Campaign.objects.create(name="Draft", channel="email", template=template())
    make_rule("new_customer", "campaign", campaign=campaign)
    # when the rules run
    summary = trigger_rules_run(now=NOW)
    # then nothing fired (the welcome fires once ever) and the run says why
    assert not TriggerFiring.objects.exists() and not CampaignContact.objects.exists()
    assert "is not running" in summary.rules[0].error
    # when the campaign runs and the rules run again
    Campaign.objects.filter(pk=campaign.pk).update(status="running")
    trigger_rules_run(now=NOW)
    # then the customer is enrolled after all
    assert CampaignContact.objects.filter(campaign=campaign, customer=customer).exists()


def test_failing_action_is_recorded_and_the_run_goes_on(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    new_customers(2)
    make_rule("new_customer", "task")
    calls: list[dict[str, Any]] = []

    def first_one_breaks(**kwargs: Any) -> Task:
        calls.append(kwargs)
        if len(calls) == 1:
            raise RuntimeError("routing table on fire")
        return task_create(**kwargs)

    monkeypatch.setattr("relata.engagement.trigger_services.task_create", first_one_breaks)
    # when the rule runs and the first task cannot be made
    summary = trigger_rules_run(now=NOW)
    # then that firing is failed with the reason and the second customer got a task
    assert (summary.rules[0].failed, summary.rules[0].done) == (1, 1)
    failed = TriggerFiring.objects.get(outcome="failed")
    assert failed.detail == "The action failed unexpectedly; the details are in the server log."
    assert failed.task is None
    assert "routing table on fire" in caplog.text
    assert TriggerFiring.objects.get(outcome="done").task is not None


def test_inactive_rule_and_invalid_settings_do_not_fire() -> None:
    new_customers(1)
    make_rule("new_customer", active=False)
    broken = make_rule("new_customer", name="broken")
    TriggerRule.objects.filter(pk=broken.pk).update(event_params={"within_days": "soon"})
    broken.refresh_from_db()
    assert trigger_rules_run(now=NOW).rules[0].error  # only active rules run: the broken one
    result = trigger_rules_run(now=NOW, rule=broken).rules[0]
    assert "invalid" in result.error and "whole number" in result.error
    assert not TriggerFiring.objects.exists()


def test_rule_save_checks_settings_by_field() -> None:
    rule = TriggerRule(name="x", event="calendar", action="message", event_params={"month": 2})
    with pytest.raises(ValidationError) as caught:
        trigger_rule_save(rule=rule)
    errors = caught.value.message_dict
    assert "Give a month and day" in " ".join(errors["event_params"])
    assert errors["template"] == ["Choose the message template."]
    rule.event_params = {"month": 2, "day": 30}
    rule.template = template()
    with pytest.raises(ValidationError) as caught:
        trigger_rule_save(rule=rule)
    assert caught.value.message_dict["event_params"] == ["February has no day 30."]
    rule.event_params = {"month": "2", "day": "14", "days_before": "3"}
    saved = trigger_rule_save(rule=rule)
    assert saved.event_params == {"month": 2, "day": 14, "days_before": 3, "anniversary": False}


def test_switching_on_checks_the_rule() -> None:
    rule = make_rule("in_segment", active=False)
    with pytest.raises(ValidationError):
        trigger_rule_set_active(rule=rule, active=True)
    trigger_rule_set_active(rule=rule, active=False)
    assert TriggerRule.objects.get().active is False
