"""Arranging survey answers for the satisfaction tests: many answers in one insert."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone

from relata.customers.models import Customer
from relata.feedback.models import Survey, SurveyResponse
from tests.factories import CustomerFactory, SurveyFactory, SurveyResponseFactory

# The month judged in most tests, and its 12 baseline months before.
LATEST = date(2026, 6, 1)
RANGE = {"date_from": date(2025, 6, 1), "date_to": date(2026, 6, 30)}


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    """A moment on ``day`` in the installation's time zone."""
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


def month(offset: int, day: int = 15) -> date:
    """A day ``offset`` months after LATEST (negative: before)."""
    index = LATEST.year * 12 + LATEST.month - 1 + offset
    return date(index // 12, index % 12 + 1, day)


class Answers:
    """Collects answers of one customer and survey, then writes them in one bulk insert."""

    def __init__(self, customer: Customer | None = None, survey: Survey | None = None) -> None:
        self.customer = customer or CustomerFactory()
        self.survey = survey or SurveyFactory()
        self.pending: list[SurveyResponse] = []

    def add(self, count: int = 1, **fields: Any) -> Answers:
        fields.setdefault("customer", self.customer)
        fields.setdefault("survey", self.survey)
        self.pending.extend(SurveyResponseFactory.build_batch(count, **fields))
        return self

    def csat_month(
        self,
        offset: int,
        *,
        answers: int,
        dissatisfied: int,
        touchpoint: str = "delivery",
        channel: str = "phone",
    ) -> Answers:
        """``answers`` CSAT answers in a month, ``dissatisfied`` of them 1, the others 4."""
        moment = at(month(offset))
        common = {"touchpoint": touchpoint, "channel": channel, "answered_at": moment, "nps": None}
        self.add(dissatisfied, csat=1, **common)
        return self.add(answers - dissatisfied, csat=4, **common)

    def save(self) -> list[SurveyResponse]:
        created = SurveyResponse.objects.bulk_create(self.pending)
        self.pending = []
        return created


def delivery_out_of_control(answers: Answers | None = None) -> Answers:
    """Delivery by phone: 12 months of 30 answers with 3 dissatisfied (10%), then a month
    with 12 of 30 (40%, above the upper limit 26.4%); service by phone stays at 10%."""
    answers = answers or Answers()
    for offset in range(-12, 1):
        answers.csat_month(offset, answers=30, dissatisfied=12 if offset == 0 else 3)
        answers.csat_month(offset, answers=30, dissatisfied=3, touchpoint="service")
    answers.save()
    return answers
