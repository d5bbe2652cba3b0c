"""relata import reviews: English and Dutch headers, every bad row named, nothing
half-applied, and importing the same file again changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from relata.feedback.models import Review
from relata.imports.models import ImportBatch
from tests.imports.conftest import Run

pytestmark = pytest.mark.usefixtures("shop")

ENGLISH = (
    "External ID,Customer number,Kind,SKU,Rating,Title,Text,Date,Helpful votes,"
    "Not helpful votes,Site,URL\n"
    'TP-1,K001,Review,COF,5,Great beans,"Fresh, fast.",2025-03-01,12,1,Trustpilot,'
    "https://trustpilot.com/r/1\n"
    "TP-2,K002,Comment,,,,Do you ship to Belgium?,2025-03-02,0,0,Trustpilot,\n"
)
# The same, with the comment's customer given by e-mail only.
ENGLISH_WITH_EMAIL = (
    "External ID,Customer number,Customer e-mail,Kind,SKU,Rating,Title,Text,Date,"
    "Helpful votes,Not helpful votes,Site,URL\n"
    'TP-1,K001,,Review,COF,5,Great beans,"Fresh, fast.",2025-03-01,12,1,Trustpilot,'
    "https://trustpilot.com/r/1\n"
    "TP-2,,piet@example.nl,Comment,,,,Do you ship to Belgium?,2025-03-02,0,0,Trustpilot,\n"
)

DUTCH = (
    "Kenmerk;Klantnummer;Soort;Artikelnummer;Waardering;Titel;Tekst;Datum;Nuttig;Niet nuttig;"
    "Bron\n"
    "G-7;K002;Recensie;TEA;4/5;Lekkere thee;Goed verpakt;05-03-2025;3;0;Google\n"
    ";K001;Reactie;;;;Wanneer weer op voorraad?;06-03-2025;;;Webshop\n"
    ";K001;;COF;★★★;Matig;;07-03-2025;1;2;Webshop\n"
)


def test_a_good_file_is_imported_and_reimport_changes_nothing(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    # given a file with a review and a comment (the comment's customer by e-mail)
    path = write_file("reviews.csv", ENGLISH_WITH_EMAIL)
    # when it is imported twice
    first = run_import("reviews", path)
    second = run_import("reviews", path)
    # then two are created, and the second run changes nothing
    assert first.ok, first.err
    assert "created: 2, updated: 0, unchanged: 0" in first.out
    assert "created: 0, updated: 0, unchanged: 2" in second.out
    review = Review.objects.get(external_id="TP-1")
    assert (review.customer.customer_number, review.kind, review.rating) == ("K001", "review", 5)
    assert (review.product.sku, review.title, review.text) == ("COF", "Great beans", "Fresh, fast.")
    assert (review.written_on, review.helpful_votes, review.unhelpful_votes) == (
        date(2025, 3, 1),
        12,
        1,
    )
    assert (review.site, review.url) == ("Trustpilot", "https://trustpilot.com/r/1")
    comment = Review.objects.get(external_id="TP-2")
    assert (comment.customer.customer_number, comment.kind, comment.rating) == (
        "K002",
        "comment",
        None,
    )


def test_new_votes_in_a_later_export_update_the_review(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    assert run_import("reviews", write_file("r.csv", ENGLISH)).ok
    later = ENGLISH.replace("2025-03-01,12,1", "2025-03-01,20,1")
    result = run_import("reviews", write_file("r2.csv", later))
    assert "created: 0, updated: 1, unchanged: 1" in result.out
    assert Review.objects.get(external_id="TP-1").helpful_votes == 20


def test_dutch_headers_and_spellings(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    # given a Dutch file: 4/5 and ★★★ as ratings, no kind on the last row, no external ids
    path = write_file("recensies.csv", DUTCH)
    # when imported twice
    first = run_import("reviews", path)
    second = run_import("reviews", path)
    # then every row is read, and rows without an external id are matched on their content
    assert first.ok, first.err
    assert "created: 3" in first.out
    assert "created: 0, updated: 0, unchanged: 3" in second.out
    tea = Review.objects.get(external_id="G-7")
    assert (tea.rating, tea.written_on, tea.site, tea.product.sku) == (
        4,
        date(2025, 3, 5),
        "Google",
        "TEA",
    )
    question = Review.objects.get(text="Wanneer weer op voorraad?")
    assert (question.kind, question.rating, question.helpful_votes) == ("comment", None, 0)
    matig = Review.objects.get(title="Matig")
    assert (matig.kind, matig.rating) == ("review", 3)  # a rating without a kind: a review


def test_bad_rows_are_named_and_nothing_is_written(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    text = (
        "Klantnummer;Soort;Artikelnummer;Waardering;Titel;Datum;Nuttig;Kenmerk\n"
        "K001;Recensie;COF;5;Goed;01-03-2025;2;A-1\n"
        "K404;Recensie;COF;5;Wie?;01-03-2025;0;A-2\n"
        "K001;Recensie;NOPE;7;Slecht;01-03-2099;-3;A-3\n"
        "K001;Recensie;COF;;Zonder sterren;01-03-2025;0;A-4\n"
        "K002;Recensie;COF;4;Dubbel;02-03-2025;0;A-1\n"
    )
    result = run_import("reviews", write_file("bad.csv", text))
    assert not result.ok
    assert "row 3, column “Klantnummer”: no customer has the number “K404”" in result.err
    assert "row 4, column “Artikelnummer”: no product has the SKU “NOPE”" in result.err
    assert "row 4, column “Waardering”: the rating is 1 to 5 stars, not “7”" in result.err
    assert "row 4, column “Datum”: 2099-03-01 lies in the future" in result.err
    assert "row 4, column “Nuttig”: votes cannot be negative, not -3" in result.err
    assert "row 5, column “Waardering”: A review needs a rating from 1 to 5 stars" in result.err
    assert "row 6, column “Kenmerk”: duplicate of row 2" in result.err
    assert Review.objects.count() == 0


def test_skip_invalid_imports_only_the_good_rows(
    write_file: Callable[..., Path], run_import: Callable[..., Run], tmp_path: Path
) -> None:
    text = "Customer number,Rating,Title\nK001,5,Good\nK001,9,Bad\n"
    path = write_file("mixed.csv", text)
    result = run_import(
        "reviews", path, "--skip-invalid", "--rejects", str(tmp_path / "rejects.csv")
    )
    assert result.ok, result.err
    assert list(Review.objects.values_list("title", flat=True)) == ["Good"]
    assert "Bad" in (tmp_path / "rejects.csv").read_text(encoding="utf-8-sig")


def test_an_external_id_of_another_customers_review_is_refused(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    assert run_import("reviews", write_file("a.csv", ENGLISH)).ok
    moved = ENGLISH.replace("TP-1,K001", "TP-1,K002")
    result = run_import("reviews", write_file("b.csv", moved))
    assert not result.ok
    assert (
        "row 2, column “External ID”: external id TP-1 belongs to a review by customer K001"
        in result.err
    )
    assert Review.objects.get(external_id="TP-1").customer.customer_number == "K001"


def test_a_file_without_rating_title_or_text_is_refused_as_a_whole(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    result = run_import("reviews", write_file("x.csv", "Customer number,Site\nK001,Google\n"))
    assert not result.ok
    assert "The file has no “Rating”, “Title” or “Text” column" in result.err


def test_reviews_import_through_the_import_pages(settings: object, tmp_path: Path) -> None:
    # given a back-office user on the import page
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    user = User.objects.create_user("bo", password="a-long-test-password")
    user.groups.add(Group.objects.get(name="back_office"))
    client = Client()
    client.force_login(user)
    start = client.get(reverse("imports:start")).content.decode()
    assert 'value="reviews"' in start and 'value="social"' in start
    # when a reviews file is uploaded, checked and confirmed
    client.post(
        reverse("imports:start"),
        {"kind": "reviews", "file": SimpleUploadedFile("reviews.csv", ENGLISH.encode())},
    )
    batch = ImportBatch.objects.get()
    preview = client.get(reverse("imports:preview", args=[batch.pk])).content.decode()
    assert "Great beans" in preview
    client.post(reverse("imports:confirm", args=[batch.pk]))
    # then the reviews are written
    batch.refresh_from_db()
    assert batch.status == "imported" and batch.created_count == 2
    assert Review.objects.count() == 2
