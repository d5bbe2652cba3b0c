"""The staff's survey pages: list with counts, create/edit for marketing, detail with the
answers escaped, switching off, sending from the customer file, the customer card, the
timeline and the lists of answers and invitations."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.test import Client

from relata.feedback.models import Survey, SurveyInvitation
from relata.feedback.survey_services import survey_answer
from tests.factories import ContactMomentFactory, CustomerFactory, SurveyResponseFactory
from tests.feedback.survey_support import make_survey, opt_in, send_link, token_of

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def marketing(db: None) -> Client:
    user = User.objects.create_user("maud", password="a-long-test-password")
    user.groups.add(Group.objects.get(name="marketing"))
    client = Client()
    client.force_login(user)
    return client


def _answered(survey: Survey, customer=None, **answers):  # type: ignore[no-untyped-def]
    customer = customer or CustomerFactory()
    _sent, token = send_link(survey, customer)
    return survey_answer(token=token, **answers)


def test_the_list_shows_response_rate_and_nps(logged_in_client: Client) -> None:
    survey = make_survey(name="After delivery")
    _answered(survey, nps=10, csat=5)
    _answered(survey, nps=2, csat=2)
    send_link(survey, CustomerFactory())
    page = logged_in_client.get("/surveys/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "After delivery" in html and 'id="surveys-table"' in html
    assert "67%" in html  # 2 of 3 links answered
    assert ">0<" in html.replace(" ", "")  # NPS: 50% promoters − 50% detractors


def test_marketing_creates_and_edits_a_survey_sales_may_not(
    marketing: Client, logged_in_client: Client
) -> None:
    data = {
        "name": "After a service call",
        "touchpoint": "service",
        "valid_days": "7",
        "asks_nps": "on",
        "asks_csat": "on",
        "nps_question": "",
        "csat_question": "How well did we help?",
        "comment_question": "",
        "active": "on",
    }
    assert logged_in_client.post("/surveys/new/", data).status_code == 403
    created = marketing.post("/surveys/new/", data)
    survey = Survey.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/surveys/{survey.pk}/"
    assert (survey.valid_days, survey.asks_comment, survey.csat_question) == (
        7,
        False,
        "How well did we help?",
    )
    assert survey.created_by is not None and survey.created_by.username == "maud"
    edited = marketing.post(f"/surveys/{survey.pk}/edit/", {**data, "valid_days": "30"})
    assert edited.status_code == 302
    survey.refresh_from_db()
    assert survey.valid_days == 30


def test_a_survey_must_ask_something_and_keep_sensible_validity(marketing: Client) -> None:
    page = marketing.post("/surveys/new/", {"name": "Empty", "valid_days": "0"})
    assert page.status_code == 400
    html = page.content.decode()
    assert "Ask at least one question" in html
    assert not Survey.objects.exists()


def test_the_detail_shows_answers_with_the_comment_escaped(logged_in_client: Client) -> None:
    survey = make_survey(name="After service")
    _answered(survey, CustomerFactory(last_name="Visser"), nps=3, csat=2, comment=XSS)
    page = logged_in_client.get(f"/surveys/{survey.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Visser" in html and 'id="survey-answers"' in html and 'id="survey-invitations"' in html
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_switching_a_survey_off_and_on(marketing: Client, logged_in_client: Client) -> None:
    survey = make_survey()
    assert logged_in_client.post(f"/surveys/{survey.pk}/active/").status_code == 403
    marketing.post(f"/surveys/{survey.pk}/active/")
    survey.refresh_from_db()
    assert survey.active is False
    marketing.post(f"/surveys/{survey.pk}/active/", {"active": "on"})
    survey.refresh_from_db()
    assert survey.active is True
    assert marketing.get("/surveys/999999/").status_code == 404


def test_sending_by_email_from_the_customer_file(logged_in_client: Client) -> None:
    # given a customer with a survey opt-in and a logged contact moment
    customer = CustomerFactory()
    opt_in(customer)
    moment = ContactMomentFactory(customer=customer, subject="Question about my bill")
    survey = make_survey(name="After service")
    form = logged_in_client.get(f"/surveys/send/{customer.pk}/")
    assert form.status_code == 200 and "Question about my bill" in form.content.decode()
    # when the survey is sent about the contact moment
    sent = logged_in_client.post(
        f"/surveys/send/{customer.pk}/",
        {"survey": survey.pk, "about": f"contact:{moment.pk}", "how": "email"},
        follow=True,
    )
    # then the customer is mailed, and the customer file says so
    assert sent.redirect_chain[-1][0] == f"/customers/{customer.pk}/#surveys"
    assert "e-mailed to" in sent.content.decode()
    invitation = SurveyInvitation.objects.get()
    assert invitation.contact_moment == moment and invitation.sent_by is not None
    assert token_of(mail.outbox[0].body)


def test_a_refused_email_is_reported(logged_in_client: Client) -> None:
    customer = CustomerFactory()
    survey = make_survey()
    form = logged_in_client.get(f"/surveys/send/{customer.pk}/")
    assert 'id="no-survey-consent"' in form.content.decode()
    sent = logged_in_client.post(
        f"/surveys/send/{customer.pk}/", {"survey": survey.pk, "how": "email"}, follow=True
    )
    assert "The survey was not sent" in sent.content.decode()
    assert mail.outbox == []


def test_handing_the_link_over_shows_it_once(logged_in_client: Client) -> None:
    customer = CustomerFactory()
    moment = ContactMomentFactory(customer=customer)
    survey = make_survey()
    page = logged_in_client.post(
        f"/surveys/send/contact/{moment.pk}/",
        {"survey": survey.pk, "about": f"contact:{moment.pk}", "how": "link"},
    )
    assert page.status_code == 200
    html = page.content.decode()
    token = token_of(html)
    assert 'id="copy-link"' in html and "no-store" in page["Cache-Control"]
    assert SurveyInvitation.objects.get().message is None
    # the link works for the customer
    assert Client().get(f"/s/{token}/").status_code == 200


def test_sending_needs_the_permission_and_an_active_survey(logged_in_client: Client) -> None:
    customer = CustomerFactory()
    nobody = User.objects.create_user("nobody", password="a-long-test-password")
    client = Client()
    client.force_login(nobody)
    assert client.get(f"/surveys/send/{customer.pk}/").status_code == 403
    inactive = make_survey(active=False)
    page = logged_in_client.post(
        f"/surveys/send/{customer.pk}/", {"survey": inactive.pk, "how": "link"}
    )
    assert page.status_code == 400
    assert not SurveyInvitation.objects.exists()


def test_the_customer_file_shows_the_survey_card_and_timeline(logged_in_client: Client) -> None:
    customer = CustomerFactory()
    survey = make_survey(name="After repair")
    _answered(survey, customer, nps=4, csat=3, comment=XSS)
    send_link(survey, customer)  # still open
    page = logged_in_client.get(f"/customers/{customer.pk}/")
    html = page.content.decode()
    assert 'id="surveys"' in html and 'id="send-survey"' in html
    assert "NPS 4" in html and "waiting for an answer" in html
    assert "Answered “After repair”: NPS 4, CSAT 3" in html  # the timeline
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_the_survey_card_lists_what_an_answer_is_about_without_a_lone_dash(
    logged_in_client: Client,
) -> None:
    # given a relationship survey answer (no touchpoint, channel or cause) and a phone answer
    customer = CustomerFactory()
    SurveyResponseFactory(
        customer=customer, survey=make_survey(name="Relationship"), touchpoint="", channel=""
    )
    SurveyResponseFactory(customer=customer, survey=make_survey(name="After a call"))
    # when the customer file is opened
    html = logged_in_client.get(f"/customers/{customer.pk}/").content.decode()
    card = html[html.index('id="surveys"') :]
    card = card[: card.index("</ul>")]
    # then the relationship answer has no "—" line, the other names touchpoint and channel
    assert "—" not in card
    assert "Service · Phone" in card


def test_the_detail_counts_with_thousands_separators(logged_in_client: Client) -> None:
    # given a survey with more than a thousand promoters
    survey = make_survey(name="Big")
    SurveyResponseFactory.create_batch(1001, survey=survey, nps=10, csat=None)
    # when its page is opened, then the counts read like the other figures on the page
    html = logged_in_client.get(f"/surveys/{survey.pk}/").content.decode()
    assert "1,001 promoters" in html


def test_answers_and_invitations_lists_filter(logged_in_client: Client) -> None:
    survey = make_survey()
    _answered(survey, CustomerFactory(last_name="Happy"), nps=10, csat=5)
    _answered(survey, CustomerFactory(last_name="Grumpy"), nps=1, csat=1)
    send_link(survey, CustomerFactory(last_name="Silent"))
    unhappy = logged_in_client.get("/surveys/answers/", {"detractors": "on"})
    assert "Grumpy" in unhappy.content.decode() and "Happy" not in unhappy.content.decode()
    waiting = logged_in_client.get(
        "/surveys/invitations/", {"state": "open"}, HTTP_HX_REQUEST="true"
    )
    html = waiting.content.decode()
    assert "Silent" in html and "Grumpy" not in html and "<nav" not in html
    bad_dates = logged_in_client.get(
        "/surveys/answers/", {"since": "2026-05-01", "until": "2026-04-01"}
    )
    assert bad_dates.status_code == 200
