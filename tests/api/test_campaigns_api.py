from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from relata.accounts.models import ApiToken
from relata.engagement.campaign_services import campaign_attribute
from relata.engagement.models import Campaign, CampaignContact
from tests.api.conftest import ApiClient, error_locs, user_with_role
from tests.engagement.campaign_support import (
    customers_in_segment,
    email_template,
    order_for,
    segment_of_city,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketing(db: None) -> ApiClient:
    _token, raw = ApiToken.issue(user=user_with_role("marketer-api", "marketing"), name="t")
    return ApiClient(raw)


def test_create_launch_and_read_results(marketing: ApiClient) -> None:
    # given a segment of 40 customers with consent and an e-mail template
    customers = customers_in_segment(40)
    segment = segment_of_city()
    template = email_template()
    # when a campaign is created and launched through the API
    created = marketing.post(
        "/api/campaigns/",
        {
            "name": "API spring",
            "segment_id": segment.pk,
            "template_id": template.pk,
            "control_percent": 25,
            "random_seed": 99,
            "fixed_cost": "20.00",
            "cost_per_contact": 0.5,
        },
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["channel"], body["control_percent"]) == ("draft", "email", 25)
    launched = marketing.post(f"/api/campaigns/{body['id']}/launch", {"version": body["version"]})
    assert launched.status_code == 200, launched.json()
    assert launched.json()["status"] == "running"
    assert len(mail.outbox) == 30
    # and a customer in the approached group buys
    buyer = CampaignContact.objects.filter(group="target").first().customer
    order_for(buyer, on=timezone.localdate() + timedelta(days=1), amount="60.00")
    campaign_attribute(campaign=Campaign.objects.get())
    # then the results show the figures and why there is no uplift yet
    results = marketing.get(f"/api/campaigns/{body['id']}/results").json()
    assert (results["treatment"], results["control"], results["sent"]) == (30, 10, 30)
    assert results["converted"] == 1
    assert results["conversion_ratio"] == pytest.approx(1 / 30)
    assert results["revenue"] == 60.0
    assert results["cost"] == pytest.approx(20 + 0.5 * 30)
    assert results["uplift"]["available"] is False
    assert results["uplift"]["reason"] == "control_too_small"
    assert results["uplift"]["verdict"] == "unknown"
    # and the contacts page filters and paginates
    contacts = marketing.get(
        f"/api/campaigns/{body['id']}/contacts", {"state": "converted", "limit": 5}
    ).json()
    assert contacts["count"] == 1
    assert contacts["items"][0]["customer_id"] == buyer.pk
    assert contacts["items"][0]["revenue"] == "60.00"
    control = marketing.get(f"/api/campaigns/{body['id']}/contacts", {"group": "control"}).json()
    assert control["count"] == 10 and all(c["sent_at"] is None for c in control["items"])
    assert len(customers) == 40


def test_record_a_response(marketing: ApiClient) -> None:
    customers_in_segment(1)
    customers_in_segment(1, consent=False)
    created = marketing.post(
        "/api/campaigns/",
        {"name": "Replies", "segment_id": segment_of_city().pk, "template_id": email_template().pk},
    ).json()
    marketing.post(f"/api/campaigns/{created['id']}/launch", {})
    sent = CampaignContact.objects.get(sent_at__isnull=False)
    refused = CampaignContact.objects.get(sent_at__isnull=True)
    response = marketing.post(
        f"/api/campaigns/{created['id']}/contacts/{sent.pk}/response", {"note": "Replied by mail"}
    )
    assert response.status_code == 200
    assert response.json()["responded_at"] is not None
    refused_answer = marketing.post(
        f"/api/campaigns/{created['id']}/contacts/{refused.pk}/response", {}
    )
    assert refused_answer.status_code == 422
    missing = marketing.post(f"/api/campaigns/{created['id']}/contacts/999999/response", {})
    assert missing.status_code == 404


def test_bad_input_names_the_field(marketing: ApiClient) -> None:
    letter = email_template(name="Letter", channel="post")
    response = marketing.post(
        "/api/campaigns/", {"name": "x", "template_id": letter.pk, "segment_id": 999999}
    )
    assert response.status_code == 422
    assert error_locs(response) == [["body", "payload", "segment_id"]]
    response = marketing.post("/api/campaigns/", {"name": "x", "template_id": letter.pk})
    assert response.status_code == 422
    assert error_locs(response) == [["body", "payload", "template_id"]]
    response = marketing.post("/api/campaigns/", {"name": "x", "control_percent": 90})
    assert ["body", "payload", "control_percent"] in error_locs(response)
    # launching a draft without a template names the template
    draft = marketing.post("/api/campaigns/", {"name": "Empty"}).json()
    launch = marketing.post(f"/api/campaigns/{draft['id']}/launch", {})
    assert launch.status_code == 422
    assert error_locs(launch) == [["body", "payload", "template_id"]]


def test_update_with_version_and_conflict(marketing: ApiClient) -> None:
    draft = marketing.post("/api/campaigns/", {"name": "Draft"}).json()
    changed = marketing.patch(
        f"/api/campaigns/{draft['id']}", {"version": draft["version"], "name": "Renamed"}
    )
    assert changed.status_code == 200 and changed.json()["name"] == "Renamed"
    stale = marketing.patch(f"/api/campaigns/{draft['id']}", {"version": draft["version"]})
    assert stale.status_code == 409
    assert (
        marketing.patch(f"/api/campaigns/{draft['id']}", {"version": 2, "name": None}).status_code
        == 422
    )


def test_templates_and_permissions(marketing: ApiClient, api: ApiClient, no_role_api) -> None:  # type: ignore[no-untyped-def]
    email_template()
    listing = marketing.get("/api/message-templates/").json()
    assert listing["count"] == 1 and listing["items"][0]["name"] == "Spring offer"
    # sales may read campaigns but not create them; no role: nothing
    assert api.get("/api/campaigns/").status_code == 200
    assert api.post("/api/campaigns/", {"name": "x"}).status_code == 403
    assert no_role_api.get("/api/campaigns/").status_code == 403
    assert marketing.get("/api/campaigns/424242").status_code == 404
    assert marketing.get("/api/campaigns/1/contacts", {"state": "bogus"}).status_code == 422
