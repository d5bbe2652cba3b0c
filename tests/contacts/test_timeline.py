from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import translation

from relata.contacts.complaint_services import complaint_create, complaint_resolve
from relata.contacts.models import ContactMoment, Task
from relata.contacts.selectors import (
    TIMELINE_SOURCES,
    TIMELINE_TYPES,
    TimelineEntry,
    TimelineQuery,
    TimelineSource,
    customer_timeline,
    timeline_filters,
    timeline_source_register,
    timeline_type_register,
)
from relata.customers.models import Customer
from relata.sales.models import Deal, DealStageChange, Order
from tests.factories import ContactMomentFactory, CustomerFactory

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    # A page request of an earlier test may leave another language active in this thread.
    with translation.override("en"):
        yield


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 10, day, hour, tzinfo=AMS)


@pytest.fixture
def customer_with_history(db: None) -> Customer:
    """One customer, one event of every kind, a day apart (1 Oct … 10 Oct 2026)."""
    customer = CustomerFactory()
    ContactMomentFactory(
        customer=customer, channel="email", subject="Asked for a brochure", occurred_at=at(1)
    )
    Order.objects.create(
        order_number="O-100",
        customer=customer,
        order_date=date(2026, 10, 2),
        channel="web",
        total_amount=Decimal("99.50"),
    )
    deal = Deal.objects.create(
        customer=customer, title="Office chairs", value=Decimal("4000"), created_at=at(3)
    )
    DealStageChange.objects.create(
        deal=deal, customer=customer, from_stage="", to_stage="lead", changed_at=at(3)
    )
    DealStageChange.objects.create(
        deal=deal, customer=customer, from_stage="lead", to_stage="quote", changed_at=at(4)
    )
    DealStageChange.objects.create(
        deal=deal, customer=customer, from_stage="quote", to_stage="won", changed_at=at(5)
    )
    Task.objects.create(
        customer=customer,
        title="Call about delivery date",
        created_at=at(6),
        status="done",
        completed_at=at(7),
    )
    complaint = complaint_create(
        customer=customer,
        channel="phone",
        touchpoint="delivery",
        cause="delivery",
        subject="Chairs arrived damaged",
        received_at=at(8),
    )
    complaint_resolve(complaint=complaint, resolution="Replaced two chairs", resolved_at=at(9))
    ContactMomentFactory(
        customer=customer,
        channel="phone",
        subject="Checked all is well",
        occurred_at=at(10),
        complaint=complaint,
        outcome="follow_up",
    )
    return customer


def test_one_stream_of_every_kind_newest_first(customer_with_history: Customer) -> None:
    # when the whole timeline is read
    timeline = customer_timeline(customer=customer_with_history)
    # then every kind of event is in it, newest first, each once
    assert [(e.kind, e.event) for e in timeline.entries] == [
        ("moments", "contact"),
        ("complaints", "complaint_resolved"),
        ("complaints", "complaint"),
        ("tasks", "task_done"),
        ("tasks", "task_created"),
        ("deals", "deal_won"),
        ("deals", "deal_stage"),
        ("deals", "deal_created"),
        ("orders", "order"),
        ("moments", "contact"),
    ]
    assert not timeline.truncated
    by_event = {e.event: e for e in timeline.entries}
    # channel icons where there is a channel, type icons otherwise
    assert by_event["complaint"].icon == "bi-telephone"
    assert by_event["order"].icon == "bi-globe"
    assert by_event["deal_won"].icon == "bi-trophy"
    assert by_event["task_done"].icon == "bi-check2-circle"
    # titles, meta and links
    assert by_event["deal_won"].title == "Deal won: Office chairs"
    assert by_event["deal_stage"].title == "Deal moved to Quote: Office chairs"
    assert "Lead → Quote" in by_event["deal_stage"].meta
    assert by_event["complaint"].url.startswith("/complaints/")
    assert by_event["deal_created"].url == f"/deals/{Deal.objects.get().pk}/"
    assert by_event["order"].meta == "Web shop · Delivered · € 99.50"
    # the follow-up call about the complaint links to the complaint
    assert timeline.entries[0].url == by_event["complaint"].url


def test_a_deal_creation_shows_the_stage_it_started_in(customer_with_history: Customer) -> None:
    # given a deal created as a lead and since won (the fixture)
    # when the timeline is read
    timeline = customer_timeline(customer=customer_with_history, kind="deals")
    # then its creation reads "Lead", not the stage it is in now
    created = next(e for e in timeline.entries if e.event == "deal_created")
    assert created.meta.startswith("Lead ·")
    assert "Won" not in created.meta


def test_the_moment_a_complaint_came_in_shows_once(customer_with_history: Customer) -> None:
    # given the complaint was logged with its contact moment (outcome "complaint")
    assert ContactMoment.objects.filter(outcome="complaint").count() == 1
    # when everything is shown, the complaint entry stands for that moment
    everything = customer_timeline(customer=customer_with_history)
    assert "Chairs arrived damaged" not in [e.title for e in everything.entries]
    # but the contact moments alone still include it: the contact history is complete
    moments = customer_timeline(customer=customer_with_history, kind="moments")
    assert [e.title for e in moments.entries] == [
        "Checked all is well",
        "Chairs arrived damaged",
        "Asked for a brochure",
    ]


