from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import timezone

from relata.concurrency import StaleEditError
from relata.contacts.complaint_services import (
    complaint_create,
    complaint_reopen,
    complaint_resolve,
    complaint_update,
)
from relata.contacts.models import Complaint, ContactMoment, Notification, NotificationKind
from relata.sales.models import Order
from tests.factories import ComplaintFactory, CustomerFactory


def _user(name: str) -> User:
    return User.objects.create_user(name, password="a-long-test-password")


def _order(customer: object, number: str) -> Order:
    return Order.objects.create(order_number=number, customer=customer)


def _log(**overrides: object) -> Complaint:
    fields: dict[str, object] = {
        "channel": "phone",
        "touchpoint": "delivery",
        "cause": "delivery",
        "subject": "Parcel two weeks late",
        "description": "Promised for Monday, came on the 14th.",
    }
    fields.update(overrides)
    if "customer" not in fields:
        fields["customer"] = CustomerFactory()
    return complaint_create(**fields)  # type: ignore[arg-type]


@pytest.mark.django_db
def test_logging_a_complaint_records_the_contact_moment_it_came_in_through() -> None:
    # given a customer with an order
    customer = CustomerFactory()
    order = _order(customer, "O-1")
    agent = _user("agent")
    # when a complaint about the order is logged
    complaint = _log(customer=customer, order=order, created_by=agent, channel="email")
    # then it is open, and a contact moment with outcome "complaint" links to it
    assert complaint.status == "open"
    assert complaint.created_by == agent
    moment = ContactMoment.objects.get(customer=customer)
    assert moment.complaint == complaint
    assert moment.outcome == "complaint"
    assert (moment.channel, moment.touchpoint, moment.order) == ("email", "delivery", order)
    assert moment.occurred_at == complaint.received_at
    assert moment.staff == agent
    assert moment.notes == complaint.description


@pytest.mark.django_db
def test_account_owner_is_notified_when_a_colleague_logs_a_complaint() -> None:
    # given a customer whose account owner is Olga
    owner = _user("olga")
    customer = CustomerFactory(account_owner=owner)
    # when Bert logs a complaint
    complaint = _log(customer=customer, created_by=_user("bert"))
    # then Olga gets a notification linking to it
    notification = Notification.objects.get(recipient=owner)
    assert notification.kind == NotificationKind.COMPLAINT_LOGGED
    assert notification.url == f"/complaints/{complaint.pk}/"
    assert notification.params["subject"] == "Parcel two weeks late"
    # and when Olga logs one herself, she is not told about it
    _log(customer=customer, created_by=owner)
    assert Notification.objects.filter(recipient=owner).count() == 1


@pytest.mark.django_db
def test_order_of_another_customer_is_refused_and_nothing_is_saved() -> None:
    other_order = _order(CustomerFactory(), "O-OTHER")
    with pytest.raises(ValidationError) as error:
        _log(order=other_order)
    assert "order" in error.value.message_dict
    assert not Complaint.objects.exists()
    assert not ContactMoment.objects.exists()


@pytest.mark.django_db
def test_invalid_cause_names_the_field() -> None:
    with pytest.raises(ValidationError) as error:
        _log(cause="bad_weather")
    assert "cause" in error.value.message_dict


@pytest.mark.django_db
def test_resolve_needs_a_resolution_and_sets_the_time() -> None:
    # given an open complaint received two hours ago
    complaint = ComplaintFactory(received_at=timezone.now() - timedelta(hours=2))
    # when resolving without a text
    with pytest.raises(ValidationError) as error:
        complaint_resolve(complaint=complaint, resolution="  ")
    # then it is refused, naming the field
    assert "resolution" in error.value.message_dict
    # and with a text it is resolved now
    complaint_resolve(complaint=complaint, resolution="Sent a new parcel by courier.")
    complaint.refresh_from_db()
    assert complaint.status == "resolved"
    assert complaint.resolved_at is not None
    assert timezone.now() - complaint.resolved_at < timedelta(minutes=1)
    assert complaint.version == 2


@pytest.mark.django_db
def test_resolve_as_not_upheld_and_refuse_other_statuses_or_early_times() -> None:
    complaint = ComplaintFactory(received_at=timezone.now() - timedelta(days=1))
    with pytest.raises(ValidationError):
        complaint_resolve(complaint=complaint, resolution="x", status="in_progress")
    with pytest.raises(ValidationError) as error:
        complaint_resolve(
            complaint=complaint,
            resolution="x",
            resolved_at=complaint.received_at - timedelta(hours=1),
        )
    assert "resolved_at" in error.value.message_dict
    complaint_resolve(
        complaint=complaint, resolution="Not our fault: wrong address given.", status="rejected"
    )
    assert Complaint.objects.get().status == "rejected"
    # a closed complaint cannot be closed again
    with pytest.raises(ValidationError):
        complaint_resolve(complaint=complaint, resolution="again")


@pytest.mark.django_db
def test_reopen_clears_the_resolution_time_but_keeps_the_text() -> None:
    complaint = ComplaintFactory()
    complaint_resolve(complaint=complaint, resolution="Refunded")
    complaint_reopen(complaint=complaint)
    complaint.refresh_from_db()
    assert (complaint.status, complaint.resolved_at, complaint.resolution) == (
        "open",
        None,
        "Refunded",
    )
    with pytest.raises(ValidationError):
        complaint_reopen(complaint=complaint)


@pytest.mark.django_db
def test_update_with_a_stale_version_is_refused_and_keeps_the_other_save() -> None:
    # given two people who opened the same complaint at version 1
    complaint = ComplaintFactory()
    mine = Complaint.objects.get(pk=complaint.pk)
    theirs = Complaint.objects.get(pk=complaint.pk)
    # when they save first
    complaint_update(complaint=theirs, fields={"subject": "Their subject"}, version=1)
    # then my save, made on version 1, is refused
    with pytest.raises(StaleEditError):
        complaint_update(complaint=mine, fields={"subject": "My subject"}, version=1)
    complaint.refresh_from_db()
    assert (complaint.subject, complaint.version) == ("Their subject", 2)


@pytest.mark.django_db
def test_update_cannot_close_through_the_status_field() -> None:
    complaint = ComplaintFactory()
    with pytest.raises(ValidationError) as error:
        complaint_update(complaint=complaint, fields={"status": "resolved"})
    assert "status" in error.value.message_dict
    complaint_update(complaint=complaint, fields={"status": "in_progress"})
    assert Complaint.objects.get().status == "in_progress"


@pytest.mark.django_db
def test_stale_resolve_is_refused() -> None:
    complaint = ComplaintFactory()
    complaint_update(complaint=Complaint.objects.get(), fields={"description": "more"})
    with pytest.raises(StaleEditError):
        complaint_resolve(complaint=complaint, resolution="done", version=1)
    assert Complaint.objects.get().status == "open"
