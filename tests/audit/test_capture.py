"""Capture: creating, changing and deleting audited rows writes redacted entries."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection

from relata.audit.models import AuditEntry
from relata.audit.services import REDACTED, origin
from relata.customers.models import ContactPerson, Customer, CustomerKind
from relata.customers.services import (
    consent_record,
    contact_person_save,
    customer_create,
    customer_update,
)
from relata.sales.deal_services import LineInput, deal_create, deal_move, deal_update
from relata.scoring.models import ScoringSettings
from tests.factories import CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db


def raw_rows(customer_id: int) -> list[str]:
    """The stored text of every entry about a customer, straight from the table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT changes, context, object_label FROM audit_auditentry WHERE customer_id = %s",
            [customer_id],
        )
        return [" ".join(str(value) for value in row) for row in cursor.fetchall()]


def entries(**filters: Any) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(**filters).order_by("id"))


def test_a_new_customer_is_recorded_without_its_personal_values() -> None:
    # given / when a customer is created through the service
    customer = customer_create(
        first_name="Wilhelmina",
        last_name="Zonneveld",
        email="wilhelmina@example.nl",
        city="Utrecht",
        acquisition_source="fair",
    )
    # then one create entry names it by number and holds no personal value
    [entry] = entries(customer_id=customer.pk)
    assert entry.action == "create"
    assert entry.object_type == "customers.customer"
    assert entry.object_id == str(customer.pk)
    assert entry.object_label == f"Customer {customer.customer_number}"
    assert entry.changes["email"] == ["", REDACTED]
    assert entry.changes["last_name"] == ["", REDACTED]
    assert entry.changes["acquisition_source"] == [None, "fair"]
    stored = " ".join(raw_rows(customer.pk))
    for value in ("Wilhelmina", "Zonneveld", "wilhelmina@example.nl", "Utrecht"):
        assert value not in stored


def test_a_change_records_old_and_new_values_and_masks_personal_fields() -> None:
    # given a customer
    customer = CustomerFactory(email="old@example.nl", acquisition_source="web")
    # when the e-mail and the acquisition source change
    customer_update(
        customer=customer, fields={"email": "new@example.nl", "acquisition_source": "fair"}
    )
    # then the update entry says both changed, shows the plain field, masks the e-mail
    [entry] = entries(customer_id=customer.pk, action="update")
    assert entry.changes == {
        "acquisition_source": ["web", "fair"],
        "email": [REDACTED, REDACTED],
    }
    stored = " ".join(raw_rows(customer.pk))
    assert "old@example.nl" not in stored and "new@example.nl" not in stored


def test_a_save_without_changes_writes_nothing_and_ignored_fields_do_not_count() -> None:
    # given a customer
    customer = CustomerFactory()
    before = AuditEntry.objects.count()
    # when it is saved again unchanged through the service (version and updated_at move on)
    customer_update(customer=customer, fields={})
    # then no entry is added
    assert AuditEntry.objects.count() == before


def test_deleting_a_customer_is_recorded() -> None:
    # given a customer
    customer = CustomerFactory()
    pk = customer.pk
    # when it is deleted
    Customer.objects.filter(pk=pk).delete()
    # then a delete entry names it
    [entry] = entries(customer_id=pk, action="delete")
    assert entry.object_label == f"Customer {customer.customer_number}"


def test_contact_persons_are_recorded_on_their_organisation() -> None:
    # given an organisation
    organisation = CustomerFactory(kind=CustomerKind.ORGANISATION, organisation_name="Acme BV")
    # when a contact person is added and deleted
    person = contact_person_save(
        contact_person=ContactPerson(
            organisation=organisation, last_name="Bakker", dmu_role="buyer", email="b@acme.nl"
        )
    )
    person.delete()
    # then both entries belong to the organisation, without the person's name or e-mail
    actions = [e.action for e in entries(object_type="customers.contactperson")]
    assert actions == ["create", "delete"]
    assert all(
        e.customer_id == organisation.pk for e in entries(object_type="customers.contactperson")
    )
    stored = " ".join(raw_rows(organisation.pk))
    assert "Bakker" not in stored and "b@acme.nl" not in stored


def test_a_consent_is_recorded_as_a_consent_entry_with_its_facts() -> None:
    # given a customer and the user who records the decision
    customer = CustomerFactory()
    clerk = User.objects.create_user("clerk")
    # when an opt-in is recorded
    consent = consent_record(
        customer=customer,
        channel="email",
        purpose="newsletter",
        granted=True,
        source="web form",
        recorded_by=clerk,
    )
    # then one consent entry carries channel, purpose, decision and that a source was given
    [entry] = entries(customer_id=customer.pk, action="consent")
    assert entry.object_type == "customers.consent"
    assert entry.object_id == str(consent.pk)
    assert entry.context["channel"] == "email"
    assert entry.context["purpose"] == "newsletter"
    assert entry.context["granted"] is True
    assert entry.context["source"] == REDACTED
    assert entry.changes == {}


def test_a_consents_free_text_source_never_reaches_the_trail() -> None:
    # given a customer whose consent source names a person (review finding 8)
    customer = CustomerFactory()
    # when the opt-in is recorded with that source
    consent_record(
        customer=customer,
        channel="phone",
        purpose="marketing",
        granted=True,
        source="phone call with Jan Quuxington",
    )
    # then the entry says a source was given, but its text is stored nowhere in the trail
    [entry] = entries(customer_id=customer.pk, action="consent")
    assert entry.context["source"] == REDACTED
    assert "Quuxington" not in " ".join(raw_rows(customer.pk))
    # and the consent log itself keeps the source as the evidence
    assert customer.consents.get().source == "phone call with Jan Quuxington"


