"""The export: everything about one customer, as JSON and as a readable page, audited."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import reverse

from relata.audit.models import AuditEntry
from relata.audit.services import record
from relata.customers.merge import customer_relations
from relata.customers.models import Consent, Customer
from relata.privacy.export import AUDIT_SECTION, customer_export_json, section_key
from tests.factories import user_with_role
from tests.privacy.support import EMAIL, FULL_NAME, customer_with_history

pytestmark = pytest.mark.django_db


def _customer_foreign_keys() -> set[str]:
    """Found independently of the export: every foreign key to Customer in every model."""
    return {
        f"{model._meta.label_lower}.{field.name}"
        for model in apps.get_models(include_auto_created=True)
        for field in model._meta.get_fields(include_hidden=True)
        if isinstance(field, models.ForeignKey) and field.related_model is Customer
    }


def test_every_model_with_a_customer_foreign_key_has_a_section_with_its_rows() -> None:
    # given a customer with one or more rows in every table that refers to a customer
    history = customer_with_history(user_with_role("owner", "sales"))
    # when exported
    data = customer_export_json(history.customer, by=None)
    # then every foreign key to Customer has its own section, none left out
    keys = {relation.label: section_key(relation) for relation in customer_relations()}
    assert set(keys) == _customer_foreign_keys()
    assert set(data["sections"]) == {*keys.values(), AUDIT_SECTION}
    # and every section holds the customer's rows (the test data has some in each)
    empty = [key for key in keys.values() if not data["sections"][key]]
    assert empty == []


def test_the_json_has_a_stable_structure_with_iso_dates_and_decimal_strings() -> None:
    # given a customer with orders
    user = user_with_role("owner", "sales")
    history = customer_with_history(user)
    # when exported
    data = customer_export_json(history.customer, by=user)
    # then the document has the four top-level keys
    assert set(data) == {"customer", "sections", "generated_at", "generated_by"}
    assert data["generated_by"] == "owner"
    # and the customer's own fields are there, without the derived search columns
    assert data["customer"]["email"] == EMAIL
    assert data["customer"]["birth_date"] == "1980-05-17"
    assert data["customer"]["acquisition_cost"] == "12.50"
    assert data["customer"]["account_owner"] == "owner"
    assert "search_text" not in data["customer"]
    # and decimals are strings, dates ISO, references ids
    order = data["sections"]["orders"][0]
    assert order["total_amount"] == "100.00"
    assert order["order_date"] == "2025-03-01"
    assert order["customer_id"] == history.customer.pk
    # and the whole document is plain JSON
    assert json.loads(json.dumps(data)) == data


def test_the_json_holds_the_full_consent_log_with_who_when_and_source() -> None:
    # given a customer who opted in by web form and out by phone
    user = user_with_role("owner", "sales")
    history = customer_with_history(user)
    # when exported
    consents = customer_export_json(history.customer, by=None)["sections"]["consents"]
    # then both decisions are there, with source, time and who recorded them
    assert [(row["granted"], row["source"]) for row in consents] == [
        (True, "web form"),
        (False, "phone"),
    ]
    assert consents[0]["recorded_by"] == "owner"
    recorded = Consent.objects.filter(customer=history.customer).order_by("pk")
    assert [datetime.fromisoformat(row["recorded_at"]) for row in consents] == [
        consent.recorded_at for consent in recorded
    ]


def test_secrets_stay_out_of_the_export() -> None:
    # given a customer with a survey invitation and a campaign contact (both hold tokens)
    history = customer_with_history(user_with_role("owner", "sales"))
    # when exported
    sections = customer_export_json(history.customer, by=None)["sections"]
    # then the token hash and the tracking token are not in it
    assert "token_hash" not in sections["survey_invitations"][0]
    assert "token" not in sections["campaign_contacts"][0]


def test_the_export_includes_the_audit_entries_about_the_customer() -> None:
    # given an audit entry about the customer and one about someone else
    history = customer_with_history(user_with_role("owner", "sales"))
    record("update", obj=history.customer, customer_id=history.customer.pk, object_label="X")
    record("update", obj=history.partner, customer_id=history.partner.pk, object_label="Y")
    # when exported
    entries = customer_export_json(history.customer, by=None)["sections"][AUDIT_SECTION]
    # then only the customer's entries are there, without the staff's address or browser
    assert [entry["object_label"] for entry in entries if entry["action"] == "update"] == ["X"]
    assert "ip_address" not in entries[0] and "user_agent" not in entries[0]


def _client(role: str) -> tuple[Client, Customer]:
    user = user_with_role(f"user-{role}", role)
    history = customer_with_history(user)
    client = Client()
    client.force_login(user)
    return client, history.customer


def test_the_page_shows_every_section_with_headings_counts_and_the_consent_log() -> None:
    # given a back-office user (who may export) and a customer
    client, customer = _client("back_office")
    # when they open the privacy page
    response = client.get(reverse("privacy:customer", kwargs={"pk": customer.pk}))
    # then it shows the record, translated headings with counts, and the consent evidence
    html = response.content.decode()
    assert response.status_code == 200
    assert FULL_NAME.split()[0] in html and EMAIL in html
    assert "Consent log (evidence)" in html
    assert "Order lines" in html and "Deal stage changes" in html and "Audit trail" in html
    assert "2 rows" in html  # two orders, two consents
    assert "web form" in html
    # and offers the JSON download, but not erasure (back office may not erase)
    assert reverse("privacy:export_json", kwargs={"pk": customer.pk}) in html
    assert reverse("privacy:erase", kwargs={"pk": customer.pk}) not in html
    # and the viewing is audited as an export of the page
    entry = AuditEntry.objects.get(action="export", customer_id=customer.pk)
    assert entry.context == {"format": "page"}
    assert entry.object_label == f"Customer {customer.customer_number}"


def test_the_json_download_is_an_attachment_and_is_audited() -> None:
    # given an administrator and a customer
    client, customer = _client("admin")
    # when they download the JSON
    response = client.get(reverse("privacy:export_json", kwargs={"pk": customer.pk}))
    # then it is the export as an attachment named after the customer number
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert f'filename="customer-{customer.customer_number}.json"' in response["Content-Disposition"]
    assert json.loads(response.content)["customer"]["email"] == EMAIL
    # and an export entry with the format is written
    entry = AuditEntry.objects.get(action="export", customer_id=customer.pk)
    assert entry.context == {"format": "json"}


def test_the_consent_evidence_csv_lists_every_decision() -> None:
    # given an administrator and a customer with two consent decisions
    client, customer = _client("admin")
    # when they download the consent evidence
    response = client.get(reverse("privacy:consent_evidence", kwargs={"pk": customer.pk}))
    # then it has a header and one row per decision, oldest first
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Recorded at", "Channel", "Purpose", "Decision"]
    assert [(row[3], row[4], row[5]) for row in rows[1:]] == [
        ("opt-in", "web form", "user-admin"),
        ("opt-out", "phone", ""),
    ]


@pytest.mark.parametrize("role", ["sales", "marketing", "analyst"])
def test_roles_without_the_export_permission_are_refused(role: str) -> None:
    # given a user whose role may not export personal data
    client, customer = _client(role)
    # when they ask for the page, the JSON or the consent CSV
    names = ("privacy:customer", "privacy:export_json", "privacy:consent_evidence")
    codes = [client.get(reverse(name, kwargs={"pk": customer.pk})).status_code for name in names]
    # then every one is forbidden and nothing is audited as exported
    assert codes == [403, 403, 403]
    assert not AuditEntry.objects.filter(action="export").exists()


def test_the_customer_page_links_the_privacy_page_for_those_who_may_export() -> None:
    # given a back-office user and a sales user
    back_office, customer = _client("back_office")
    sales = Client()
    sales.force_login(user_with_role("seller", "sales"))
    link = reverse("privacy:customer", kwargs={"pk": customer.pk})
    detail = reverse("customers:detail", kwargs={"pk": customer.pk})
    # when each opens the customer page
    # then only the back-office user sees the privacy button
    assert link in back_office.get(detail).content.decode()
    assert link not in sales.get(detail).content.decode()


def test_an_unknown_customer_is_not_found() -> None:
    # given an administrator
    client, customer = _client("admin")
    # when they ask for a customer that does not exist
    response = client.get(reverse("privacy:customer", kwargs={"pk": customer.pk + 1000}))
    # then the answer is 404
    assert response.status_code == 404


def test_the_consent_csv_neutralises_a_formula_in_the_source() -> None:
    # given a consent whose source was typed as a spreadsheet formula
    client, customer = _client("admin")
    Consent.objects.create(
        customer=customer, channel="sms", purpose="marketing", granted=True, source="=HYPERLINK(1)"
    )
    # when the consent evidence is downloaded
    response = client.get(reverse("privacy:consent_evidence", kwargs={"pk": customer.pk}))
    # then the cell is prefixed so a spreadsheet shows it as text
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[-1][4] == "'=HYPERLINK(1)"
