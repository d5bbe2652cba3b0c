"""The import pages through Django's test client: upload → preview → confirm, exports,
permissions and the upload size limit."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from relata.customers.models import Customer
from relata.imports import views
from relata.imports.export import export_csv
from relata.imports.models import ImportBatch
from relata.sales.models import Order

pytestmark = pytest.mark.django_db

DUTCH = ("Klantnummer;Voornaam;Achternaam;E-mailadres;Geboortedatum;Lievelingskleur\r\n"
         "K001;Jan;Jansen;jan@example.nl;31-12-1980;blauw\r\n"
         "K002;Piet;Pietersen;geen-mail;01-02-1975;rood\r\n"
         "K003;Kees;Klaassen;kees@example.nl;;groen\r\n").encode("cp1252")


@pytest.fixture
def back_office(settings: object, tmp_path: object) -> Client:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    user = User.objects.create_user("bo", password="a-long-test-password")
    user.groups.add(Group.objects.get(name="back_office"))
    client = Client()
    client.force_login(user)
    return client


def _upload(client: Client, content: bytes, name: str = "klanten.csv", kind: str = "customers",
            **extra: str) -> object:
    return client.post(reverse("imports:start"), {
        "kind": kind, "file": SimpleUploadedFile(name, content), **extra})


def test_upload_preview_confirm_with_skip_invalid(back_office: Client) -> None:
    # given an upload with one invalid row
    response = _upload(back_office, DUTCH)
    batch = ImportBatch.objects.get()
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert response.url == reverse("imports:preview", args=[batch.pk])  # type: ignore[attr-defined]
    # when the preview is shown
    page = back_office.get(reverse("imports:preview", args=[batch.pk])).content.decode()
    # then it shows settings, mapping, first rows and the error, and nothing is written yet
    assert "Windows-1252" in page
    assert "semicolon" in page
    assert "Klantnummer" in page and "Customer number" in page
    assert "Lievelingskleur" in page and "not recognised" in page
    assert "Pietersen" in page
    assert "“geen-mail” is not a valid e-mail address" in page
    assert 'name="skip_invalid"' in page and "required" in page
    assert Customer.objects.count() == 0
    # when confirming without ticking "skip invalid rows"
    refused = back_office.post(reverse("imports:confirm", args=[batch.pk]), follow=True)
    # then nothing is written
    assert "has invalid rows" in refused.content.decode()
    assert Customer.objects.count() == 0
    # when the rejects are downloaded
    rejects = back_office.get(reverse("imports:rejects", args=[batch.pk]))
    assert rejects.status_code == 200
    assert "K002;Piet;Pietersen;geen-mail" in rejects.content.decode("utf-8-sig")
    # when confirming with "skip invalid rows"
    done = back_office.post(reverse("imports:confirm", args=[batch.pk]),
                            {"skip_invalid": "on"}, follow=True)
    # then the valid rows are imported and the result is shown
    assert done.status_code == 200
    assert "has been imported" in done.content.decode()
    assert set(Customer.objects.values_list("customer_number", flat=True)) == {"K001", "K003"}
    batch.refresh_from_db()
    assert (batch.status, batch.created_count, batch.rejected_count) == ("imported", 2, 1)
    # and it cannot be imported twice
    again = back_office.post(reverse("imports:confirm", args=[batch.pk]), follow=True)
    assert "cannot be imported" in again.content.decode()


def test_clean_file_imports_without_skipping(back_office: Client) -> None:
    _upload(back_office, b"Customer number,First name\nC9,Ann\n", name="c.csv")
    batch = ImportBatch.objects.get()
    page = back_office.get(reverse("imports:preview", args=[batch.pk])).content.decode()
    assert 'name="skip_invalid"' not in page
    back_office.post(reverse("imports:confirm", args=[batch.pk]))
    assert Customer.objects.get().first_name == "Ann"


def test_recheck_with_other_settings(back_office: Client) -> None:
    # given a file whose dates are month first but look ambiguous
    _upload(back_office, b"Customer number,Birth date\nC9,03/04/1990\n", name="c.csv")
    batch = ImportBatch.objects.get()
    # when checked again with month-first dates
    back_office.post(reverse("imports:recheck", args=[batch.pk]), {"date_order": "monthfirst"})
    back_office.post(reverse("imports:confirm", args=[batch.pk]))
    # then
    assert str(Customer.objects.get().birth_date) == "1990-03-04"


def test_unreadable_file_shows_a_message(back_office: Client) -> None:
    _upload(back_office, b"%PDF-1.4 ...", name="klanten.xlsx")
    batch = ImportBatch.objects.get()
    page = back_office.get(reverse("imports:preview", args=[batch.pk])).content.decode()
    assert batch.status == "failed"
    assert "is a PDF document" in page
    assert back_office.post(reverse("imports:confirm", args=[batch.pk])).status_code == 302


def test_upload_size_limit(back_office: Client, settings: object) -> None:
    settings.RELATA_MAX_IMPORT_BYTES = 100  # type: ignore[attr-defined]
    response = _upload(back_office, b"Klantnummer\n" + b"K1\n" * 100)
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "files of at most" in response.content.decode()  # type: ignore[attr-defined]
    assert ImportBatch.objects.count() == 0


def test_user_without_permission_is_refused(logged_in_client: Client, settings: object,
                                            tmp_path: object) -> None:
    # given a sales user (no import permission in the default roles)
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    # when
    page = logged_in_client.get(reverse("imports:start")).content.decode()
    response = _upload(logged_in_client, DUTCH)
    # then
    assert "do not have permission to import" in page
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert ImportBatch.objects.count() == 0
    assert Customer.objects.count() == 0


def test_user_without_the_kinds_permission_cannot_confirm(back_office: Client) -> None:
    # given a batch uploaded by someone who then lost the permission for orders
    _upload(back_office, b"Order number,Customer number,Date,Amount\nO1,K1,2024-01-01,5\n",
            name="o.csv", kind="orders")
    batch = ImportBatch.objects.get()
    Group.objects.get(name="back_office").permissions.remove(
        *Group.objects.get(name="back_office").permissions.filter(codename="add_order"))
    user = User.objects.get(username="bo")
    client = Client()
    client.force_login(user)
    # when / then
    assert client.post(reverse("imports:confirm", args=[batch.pk])).status_code == 403
    assert Order.objects.count() == 0


def test_other_users_batches_are_hidden(back_office: Client) -> None:
    _upload(back_office, b"Customer number\nC1\n", name="c.csv")
    batch = ImportBatch.objects.get()
    other = User.objects.create_user("other", password="a-long-test-password")
    other.groups.add(Group.objects.get(name="back_office"))
    client = Client()
    client.force_login(other)
    assert client.get(reverse("imports:preview", args=[batch.pk])).status_code == 404


def test_exports_download(back_office: Client) -> None:
    # given
    Customer.objects.create(customer_number="K1", first_name="=1+1", last_name="X")
    # when
    csv_response = back_office.get(reverse("imports:export", args=["customers", "csv"]),
                                   {"delimiter": "semicolon"})
    xlsx_response = back_office.get(reverse("imports:export", args=["customers", "xlsx"]))
    # then
    body = b"".join(csv_response.streaming_content).decode("utf-8")  # type: ignore[attr-defined]
    assert body.startswith("\ufeffCustomer number;Kind;")
    assert "K1;person;'=1+1;" in body
    assert xlsx_response["Content-Type"].startswith("application/vnd.openxml")
    workbook = load_workbook(io.BytesIO(b"".join(xlsx_response.streaming_content)))  # type: ignore[attr-defined]
    assert workbook.worksheets[0]["A2"].value == "K1"


def test_csv_export_streamed_in_chunks_equals_the_whole_file(
    back_office: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given five customers and chunks of two rows
    for number in range(5):
        Customer.objects.create(customer_number=f"K{number}", last_name=f"Name {number}")
    monkeypatch.setattr(views, "EXPORT_CHUNK", 2)
    whole = io.StringIO()
    export_csv(whole, "customers", delimiter=";")
    # when the CSV is downloaded
    response = back_office.get(reverse("imports:export", args=["customers", "csv"]),
                               {"delimiter": "semicolon"})
    # then the streamed pieces (BOM, header, three chunks) form the same file
    pieces = [piece.decode("utf-8") for piece in response.streaming_content]  # type: ignore[attr-defined]
    assert len(pieces) == 5
    assert "".join(pieces) == "\ufeff" + whole.getvalue()


def test_export_needs_view_permission() -> None:
    # given a user without any role
    user = User.objects.create_user("nobody", password="a-long-test-password")
    client = Client()
    client.force_login(user)
    # when / then
    assert client.get(reverse("imports:export", args=["customers", "csv"])).status_code == 403
    assert client.get(reverse("imports:export", args=["bogus", "csv"])).status_code == 404
