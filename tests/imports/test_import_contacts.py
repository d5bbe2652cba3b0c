"""relata import contacts: matched on external id, else on customer, time, channel, subject."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils import timezone

from relata.contacts.models import ContactMoment
from tests.imports.conftest import Run

pytestmark = pytest.mark.usefixtures("shop")

CONTACTS = (
    "Kenmerk;Klantnummer;Datum;Kanaal;Contactpunt;Onderwerp;Resultaat;Richting\n"
    "T-1;K001;05-03-2024 14:30;Telefoon;Klantenservice;Levering te laat;Opgelost;Inkomend\n"
    ";K002;06-03-2024 09:00;E-mail;Verkoop;Offerte;Offerte aangevraagd;Uitgaand\n"
)


def test_contacts_are_imported_and_reimport_changes_nothing(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    # given
    path = write_file("contacts.csv", CONTACTS)
    # when
    first = run_import("contacts", path)
    second = run_import("contacts", path)
    # then
    assert first.ok, first.err
    assert "created: 2" in first.out
    assert "created: 0, updated: 0, unchanged: 2" in second.out
    moment = ContactMoment.objects.get(external_id="T-1")
    local = timezone.localtime(moment.occurred_at)
    assert (local.day, local.month, local.hour, local.minute) == (5, 3, 14, 30)
    assert (moment.channel, moment.touchpoint, moment.outcome, moment.direction) == (
        "phone", "service", "resolved", "inbound")
    other = ContactMoment.objects.get(external_id="")
    assert (other.channel, other.direction, other.outcome) == ("email", "outbound",
                                                             "quote_requested")


def test_changed_contact_is_updated(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    assert run_import("contacts", write_file("c.csv", CONTACTS)).ok
    changed = CONTACTS.replace("Levering te laat;Opgelost", "Levering te laat;Klacht")
    result = run_import("contacts", write_file("c2.csv", changed))
    assert "created: 0, updated: 1, unchanged: 1" in result.out
    assert ContactMoment.objects.get(external_id="T-1").outcome == "complaint"


def test_contact_errors_name_the_column(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    text = ("Klantnummer;Datum;Kanaal;Contactpunt;Onderwerp\n"
            "K001;05-03-2024;Postduif;Verkoop;Hallo\nK001;;Telefoon;Verkoop;\n")
    result = run_import("contacts", write_file("bad.csv", text))
    assert not result.ok
    assert "row 2, column “Kanaal”: “Postduif” is not one of" in result.err
    assert "row 3, column “Datum”: a value is required" in result.err
    assert "row 3, column “Onderwerp”: a value is required" in result.err
    assert ContactMoment.objects.count() == 0
