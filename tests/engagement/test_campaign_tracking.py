from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.test import Client

from relata.engagement.campaign_services import campaign_launch
from relata.engagement.models import CampaignContact
from relata.engagement.tracking import click_url, links_tracked
from tests.engagement.campaign_support import customers_in_segment, new_campaign

pytestmark = pytest.mark.django_db


def _launched_contact() -> CampaignContact:
    customers_in_segment(1)
    campaign_launch(campaign=new_campaign())
    return CampaignContact.objects.get()


def _tracked_link(settings) -> str:  # type: ignore[no-untyped-def]
    url = next(w for w in mail.outbox[0].body.split() if "/t/c/" in w)
    return url.removeprefix(settings.RELATA_SITE_URL)


def test_open_pixel_records_the_first_open_without_login() -> None:
    # given a sent contact and an anonymous visitor (the mail client)
    contact = _launched_contact()
    client = Client()
    # when the pixel is fetched twice
    first = client.get(f"/t/o/{contact.token}.gif")
    contact.refresh_from_db()
    opened = contact.opened_at
    client.get(f"/t/o/{contact.token}.gif")
    # then a 1×1 GIF comes back, uncached, and the first open is kept
    assert first.status_code == 200
    assert first["Content-Type"] == "image/gif"
    assert first.content.startswith(b"GIF89a")
    assert "no-cache" in first["Cache-Control"]
    contact.refresh_from_db()
    assert opened is not None and contact.opened_at == opened
    assert contact.clicked_at is None and contact.responded_at is None


def test_click_records_click_open_and_response_then_redirects(settings) -> None:  # type: ignore[no-untyped-def]
    contact = _launched_contact()
    link = _tracked_link(settings)
    # when the anonymous recipient follows the link in the e-mail
    response = Client().get(link)
    # then they land on the address in the template, and the click counts as a response
    assert response.status_code == 302
    assert response["Location"] == "https://shop.example/spring"
    contact.refresh_from_db()
    assert contact.clicked_at is not None
    assert contact.opened_at is not None  # a click implies the e-mail was opened
    assert contact.responded_at == contact.clicked_at


def test_click_refuses_unsigned_or_foreign_destinations() -> None:
    contact = _launched_contact()
    client = Client()
    # an address nobody signed
    assert client.get(f"/t/c/{contact.token}/", {"u": "https://evil.example"}).status_code == 404
    # a signature made for another contact's token
    other = click_url("another-token", "https://evil.example")
    signed = parse_qs(urlsplit(other).query)["u"][0]
    assert client.get(f"/t/c/{contact.token}/", {"u": signed}).status_code == 404
    # a tampered destination
    mine = parse_qs(urlsplit(click_url(contact.token, "https://shop.example")).query)["u"][0]
    tampered = mine.replace("shop.example", "evil.example")
    assert client.get(f"/t/c/{contact.token}/", {"u": tampered}).status_code == 404
    # no destination at all
    assert client.get(f"/t/c/{contact.token}/").status_code == 404
    contact.refresh_from_db()
    assert contact.clicked_at is None


def test_unknown_tokens_are_404_never_500() -> None:
    client = Client()
    signed = parse_qs(urlsplit(click_url("nope", "https://shop.example")).query)["u"][0]
    assert client.get("/t/o/nope.gif").status_code == 404
    assert client.get("/t/c/nope/", {"u": signed}).status_code == 404
    assert client.get("/t/o/" + "x" * 40 + ".gif").status_code == 404
    assert client.get("/t/c/%00/").status_code == 404
    assert client.post("/t/o/nope.gif").status_code == 405


def test_control_and_refused_contacts_never_count_opens() -> None:
    # given a contact that was not sent anything (no consent)
    customers_in_segment(1, consent=False)
    campaign_launch(campaign=new_campaign())
    contact = CampaignContact.objects.get()
    # when its token is used anyway
    Client().get(f"/t/o/{contact.token}.gif")
    # then nothing is recorded
    contact.refresh_from_db()
    assert contact.opened_at is None


def test_links_tracked_keeps_punctuation_and_skips_own_links(settings) -> None:  # type: ignore[no-untyped-def]
    settings.RELATA_SITE_URL = "https://crm.example"
    text = "See https://shop.example/a?b=1. Or (https://shop.example/c), mail@x.nl"
    tracked = links_tracked(text, "tok")
    assert tracked.startswith("See https://crm.example/t/c/tok/?u=")
    assert ". Or (https://crm.example/t/c/tok/?u=" in tracked
    assert tracked.endswith("), mail@x.nl")
    assert links_tracked(tracked, "tok") == tracked
