"""Erasure and import batches: the first rows and errors kept for the preview, and the
uploaded files themselves (review finding 9)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from relata.customers.models import Customer
from relata.imports.models import ImportBatch, ImportStatus
from relata.imports.services import DISCARDED_FILE
from relata.privacy.services import erase_customer
from tests.factories import CustomerFactory, user_with_role
from tests.privacy.support import EMAIL, FIRST, LAST

pytestmark = pytest.mark.django_db

PEOPLE = (
    "Klantnummer;Voornaam;Achternaam;E-mailadres\r\n"
    f"K001;{FIRST};{LAST};{EMAIL}\r\n"
    f"K002;Piet;Pietersen;{LAST}\r\n"  # an invalid e-mail: the error repeats the value
).encode()


@pytest.fixture
def back_office(settings: object, tmp_path: Path) -> Client:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    client = Client()
    client.force_login(user_with_role("bo-imports", "back_office"))
    return client


def _upload(client: Client) -> ImportBatch:
    client.post(
        reverse("imports:start"),
        {"kind": "customers", "file": SimpleUploadedFile("people.csv", PEOPLE)},
    )
    return ImportBatch.objects.latest("pk")


def _kept_text(batch: ImportBatch) -> str:
    batch.refresh_from_db()
    kept = [batch.original_name, batch.message, batch.detected, batch.preview, batch.errors]
    return json.dumps(kept, ensure_ascii=False)


def _file_bytes(batch: ImportBatch) -> bytes:
    with batch.file.open("rb") as stream:
        data: bytes = stream.read()
    return data


def test_erasure_removes_the_person_from_import_previews_errors_and_files(
    back_office: Client, tmp_path: Path
) -> None:
    # given a finished import that wrote the customer (its invalid row skipped), and the same
    # file uploaded again and still waiting for confirmation
    imported = _upload(back_office)
    back_office.post(reverse("imports:confirm", args=[imported.pk]), {"skip_invalid": "on"})
    waiting = _upload(back_office)
    customer = Customer.objects.get(email=EMAIL)
    imported.refresh_from_db()
    assert imported.status == ImportStatus.IMPORTED
    assert LAST in _kept_text(imported) and LAST in _kept_text(waiting)
    assert LAST.encode() in _file_bytes(imported)
    media = tmp_path  # MEDIA_ROOT of the back_office fixture
    assert any(LAST.encode() in path.read_bytes() for path in media.rglob("*.*"))
    # when the customer is erased
    result = erase_customer(customer, by=None, reason="Request by e-mail")
    # then neither batch keeps the name or e-mail in its first rows, errors or other texts
    for batch in (imported, waiting):
        kept = _kept_text(batch)
        assert LAST not in kept and EMAIL not in kept and FIRST not in kept
        # and both uploaded files are gone, a placeholder under a neutral name instead
        assert _file_bytes(batch) == DISCARDED_FILE
        assert batch.file.name.endswith(f"discarded-{batch.pk}.txt")
    assert not any(LAST.encode() in path.read_bytes() for path in media.rglob("*.*"))
    # and the counts say so
    assert result.counts["import_batches_scrubbed"] == 2
    assert result.counts["import_files_discarded"] == 2


def test_a_discarded_import_file_is_explained_not_a_server_error(back_office: Client) -> None:
    # given a finished import with invalid rows and a file waiting for confirmation, both
    # discarded by an erasure
    imported = _upload(back_office)
    back_office.post(reverse("imports:confirm", args=[imported.pk]), {"skip_invalid": "on"})
    waiting = _upload(back_office)
    erase_customer(Customer.objects.get(email=EMAIL), by=None, reason="Request by e-mail")
    # when the invalid rows are downloaded, the waiting file is confirmed and checked again
    rejects = back_office.get(reverse("imports:rejects", args=[imported.pk]), follow=True)
    confirm = back_office.post(
        reverse("imports:confirm", args=[waiting.pk]), {"skip_invalid": "on"}, follow=True
    )
    recheck = back_office.post(reverse("imports:recheck", args=[waiting.pk]), follow=True)
    # then each page says the file is no longer kept, and nothing is written again
    for response in (rejects, confirm, recheck):
        assert response.status_code == 200
        assert "is no longer kept" in response.content.decode()
    assert not Customer.objects.filter(email=EMAIL).exists()
    waiting.refresh_from_db()
    assert waiting.status == ImportStatus.FAILED


def test_a_second_erasure_leaves_discarded_files_alone(back_office: Client) -> None:
    # given an import file already discarded by one erasure
    imported = _upload(back_office)
    back_office.post(reverse("imports:confirm", args=[imported.pk]), {"skip_invalid": "on"})
    admin: User = user_with_role("admin-imports", "admin")
    erase_customer(Customer.objects.get(email=EMAIL), by=admin, reason="Request by e-mail")
    # when another customer is erased
    result = erase_customer(CustomerFactory(), by=admin, reason="Request by letter")
    # then no file is discarded again and the stored file is still the placeholder
    assert result.counts["import_files_discarded"] == 0
    imported.refresh_from_db()
    assert _file_bytes(imported) == DISCARDED_FILE