def test_a_deal_stage_change_and_its_lines_are_recorded() -> None:
    # given a deal with one product line
    customer = CustomerFactory()
    product = ProductFactory(price=Decimal("10.00"))
    deal = deal_create(
        customer=customer,
        title="Coffee machines for Jansen",
        lines=[LineInput(product=product, quantity=Decimal(2), unit_price=None)],
    )
    # when it moves from lead to quote
    deal_move(deal=deal, stage="quote")
    # then the deal's creation, its line and the stage change are in the customer's trail
    deal_entries = entries(object_type="sales.deal")
    assert [e.action for e in deal_entries] == ["create", "update", "update"]
    assert deal_entries[0].object_label == f"Deal #{deal.pk}"
    assert deal_entries[0].changes["title"] == ["", REDACTED]
    assert deal_entries[2].changes["stage"] == ["lead", "quote"]
    assert deal_entries[2].changes["probability"] == [10, 60]
    [line_entry] = entries(object_type="sales.dealline")
    assert line_entry.action == "create"
    assert line_entry.customer_id == customer.pk
    assert line_entry.changes["product"] == [None, product.pk]
    assert line_entry.changes["unit_price"] == [None, "10.00"]
    assert "Jansen" not in " ".join(raw_rows(customer.pk))


def test_replacing_a_deals_lines_records_the_old_ones_deleted_and_the_new_ones_created() -> None:
    # given a deal with one line
    customer = CustomerFactory()
    first, second = ProductFactory(), ProductFactory()
    deal = deal_create(
        customer=customer, title="Deal", lines=[LineInput(product=first, quantity=Decimal(1))]
    )
    # when its lines are replaced by another product
    deal_update(deal=deal, fields={}, lines=[LineInput(product=second, quantity=Decimal(3))])
    # then the old line's deletion and the new line's creation are recorded
    actions = [(e.action, e.changes.get("product")) for e in entries(object_type="sales.dealline")]
    assert actions == [
        ("create", [None, first.pk]),
        ("delete", None),
        ("create", [None, second.pk]),
    ]


def test_a_settings_change_is_recorded_with_plain_values() -> None:
    # given the scoring settings
    scoring = ScoringSettings.current()
    # when the analysis period and a JSON setting change
    scoring.period_months = 24
    scoring.channel_costs = {**scoring.channel_costs, "phone": 7.5}
    scoring.save()
    # then the update names the settings and shows old and new values
    [entry] = entries(object_type="scoring.scoringsettings", action="update")
    assert entry.object_label == "Scoring settings"
    assert entry.customer_id is None
    assert entry.changes["period_months"] == [12, 24]
    assert entry.changes["channel_costs"][1]["phone"] == 7.5


def test_a_users_roles_and_password_are_recorded_without_the_password() -> None:
    # given a user
    user = User.objects.create_user("ria", password="first-secret-password")
    # when their password and role change
    user.set_password("second-secret-password")
    user.save()
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get(name="sales"))
    # then the trail shows that the password changed and the new role, never a hash
    updates = entries(object_type="auth.user", object_id=str(user.pk), action="update")
    assert updates[0].changes == {"password": [REDACTED, REDACTED]}
    assert updates[1].changes == {"groups": [[], ["sales"]]}
    dumped = json.dumps([e.changes for e in entries(object_type="auth.user")])
    assert "md5$" not in dumped and "pbkdf2" not in dumped


def test_fixtures_loaded_with_loaddata_are_not_captured(tmp_path: Any) -> None:
    # given a fixture file with one customer
    fixture = tmp_path / "customers.json"
    fields = {
        "customer_number": "RAW1",
        "last_name": "Fixture",
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-01T00:00:00Z",
    }
    fixture.write_text(json.dumps([{"model": "customers.customer", "pk": 9001, "fields": fields}]))
    # when it is loaded
    call_command("loaddata", str(fixture), verbosity=0)
    # then the customer is there and nothing was recorded
    assert Customer.objects.filter(pk=9001).exists()
    assert entries(customer_id=9001) == []


def test_a_normal_save_costs_one_select_and_one_insert(django_assert_num_queries: Any) -> None:
    # given a customer loaded for editing
    customer = CustomerFactory()
    customer.city = "Amersfoort"
    # when it is saved with a plain save()
    with django_assert_num_queries(3) as captured:
        customer.save()
    # then the audit adds one SELECT (the stored row) and one INSERT (the entry) to the UPDATE
    sql = [query["sql"].split()[0].upper() for query in captured.captured_queries]
    assert sorted(sql) == ["INSERT", "SELECT", "UPDATE"]


def test_origin_names_source_address_and_actor() -> None:
    # given a user acting from the web
    clerk = User.objects.create_user("clerk2")
    # when a customer is created inside that origin
    with origin("web", actor=clerk, ip_address="192.0.2.7", user_agent="Firefox"):
        customer = CustomerFactory()
    # then the entry says who, from where and with what
    [entry] = entries(customer_id=customer.pk)
    assert (entry.source, entry.ip_address, entry.user_agent) == ("web", "192.0.2.7", "Firefox")
    assert entry.actor == clerk and entry.actor_name == "clerk2"
