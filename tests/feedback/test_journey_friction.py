"""What went wrong (friction) on a contact moment: logged from the customer file, through
the API, imported and exported (the drop-off causes of the journey page come from it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from relata.contacts.forms import ContactMomentForm
from relata.contacts.models import ContactMoment
from relata.imports.export import export_headers, export_rows
from tests.factories import ContactMomentFactory, CustomerFactory
from tests.imports.conftest import run_command

pytestmark = pytest.mark.django_db


def _form_data(**changes: str) -> dict[str, str]:
    return {
        "channel": "phone",
        "direction": "inbound",
        "touchpoint": "service",
        "office": "front",
        "subject": "Where is my parcel?",
        "occurred_at": "2025-03-05T14:30",
        **changes,
    }


def test_the_form_takes_friction_and_leaves_it_optional() -> None:
    assert ContactMomentForm(_form_data(friction="repeat_story")).is_valid()
    assert ContactMomentForm(_form_data()).is_valid()
    bad = ContactMomentForm(_form_data(friction="rude"))
    assert not bad.is_valid() and "friction" in bad.errors


def test_logging_from_the_customer_file_stores_friction(logged_in_client: Client) -> None:
    # given a customer file, whose quick form offers the field
    customer = CustomerFactory()
    page = logged_in_client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'name="friction"' in page
    # when a moment is logged with "waited too long"
    response = logged_in_client.post(f"/contacts/log/{customer.pk}/", _form_data(friction="waited"))
    # then it is stored with the moment
    assert response.status_code == 302
    assert ContactMoment.objects.get(customer=customer).friction == "waited"


def _import(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "contacts.csv"
    path.write_text(text, encoding="utf-8")
    return run_command("import", "contacts", str(path), "--no-progress")


def test_import_reads_friction_in_english_and_dutch(tmp_path: Path) -> None:
    CustomerFactory(customer_number="K001")
    # given an English file with the value or its label, and a blank
    english = (
        "External ID,Customer number,Date,Channel,Touchpoint,Subject,What went wrong\n"
        "E-1,K001,2025-03-05 14:30,phone,service,Parcel,not_reachable\n"
        "E-2,K001,2025-03-06 10:00,email,billing,Invoice,Had to tell the story again\n"
        "E-3,K001,2025-03-07 10:00,web,sales,Question,\n"
    )
    result = _import(tmp_path, english)
    assert result.ok, result.err
    stored = dict(ContactMoment.objects.values_list("external_id", "friction"))
    assert stored == {"E-1": "not_reachable", "E-2": "repeat_story", "E-3": ""}
    # when a Dutch file changes one of them ("Frictie" is understood too)
    dutch = (
        "Kenmerk;Klantnummer;Datum;Kanaal;Contactpunt;Onderwerp;Frictie\n"
        "E-1;K001;05-03-2025 14:30;Telefoon;Klantenservice;Parcel;waited\n"
    )
    assert _import(tmp_path, dutch).ok
    assert ContactMoment.objects.get(external_id="E-1").friction == "waited"


def test_import_names_the_column_of_a_bad_friction(tmp_path: Path) -> None:
    CustomerFactory(customer_number="K001")
    text = (
        "Customer number,Date,Channel,Touchpoint,Subject,What went wrong\n"
        "K001,2025-03-05,phone,sales,Hello,angry\n"
    )
    result = _import(tmp_path, text)
    assert not result.ok
    assert "row 2, column “What went wrong”: “angry” is not one of" in result.err
    assert ContactMoment.objects.count() == 0


def test_export_writes_friction_in_the_import_layout() -> None:
    ContactMomentFactory(friction="unclear")
    headers = export_headers("contacts")
    assert headers[-1] == "What went wrong"
    assert export_headers("contacts", "nl")[-1] == "Wat ging er mis"
    assert next(iter(export_rows("contacts")))[-1] == "unclear"