def test_filter_by_type_and_channel(customer_with_history: Customer) -> None:
    deals = customer_timeline(customer=customer_with_history, kind="deals")
    assert {e.kind for e in deals.entries} == {"deals"}
    assert len(deals.entries) == 3
    # a channel filter keeps what came through that channel; deals and tasks have none
    phone = customer_timeline(customer=customer_with_history, channel="phone")
    assert [e.event for e in phone.entries] == ["contact", "complaint_resolved", "complaint"]
    web = customer_timeline(customer=customer_with_history, channel="web")
    assert [e.title for e in web.entries] == ["Order O-100"]
    both = customer_timeline(customer=customer_with_history, kind="moments", channel="email")
    assert [e.title for e in both.entries] == ["Asked for a brochure"]
    # nonsense filters are ignored
    odd = customer_timeline(customer=customer_with_history, kind="nope", channel="pigeon")
    assert (odd.kind, odd.channel, len(odd.entries)) == ("", "", 10)


def test_bounded_with_show_more(db: None) -> None:
    # given 30 contact moments and 30 orders
    customer = CustomerFactory()
    for i in range(30):
        ContactMomentFactory(customer=customer, occurred_at=at(1) + timedelta(hours=i))
        Order.objects.create(
            order_number=f"O-{i}",
            customer=customer,
            order_date=date(2026, 9, 1) + timedelta(days=i),
        )
    # when 25 entries are asked for
    timeline = customer_timeline(customer=customer, limit=25)
    # then the newest 25 come back, all moments (they are newer), and more is offered
    assert len(timeline.entries) == 25
    assert {e.kind for e in timeline.entries} == {"moments"}
    assert timeline.truncated and timeline.more_limit == 50
    # and the full stream fits in the largest page
    full = customer_timeline(customer=customer, limit=1000)
    assert (len(full.entries), full.truncated, full.limit) == (60, False, 400)
    assert timeline_filters({"limit": "abc", "type": "orders"}) == {
        "kind": "orders",
        "channel": "",
        "limit": 50,
    }


def test_one_query_per_source_however_long_the_history(
    customer_with_history: Customer, django_assert_num_queries: object
) -> None:
    for i in range(20):
        ContactMomentFactory(customer=customer_with_history, staff=None, occurred_at=at(11, i))
        Task.objects.create(customer=customer_with_history, title=f"Task {i}")
    with django_assert_num_queries(len(TIMELINE_SOURCES)):  # type: ignore[operator]
        customer_timeline(customer=customer_with_history)


def test_sources_the_user_may_not_see_are_left_out(customer_with_history: Customer) -> None:
    # given a user without permission on complaints (but on contact moments)
    user = User.objects.create_user("limited", password="a-long-test-password")
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="view_contactmoment"))
    timeline = customer_timeline(customer=customer_with_history, user=user)
    # then only contact moments remain, including the one a complaint came in through
    assert {e.kind for e in timeline.entries} == {"moments"}
    assert "Chairs arrived damaged" in [e.title for e in timeline.entries]
    assert [t.key for t in timeline.types] == ["moments"]


def test_a_new_source_plugs_in(customer_with_history: Customer) -> None:
    # given a survey source registered by another app
    def surveys(query: TimelineQuery) -> Iterable[TimelineEntry]:
        yield TimelineEntry(
            when=at(15), icon="bi-clipboard-check", title="NPS 9", meta="", kind="surveys"
        )

    timeline_type_register("surveys", "Surveys", "bi-clipboard-check")
    timeline_source_register(TimelineSource("surveys", "surveys", surveys))
    try:
        # then it joins the stream and the type filter
        timeline = customer_timeline(customer=customer_with_history)
        assert timeline.entries[0].title == "NPS 9"
        assert [
            e.title
            for e in customer_timeline(customer=customer_with_history, kind="surveys").entries
        ] == ["NPS 9"]
    finally:
        del TIMELINE_SOURCES["surveys"]
        del TIMELINE_TYPES["surveys"]
    with pytest.raises(ValueError):
        timeline_source_register(TimelineSource("x", "unknown-type", surveys))


def _sales_client() -> Client:
    user = User.objects.create_user("seller", password="a-long-test-password")
    user.groups.add(Group.objects.get(name="sales"))
    client = Client()
    client.force_login(user)
    return client


def test_customer_file_filters_with_htmx_and_without(customer_with_history: Customer) -> None:
    client = _sales_client()
    url = f"/customers/{customer_with_history.pk}/"
    # with htmx: only the timeline card's content comes back
    fragment = client.get(
        url, {"partial": "timeline", "type": "complaints"}, HTTP_HX_REQUEST="true"
    )
    content = fragment.content.decode()
    assert "<html" not in content
    assert "Complaint resolved: Chairs arrived damaged" in content
    assert "Office chairs" not in content
    assert "HX-Request" in fragment["Vary"]
    # without JavaScript: the whole page, filtered, with real links for every filter
    page = client.get(url, {"type": "deals"}).content.decode()
    assert "<html" in page
    assert "Deal won: Office chairs" in page
    assert "Chairs arrived damaged" not in page
    assert 'href="?type=complaints#timeline"' in page
    assert 'hx-get="?type=complaints&amp;partial=timeline"' in page


def test_show_more_link(db: None) -> None:
    customer = CustomerFactory()
    for i in range(3):
        ContactMomentFactory(customer=customer, occurred_at=at(1, i))
    client = _sales_client()
    page = client.get(f"/customers/{customer.pk}/", {"limit": "2"}).content.decode()
    assert "Showing the latest 2 entries." in page
    assert 'href="?limit=4#timeline"' in page
