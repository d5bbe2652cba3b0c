"""/api/contact-moments with friction (what went wrong): create, read, filter, patch."""

from __future__ import annotations

import pytest

from tests.api.conftest import ApiClient, error_locs
from tests.factories import ContactMomentFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def test_the_api_creates_reads_filters_and_patches_friction(api: ApiClient) -> None:
    # given a customer
    customer = CustomerFactory()
    # when a moment is logged where nobody picked up
    body = {
        "customer_id": customer.pk,
        "channel": "phone",
        "touchpoint": "service",
        "subject": "Nobody picked up",
        "friction": "not_reachable",
    }
    created = api.post("/api/contact-moments/", body)
    # then it is stored and returned, found by the filter, and can be cleared
    assert created.status_code == 201, created.json()
    assert created.json()["friction"] == "not_reachable"
    ContactMomentFactory(customer=customer)  # nothing went wrong
    listed = api.get("/api/contact-moments/", {"friction": "not_reachable"}).json()
    assert [item["id"] for item in listed["items"]] == [created.json()["id"]]
    patched = api.patch(f"/api/contact-moments/{created.json()['id']}", {"friction": ""})
    assert patched.json()["friction"] == ""


def test_the_api_refuses_an_unknown_friction(api: ApiClient) -> None:
    customer = CustomerFactory()
    response = api.post(
        "/api/contact-moments/",
        {
            "customer_id": customer.pk,
            "channel": "web",
            "touchpoint": "sales",
            "subject": "x",
            "friction": "grumpy",
        },
    )
    assert response.status_code == 422
    assert ["body", "payload", "friction"] in error_locs(response)
