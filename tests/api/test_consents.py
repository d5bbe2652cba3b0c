"""/api/customers/{id}/consents and /api/consents."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from relata.customers.models import Consent
from tests.api.conftest import ApiClient, error_locs
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_record_and_read_a_customers_consents(api: ApiClient, sales_user: object) -> None:
    # given a customer
    customer = CustomerFactory()
    url = f"/api/customers/{customer.pk}/consents"
    # when an opt-in and then a withdrawal are recorded
    granted = api.post(
        url, {"channel": "email", "purpose": "newsletter", "granted": True, "source": "web form"}
    )
    withdrawn = api.post(
        url,
        {
            "channel": "email",
            "purpose": "newsletter",
            "granted": False,
            "source": "unsubscribe link",
        },
    )
    # then both are stored with the API user
    assert granted.status_code == 201 and withdrawn.status_code == 201
    assert withdrawn.json()["recorded_by"] == "sales-api"
    # and the customer's consents show the withdrawal in force and the full history
    body = api.get(url).json()
    assert [(c["channel"], c["purpose"], c["granted"]) for c in body["in_force"]] == [
        ("email", "newsletter", False)
    ]
    assert [(h["granted"], h["previous_granted"]) for h in body["history"]] == [
        (False, True),
        (True, None),
    ]


def test_unknown_channel_purpose_or_missing_source_is_422(api: ApiClient) -> None:
    customer = CustomerFactory()
    url = f"/api/customers/{customer.pk}/consents"
    response = api.post(url, {"channel": "pigeon", "purpose": "gossip", "granted": True})
    assert response.status_code == 422
    locs = error_locs(response)
    assert ["body", "payload", "channel"] in locs
    assert ["body", "payload", "purpose"] in locs
    assert ["body", "payload", "source"] in locs
    assert not Consent.objects.exists()


def test_unknown_customer_is_404(api: ApiClient) -> None:
    response = api.get("/api/customers/999999/consents")
    assert response.status_code == 404


def test_list_of_decisions_in_force_for_marketing_tools(
    api: ApiClient, marketing_api: ApiClient
) -> None:
    # given one customer who opted in, one who withdrew, one with a phone opt-in
    now = timezone.now()
    yes, no, phone = CustomerFactory(), CustomerFactory(), CustomerFactory()
    for customer, granted, days in ((yes, False, 5), (yes, True, 1), (no, True, 5), (no, False, 1)):
        Consent.objects.create(
            customer=customer,
            channel="email",
            purpose="marketing",
            granted=granted,
            recorded_at=now - timedelta(days=days),
        )
    Consent.objects.create(customer=phone, channel="phone", purpose="marketing", granted=True)
    # when a marketing tool asks for e-mail marketing opt-ins in force
    response = marketing_api.get(
        "/api/consents/", {"channel": "email", "purpose": "marketing", "granted": "true"}
    )
    # then only the customer whose latest decision is an opt-in is listed
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert [i["customer_number"] for i in body["items"]] == [yes.customer_number]
    # and without filters every decision in force is listed once, paginated
    everything = api.get("/api/consents/", {"limit": 2}).json()
    assert everything["count"] == 3 and len(everything["items"]) == 2
    assert everything["next"] is not None


def test_consents_need_permissions(no_role_api: ApiClient, marketing_api: ApiClient) -> None:
    customer = CustomerFactory()
    assert no_role_api.get("/api/consents/").status_code == 403
    assert no_role_api.get(f"/api/customers/{customer.pk}/consents").status_code == 403
    response = marketing_api.post(
        f"/api/customers/{customer.pk}/consents",
        {"channel": "email", "purpose": "newsletter", "granted": True, "source": "x"},
    )
    assert response.status_code == 403


def test_list_filtered_by_a_customer_id_too_large_for_a_column_is_422(api: ApiClient) -> None:
    # given a customer id beyond the largest a database column holds
    too_large = str(2**63)
    # when listing the decisions of that customer
    response = api.get("/api/consents/", {"customer_id": too_large})
    # then the filter is refused with its name, not answered with a server error
    assert response.status_code == 422
    assert ["query", "customer_id"] in error_locs(response)
