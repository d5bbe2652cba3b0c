from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from relata.contacts.complaint_selectors import (
    STATUS_UNRESOLVED,
    complaint_report,
    complaint_search,
)
from relata.contacts.models import Complaint
from tests.factories import ComplaintFactory, CustomerFactory

AMS = ZoneInfo("Europe/Amsterdam")


def _complaint(
    received: datetime, *, hours: float | None = None, status: str = "open", **fields: object
) -> Complaint:
    resolved_at = received + timedelta(hours=hours) if hours is not None else None
    return ComplaintFactory(
        received_at=received,
        resolved_at=resolved_at,
        status=status,
        resolution="done" if resolved_at else "",
        **fields,
    )


@pytest.fixture
def six_complaints(db: None) -> None:
    """Six complaints in October and November 2026 (and one older one outside the period).

    | # | cause    | touchpoint  | channel | received | status      | hours |
    |---|----------|-------------|---------|----------|-------------|-------|
    | 1 | delivery | delivery    | phone   | 5 Oct    | resolved    | 10    |
    | 2 | delivery | delivery    | email   | 12 Oct   | resolved    | 20    |
    | 3 | delivery | service     | phone   | 20 Oct   | rejected    | 60    |
    | 4 | billing  | billing     | email   | 2 Nov    | open        |       |
    | 5 | billing  | billing     | letter  | 9 Nov    | resolved    | 4     |
    | 6 | product  | after_sales | web     | 16 Nov   | in progress |       |
    """
    oct_ = datetime(2026, 10, 5, 12, tzinfo=AMS)
    nov = datetime(2026, 11, 2, 12, tzinfo=AMS)
    _complaint(oct_, hours=10, status="resolved", cause="delivery", touchpoint="delivery")
    _complaint(
        oct_ + timedelta(days=7),
        hours=20,
        status="resolved",
        cause="delivery",
        touchpoint="delivery",
        channel="email",
    )
    _complaint(
        oct_ + timedelta(days=15),
        hours=60,
        status="rejected",
        cause="delivery",
        touchpoint="service",
    )
    _complaint(nov, cause="billing", touchpoint="billing", channel="email")
    _complaint(
        nov + timedelta(days=7),
        hours=4,
        status="resolved",
        cause="billing",
        touchpoint="billing",
        channel="letter",
    )
    _complaint(
        nov + timedelta(days=14),
        status="in_progress",
        cause="product",
        touchpoint="after_sales",
        channel="web",
    )
    # outside the period: must not count anywhere
    _complaint(datetime(2025, 1, 10, 12, tzinfo=AMS), hours=1000, status="resolved")


def test_report_counts_per_status_and_overall_resolution_times(six_complaints: None) -> None:
    # when the report for 2026 is computed
    report = complaint_report(date_from=date(2026, 1, 1), date_to=date(2026, 12, 31))
    # then the counts and times match the hand-computed values
    assert (report.total, report.open, report.resolved, report.rejected) == (6, 2, 3, 1)
    assert report.closed == 4
    # closed: 10, 20, 60, 4 hours → median (10 + 20) / 2, mean 94 / 4
    assert report.times.median_hours == pytest.approx(15)
    assert report.times.mean_hours == pytest.approx(23.5)
    assert report.times.mean_days == pytest.approx(23.5 / 24)


def test_report_cross_table_of_cause_and_touchpoint(six_complaints: None) -> None:
    report = complaint_report(date_from=date(2026, 1, 1), date_to=date(2026, 12, 31))
    # only touchpoints with complaints, in the order of the choices
    assert [key for key, _label in report.touchpoints] == [
        "service",
        "after_sales",
        "billing",
        "delivery",
    ]
    assert [(row.key, row.cells, row.total) for row in report.cross] == [
        ("product", [0, 1, 0, 0], 1),
        ("delivery", [1, 0, 0, 2], 3),
        ("billing", [0, 0, 2, 0], 2),
    ]
    assert report.cross_totals == [1, 1, 2, 2]


def test_report_resolution_times_per_cause_and_touchpoint(six_complaints: None) -> None:
    report = complaint_report(date_from=date(2026, 1, 1), date_to=date(2026, 12, 31))
    causes = {row.key: row for row in report.by_cause}
    # delivery: 10, 20, 60 → median 20, mean 30 (a rejected complaint is closed too)
    assert (causes["delivery"].total, causes["delivery"].resolved, causes["delivery"].rejected) == (
        3,
        2,
        1,
    )
    assert causes["delivery"].times.median_hours == pytest.approx(20)
    assert causes["delivery"].times.mean_hours == pytest.approx(30)
    assert causes["billing"].open == 1
    assert causes["billing"].times.median_hours == pytest.approx(4)
    assert causes["product"].times.closed == 0
    assert causes["product"].times.median_hours is None
    assert causes["product"].times.mean_hours is None
    touchpoints = {row.key: row for row in report.by_touchpoint}
    # delivery touchpoint: 10 and 20 → an even group: median is the mean of the middle two
    assert touchpoints["delivery"].times.median_hours == pytest.approx(15)
    assert touchpoints["delivery"].times.median_days == pytest.approx(15 / 24)
    assert touchpoints["service"].times.mean_hours == pytest.approx(60)
    assert touchpoints["after_sales"].times.median_hours is None


def test_report_per_channel_and_month(six_complaints: None) -> None:
    report = complaint_report(date_from=date(2026, 1, 1), date_to=date(2026, 12, 31))
    assert {row.key: row.total for row in report.by_channel} == {
        "phone": 2,
        "email": 2,
        "letter": 1,
        "web": 1,
    }
    assert [(m.month, m.total, m.by_cause, m.closed) for m in report.months] == [
        (date(2026, 10, 1), 3, {"delivery": 3}, 3),
        (date(2026, 11, 1), 3, {"billing": 2, "product": 1}, 1),
    ]


def test_report_is_a_fixed_number_of_queries(
    six_complaints: None, django_assert_max_num_queries: object
) -> None:
    # given many more complaints
    for _i in range(30):
        _complaint(datetime(2026, 6, 1, 9, tzinfo=AMS), hours=3, status="resolved")
    # then the report still costs the same few aggregate queries
    with django_assert_max_num_queries(10):  # type: ignore[operator]
        complaint_report(date_from=date(2026, 1, 1), date_to=date(2026, 12, 31))


def test_report_of_an_empty_period(db: None) -> None:
    report = complaint_report(date_from=date(2020, 1, 1), date_to=date(2020, 1, 31))
    assert report.total == 0
    assert report.cross == [] and report.months == [] and report.by_cause == []
    assert report.times.median_hours is None


def test_search_filters_combine(six_complaints: None) -> None:
    # when filtering on unresolved complaints
    unresolved = complaint_search(status=STATUS_UNRESOLVED)
    # then the open and in-progress ones come back, newest first
    assert [c.cause for c in unresolved] == ["product", "billing"]
    assert complaint_search(cause="delivery", channel="phone").count() == 3  # one from 2025
    assert complaint_search(cause="delivery", date_from=date(2026, 1, 1)).count() == 3
    assert complaint_search(touchpoint="billing", status="resolved").count() == 1
    assert complaint_search(date_from=date(2026, 11, 9), date_to=date(2026, 11, 9)).count() == 1
    customer = CustomerFactory()
    mine = ComplaintFactory(customer=customer)
    assert list(complaint_search(customer_id=customer.pk)) == [mine]
