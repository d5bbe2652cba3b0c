"""The public answer page behind a personal link: no login, only a first name shown, single
use, polite pages for expired, unknown and tampered links, validation, CSRF."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from relata.feedback.models import SurveyInvitation, SurveyResponse
from tests.factories import CustomerFactory
from tests.feedback.survey_support import make_survey, send_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def anonymous() -> Client:
    return Client()


def _invite(**survey_fields):  # type: ignore[no-untyped-def]
    customer = CustomerFactory(
        first_name="Noor", last_name="Bakker", email="noor@example.nl", city="Gouda"
    )
    sent, token = send_link(make_survey(**survey_fields), customer)
    return sent.invitation, token


def test_the_page_greets_by_first_name_and_shows_nothing_else(anonymous: Client) -> None:
    # given a personal link, opened without logging in
    _invitation, token = _invite(nps_question="Would you recommend the Gouda shop?")
    page = anonymous.get(f"/s/{token}/")
    # then it shows the greeting and the questions, and no staff navigation
    assert page.status_code == 200
    html = page.content.decode()
    assert "Hello Noor," in html
    assert "Would you recommend the Gouda shop?" in html
    assert 'name="nps"' in html and 'name="csat"' in html and 'name="comment"' in html
    for secret in ("Bakker", "noor@example.nl", 'id="mainnav"'):
        assert secret not in html
    assert page["Cache-Control"].startswith("max-age=0")
    assert "noindex" in page["X-Robots-Tag"]
    # same-origin (the site's policy): the link never leaks to other sites, and the form
    # post keeps its Origin header for the CSRF check ("no-referrer" would send "null")
    assert page["Referrer-Policy"] == "same-origin"
    # and the eleven NPS buttons look alike: no red-to-green colouring steering the answer
    # (yellow "7" and "8" were also unreadable on white)
    scale = html[html.index('class="scale scale-nps"') : html.index('id="question-csat"')]
    assert scale.count('class="btn btn-outline-secondary"') == 11
    assert "btn-outline-danger" not in scale and "btn-outline-warning" not in scale


def test_answering_stores_once_and_then_says_thank_you(anonymous: Client) -> None:
    invitation, token = _invite()
    answered = anonymous.post(f"/s/{token}/", {"nps": "9", "csat": "5", "comment": "Lovely"})
    assert answered.status_code == 302 and answered["Location"] == f"/s/{token}/thanks/"
    thanks = anonymous.get(answered["Location"])
    assert thanks.status_code == 200 and "Thank you, Noor!" in thanks.content.decode()
    response = SurveyResponse.objects.get()
    assert (response.nps, response.csat, response.comment, response.invitation_id) == (
        9,
        5,
        "Lovely",
        invitation.pk,
    )
    # a second visit or attempt gets the polite "already answered" page and changes nothing
    again = anonymous.get(f"/s/{token}/")
    assert again.status_code == 410
    assert "You have already answered this survey" in again.content.decode()
    second = anonymous.post(f"/s/{token}/", {"nps": "0", "csat": "1"})
    assert second.status_code == 410
    assert SurveyResponse.objects.get().nps == 9


def test_a_detractor_is_told_someone_will_get_in_touch(anonymous: Client) -> None:
    _invitation, token = _invite()
    anonymous.post(f"/s/{token}/", {"nps": "2", "csat": "1", "comment": "Too slow"})
    thanks = anonymous.get(f"/s/{token}/thanks/")
    assert "Someone from our team will get in touch" in thanks.content.decode()


def test_an_expired_link_gets_a_polite_page(anonymous: Client) -> None:
    invitation, token = _invite()
    SurveyInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    page = anonymous.get(f"/s/{token}/")
    assert page.status_code == 410
    assert "This survey link has expired" in page.content.decode()
    posted = anonymous.post(f"/s/{token}/", {"nps": "9", "csat": "5"})
    assert posted.status_code == 410
    assert not SurveyResponse.objects.exists()


def test_a_closed_survey_gets_a_polite_page(anonymous: Client) -> None:
    invitation, token = _invite()
    invitation.survey.active = False
    invitation.survey.save()
    page = anonymous.get(f"/s/{token}/")
    assert page.status_code == 410 and "This survey is closed" in page.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/s/{tampered}/",
        "/s/{guess}/",
        "/s/short/",
        "/s/{long}/",
        "/s/%3Cscript%3E/",
        "/s/{tampered}/thanks/",
    ],
)
def test_unknown_guessed_and_tampered_links_get_a_friendly_404(
    anonymous: Client, path: str
) -> None:
    invitation, token = _invite()
    tampered = token[:10] + ("x" if token[10] != "x" else "y") + token[11:]
    url = path.format(tampered=tampered, guess="A" * 43, long="a" * 500)
    page = anonymous.get(url)
    assert page.status_code == 404
    assert "We do not recognise this link" in page.content.decode()
    posted = anonymous.post(url, {"nps": "9", "csat": "5"})
    assert posted.status_code in (404, 405)
    assert not SurveyResponse.objects.exists()
    invitation.refresh_from_db()
    assert invitation.answered_at is None


def test_validation_errors_are_shown_in_the_form(anonymous: Client) -> None:
    _invitation, token = _invite()
    page = anonymous.post(f"/s/{token}/", {"csat": "4", "comment": "Hmm"})
    assert page.status_code == 400
    html = page.content.decode()
    assert "Choose a score from 0 to 10." in html
    assert "Hmm" in html  # what was typed stays
    too_high = anonymous.post(f"/s/{token}/", {"nps": "12", "csat": "4"})
    assert too_high.status_code == 400
    assert not SurveyResponse.objects.exists()


def test_csrf_protection_stays_on() -> None:
    _invitation, token = _invite()
    strict = Client(enforce_csrf_checks=True)
    assert strict.get(f"/s/{token}/").status_code == 200
    refused = strict.post(f"/s/{token}/", {"nps": "9", "csat": "5"})
    assert refused.status_code == 403
    assert not SurveyResponse.objects.exists()


def test_the_page_follows_the_browser_language(anonymous: Client) -> None:
    _invitation, token = _invite()
    page = anonymous.get(f"/s/{token}/", HTTP_ACCEPT_LANGUAGE="nl")
    assert '<html lang="nl">' in page.content.decode()
    assert 'name="language" value="en"' in page.content.decode()
