"""/api/complaints: list with filters, read, log, update with version, resolve, reopen."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User

from relata.accounts.models import AccessSettings
from relata.contacts.models import Complaint, ContactMoment
from relata.sales.models import Order
from tests.api.conftest import ApiClient, error_locs
from tests.factories import ComplaintFactory, CustomerFactory

pytestmark = pytest.mark.django_db

BODY = ["body", "payload"]
AMS = ZoneInfo("Europe/Amsterdam")


def subjects(response: Any) -> list[str]:
    return [item["subject"] for item in response.json()["items"]]


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 10, day, hour, tzinfo=AMS)


def new_complaint(**fields: Any) -> dict[str, Any]:
    return {
        "channel": "phone",
        "touchpoint": "delivery",
        "cause": "delivery",
        "subject": "Parcel lost",
        **fields,
    }


def test_list_filters_and_paginates(api: ApiClient) -> None:
    # given complaints of two customers
    anna = CustomerFactory(customer_number="ANNA")
    ComplaintFactory(customer=anna, subject="old", received_at=at(1), cause="billing")
    ComplaintFactory(customer=anna, subject="new", received_at=at(5), status="in_progress")
    ComplaintFactory(subject="other", received_at=at(3), touchpoint="service")
    # when listing in pages of two, newest first
    first = api.get("/api/complaints/", {"limit": 2})
    assert first.json()["count"] == 3
    assert subjects(first) == ["new", "other"]
    assert first.json()["next"]
    # then every filter narrows the list
    assert subjects(api.get("/api/complaints/", {"customer_id": anna.pk})) == ["new", "old"]
    assert subjects(api.get("/api/complaints/", {"customer_number": "ANNA"})) == ["new", "old"]
    assert subjects(api.get("/api/complaints/", {"cause": "billing"})) == ["old"]
    assert subjects(api.get("/api/complaints/", {"touchpoint": "service"})) == ["other"]
    assert subjects(api.get("/api/complaints/", {"status": "in_progress"})) == ["new"]
    assert subjects(api.get("/api/complaints/", {"status": "unresolved"})) == [
        "new",
        "other",
        "old",
    ]
    period = {"date_from": "2026-10-02", "date_to": "2026-10-04"}
    assert subjects(api.get("/api/complaints/", period)) == ["other"]


def test_list_rejects_unknown_filter_values(api: ApiClient) -> None:
    response = api.get("/api/complaints/", {"cause": "weather"})
    assert response.status_code == 422
    assert error_locs(response) == [["query", "cause"]]


def test_create_logs_the_contact_moment_and_returns_the_complaint(
    api: ApiClient, sales_user: User
) -> None:
    # given a customer with an order
    customer = CustomerFactory()
    order = Order.objects.create(order_number="O-1", customer=customer)
    # when a complaint is posted
    response = api.post(
        "/api/complaints/",
        new_complaint(
            customer_number=customer.customer_number,
            order_id=order.pk,
            received_at="2026-10-01T09:30:00",
            description="Tracking says delivered; nothing arrived.",
        ),
    )
    # then it is stored, with its contact moment
    assert response.status_code == 201
    body = response.json()
    complaint = Complaint.objects.get()
    moment = ContactMoment.objects.get()
    assert body["id"] == complaint.pk
    assert body["status"] == "open"
    assert body["order_id"] == order.pk
    assert body["created_by_id"] == sales_user.pk
    assert body["contact_moment_ids"] == [moment.pk]
    assert body["version"] == 1
    assert datetime.fromisoformat(body["received_at"]) == datetime(2026, 10, 1, 9, 30, tzinfo=AMS)
    assert moment.outcome == "complaint"


def test_create_reports_every_bad_field(api: ApiClient) -> None:
    customer = CustomerFactory()
    other_order = Order.objects.create(order_number="O-X", customer=CustomerFactory())
    missing = api.post("/api/complaints/", {"customer_id": customer.pk, "subject": ""})
    assert missing.status_code == 422
    assert {tuple(loc) for loc in error_locs(missing)} >= {
        (*BODY, "channel"),
        (*BODY, "cause"),
        (*BODY, "subject"),
    }
    foreign = api.post(
        "/api/complaints/", new_complaint(customer_id=customer.pk, order_id=other_order.pk)
    )
    assert foreign.status_code == 422
    assert error_locs(foreign) == [[*BODY, "order_id"]]
    nobody = api.post("/api/complaints/", new_complaint(customer_id=customer.pk, owner_id=999999))
    assert error_locs(nobody) == [[*BODY, "owner_id"]]
    unknown = api.post("/api/complaints/", new_complaint(customer_id=999999))
    assert error_locs(unknown) == [[*BODY, "customer_id"]]
    assert not Complaint.objects.exists()


def test_get_and_not_found(api: ApiClient) -> None:
    complaint = ComplaintFactory()
    assert api.get(f"/api/complaints/{complaint.pk}").json()["subject"] == complaint.subject
    missing = api.get("/api/complaints/999999")
    assert missing.status_code == 404
    assert "No complaint with id 999999" in missing.json()["detail"]


def test_patch_needs_the_current_version(api: ApiClient) -> None:
    # given a complaint at version 1
    complaint = ComplaintFactory()
    # when patched at version 1, it moves to version 2
    ok = api.patch(
        f"/api/complaints/{complaint.pk}",
        {"version": 1, "status": "in_progress", "description": "Courier asked"},
    )
    assert ok.status_code == 200
    assert (ok.json()["status"], ok.json()["version"]) == ("in_progress", 2)
    # and a second patch still on version 1 is refused with 409 and changes nothing
    stale = api.patch(f"/api/complaints/{complaint.pk}", {"version": 1, "subject": "Mine"})
    assert stale.status_code == 409
    assert "changed by someone else" in stale.json()["detail"]
    assert Complaint.objects.get().subject == complaint.subject
    # a patch without a version is invalid
    assert api.patch(f"/api/complaints/{complaint.pk}", {"subject": "x"}).status_code == 422


def test_patch_cannot_close_or_null_required_fields(api: ApiClient) -> None:
    complaint = ComplaintFactory()
    closing = api.patch(f"/api/complaints/{complaint.pk}", {"version": 1, "status": "resolved"})
    assert closing.status_code == 422
    nulled = api.patch(f"/api/complaints/{complaint.pk}", {"version": 1, "subject": None})
    assert error_locs(nulled) == [[*BODY, "subject"]]


def test_resolve_and_reopen(api: ApiClient) -> None:
    complaint = ComplaintFactory(received_at=at(1, 9))
    # resolving needs a resolution
    empty = api.post(f"/api/complaints/{complaint.pk}/resolve", {"resolution": ""})
    assert error_locs(empty) == [[*BODY, "resolution"]]
    # resolved 26 hours after receipt
    done = api.post(
        f"/api/complaints/{complaint.pk}/resolve",
        {"resolution": "Refunded", "resolved_at": "2026-10-02T11:00:00", "version": 1},
    )
    assert done.status_code == 200
    assert done.json()["status"] == "resolved"
    assert done.json()["resolution_hours"] == 26.0
    # a second resolve is refused, a stale one with 409
    again = api.post(f"/api/complaints/{complaint.pk}/resolve", {"resolution": "x"})
    assert again.status_code == 422
    stale = api.post(f"/api/complaints/{complaint.pk}/reopen", {"version": 1})
    assert stale.status_code == 409
    # reopening on the current version works
    reopened = api.post(f"/api/complaints/{complaint.pk}/reopen", {"version": 2})
    assert reopened.status_code == 200
    assert (reopened.json()["status"], reopened.json()["resolved_at"]) == ("open", None)


def test_permissions(marketing_api: ApiClient, no_role_api: ApiClient) -> None:
    complaint = ComplaintFactory()
    # marketing may read complaints but not log or change them
    assert marketing_api.get("/api/complaints/").status_code == 200
    denied = marketing_api.post(
        "/api/complaints/", new_complaint(customer_id=complaint.customer_id)
    )
    assert denied.status_code == 403
    assert "contacts.add_complaint" in denied.json()["detail"]
    resolve = marketing_api.post(f"/api/complaints/{complaint.pk}/resolve", {"resolution": "x"})
    assert resolve.status_code == 403
    assert no_role_api.get(f"/api/complaints/{complaint.pk}").status_code == 403
    assert ApiClient(None).get("/api/complaints/").status_code == 401


def test_list_has_a_fixed_number_of_queries(
    api: ApiClient, django_assert_max_num_queries: Any
) -> None:
    for _i in range(15):
        ComplaintFactory(received_at=at(1) - timedelta(hours=_i))
    AccessSettings.current()  # the installation's row exists, as after the first request
    # token, its last use, two permission lookups; the user's roles and the access setting
    # (own accounts only?); count, page, contact moment ids
    with django_assert_max_num_queries(9):
        assert len(api.get("/api/complaints/").json()["items"]) == 15
