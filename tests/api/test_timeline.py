"""/api/customers/{id}/timeline: the unified stream with type and channel filters."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from relata.contacts.complaint_services import complaint_create
from relata.contacts.models import Task
from relata.customers.models import Customer
from relata.sales.models import Deal, Order
from tests.api.conftest import ApiClient, error_locs
from tests.factories import ContactMomentFactory, CustomerFactory

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")


def at(day: int) -> datetime:
    return datetime(2026, 10, day, 12, tzinfo=AMS)


@pytest.fixture
def customer() -> Customer:
    customer = CustomerFactory()
    ContactMomentFactory(customer=customer, channel="email", subject="Mail", occurred_at=at(1))
    Order.objects.create(
        order_number="O-9",
        customer=customer,
        order_date=date(2026, 10, 2),
        channel="phone",
        total_amount=Decimal("10"),
    )
    Deal.objects.create(customer=customer, title="Big deal", created_at=at(3))
    Task.objects.create(customer=customer, title="Call back", created_at=at(4))
    complaint_create(
        customer=customer,
        channel="phone",
        touchpoint="service",
        cause="no_answer",
        subject="Nobody answered",
        received_at=at(5),
    )
    return customer


def events(response: Any) -> list[tuple[str, str]]:
    return [(e["type"], e["title"]) for e in response.json()["entries"]]


def test_whole_stream_newest_first(api: ApiClient, customer: Customer) -> None:
    response = api.get(f"/api/customers/{customer.pk}/timeline")
    assert response.status_code == 200
    assert events(response) == [
        ("complaints", "Complaint: Nobody answered"),
        ("tasks", "Task: Call back"),
        ("deals", "Deal created: Big deal"),
        ("orders", "Order O-9"),
        ("moments", "Mail"),
    ]
    first = response.json()["entries"][0]
    assert first["event"] == "complaint"
    assert first["channel"] == "phone"
    assert first["status"] == "open"
    assert first["url"].startswith("/complaints/")
    order = response.json()["entries"][3]
    assert order["date_only"] is True
    assert response.json()["truncated"] is False


def test_type_channel_and_limit_filters(api: ApiClient, customer: Customer) -> None:
    url = f"/api/customers/{customer.pk}/timeline"
    assert events(api.get(url, {"type": "deals"})) == [("deals", "Deal created: Big deal")]
    assert events(api.get(url, {"channel": "phone"})) == [
        ("complaints", "Complaint: Nobody answered"),
        ("orders", "Order O-9"),
    ]
    limited = api.get(url, {"limit": 2})
    assert len(limited.json()["entries"]) == 2
    assert limited.json()["truncated"] is True
    bad = api.get(url, {"type": "gossip", "channel": "pigeon", "limit": 0})
    assert bad.status_code == 422
    assert {tuple(loc) for loc in error_locs(bad)} >= {("query", "channel"), ("query", "limit")}
    assert error_locs(api.get(url, {"type": "gossip"})) == [["query", "type"]]


def test_unknown_customer_and_permissions(
    api: ApiClient, no_role_api: ApiClient, customer: Customer
) -> None:
    assert api.get("/api/customers/999999/timeline").status_code == 404
    assert no_role_api.get(f"/api/customers/{customer.pk}/timeline").status_code == 403
