"""/api/events, /api/triggers and /api/outbox."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from relata.accounts.models import ApiToken
from relata.contacts.models import Task
from relata.customers.models import Consent
from relata.engagement.models import CustomerEvent, OutboxMessage, TriggerFiring
from relata.engagement.trigger_services import trigger_rules_run
from tests.api.conftest import ApiClient, error_locs
from tests.engagement.trigger_support import NOW, make_rule, opt_in, template
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def engagement_api(sales_user: User) -> ApiClient:
    """Sales: reads rules and firings, reports events, marks outbox messages sent."""
    _token, raw = ApiToken.issue(user=sales_user, name="tests")
    return ApiClient(raw)


def post_event(api: ApiClient, capture: Any, body: dict[str, Any]) -> Any:
    with capture(execute=True):
        return api.post("/api/events/", body)


def test_nps_detractor_fires_at_once_and_says_what_fired(
    engagement_api: ApiClient, django_capture_on_commit_callbacks: Any
) -> None:
    # given a detractor rule that makes a task
    rule = make_rule(
        "nps_detractor", "task", name="Call detractors", action_params={"title": "Call"}
    )
    customer = CustomerFactory()
    # when a survey tool reports an NPS answer of 3 by customer number
    response = post_event(
        engagement_api,
        django_capture_on_commit_callbacks,
        {
            "customer_number": customer.customer_number,
            "kind": "nps",
            "score": 3,
            "payload": {"comment": "Slow delivery"},
            "source": "survey tool",
        },
    )
    # then the event is stored and the answer lists the firing with its task
    assert response.status_code == 201, response.json()
    body = response.json()
    event = CustomerEvent.objects.get()
    assert body["event"]["id"] == event.pk and body["event"]["payload"] == {
        "comment": "Slow delivery"
    }
    [fired] = body["fired"]
    assert (fired["rule_id"], fired["rule_name"], fired["outcome"]) == (
        rule.pk,
        "Call detractors",
        "done",
    )
    assert fired["event_key"] == f"nps:{event.pk}"
    assert fired["task_id"] == Task.objects.get(title="Call").pk


def test_promoter_and_external_events_fire_nothing(
    engagement_api: ApiClient, django_capture_on_commit_callbacks: Any
) -> None:
    make_rule("nps_detractor")
    customer = CustomerFactory()
    promoter = post_event(
        engagement_api,
        django_capture_on_commit_callbacks,
        {"customer_id": customer.pk, "kind": "nps", "score": 9},
    )
    external = post_event(
        engagement_api,
        django_capture_on_commit_callbacks,
        {
            "customer_id": customer.pk,
            "kind": "external",
            "name": "webinar_attended",
            "occurred_at": "2026-06-01T10:00:00",
        },
    )
    assert promoter.status_code == external.status_code == 201
    assert promoter.json()["fired"] == external.json()["fired"] == []
    assert CustomerEvent.objects.count() == 2 and not TriggerFiring.objects.exists()


def test_message_refused_without_consent_is_reported(
    engagement_api: ApiClient, django_capture_on_commit_callbacks: Any
) -> None:
    make_rule("nps_detractor", "message", template=template())
    customer = CustomerFactory()
    body = post_event(
        engagement_api,
        django_capture_on_commit_callbacks,
        {"customer_id": customer.pk, "kind": "nps", "score": 0},
    ).json()
    [fired] = body["fired"]
    message = OutboxMessage.objects.get()
    assert fired["outcome"] == "refused" and fired["message_ids"] == [message.pk]
    assert message.status == "refused"


def test_bad_events_are_422_with_the_field(engagement_api: ApiClient) -> None:
    customer = CustomerFactory()
    no_score = engagement_api.post("/api/events/", {"customer_id": customer.pk, "kind": "nps"})
    assert no_score.status_code == 422
    assert "score from 0 to 10" in str(no_score.json())
    unknown = engagement_api.post(
        "/api/events/", {"customer_number": "NOPE", "kind": "nps", "score": 5}
    )
    assert error_locs(unknown) == [["body", "payload", "customer_number"]]
    bad_kind = engagement_api.post(
        "/api/events/", {"customer_id": customer.pk, "kind": "rumour", "payload": []}
    )
    assert {("body", "payload", "kind"), ("body", "payload", "payload")} <= {
        tuple(loc) for loc in error_locs(bad_kind)
    }
    # a NUL character PostgreSQL's jsonb cannot store is refused, not a 500 there
    nul = engagement_api.post(
        "/api/events/",
        {"customer_id": customer.pk, "kind": "external", "name": "x", "payload": {"a": "\x00"}},
    )
    assert nul.status_code == 422 and "NUL" in str(nul.json())


def test_permissions(no_role_api: ApiClient, marketing_api: ApiClient) -> None:
    # a user without a role may do nothing; marketing reads the outbox and the rules
    customer = CustomerFactory()
    body = {"customer_id": customer.pk, "kind": "nps", "score": 1}
    assert no_role_api.post("/api/events/", body).status_code == 403
    assert no_role_api.get("/api/outbox/").status_code == 403
    assert no_role_api.get("/api/triggers/").status_code == 403
    assert marketing_api.get("/api/outbox/").status_code == 200
    assert marketing_api.get("/api/triggers/").status_code == 200


def test_trigger_rules_and_their_firings(engagement_api: ApiClient) -> None:
    # given a rule that fired for one customer with an opt-in and one without
    allowed, refused = CustomerFactory(), CustomerFactory()
    opt_in(allowed)
    today = timezone.localdate().isoformat()
    rule = make_rule("calendar", "message", template=template(), event_params={"date": today})
    trigger_rules_run()
    # when the rules and the rule's firings are read
    rules = engagement_api.get("/api/triggers/").json()
    firings = engagement_api.get(f"/api/triggers/{rule.pk}/firings", {"outcome": "refused"})
    # then the rule shows its settings and recent firings; the filter keeps the refused one
    [item] = rules["items"]
    assert item["event_params"] == {"date": today} and item["fired_recently"] == 2
    assert firings.status_code == 200
    [firing] = firings.json()["items"]
    assert firing["customer_id"] == refused.pk and len(firing["message_ids"]) == 1
    assert engagement_api.get("/api/triggers/999/firings").status_code == 404


def test_outbox_list_and_an_external_sender_reports_delivery(engagement_api: ApiClient) -> None:
    # given an SMS queued for a customer who opted in, and one refused
    sms_ok, sms_no = CustomerFactory(), CustomerFactory()
    opt_in(sms_ok, channel="sms")
    rule = make_rule(
        "calendar", "message", template=template("sms"), event_params={"date": "2026-06-15"}
    )
    trigger_rules_run(now=NOW)
    queued = OutboxMessage.objects.get(customer=sms_ok)
    # when the sender polls the queue and reports delivery
    page = engagement_api.get("/api/outbox/", {"status": "queued", "channel": "sms"}).json()
    assert [m["id"] for m in page["items"]] == [queued.pk]
    assert page["items"][0]["trigger_rule_id"] == rule.pk
    sent = engagement_api.post(f"/api/outbox/{queued.pk}/sent", {})
    # then the message is sent; reporting it again, or a refused one, is a 422
    assert sent.status_code == 200 and sent.json()["status"] == "sent"
    again = engagement_api.post(f"/api/outbox/{queued.pk}/sent", {})
    assert again.status_code == 422 and "Only a queued message" in str(again.json())
    refused = OutboxMessage.objects.get(customer=sms_no)
    assert (
        engagement_api.get(f"/api/outbox/{refused.pk}")
        .json()["status_reason"]
        .startswith("No opt-in")
    )
    assert engagement_api.post("/api/outbox/99999/sent", {}).status_code == 404


def test_delivery_report_after_consent_withdrawn_says_refused(engagement_api: ApiClient) -> None:
    customer = CustomerFactory()
    opt_in(customer, channel="sms")
    make_rule("calendar", "message", template=template("sms"), event_params={"date": "2026-06-15"})
    trigger_rules_run(now=NOW)
    message = OutboxMessage.objects.get()
    # withdrawn in bulk, as an import does (no signal refuses the waiting message first)
    Consent.objects.bulk_create(
        [Consent(customer=customer, channel="sms", purpose="marketing", granted=False)]
    )
    body = engagement_api.post(f"/api/outbox/{message.pk}/sent", {}).json()
    assert body["status"] == "refused" and "No opt-in" in body["status_reason"]
