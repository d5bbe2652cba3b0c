"""Consent per channel × purpose: in force, history, editing with a source, who may contact."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from relata.customers.models import Consent, Customer
from relata.customers.selectors import (
    consent_allowed_customer_ids,
    consent_allows,
    consent_history,
    consent_latest,
)
from relata.customers.services import consent_record
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _decide(
    customer: Customer,
    granted: bool,
    *,
    days_ago: int,
    purpose: str = "newsletter",
    channel: str = "email",
    source: str = "web form",
) -> Consent:
    return Consent.objects.create(
        customer=customer,
        channel=channel,
        purpose=purpose,
        granted=granted,
        source=source,
        recorded_at=timezone.now() - timedelta(days=days_ago),
    )


def test_no_decision_means_no_consent() -> None:
    customer = CustomerFactory()
    assert not consent_allows(customer=customer, channel="email", purpose="newsletter")
    assert list(consent_allowed_customer_ids(channel="email", purpose="newsletter")) == []


def test_the_latest_decision_per_cell_is_in_force() -> None:
    # given an opt-in later withdrawn, a withdrawal later granted, and an opt-in elsewhere
    withdrawn = CustomerFactory()
    _decide(withdrawn, True, days_ago=10)
    _decide(withdrawn, False, days_ago=1)
    regranted = CustomerFactory()
    _decide(regranted, False, days_ago=10)
    _decide(regranted, True, days_ago=1)
    other_cell = CustomerFactory()
    _decide(other_cell, True, days_ago=1, purpose="marketing")
    # when asking who may receive the newsletter by e-mail
    allowed = set(consent_allowed_customer_ids(channel="email", purpose="newsletter"))
    # then only the customer whose latest decision is an opt-in
    assert allowed == {regranted.pk}
    assert consent_allows(customer=regranted, channel="email", purpose="newsletter")
    assert not consent_allows(customer=withdrawn, channel="email", purpose="newsletter")
    assert not consent_allows(customer=other_cell, channel="email", purpose="newsletter")
    # and the ids work as a subquery, in one query
    customers = Customer.objects.filter(
        pk__in=consent_allowed_customer_ids(channel="email", purpose="newsletter")
    )
    assert [c.pk for c in customers] == [regranted.pk]


def test_same_time_decisions_are_ordered_by_id() -> None:
    # given two decisions recorded at the very same moment
    customer = CustomerFactory()
    moment = timezone.now()
    Consent.objects.create(
        customer=customer, channel="sms", purpose="marketing", granted=True, recorded_at=moment
    )
    Consent.objects.create(
        customer=customer, channel="sms", purpose="marketing", granted=False, recorded_at=moment
    )
    # then the later row wins, in the single and the bulk selector alike
    assert not consent_allows(customer=customer, channel="sms", purpose="marketing")
    assert consent_latest(channel="sms", purpose="marketing").get().granted is False


def test_history_shows_old_and_new_state() -> None:
    customer = CustomerFactory()
    first = _decide(customer, True, days_ago=3)
    second = _decide(customer, False, days_ago=2)
    history = consent_history(customer=customer)
    assert [(c.consent.pk, c.previous) for c in history] == [(second.pk, True), (first.pk, None)]


def _client(role: str, name: str = "user") -> tuple[User, Client]:
    user = User.objects.create_user(name, password="a-long-test-password", first_name="Fleur")
    user.groups.add(Group.objects.get(name=role))
    client = Client()
    client.force_login(user)
    return user, client


def test_consent_form_records_changed_cells_with_source_and_user() -> None:
    # given a customer with an e-mail newsletter opt-in
    customer = CustomerFactory()
    _decide(customer, True, days_ago=5)
    user, client = _client("sales")
    # when the form sets the newsletter to granted (no change) and phone marketing granted
    response = client.post(
        f"/customers/{customer.pk}/consents/",
        {
            "email__newsletter": "1",
            "phone__marketing": "1",
            "sms__marketing": "",
            "source": "phone call",
        },
    )
    # then only the change is recorded, with its source and user
    assert response.status_code == 302
    latest = Consent.objects.filter(customer=customer).order_by("-recorded_at").first()
    assert latest is not None
    assert (latest.channel, latest.purpose, latest.granted) == ("phone", "marketing", True)
    assert (latest.source, latest.recorded_by) == ("phone call", user)
    assert Consent.objects.filter(customer=customer).count() == 2


def test_consent_form_requires_a_source_and_a_change() -> None:
    customer = CustomerFactory()
    _user, client = _client("sales")
    without_source = client.post(
        f"/customers/{customer.pk}/consents/", {"email__newsletter": "1", "source": " "}
    )
    assert without_source.status_code == 200
    assert "source" in without_source.context["form"].errors
    nothing = client.post(f"/customers/{customer.pk}/consents/", {"source": "web form"})
    assert nothing.status_code == 200
    assert "Nothing to record" in nothing.content.decode()
    assert not Consent.objects.exists()


def test_customer_file_and_history_page_show_who_changed_what() -> None:
    # given a decision recorded by a user
    customer = CustomerFactory()
    user, client = _client("sales")
    consent_record(
        customer=customer,
        channel="post",
        purpose="marketing",
        granted=True,
        source="paper form",
        recorded_by=user,
    )
    consent_record(
        customer=customer,
        channel="post",
        purpose="marketing",
        granted=False,
        source="phone call",
        recorded_by=user,
    )
    # when viewing the customer file and the history
    detail = client.get(f"/customers/{customer.pk}/").content.decode()
    history = client.get(f"/customers/{customer.pk}/consents/history/").content.decode()
    # then the decision in force shows since when, source and by whom
    assert "Post / Marketing and offers" in detail
    assert "phone call" in detail and "Fleur" in detail
    # and the history lists every change, old → new
    assert history.count("<tr>") >= 3
    assert "paper form" in history and "phone call" in history
    assert "not asked" in history


def test_marketing_users_see_but_cannot_change_consents() -> None:
    customer = CustomerFactory()
    _user, client = _client("marketing", "mara")
    assert client.get(f"/customers/{customer.pk}/consents/history/").status_code == 200
    response = client.post(
        f"/customers/{customer.pk}/consents/", {"email__newsletter": "1", "source": "web form"}
    )
    assert response.status_code == 403
    assert not Consent.objects.exists()
