"""The customer import respects consent (applies opt-in columns, never erases them) and, in
the pages, offers the likely duplicates among the imported customers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from relata.customers.models import Consent, Customer
from relata.customers.selectors import consent_allows
from relata.imports.export import export_headers, export_rows
from relata.imports.models import ImportBatch
from tests.factories import CustomerFactory
from tests.imports.conftest import Run

pytestmark = pytest.mark.django_db


def test_consent_columns_are_applied_per_channel_and_purpose(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    # given a file with several opt-in columns
    content = (
        "customer_number,last_name,email opt-in,newsletter,phone opt-in,sms opt-in,post opt-in\n"
        "K1,Vos,yes,no,yes,,no\n"
    )
    # when it is imported
    result = run_import("customers", write_file("optins.csv", content))
    # then every filled cell is a decision with the file as source; the empty one is not
    assert result.ok, result.err
    customer = Customer.objects.get(customer_number="K1")
    decisions = {
        (c.channel, c.purpose): (c.granted, c.source)
        for c in Consent.objects.filter(customer=customer)
    }
    assert decisions == {
        ("email", "marketing"): (True, "import optins.csv"),
        ("email", "newsletter"): (False, "import optins.csv"),
        ("phone", "marketing"): (True, "import optins.csv"),
        ("post", "marketing"): (False, "import optins.csv"),
    }
    assert consent_allows(customer=customer, channel="phone", purpose="marketing")
    assert not consent_allows(customer=customer, channel="sms", purpose="marketing")


def test_reimport_without_consent_columns_or_with_empty_cells_never_erases_consent(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    # given a customer with an e-mail opt-in in force
    customer = CustomerFactory(customer_number="K1", city="Utrecht")
    Consent.objects.create(customer=customer, channel="email", purpose="marketing", granted=True)
    # when files without the column, and with an empty cell, are imported
    no_column = run_import("customers", write_file("a.csv", "customer_number,city\nK1,Ede\n"))
    empty_cell = run_import("customers", write_file("b.csv", "customer_number,email opt-in\nK1,\n"))
    # then the data changed but the consent stands, with no new decision
    assert no_column.ok and empty_cell.ok
    customer.refresh_from_db()
    assert customer.city == "Ede"
    assert Consent.objects.filter(customer=customer).count() == 1
    assert consent_allows(customer=customer, channel="email", purpose="marketing")


def test_export_carries_the_consent_in_force(db: None) -> None:
    # given a customer whose opt-in was later withdrawn, and one never asked
    withdrawn = CustomerFactory(customer_number="K1")
    CustomerFactory(customer_number="K2")
    Consent.objects.create(customer=withdrawn, channel="email", purpose="marketing", granted=True)
    Consent.objects.create(customer=withdrawn, channel="email", purpose="marketing", granted=False)
    # when exported
    headers = export_headers("customers")
    rows = {row[0]: dict(zip(headers, row, strict=True)) for row in export_rows("customers")}
    # then the decision in force is in the file ("no"), and nothing for the one never asked
    column = next(h for h in headers if "e-mail" in h.lower() and "opt" in h.lower())
    assert rows["K1"][column] == "no"
    assert rows["K2"][column] == ""


@pytest.fixture
def back_office(settings: object, tmp_path: object) -> Client:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    user = User.objects.create_user("bo", password="a-long-test-password")
    user.groups.add(Group.objects.get(name="back_office"))
    client = Client()
    client.force_login(user)
    return client


def test_import_result_offers_the_likely_duplicates_among_the_imported(
    back_office: Client,
) -> None:
    # given existing customers, one of whom the file duplicates (same phone, other number)
    existing = CustomerFactory(customer_number="K9", email="els@example.nl", phone="06-11112222")
    CustomerFactory(customer_number="K7", email="a@example.nl", phone="0612121212")
    CustomerFactory(customer_number="K8", email="b@example.nl", phone="0612121212")
    content = (
        b"customer_number,first_name,last_name,email,phone\n"
        b"N1,Els,Bos,els.bos@work.nl,+31 6 1111 2222\n"
        b"N2,Kim,Wit,kim@example.nl,0698765432\n"
    )
    back_office.post(
        reverse("imports:start"),
        {"kind": "customers", "file": SimpleUploadedFile("new.csv", content)},
    )
    batch = ImportBatch.objects.get()
    # when the import is confirmed
    back_office.post(reverse("imports:confirm", args=[batch.pk]))
    page = back_office.get(reverse("imports:preview", args=[batch.pk])).content.decode()
    # then the result offers the one duplicate among the imported customers
    assert "1 likely duplicate among the imported customers" in page
    link = f"/customers/duplicates/?import={batch.pk}"
    assert link in page
    # and the duplicates page, filtered to that import, shows only that pair
    listing = back_office.get(link)
    groups = listing.context["groups"]
    assert [{c.customer_number for c in g.customers} for g in groups] == [{"N1", "K9"}]
    assert existing.pk in {c.pk for c in groups[0].customers}
    assert "new.csv" in listing.content.decode()


def test_command_line_import_mentions_the_likely_duplicates(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    # given an existing customer whom the file duplicates by phone, under another number
    CustomerFactory(customer_number="K9", email="els@example.nl", phone="06-11112222")
    content = (
        "customer_number,first_name,last_name,email,phone\n"
        "N1,Els,Bos,els.bos@work.nl,+31 6 1111 2222\n"
        "N2,Kim,Wit,kim@example.nl,0698765432\n"
    )
    # when it is imported on the command line
    result = run_import("customers", write_file("new.csv", content))
    # then the output points at the one likely duplicate
    assert result.ok, result.err
    assert "1 likely duplicate customer among the imported ones" in result.out
    assert "/customers/duplicates/" in result.out


def test_command_line_import_without_duplicates_says_nothing_of_them(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    # when a file of distinct new customers is imported
    result = run_import("customers", write_file("new.csv", "customer_number,last_name\nN1,Bos\n"))
    # then no duplicates line is printed
    assert result.ok, result.err
    assert "duplicate" not in result.out
