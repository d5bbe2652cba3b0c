"""Immediate events fire at once, for that customer only, through the idempotent path."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from relata.contacts.complaint_services import complaint_create
from relata.contacts.models import Notification, Task
from relata.customers.services import customer_update
from relata.engagement.models import TriggerFiring
from relata.engagement.trigger_services import customer_event_record, trigger_rules_run
from relata.sales.services import LineInput, order_create
from tests.engagement.trigger_support import make_rule, segment_of_city
from tests.factories import CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db


def keys() -> set[tuple[int, str]]:
    return set(TriggerFiring.objects.values_list("customer_id", "event_key"))


def test_first_order_welcomes_at_once_and_only_once(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    # given a welcome rule and a customer without orders
    rule = make_rule("new_customer", "task", action_params={"title": "Welcome call"})
    customer = CustomerFactory()
    product = ProductFactory()
    # when the customer places a first and then a second order
    with django_capture_on_commit_callbacks(execute=True):
        order_create(customer=customer, lines=[LineInput(product, Decimal(1))])
    with django_capture_on_commit_callbacks(execute=True):
        order_create(customer=customer, lines=[LineInput(product, Decimal(2))])
    # then one welcome fired at once (a task), and the scheduled run adds nothing
    assert keys() == {(customer.pk, "welcome")}
    assert Task.objects.filter(title="Welcome call").count() == 1
    assert trigger_rules_run(rule=rule).rules[0].fired == 0


def test_an_imported_old_first_order_does_not_welcome(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    make_rule("new_customer")
    customer = CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        order_create(
            customer=customer,
            lines=[LineInput(ProductFactory(), Decimal(1))],
            order_date=date(2019, 3, 1),
        )
    assert keys() == set()


def test_moving_house_fires_and_other_edits_do_not(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    owner = User.objects.create_user("owner")
    make_rule("moved", "notice", action_params={"text": "Moved: send a welcome-home card"})
    customer = CustomerFactory(account_owner=owner, city="Utrecht", street="Oudegracht")
    # when the phone number changes: nothing; when the address changes: a notice
    with django_capture_on_commit_callbacks(execute=True):
        customer_update(customer=customer, fields={"phone": "06-99999999"})
    assert keys() == set()
    with django_capture_on_commit_callbacks(execute=True):
        customer_update(customer=customer, fields={"street": "Neude", "house_number": "5"})
    assert keys() == {(customer.pk, f"moved:v{customer.version}")}
    notice = Notification.objects.get(recipient=owner)
    assert "Neude 5" in notice.params["what"]


def test_new_child_only_when_the_known_number_goes_up(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    make_rule("new_child")
    unknown = CustomerFactory(children=None)
    known = CustomerFactory(children=1)
    with django_capture_on_commit_callbacks(execute=True):
        customer_update(customer=unknown, fields={"children": 2})  # filled in: not a birth
        customer_update(customer=known, fields={"children": 2})
    assert keys() == {(known.pk, "child:2")}


def test_complaint_fires_at_once(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    make_rule("complaint", "task", action_params={"title": "Call about the complaint"})
    customer = CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        complaint = complaint_create(
            customer=customer,
            channel="phone",
            touchpoint="delivery",
            cause="delivery",
            subject="Parcel lost",
        )
    assert keys() == {(customer.pk, f"complaint:{complaint.pk}")}
    assert Task.objects.get(title="Call about the complaint").customer == customer


def test_nps_detractor_fires_for_low_scores_in_the_segment(
    django_capture_on_commit_callbacks,
) -> None:  # type: ignore[no-untyped-def]
    make_rule("nps_detractor", segment=segment_of_city("Utrecht"))
    inside = CustomerFactory(city="Utrecht")
    outside = CustomerFactory(city="Zwolle")
    with django_capture_on_commit_callbacks(execute=True):
        low = customer_event_record(customer=inside, kind="nps", score=4)
        customer_event_record(customer=inside, kind="nps", score=10)
        customer_event_record(customer=outside, kind="nps", score=0)
    assert keys() == {(inside.pk, f"nps:{low.pk}")}


def test_a_failing_trigger_never_breaks_the_save(
    django_capture_on_commit_callbacks,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    make_rule("moved")

    def boom(**kwargs: object) -> None:
        raise RuntimeError("trigger broken")

    monkeypatch.setattr("relata.engagement.trigger_receivers.trigger_fire_immediate", boom)
    customer = CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        customer_update(customer=customer, fields={"city": "Delft"})
    customer.refresh_from_db()
    assert customer.city == "Delft"
