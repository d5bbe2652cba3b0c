"""Satisfaction reads: counts per period, touchpoint and channel from one aggregate query,
NPS over time, the control table and the detractor comments."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.cache import cache

from relata.analytics.satisfaction import IN_CONTROL, OUT_OF_CONTROL, TOO_FEW
from relata.feedback.satisfaction_selectors import (
    answer_counts,
    control_table,
    detractor_comments,
    nps_report,
    report_periods,
    satisfaction_filters,
    satisfaction_report,
    satisfaction_report_cached,
)
from tests.factories import CustomerFactory, SurveyFactory
from tests.feedback.satisfaction_support import (
    LATEST,
    RANGE,
    Answers,
    at,
    delivery_out_of_control,
    month,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def test_default_range_is_24_months_or_8_quarters_up_to_today() -> None:
    today = date(2026, 11, 26)
    months = satisfaction_filters(today=today)
    assert (months.date_from, months.date_to) == (date(2024, 12, 1), today)
    assert len(report_periods(months)) == 24
    quarters = satisfaction_filters(today=today, granularity="quarter")
    assert quarters.date_from == date(2025, 1, 1)
    assert [p.label for p in report_periods(quarters)][-2:] == ["Q3 2026", "Q4 2026"]
    assert report_periods(quarters)[-1].partial


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"date_from": date(2026, 2, 1), "date_to": date(2026, 1, 1)}, "before the start"),
        ({"date_from": date(2010, 1, 1), "date_to": date(2026, 1, 1)}, "at most 10 years"),
        ({"granularity": "week"}, "Unknown period granularity"),
    ],
)
def test_bad_filters_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        satisfaction_filters(**kwargs)


def test_csat_per_touchpoint_and_channel_with_totals() -> None:
    # given service by phone 5, 4, 1; service by e-mail 2; delivery by phone 3; and an answer
    # without touchpoint or channel
    answers = Answers()
    for csat in (5, 4, 1):
        answers.add(csat=csat, touchpoint="service", channel="phone", answered_at=at(LATEST))
    answers.add(csat=2, touchpoint="service", channel="email", answered_at=at(LATEST))
    answers.add(csat=3, touchpoint="delivery", channel="phone", answered_at=at(LATEST))
    answers.add(csat=5, touchpoint="", channel="", answered_at=at(LATEST))
    answers.add(csat=4, touchpoint="legacy", channel="fax", answered_at=at(LATEST))
    answers.save()
    # when the table is built
    table = control_table(answer_counts(satisfaction_filters(**RANGE)))
    # then rows and columns follow the choices' order, "not recorded" last
    # (codes outside the choices, from an old import, as they are)
    assert [row.label for row in table.rows] == ["Service", "Delivery", "legacy", "Not recorded"]
    assert table.channels == [
        ("phone", "Phone"),
        ("email", "E-mail"),
        ("fax", "fax"),
        ("", "Not recorded"),
    ]
    service = table.rows[0]
    phone, email, fax, nothing = service.cells
    assert phone is not None and email is not None and fax is None and nothing is None
    assert phone.csat.answers == 3
    assert phone.csat.mean == pytest.approx(10 / 3)
    assert phone.csat.satisfied_share == pytest.approx(2 / 3)
    assert phone.csat.dissatisfied_share == pytest.approx(1 / 3)
    assert email.csat.dissatisfied_share == 1
    assert service.total.csat.answers == 4
    assert service.total.csat.mean == pytest.approx(12 / 4)
    # the totals row sums each channel over the touchpoints, and everything
    assert table.totals is not None
    assert [c.csat.answers if c else 0 for c in table.totals.cells] == [4, 1, 1, 1]
    assert table.totals.total.csat.answers == 7
    # a handful of answers gives no verdict
    assert service.total.status == TOO_FEW


def test_out_of_control_touchpoint_is_detected() -> None:
    delivery_out_of_control()
    table = control_table(answer_counts(satisfaction_filters(**RANGE)))
    delivery = next(row for row in table.rows if row.touchpoint == "delivery")
    service = next(row for row in table.rows if row.touchpoint == "service")
    cell = delivery.cells[0]
    assert cell is not None
    # p̄ = 36/360 = 0.10; at n = 30 the upper limit is 0.10 + 3·√(0.09/30) = 0.264
    assert cell.centre == pytest.approx(0.1)
    assert cell.upper == pytest.approx(0.1 + 3 * (0.09 / 30) ** 0.5)
    assert cell.latest_share == pytest.approx(0.4)
    assert cell.latest_answers == 30 and cell.baseline_answers == 360
    assert cell.status == OUT_OF_CONTROL
    assert delivery.total.status == OUT_OF_CONTROL
    assert service.total.status == IN_CONTROL
    assert table.status_counts() == {OUT_OF_CONTROL: 1, IN_CONTROL: 1}


def test_nps_over_time_per_month() -> None:
    # given January: 9, 10, 3 and February: 7, with a CSAT-only answer that does not count
    answers = Answers()
    for nps in (9, 10, 3):
        answers.add(nps=nps, answered_at=at(date(2026, 1, 10)))
    answers.add(nps=7, answered_at=at(date(2026, 2, 10)))
    answers.add(nps=None, csat=5, answered_at=at(date(2026, 2, 11)))
    answers.save()
    filters = satisfaction_filters(date_from=date(2025, 12, 1), date_to=date(2026, 2, 28))
    # when
    report = nps_report(answer_counts(filters))
    # then December is empty, January has NPS (2 − 1)/3, February 0
    assert [p.label for p in report.periods] == ["2025-12", "2026-01", "2026-02"]
    assert report.series.answers.tolist() == [0, 3, 1]
    assert report.series.nps[1] == pytest.approx(100 / 3)
    assert report.series.nps[2] == 0
    assert report.total.answers == 4
    assert report.distribution == [0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 1]
    assert report.change is not None
    assert report.change.difference == pytest.approx(-100 / 3)


def test_periods_follow_local_midnight() -> None:
    # given answers 30 minutes before and 15 minutes after local midnight on 1 February
    # (Amsterdam is UTC+1 then, so both are on 31 January in UTC)
    answers = Answers()
    answers.add(nps=10, answered_at=at(date(2026, 1, 31), 23, 30))
    answers.add(nps=0, answered_at=at(date(2026, 2, 1), 0, 15))
    answers.save()
    filters = satisfaction_filters(date_from=date(2026, 1, 1), date_to=date(2026, 2, 28))
    report = nps_report(answer_counts(filters))
    assert report.series.promoters.tolist() == [1, 0]
    assert report.series.detractors.tolist() == [0, 1]


def test_quarters_and_a_range_that_cuts_a_month() -> None:
    answers = Answers()
    answers.add(nps=10, answered_at=at(date(2026, 1, 5)))  # before the range
    answers.add(nps=10, answered_at=at(date(2026, 1, 20)))
    answers.add(nps=0, answered_at=at(date(2026, 5, 2)))
    answers.add(nps=0, answered_at=at(date(2026, 7, 1)))  # after the range
    answers.save()
    filters = satisfaction_filters(
        date_from=date(2026, 1, 15), date_to=date(2026, 6, 30), granularity="quarter"
    )
    report = nps_report(answer_counts(filters))
    assert [p.label for p in report.periods] == ["Q1 2026", "Q2 2026"]
    assert [p.partial for p in report.periods] == [True, False]
    assert report.series.answers.tolist() == [1, 1]


def test_filters_by_survey_touchpoint_and_channel() -> None:
    survey, other = SurveyFactory(name="After delivery"), SurveyFactory(name="Relationship")
    customer = CustomerFactory()
    Answers(customer, survey).add(nps=10, touchpoint="delivery", channel="phone").add(
        nps=0, touchpoint="delivery", channel="email"
    ).add(nps=0, touchpoint="service", channel="phone").save()
    Answers(customer, other).add(nps=0, touchpoint="delivery", channel="phone").save()

    def answered(**kwargs: object) -> int:
        return nps_report(answer_counts(satisfaction_filters(**kwargs))).total.answers

    assert answered() == 4
    assert answered(survey_id=survey.pk) == 3
    assert answered(survey_id=survey.pk, touchpoint="delivery") == 2
    assert answered(survey_id=survey.pk, touchpoint="delivery", channel="phone") == 1
    assert answered(channel="phone") == 3


def test_nps_only_answers_make_no_control_rows() -> None:
    Answers().add(nps=8, csat=None, touchpoint="marketing", channel="web").save()
    counts = answer_counts(satisfaction_filters())
    assert nps_report(counts).total.answers == 1
    table = control_table(counts)
    assert table.rows == [] and table.totals is None and table.answers == 0


def test_the_report_reads_the_answers_in_one_query(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    delivery_out_of_control()
    with django_assert_num_queries(1):
        satisfaction_report(satisfaction_filters(**RANGE))


def test_cached_report_follows_new_answers() -> None:
    filters = satisfaction_filters(**RANGE)
    answers = Answers()
    answers.add(nps=10, answered_at=at(LATEST)).save()
    assert satisfaction_report_cached(filters).nps.total.answers == 1
    answers.add(nps=0, answered_at=at(LATEST)).save()
    assert satisfaction_report_cached(filters).nps.total.answers == 2


def test_detractor_comments_newest_first_with_comment_only() -> None:
    answers = Answers()
    answers.add(nps=2, comment="Too slow", answered_at=at(month(-1)))
    answers.add(nps=5, comment="Rude driver", answered_at=at(month(0)))
    answers.add(nps=6, comment="", answered_at=at(month(0)))  # no comment
    answers.add(nps=9, comment="Lovely", answered_at=at(month(0)))  # a promoter
    answers.add(nps=1, comment="Long ago", answered_at=at(month(-30)))  # outside the range
    answers.save()
    comments = detractor_comments(satisfaction_filters(**RANGE))
    assert [c.comment for c in comments] == ["Rude driver", "Too slow"]
    assert detractor_comments(satisfaction_filters(**RANGE), limit=1)[0].comment == "Rude driver"
