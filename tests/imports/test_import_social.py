"""relata import social: platforms in common spellings, handles from links, follower counts
as people write them, one handle per customer, idempotent re-import."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from relata.feedback.models import SocialProfile
from tests.factories import CustomerFactory, SocialProfileFactory
from tests.imports.conftest import Run

pytestmark = pytest.mark.usefixtures("shop")

DUTCH = (
    "Klantnummer;Platform;Account;Volgers;Link;Geteld op\n"
    "K001;Insta;@anna.bakes;12.300;;01-03-2025\n"
    "K001;Twitter;https://twitter.com/AnnaBakes;1,2k;;\n"
    "K002;;https://www.tiktok.com/@piet_kookt;2 mln;;01-03-2025\n"
    "K002;Blog;;;https://www.pietkookt.nl/;\n"
)
ENGLISH = (
    "Customer number,Platform,Handle,Followers,URL,Counted on\n"
    "K001,Instagram,anna.bakes,12300,,2025-03-01\n"
    "K002,YouTube,,4500,https://www.youtube.com/@PietKookt,2025-03-01\n"
)


def test_a_dutch_file_with_common_spellings(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    # when a Dutch export with nicknames, links and abbreviated counts is imported twice
    path = write_file("social.csv", DUTCH)
    first = run_import("social", path)
    second = run_import("social", path)
    # then every profile is read, and the second run changes nothing
    assert first.ok, first.err
    assert "created: 4, updated: 0, unchanged: 0" in first.out
    assert "created: 0, updated: 0, unchanged: 4" in second.out
    insta = SocialProfile.objects.get(platform="instagram")
    assert (insta.handle, insta.followers, insta.counted_on) == (
        "anna.bakes",
        12_300,
        date(2025, 3, 1),
    )
    x = SocialProfile.objects.get(platform="x")
    assert (x.handle, x.followers, x.url) == ("AnnaBakes", 1_200, "https://twitter.com/AnnaBakes")
    tiktok = SocialProfile.objects.get(platform="tiktok")  # the platform read from the link
    assert (tiktok.handle, tiktok.followers, tiktok.customer.customer_number) == (
        "piet_kookt",
        2_000_000,
        "K002",
    )
    blog = SocialProfile.objects.get(platform="blog")
    assert (blog.handle, blog.url, blog.followers) == (
        "pietkookt.nl",
        "https://www.pietkookt.nl/",
        0,
    )


def test_a_newer_count_updates_and_an_older_one_does_not(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    assert run_import("social", write_file("a.csv", ENGLISH)).ok
    newer = ENGLISH.replace("12300,,2025-03-01", "13000,,2025-04-01")
    result = run_import("social", write_file("b.csv", newer))
    assert "created: 0, updated: 1, unchanged: 1" in result.out
    older = ENGLISH.replace("12300,,2025-03-01", "9000,,2025-02-01")
    result = run_import("social", write_file("c.csv", older))
    assert "created: 0, updated: 0, unchanged: 2" in result.out
    profile = SocialProfile.objects.get(platform="instagram")
    assert (profile.followers, profile.counted_on) == (13_000, date(2025, 4, 1))


def test_bad_rows_name_row_column_and_reason_and_nothing_is_written(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    # given a handle that belongs to another customer already
    SocialProfileFactory(
        customer=CustomerFactory(first_name="Jan", last_name="Kok", customer_number="K777"),
        platform="instagram",
        handle="taken",
    )
    text = (
        "Customer number,Platform,Handle,Followers,Counted on\n"
        "K001,Instagram,fine,10,2025-01-01\n"
        "K001,Myspace,someone,10,2025-01-01\n"
        "K001,Instagram,https://www.instagram.com/p/Cabc/,10,2025-01-01\n"
        "K002,Instagram,@Taken,10,2025-01-01\n"
        "K002,TikTok,piet,-4,2099-01-01\n"
        "K002,Insta,FINE,5,2025-01-01\n"
        "K002,,plain,5,2025-01-01\n"
    )
    result = run_import("social", write_file("bad.csv", text))
    assert not result.ok
    assert "row 3, column “Platform”: “Myspace” is not one of" in result.err
    assert "row 4, column “Handle”: This link does not point to one profile" in result.err
    assert (
        "row 5, column “Handle”: @taken on Instagram already belongs to Jan Kok (K777)"
        in result.err
    )
    assert "row 6, column “Followers”: followers cannot be negative, not -4" in result.err
    assert "row 6, column “Counted on”: 2099-01-01 lies in the future" in result.err
    assert "row 7, column “Handle”: duplicate of row 2" in result.err
    assert "row 8, column “Platform”: the platform is missing" in result.err
    assert SocialProfile.objects.count() == 1


def test_customers_by_e_mail_and_a_file_without_handles_is_refused(
    write_file: Callable[..., Path], run_import: Callable[..., Run]
) -> None:
    ok = run_import(
        "social", write_file("e.csv", "E-mail,Network,Username,Fans\njan@example.nl,FB,jan,7\n")
    )
    assert ok.ok, ok.err
    profile = SocialProfile.objects.get()
    assert (profile.customer.customer_number, profile.platform, profile.followers) == (
        "K001",
        "facebook",
        7,
    )
    missing = run_import("social", write_file("m.csv", "Customer number,Followers\nK001,5\n"))
    assert not missing.ok
    assert "The file has no “Handle” or “URL” column" in missing.err
