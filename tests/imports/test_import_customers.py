"""relata import customers: Dutch and English Excel files, idempotency, consents."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from relata.customers.models import Consent, Customer
from tests.factories import CustomerFactory
from tests.imports.conftest import Run

pytestmark = pytest.mark.django_db

DUTCH = (
    "Klantnummer;Voornaam;Tussenvoegsel;Achternaam;E-mailadres;Postcode;Woonplaats;"
    "Geboortedatum;Acquisitiekosten;Nieuwsbrief\r\n"
    "K001;Jan;van der;Berg;jan@example.nl;1234 AB;Utrecht;31-12-1980;1.234,50;ja\r\n"
    "K002;Anneke;;Müller;anneke@example.nl;5678CD;Zwolle;01-02-1975;12,5;nee\r\n"
)


def test_dutch_excel_csv_is_imported(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    # given a file as Dutch Excel saves it: ';', Windows-1252, decimal comma, dd-mm-yyyy
    path = write_file("klanten.csv", DUTCH, encoding="cp1252")
    # when
    result = run_import("customers", path)
    # then
    assert result.ok, result.err
    assert "Windows-1252" in result.out
    assert "semicolon" in result.out
    assert "created: 2" in result.out
    jan = Customer.objects.get(customer_number="K001")
    assert (jan.first_name, jan.name_prefix, jan.last_name) == ("Jan", "van der", "Berg")
    assert jan.birth_date == date(1980, 12, 31)
    assert jan.acquisition_cost == Decimal("1234.50")
    assert jan.display_name_sort == "berg, jan"
    assert "1234ab" in jan.search_text
    assert jan.profile_updated_at is not None
    anneke = Customer.objects.get(customer_number="K002")
    assert anneke.last_name == "Müller"
    consent = Consent.objects.get(customer=jan)
    assert (consent.channel, consent.purpose, consent.granted) == ("email", "newsletter", True)
    assert consent.source == "import klanten.csv"
    # an explicit "nee" is recorded as a refusal (evidence), not left as "not asked"
    refusal = Consent.objects.get(customer=anneke)
    assert (refusal.channel, refusal.purpose, refusal.granted) == ("email", "newsletter", False)


def test_reimport_changes_nothing(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    # given a file imported once
    path = write_file("klanten.csv", DUTCH, encoding="cp1252")
    assert run_import("customers", path).ok
    before = list(Customer.objects.values_list("id", "updated_at").order_by("id"))
    # when it is imported again
    result = run_import("customers", path)
    # then
    assert result.ok
    assert "created: 0, updated: 0, unchanged: 2" in result.out
    assert list(Customer.objects.values_list("id", "updated_at").order_by("id")) == before
    assert Consent.objects.count() == 2  # Jan's "ja" and Anneke's "nee", once each


def test_english_csv_with_bom_updates_changed_rows_only(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    # given two existing customers, one of them with an old city
    CustomerFactory(customer_number="C1", email="ann@example.com", city="Leeds",
                    first_name="Ann", last_name="Smith", phone="", postcode="LS1")
    CustomerFactory(customer_number="C2", email="bob@example.com", city="York",
                    first_name="Bob", last_name="Jones", phone="", postcode="YO1")
    text = ("Customer ID,First Name,Last Name,Email Address,Zip,Town,Date of Birth\n"
            "C1,Ann,Smith,ann@example.com,LS1,London,3/14/1990\n"
            "C2,Bob,Jones,bob@example.com,YO1,York,\n")
    path = write_file("customers.csv", text, encoding="utf-8-sig")
    # when
    result = run_import("customers", path, "--monthfirst")
    # then
    assert result.ok, result.err
    assert "UTF-8 with BOM" in result.out
    assert "created: 0, updated: 1, unchanged: 1" in result.out
    ann = Customer.objects.get(customer_number="C1")
    assert ann.city == "London"
    assert ann.birth_date == date(1990, 3, 14)
    assert "london" in ann.search_text


def test_rows_without_number_match_on_email(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    # given a customer known by e-mail (case differs in the file)
    existing = CustomerFactory(customer_number="C0000007", email="Eva@Example.nl", city="Ede")
    path = write_file("x.csv", "E-mail;Woonplaats\neva@example.nl;Arnhem\nnew@example.nl;Epe\n")
    # when
    result = run_import("customers", path)
    # then
    assert result.ok, result.err
    existing.refresh_from_db()
    assert existing.city == "Arnhem"
    created = Customer.objects.get(email="new@example.nl")
    assert created.customer_number == "C0000008"


def test_duplicates_inside_the_file_are_reported(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    # given the same customer number twice and the same e-mail twice without a number
    text = ("Klantnummer;E-mail\nK1;a@example.nl\nK1;b@example.nl\n;c@example.nl\n"
            ";C@example.nl\n")
    path = write_file("dup.csv", text)
    # when
    result = run_import("customers", path)
    # then
    assert not result.ok
    assert 'row 3, column “Klantnummer”: duplicate: customer K1 is also in row 2' in result.err
    assert "row 5, column “E-mail”: duplicate" in result.err
    assert Customer.objects.count() == 0


def test_number_conflicting_with_email_owner_is_an_error(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    # given
    CustomerFactory(customer_number="C1", email="ann@example.com")
    path = write_file("x.csv", "Klantnummer;E-mail\nK77;ann@example.com\n")
    # when
    result = run_import("customers", path)
    # then
    assert not result.ok
    assert "belongs to customer C1" in result.err
    assert not Customer.objects.filter(customer_number="K77").exists()


def test_consent_is_recorded_only_when_it_changes(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    # given a customer whose newsletter opt-in is in force
    customer = CustomerFactory(customer_number="K1")
    Consent.objects.create(customer=customer, channel="email", purpose="newsletter", granted=True)
    # when the file says yes again, then no
    first = run_import("customers", write_file("a.csv", "Klantnummer;Nieuwsbrief\nK1;ja\n"))
    second = run_import("customers", write_file("b.csv", "Klantnummer;Nieuwsbrief\nK1;nee\n"))
    # then
    assert first.ok and "unchanged: 1" in first.out
    assert second.ok and "updated: 1" in second.out
    latest = Consent.objects.filter(customer=customer).order_by("-recorded_at", "-id").first()
    assert latest is not None and latest.granted is False
    assert latest.source == "import b.csv"
    assert Consent.objects.filter(customer=customer).count() == 2


def test_organisation_kind_is_inferred(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    path = write_file("org.csv", "Klantnummer;Bedrijfsnaam;Branche;Land\nB1;Acme BV;Bouw;België\n")
    result = run_import("customers", path)
    assert result.ok, result.err
    acme = Customer.objects.get(customer_number="B1")
    assert acme.kind == "organisation"
    assert acme.country == "BE"
    assert acme.display_name_sort == "acme bv"


def test_an_erased_customer_is_not_filled_in_again(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    # given a customer whose personal data was erased on request
    CustomerFactory(customer_number="K9", first_name="", last_name="Erased customer",
                    email="", erased_at=timezone.now())
    path = write_file("old.csv", "Klantnummer;Achternaam;E-mail\nK9;Jansen;jan@example.nl\n")
    # when an old file with the person's data is imported
    result = run_import("customers", path)
    # then the row is refused with its reason and the customer stays erased
    assert not result.ok
    assert "row 2, column “Klantnummer”: customer K9 was erased on request" in result.err
    customer = Customer.objects.get(customer_number="K9")
    assert (customer.last_name, customer.email) == ("Erased customer", "")
