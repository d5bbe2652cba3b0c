"""/api/contact-moments: list with filters, read, log, update, errors."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User

from relata.contacts.models import ContactMoment, Notification, NotificationKind
from relata.sales.services import LineInput, order_create
from tests.api.conftest import ApiClient, error_locs
from tests.factories import ContactMomentFactory, CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db

BODY = ["body", "payload"]
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def subjects(response: Any) -> list[str]:
    return [item["subject"] for item in response.json()["items"]]


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2024, 5, day, hour, tzinfo=AMSTERDAM)


# --- list ------------------------------------------------------------------------------------


def test_list_is_paginated_newest_first(api: ApiClient) -> None:
    # given three contact moments on different days
    customer = CustomerFactory()
    for day in (1, 2, 3):
        ContactMomentFactory(customer=customer, subject=f"day {day}", occurred_at=at(day))
    # when pages of two are requested
    first = api.get("/api/contact-moments/", {"limit": 2})
    second = api.get("/api/contact-moments/", {"limit": 2, "offset": 2})
    # then the newest come first and the pages link to each other
    assert first.json()["count"] == 3
    assert subjects(first) == ["day 3", "day 2"]
    assert subjects(second) == ["day 1"]
    assert first.json()["next"] and second.json()["previous"]
    assert second.json()["next"] is None


def test_ordering_oldest_first(api: ApiClient) -> None:
    customer = CustomerFactory()
    ContactMomentFactory(customer=customer, subject="late", occurred_at=at(9))
    ContactMomentFactory(customer=customer, subject="early", occurred_at=at(1))
    assert subjects(api.get("/api/contact-moments/", {"ordering": "occurred"})) == [
        "early",
        "late",
    ]


def test_filter_by_customer(api: ApiClient) -> None:
    anna = CustomerFactory(customer_number="ANNA")
    bert = CustomerFactory(customer_number="BERT")
    ContactMomentFactory(customer=anna, subject="for anna")
    ContactMomentFactory(customer=bert, subject="for bert")
    assert subjects(api.get("/api/contact-moments/", {"customer_id": anna.pk})) == ["for anna"]
    assert subjects(api.get("/api/contact-moments/", {"customer_number": "BERT"})) == ["for bert"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"channel": "email"}, ["mail to sales"]),
        ({"touchpoint": "service"}, ["call to service"]),
        ({"direction": "outbound"}, ["mail to sales"]),
        ({"office": "back"}, ["mail to sales"]),
        ({"outcome": "complaint"}, ["call to service"]),
    ],
)
def test_filter_by_channel_touchpoint_direction_office_outcome(
    api: ApiClient, params: dict[str, str], expected: list[str]
) -> None:
    customer = CustomerFactory()
    ContactMomentFactory(
        customer=customer,
        subject="call to service",
        channel="phone",
        touchpoint="service",
        outcome="complaint",
    )
    ContactMomentFactory(
        customer=customer,
        subject="mail to sales",
        channel="email",
        touchpoint="sales",
        direction="outbound",
        office="back",
    )
    assert subjects(api.get("/api/contact-moments/", params)) == expected


def test_filter_by_local_date_range_is_inclusive(api: ApiClient) -> None:
    # given moments just before, on, and just after the range (local time)
    customer = CustomerFactory()
    ContactMomentFactory(customer=customer, subject="before", occurred_at=at(9, 23))
    ContactMomentFactory(customer=customer, subject="first day", occurred_at=at(10, 0))
    ContactMomentFactory(customer=customer, subject="last day", occurred_at=at(12, 23))
    ContactMomentFactory(customer=customer, subject="after", occurred_at=at(13, 0))
    # when filtering on the 10th to the 12th
    response = api.get(
        "/api/contact-moments/", {"date_from": "2024-05-10", "date_to": "2024-05-12"}
    )
    # then both ends are included and nothing outside
    assert subjects(response) == ["last day", "first day"]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"channel": "pigeon"}, "channel"), ({"date_to": "12-05-2024"}, "date_to")],
)
def test_bad_filter_is_422(api: ApiClient, params: dict[str, str], field: str) -> None:
    response = api.get("/api/contact-moments/", params)
    assert response.status_code == 422
    assert error_locs(response) == [["query", field]]


# --- get -------------------------------------------------------------------------------------


def test_get_one(api: ApiClient) -> None:
    moment = ContactMomentFactory(subject="Where is my parcel?", occurred_at=at(2, 9))
    response = api.get(f"/api/contact-moments/{moment.pk}")
    body = response.json()
    assert response.status_code == 200
    assert body["subject"] == "Where is my parcel?"
    assert body["customer_number"] == moment.customer.customer_number
    assert datetime.fromisoformat(body["occurred_at"]) == at(2, 9)


def test_unknown_moment_is_404(api: ApiClient) -> None:
    response = api.get("/api/contact-moments/777777")
    assert response.status_code == 404
    assert response.json()["detail"]


# --- create ----------------------------------------------------------------------------------


def test_create_defaults_staff_to_the_token_user(api: ApiClient, sales_user: User) -> None:
    # given a customer
    customer = CustomerFactory()
    # when a contact moment is logged with an ISO date-time that has an offset
    response = api.post(
        "/api/contact-moments/",
        {
            "customer_id": customer.pk,
            "channel": "chat",
            "touchpoint": "after_sales",
            "subject": "Assembly question",
            "outcome": "resolved",
            "occurred_at": "2024-05-02T09:30:00+02:00",
        },
    )
    # then it is saved for that customer, by the token's user, at that moment
    assert response.status_code == 201
    moment = ContactMoment.objects.get(pk=response.json()["id"])
    assert moment.customer == customer
    assert moment.staff == sales_user
    assert moment.occurred_at == datetime(2024, 5, 2, 9, 30, tzinfo=AMSTERDAM)
    assert (moment.direction, moment.office) == ("inbound", "front")


def test_naive_date_time_is_read_in_the_installation_time_zone(api: ApiClient) -> None:
    customer = CustomerFactory(customer_number="TZ1")
    response = api.post(
        "/api/contact-moments/",
        {
            "customer_number": "TZ1",
            "channel": "phone",
            "touchpoint": "sales",
            "subject": "Call",
            "occurred_at": "2024-05-02T09:30",
        },
    )
    assert response.status_code == 201
    saved = customer.contact_moments.get()
    assert saved.occurred_at == datetime(2024, 5, 2, 9, 30, tzinfo=AMSTERDAM)


def test_create_linked_to_an_order_of_the_customer(api: ApiClient) -> None:
    customer = CustomerFactory()
    order = order_create(
        customer=customer, lines=[LineInput(product=ProductFactory(), quantity=Decimal(1))]
    )
    response = api.post(
        "/api/contact-moments/",
        {
            "customer_id": customer.pk,
            "channel": "email",
            "touchpoint": "delivery",
            "subject": "Late delivery",
            "order_id": order.pk,
        },
    )
    assert response.status_code == 201
    assert response.json()["order_id"] == order.pk


def test_order_of_another_customer_is_422(api: ApiClient) -> None:
    # given an order that belongs to someone else
    other_order = order_create(
        customer=CustomerFactory(), lines=[LineInput(product=ProductFactory(), quantity=Decimal(1))]
    )
    # when a moment for another customer links to it
    response = api.post(
        "/api/contact-moments/",
        {
            "customer_id": CustomerFactory().pk,
            "channel": "email",
            "touchpoint": "delivery",
            "subject": "Late delivery",
            "order_id": other_order.pk,
        },
    )
    # then the link is refused with the field named
    assert response.status_code == 422
    assert error_locs(response) == [[*BODY, "order_id"]]
    assert not ContactMoment.objects.exists()


def test_duplicate_external_id_is_422(api: ApiClient) -> None:
    customer = CustomerFactory()
    ContactMomentFactory(customer=customer, external_id="ZENDESK-1")
    response = api.post(
        "/api/contact-moments/",
        {
            "customer_id": customer.pk,
            "channel": "web",
            "touchpoint": "service",
            "subject": "Ticket",
            "external_id": "ZENDESK-1",
        },
    )
    assert response.status_code == 422
    assert error_locs(response) == [[*BODY, "external_id"]]
    assert response.json()["detail"][0]["type"] == "unique"


def test_unknown_staff_member_is_422(api: ApiClient) -> None:
    response = api.post(
        "/api/contact-moments/",
        {
            "customer_id": CustomerFactory().pk,
            "channel": "web",
            "touchpoint": "service",
            "subject": "Ticket",
            "staff_id": 55555,
        },
    )
    assert response.status_code == 422
    assert error_locs(response) == [[*BODY, "staff_id"]]


VALID = {"channel": "phone", "touchpoint": "sales", "subject": "Call"}


@pytest.mark.parametrize(
    ("changes", "field", "error_type"),
    [
        ({"subject": None}, "subject", "string_type"),
        ({"subject": ""}, "subject", "string_too_short"),
        ({"subject": "x" * 201}, "subject", "string_too_long"),
        ({"channel": "pigeon"}, "channel", "enum"),
        ({"touchpoint": 3}, "touchpoint", "enum"),
        ({"outcome": "maybe"}, "outcome", "enum"),
        ({"occurred_at": "2024-05-32T10:00"}, "occurred_at", "datetime_from_date_parsing"),
        ({"occurred_at": "yesterday"}, "occurred_at", "datetime_from_date_parsing"),
        ({"occurred_at": "0001-01-01T00:00:00+05:00"}, "occurred_at", "datetime_out_of_range"),
        ({"notes": ["a"]}, "notes", "string_type"),
    ],
)
def test_create_with_bad_field_is_422(
    api: ApiClient, changes: dict[str, Any], field: str, error_type: str
) -> None:
    # given an otherwise valid contact moment with one bad field
    payload = {"customer_id": CustomerFactory().pk, **VALID, **changes}
    # when it is posted
    response = api.post("/api/contact-moments/", payload)
    # then that field is named with the kind of problem
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert [e["loc"] for e in detail] == [[*BODY, field]]
    assert detail[0]["type"] == error_type
    assert not ContactMoment.objects.exists()


def test_create_without_required_fields_names_each(api: ApiClient) -> None:
    response = api.post("/api/contact-moments/", {"customer_id": CustomerFactory().pk})
    assert response.status_code == 422
    assert sorted(loc[-1] for loc in error_locs(response)) == ["channel", "subject", "touchpoint"]


def test_create_for_unknown_customer_is_422(api: ApiClient) -> None:
    response = api.post("/api/contact-moments/", {"customer_number": "GHOST", **VALID})
    assert response.status_code == 422
    assert error_locs(response) == [[*BODY, "customer_number"]]


# --- update ----------------------------------------------------------------------------------


def test_patch_changes_only_the_given_fields(api: ApiClient) -> None:
    # given a logged contact moment
    moment = ContactMomentFactory(subject="Call", notes="first notes", channel="phone")
    # when its outcome and notes are patched
    response = api.patch(
        f"/api/contact-moments/{moment.pk}", {"outcome": "follow_up", "notes": "call back"}
    )
    # then they change and the rest stays
    assert response.status_code == 200
    moment.refresh_from_db()
    assert (moment.outcome, moment.notes) == ("follow_up", "call back")
    assert (moment.subject, moment.channel) == ("Call", "phone")


def test_patch_may_keep_its_own_external_id(api: ApiClient) -> None:
    moment = ContactMomentFactory(external_id="EXT-7")
    response = api.patch(
        f"/api/contact-moments/{moment.pk}", {"external_id": "EXT-7", "subject": "Renamed"}
    )
    assert response.status_code == 200
    assert response.json()["subject"] == "Renamed"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"subject": ""}, "subject"),
        ({"channel": None}, "channel"),
        ({"customer_id": 1}, "customer_id"),
        ({"occurred_at": "not a date"}, "occurred_at"),
    ],
)
def test_patch_with_bad_field_is_422(
    api: ApiClient, payload: dict[str, Any], field: str
) -> None:
    moment = ContactMomentFactory(subject="Call")
    response = api.patch(f"/api/contact-moments/{moment.pk}", payload)
    assert response.status_code == 422
    assert error_locs(response) == [[*BODY, field]]
    moment.refresh_from_db()
    assert moment.subject == "Call"


def test_patch_unknown_moment_is_404(api: ApiClient) -> None:
    assert api.patch("/api/contact-moments/888888", {"notes": "x"}).status_code == 404


def test_marketing_may_log_contact_moments(marketing_api: ApiClient) -> None:
    # given the marketing role, which may add contact moments
    customer = CustomerFactory()
    # when it logs one
    response = marketing_api.post("/api/contact-moments/", {"customer_id": customer.pk, **VALID})
    # then it is allowed
    assert response.status_code == 201


def test_logging_for_a_colleagues_customer_notifies_the_account_owner(api: ApiClient) -> None:
    # given a customer owned by another salesperson
    owner = User.objects.create_user("owner-of-customer", password="a-long-test-password")
    customer = CustomerFactory(account_owner=owner)
    # when the API user logs a contact moment with that customer
    response = api.post("/api/contact-moments/", {"customer_id": customer.pk, **VALID})
    # then the owner is told in the app, and nobody else
    assert response.status_code == 201
    notification = Notification.objects.get()
    assert notification.recipient == owner
    assert notification.kind == NotificationKind.CONTACT_LOGGED
    assert notification.params["subject"] == "Call"
