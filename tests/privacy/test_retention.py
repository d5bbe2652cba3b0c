"""Retention rules: a dry run counts, an applied run erases and blanks in batches, audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from relata.audit.models import AuditEntry
from relata.contacts.models import ContactMoment
from relata.customers.models import Customer
from relata.engagement.models import OutboxMessage
from relata.privacy.models import PrivacySettings
from relata.privacy.retention import months_before, retention_apply, retention_plan
from relata.sales.models import Deal, Order
from tests.factories import ContactMomentFactory, CustomerFactory, user_with_role

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - timedelta(days=5 * 365)
RECENTLY = timezone.now() - timedelta(days=30)


def _settings(**months: int | None) -> PrivacySettings:
    settings = PrivacySettings.current()
    for name, value in months.items():
        setattr(settings, name, value)
    settings.save()
    return settings


def _old_customer(last_name: str) -> Customer:
    customer = CustomerFactory(last_name=last_name, created_at=LONG_AGO)
    Order.objects.create(
        order_number=f"O-{last_name}",
        customer=customer,
        total_amount=Decimal("40.00"),
        order_date=LONG_AGO.date(),
        status="delivered",
    )
    return customer


def test_months_before_counts_calendar_months_and_clamps_the_day() -> None:
    # given moments at the end of a long month
    moment = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
    # when going back by months
    # then the day is clamped to the shorter month, and years roll over
    assert months_before(moment, 1) == datetime(2026, 2, 28, 12, 0, tzinfo=UTC)
    assert months_before(moment, 3) == datetime(2025, 12, 31, 12, 0, tzinfo=UTC)
    assert months_before(moment, 24) == datetime(2024, 3, 31, 12, 0, tzinfo=UTC)


def test_every_rule_is_off_until_set() -> None:
    # given fresh privacy settings and an old inactive customer
    _old_customer("Sleeper")
    # when the plan is made
    plan = retention_plan()
    # then no rule is enabled and nothing would be done
    assert [(outcome.enabled, outcome.found) for outcome in plan] == [(False, 0)] * 3


def test_inactive_customers_are_erased_but_never_with_open_business_or_recent_activity() -> None:
    # given customers inactive for five years, one with an open deal, one with an open
    # order, one with a recent contact moment, and a new customer
    _settings(erase_inactive_after_months=36)
    inactive = _old_customer("Sleeper")
    with_open_deal = _old_customer("Dealing")
    Deal.objects.create(customer=with_open_deal, title="Quote", stage="quote")
    with_open_order = _old_customer("Ordering")
    Order.objects.create(
        order_number="O-open",
        customer=with_open_order,
        total_amount=Decimal("5"),
        order_date=LONG_AGO.date(),
        status="open",
    )
    recently_called = _old_customer("Called")
    ContactMomentFactory(customer=recently_called, occurred_at=RECENTLY)
    newcomer = CustomerFactory(last_name="Newcomer")
    # when the rules are applied in batches of one
    outcomes = retention_apply(batch_size=1)
    # then only the inactive customer is erased, through the erasure (with its audit entry)
    erased = set(Customer.objects.filter(erased_at__isnull=False).values_list("pk", flat=True))
    assert erased == {inactive.pk}
    kept = {with_open_deal, with_open_order, recently_called, newcomer}
    assert all(Customer.objects.get(pk=c.pk).erased_at is None for c in kept)
    assert outcomes[0].done == 1
    entry = AuditEntry.objects.get(action="erase", customer_id=inactive.pk)
    assert entry.context["reason"] == "Retention: no activity for 36 months"
    # and the order stays for the revenue totals
    assert Order.objects.get(order_number="O-Sleeper").total_amount == Decimal("40.00")


def test_old_contact_notes_and_finished_message_texts_are_blanked() -> None:
    # given old and recent contact moments with notes, and old sent and queued messages
    _settings(blank_contact_notes_after_months=12, blank_outbox_bodies_after_months=6)
    customer = CustomerFactory()
    old_moment = ContactMomentFactory(customer=customer, occurred_at=LONG_AGO, notes="Old talk")
    new_moment = ContactMomentFactory(customer=customer, occurred_at=RECENTLY, notes="New talk")
    sent = OutboxMessage.objects.create(
        customer=customer, channel="post", to_address="Street 1", body="Dear", status="sent"
    )
    queued = OutboxMessage.objects.create(
        customer=customer, channel="post", to_address="Street 1", body="Dear", status="queued"
    )
    OutboxMessage.objects.filter(pk__in=[sent.pk, queued.pk]).update(created_at=LONG_AGO)
    # when the rules are applied
    retention_apply(batch_size=1)
    # then the old notes and the sent message's texts are empty; the rest is untouched
    assert ContactMoment.objects.get(pk=old_moment.pk).notes == ""
    assert ContactMoment.objects.get(pk=old_moment.pk).subject == old_moment.subject
    assert ContactMoment.objects.get(pk=new_moment.pk).notes == "New talk"
    sent_after = OutboxMessage.objects.get(pk=sent.pk)
    assert (sent_after.to_address, sent_after.body, sent_after.status) == ("", "", "sent")
    assert OutboxMessage.objects.get(pk=queued.pk).body == "Dear"


def test_an_applied_run_writes_one_audit_entry_with_what_each_rule_did() -> None:
    # given one rule switched on and one old note
    _settings(blank_contact_notes_after_months=12)
    ContactMomentFactory(occurred_at=LONG_AGO, notes="Old talk")
    # when the rules are applied
    retention_apply()
    # then one run entry lists the enabled rule with its count
    entry = AuditEntry.objects.get(object_label="Retention run")
    assert entry.context == {"retention": {"contact_notes": {"months": 12, "done": 1}}}


def test_the_command_is_a_dry_run_unless_told_to_apply(capsys: pytest.CaptureFixture[str]) -> None:
    # given an inactive customer and an old note, both rules on
    _settings(erase_inactive_after_months=36, blank_contact_notes_after_months=12)
    customer = _old_customer("Sleeper")
    ContactMomentFactory(customer=customer, occurred_at=LONG_AGO, notes="Old talk")
    # when the command runs without --apply
    call_command("retention")
    # then it reports per rule what it would do and changes nothing
    out = capsys.readouterr().out
    assert "Erase customers inactive for 36 months: would apply to 1" in out
    assert "Blank contact moment notes older than 12 months: would apply to 1" in out
    assert "Blank old message texts: off" in out
    assert "Dry run: nothing was changed" in out
    assert Customer.objects.get(pk=customer.pk).erased_at is None
    assert not AuditEntry.objects.filter(action="erase").exists()
    # when it runs with --apply
    call_command("retention", "--apply")
    # then both rules are carried out and a second run finds nothing left
    assert Customer.objects.get(pk=customer.pk).erased_at is not None
    assert "1 done" in capsys.readouterr().out
    assert [outcome.found for outcome in retention_plan()] == [0, 0, 0]


def test_the_settings_page_saves_rules_for_administrators() -> None:
    # given an administrator
    client = Client()
    client.force_login(user_with_role("privacy-admin", "admin"))
    url = reverse("privacy:settings")
    # when they set two rules
    response = client.post(
        url,
        {"erase_inactive_after_months": "48", "blank_contact_notes_after_months": "24"},
    )
    # then they are stored (the third stays off) and the page shows the plan
    assert response.status_code == 302
    settings = PrivacySettings.current()
    assert settings.erase_inactive_after_months == 48
    assert settings.blank_contact_notes_after_months == 24
    assert settings.blank_outbox_bodies_after_months is None
    assert "What a run would do now" in client.get(url).content.decode()


def test_the_settings_page_names_the_field_and_reason_of_bad_input() -> None:
    # given an administrator
    client = Client()
    client.force_login(user_with_role("privacy-admin", "admin"))
    # when they enter zero months and a thousand months
    response = client.post(
        reverse("privacy:settings"),
        {"erase_inactive_after_months": "0", "blank_contact_notes_after_months": "1000"},
    )
    # then the form is shown again with a message per field and nothing is stored
    html = response.content.decode()
    assert response.status_code == 200
    assert "greater than or equal to 1" in html and "less than or equal to 120" in html
    assert PrivacySettings.current().erase_inactive_after_months is None


@pytest.mark.parametrize("role", ["sales", "back_office", "marketing", "analyst"])
def test_other_roles_may_not_change_the_privacy_settings(role: str) -> None:
    # given a user of a role other than admin
    client = Client()
    client.force_login(user_with_role(f"user-{role}", role))
    # when they open or post the settings page
    url = reverse("privacy:settings")
    codes = [client.get(url).status_code, client.post(url, {}).status_code]
    # then both are forbidden
    assert codes == [403, 403]
