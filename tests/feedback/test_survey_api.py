"""/api/surveys: definitions, sending (the link returned once), invitations and answers with
filters, recording an answer, and the public answer endpoint of a link."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from relata.accounts.models import ApiToken
from relata.contacts.models import Task
from relata.engagement.models import CustomerEvent
from relata.feedback.models import Survey, SurveyInvitation, SurveyResponse
from relata.feedback.survey_services import survey_answer
from tests.api.conftest import ApiClient, user_with_role
from tests.factories import ContactMomentFactory, CustomerFactory
from tests.feedback.survey_support import make_survey, opt_in, send_link, token_of

pytestmark = pytest.mark.django_db


def _client(role: str) -> ApiClient:
    _token, raw = ApiToken.issue(user=user_with_role(f"{role}-surveys", role), name="t")
    return ApiClient(raw)


@pytest.fixture
def sales() -> ApiClient:
    return _client("sales")


@pytest.fixture
def marketing() -> ApiClient:
    return _client("marketing")


def _public_answer(token: str, body: dict[str, Any]) -> Any:
    return Client().post(f"/api/surveys/answer/{token}", body, content_type="application/json")


def test_marketing_creates_lists_and_updates_surveys(
    marketing: ApiClient, sales: ApiClient
) -> None:
    body = {"name": "After delivery", "touchpoint": "delivery", "asks_comment": False}
    assert sales.post("/api/surveys/", body).status_code == 403
    created = marketing.post("/api/surveys/", body)
    assert created.status_code == 201, created.json()
    survey = created.json()
    assert (survey["touchpoint"], survey["valid_days"], survey["asks_comment"]) == (
        "delivery",
        14,
        False,
    )
    assert survey["stats"]["sent"] == 0 and survey["stats"]["nps"] is None
    listed = sales.get("/api/surveys/", {"active": "true"}).json()
    assert listed["count"] == 1 and listed["items"][0]["name"] == "After delivery"
    patched = marketing.patch(f"/api/surveys/{survey['id']}", {"active": False, "valid_days": 3})
    assert patched.status_code == 200
    assert (patched.json()["active"], patched.json()["valid_days"]) == (False, 3)
    nothing = marketing.post(
        "/api/surveys/",
        {"name": "Nothing", "asks_nps": False, "asks_csat": False, "asks_comment": False},
    )
    assert nothing.status_code == 422
    assert marketing.patch("/api/surveys/999999", {"name": "x"}).status_code == 404


def test_sending_returns_the_link_once(sales: ApiClient) -> None:
    survey = make_survey()
    customer = CustomerFactory()
    moment = ContactMomentFactory(customer=customer, touchpoint="billing", channel="email")
    sent = sales.post(
        f"/api/surveys/{survey.pk}/invitations",
        {
            "customer_number": customer.customer_number,
            "contact_moment_id": moment.pk,
            "delivery": "link",
        },
    )
    assert sent.status_code == 201, sent.json()
    data = sent.json()
    token = token_of(data["link"])
    invitation = data["invitation"]
    assert (invitation["state"], invitation["touchpoint"], invitation["channel"]) == (
        "open",
        "billing",
        "email",
    )
    assert invitation["source"] == "api" and invitation["message_id"] is None
    # the list never shows the link again
    listed = sales.get("/api/surveys/invitations", {"customer_id": customer.pk})
    assert listed.json()["count"] == 1 and token not in listed.content.decode()
    assert "link" not in listed.json()["items"][0]


def test_sending_by_email_without_consent_returns_no_link(sales: ApiClient) -> None:
    survey = make_survey()
    customer = CustomerFactory()
    refused = sales.post(f"/api/surveys/{survey.pk}/invitations", {"customer_id": customer.pk})
    assert refused.status_code == 201
    assert refused.json()["link"] is None and "No opt-in" in refused.json()["reason"]
    assert refused.json()["invitation"]["state"] == "not_sent"
    opt_in(customer)
    mailed = sales.post(f"/api/surveys/{survey.pk}/invitations", {"customer_id": customer.pk})
    assert mailed.json()["link"] and mailed.json()["invitation"]["message_status"] == "sent"
    other = ContactMomentFactory()
    wrong = sales.post(
        f"/api/surveys/{survey.pk}/invitations",
        {"customer_id": customer.pk, "contact_moment_id": other.pk},
    )
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["loc"] == ["body", "payload", "contact_moment_id"]


def test_recording_an_answer_from_another_tool(sales: ApiClient) -> None:
    customer = CustomerFactory()
    survey = make_survey()
    body = {
        "customer_id": customer.pk,
        "survey_id": survey.pk,
        "nps": 3,
        "csat": 2,
        "comment": "Waited an hour",
        "touchpoint": "service",
        "channel": "phone",
        "external_id": "tool-77",
    }
    created = sales.post("/api/surveys/responses", body)
    assert created.status_code == 201, created.json()
    answer = created.json()
    assert answer["source"] == "api" and answer["is_detractor"] is True
    task = Task.objects.get(pk=answer["follow_up_task_id"])
    assert task.kind == "detractor" and "Waited an hour" in task.description
    assert CustomerEvent.objects.get().payload == {"survey_response": answer["id"]}
    again = sales.post("/api/surveys/responses", {**body, "nps": 10})
    assert again.status_code == 200 and again.json()["id"] == answer["id"]
    assert again.json()["nps"] == 3
    empty = sales.post("/api/surveys/responses", {"customer_id": customer.pk})
    assert empty.status_code == 422


def test_listing_answers_with_filters(sales: ApiClient) -> None:
    survey = make_survey()
    happy = survey_answer(token=send_link(survey, CustomerFactory())[1], nps=10, csat=5)
    grumpy = survey_answer(token=send_link(survey, CustomerFactory())[1], nps=1, csat=1)
    SurveyResponse.objects.filter(pk=happy.pk).update(
        answered_at=timezone.now() - timedelta(days=40), touchpoint="delivery"
    )
    unhappy = sales.get("/api/surveys/responses", {"detractors": "true"}).json()
    assert [item["id"] for item in unhappy["items"]] == [grumpy.pk]
    recent = sales.get(
        "/api/surveys/responses",
        {"date_from": (timezone.localdate() - timedelta(days=7)).isoformat()},
    ).json()
    assert [item["id"] for item in recent["items"]] == [grumpy.pk]
    by_touchpoint = sales.get("/api/surveys/responses", {"touchpoint": "delivery"}).json()
    assert [item["id"] for item in by_touchpoint["items"]] == [happy.pk]
    answered = sales.get("/api/surveys/invitations", {"state": "answered", "survey_id": survey.pk})
    assert answered.json()["count"] == 2
    assert sales.get("/api/surveys/responses", {"touchpoint": "nowhere"}).status_code == 422


def test_the_public_answer_endpoint_follows_the_page_rules(db: None) -> None:
    invitation, token = (lambda s: (s[0].invitation, s[1]))(
        send_link(make_survey(), CustomerFactory())
    )
    # no API token is needed; missing answers are a 422 naming the field
    missing = _public_answer(token, {"csat": 4})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"][-1] == "nps"
    answered = _public_answer(token, {"nps": 6, "csat": 4, "comment": "<b>ok</b>"})
    assert answered.status_code == 201, answered.json()
    assert SurveyResponse.objects.get().comment == "<b>ok</b>"
    again = _public_answer(token, {"nps": 10, "csat": 5})
    assert again.status_code == 410 and again.json()["reason"] == "answered"
    unknown = _public_answer("A" * 43, {"nps": 10, "csat": 5})
    assert unknown.status_code == 404 and unknown.json()["reason"] == "unknown"
    assert SurveyResponse.objects.count() == 1
    expired_invitation, expired_token = (lambda s: (s[0].invitation, s[1]))(
        send_link(make_survey(), CustomerFactory())
    )
    SurveyInvitation.objects.filter(pk=expired_invitation.pk).update(expires_at=timezone.now())
    expired = _public_answer(expired_token, {"nps": 10, "csat": 5})
    assert expired.status_code == 410 and expired.json()["reason"] == "expired"
    assert invitation.survey.responses.count() == 1


def test_survey_endpoints_need_a_token(db: None) -> None:
    assert Client().get("/api/surveys/").status_code == 401
    assert Survey.objects.count() == 0
