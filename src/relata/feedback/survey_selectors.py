"""Reads of the surveys: per survey how many links went out, how many were answered and the
NPS; invitations and answers with filters (pages and API); a customer's survey card.

Counts come from grouped SQL (one statement per kind of row), never from rows loaded into
Python. The NPS-over-time and per-touchpoint reports are in the satisfaction modules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from relata.contacts.models import ContactMoment
from relata.customers.models import Customer
from relata.engagement.models import MessageStatus
from relata.feedback.models import Survey, SurveyInvitation, SurveyResponse
from relata.sales.models import Order

NOT_DELIVERED = (MessageStatus.REFUSED, MessageStatus.FAILED)
# An invitation counts as sent when the customer got the link: handed over (no message) or
# an e-mail that went out (or waits in the outbox).
SENT = Q(message__isnull=True) | ~Q(message__status__in=NOT_DELIVERED)
CARD_RESPONSES = 5
CARD_INVITATIONS = 5
SEND_CHOICES = 15


class InvitationState:
    ANSWERED = "answered"
    OPEN = "open"
    EXPIRED = "expired"
    NOT_SENT = "not_sent"


def nps_score(*, promoters: int, detractors: int, answered: int) -> float | None:
    """NPS = % promoters (9–10) − % detractors (0–6), from −100 to 100; None without
    answers (DOMAIN.md §7)."""
    if answered <= 0:
        return None
    return 100.0 * (promoters - detractors) / answered


@dataclass
class SurveyStats:
    sent: int = 0
    answered: int = 0
    not_delivered: int = 0
    responses: int = 0
    with_nps: int = 0
    promoters: int = 0
    detractors: int = 0
    with_csat: int = 0
    csat_average: float | None = None

    @property
    def response_rate(self) -> float | None:
        """Answered links as a share of links sent (0–1)."""
        return self.answered / self.sent if self.sent else None

    @property
    def response_percent(self) -> int | None:
        rate = self.response_rate
        return round(rate * 100) if rate is not None else None

    @property
    def nps(self) -> float | None:
        return nps_score(
            promoters=self.promoters, detractors=self.detractors, answered=self.with_nps
        )

    @property
    def passives(self) -> int:
        return self.with_nps - self.promoters - self.detractors


def survey_stats(
    survey_ids: list[int] | None = None, *, since: datetime | None = None
) -> dict[int, SurveyStats]:
    """Per survey: invitations sent, answered and not delivered; responses with the NPS
    counts and the CSAT average (two grouped statements)."""
    invitations = SurveyInvitation.objects.all()
    responses = SurveyResponse.objects.filter(survey__isnull=False)
    if survey_ids is not None:
        invitations = invitations.filter(survey_id__in=survey_ids)
        responses = responses.filter(survey_id__in=survey_ids)
    if since is not None:
        invitations = invitations.filter(created_at__gte=since)
        responses = responses.filter(answered_at__gte=since)
    stats: dict[int, SurveyStats] = {}
    for row in (
        invitations.values("survey_id")
        .annotate(
            sent=Count("pk", filter=SENT),
            answered=Count("pk", filter=Q(answered_at__isnull=False)),
            not_delivered=Count("pk", filter=Q(message__status__in=NOT_DELIVERED)),
        )
        .order_by()
    ):
        stats[row["survey_id"]] = SurveyStats(
            sent=row["sent"], answered=row["answered"], not_delivered=row["not_delivered"]
        )
    for row in (
        responses.values("survey_id")
        .annotate(
            responses=Count("pk"),
            with_nps=Count("pk", filter=Q(nps__isnull=False)),
            promoters=Count("pk", filter=Q(nps__gte=9)),
            detractors=Count("pk", filter=Q(nps__lte=6)),
            with_csat=Count("pk", filter=Q(csat__isnull=False)),
            csat_average=Avg("csat"),
        )
        .order_by()
    ):
        item = stats.setdefault(row["survey_id"], SurveyStats())
        item.responses = row["responses"]
        item.with_nps = row["with_nps"]
        item.promoters = row["promoters"]
        item.detractors = row["detractors"]
        item.with_csat = row["with_csat"]
        average = row["csat_average"]
        item.csat_average = float(average) if average is not None else None
    return stats


def survey_list(*, active: bool | None = None) -> list[Survey]:
    """Surveys by name (active first), each with ``stats``."""
    surveys = Survey.objects.order_by("-active", "name", "pk")
    if active is not None:
        surveys = surveys.filter(active=active)
    rows = list(surveys)
    stats = survey_stats([survey.pk for survey in rows])
    for survey in rows:
        survey.stats = stats.get(survey.pk, SurveyStats())  # type: ignore[attr-defined]
    return rows


def invitation_state(invitation: SurveyInvitation, *, now: datetime | None = None) -> str:
    now = now or timezone.now()
    message = invitation.message if invitation.message_id is not None else None
    if message is not None and message.status in NOT_DELIVERED:
        return InvitationState.NOT_SENT
    if invitation.answered_at is not None:
        return InvitationState.ANSWERED
    if invitation.expires_at <= now:
        return InvitationState.EXPIRED
    return InvitationState.OPEN


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass(frozen=True)
class AnswerFilters:
    survey_id: int | None = None
    customer_id: int | None = None
    touchpoint: str = ""
    channel: str = ""
    since: date | None = None
    until: date | None = None
    detractors: bool = False
    source: str = ""


def response_list(filters: AnswerFilters | None = None) -> QuerySet[SurveyResponse]:
    """Answers, newest first. ``detractors``: NPS 0–6 or CSAT 1–2 (those who get a
    follow-up task)."""
    f = filters or AnswerFilters()
    responses = SurveyResponse.objects.select_related(
        "survey", "customer", "contact_moment", "order", "follow_up_task"
    )
    if f.survey_id is not None:
        responses = responses.filter(survey_id=f.survey_id)
    if f.customer_id is not None:
        responses = responses.filter(customer_id=f.customer_id)
    if f.touchpoint:
        responses = responses.filter(touchpoint=f.touchpoint)
    if f.channel:
        responses = responses.filter(channel=f.channel)
    if f.since is not None:
        responses = responses.filter(answered_at__gte=_day_start(f.since))
    if f.until is not None:
        responses = responses.filter(answered_at__lt=_day_start(f.until + timedelta(days=1)))
    if f.detractors:
        responses = responses.filter(Q(nps__lte=6) | Q(csat__lte=2))
    if f.source:
        responses = responses.filter(source=f.source)
    return responses.order_by("-answered_at", "-pk")


def invitation_list(
    filters: AnswerFilters | None = None, *, state: str = ""
) -> QuerySet[SurveyInvitation]:
    """Invitations, newest first, with their survey, customer, message and answer."""
    f = filters or AnswerFilters()
    invitations = SurveyInvitation.objects.select_related(
        "survey", "customer", "message", "contact_moment", "order", "trigger_rule", "response"
    )
    if f.survey_id is not None:
        invitations = invitations.filter(survey_id=f.survey_id)
    if f.customer_id is not None:
        invitations = invitations.filter(customer_id=f.customer_id)
    if f.touchpoint:
        invitations = invitations.filter(touchpoint=f.touchpoint)
    if f.channel:
        invitations = invitations.filter(channel=f.channel)
    if f.since is not None:
        invitations = invitations.filter(created_at__gte=_day_start(f.since))
    if f.until is not None:
        invitations = invitations.filter(created_at__lt=_day_start(f.until + timedelta(days=1)))
    if f.detractors:
        invitations = invitations.filter(Q(response__nps__lte=6) | Q(response__csat__lte=2))
    if f.source:
        invitations = invitations.filter(source=f.source)
    now = timezone.now()
    delivered = SENT
    if state == InvitationState.ANSWERED:
        invitations = invitations.filter(answered_at__isnull=False)
    elif state == InvitationState.OPEN:
        invitations = invitations.filter(delivered, answered_at__isnull=True, expires_at__gt=now)
    elif state == InvitationState.EXPIRED:
        invitations = invitations.filter(delivered, answered_at__isnull=True, expires_at__lte=now)
    elif state == InvitationState.NOT_SENT:
        invitations = invitations.filter(message__status__in=NOT_DELIVERED)
    return invitations.order_by("-created_at", "-pk")


def with_states(invitations: list[SurveyInvitation]) -> list[SurveyInvitation]:
    now = timezone.now()
    for invitation in invitations:
        invitation.state = invitation_state(invitation, now=now)  # type: ignore[attr-defined]
    return invitations


@dataclass
class CustomerSurveys:
    responses: list[SurveyResponse]
    response_count: int
    open_invitations: list[SurveyInvitation]
    latest_nps: int | None


def customer_surveys(customer: Customer | int) -> CustomerSurveys:
    """The customer's latest answers and the links still waiting for an answer (on the
    customer indexes)."""
    customer_id = customer if isinstance(customer, int) else customer.pk
    responses = list(
        SurveyResponse.objects.filter(customer_id=customer_id)
        .select_related("survey", "contact_moment", "order", "follow_up_task")
        .order_by("-answered_at", "-pk")[:CARD_RESPONSES]
    )
    count = (
        len(responses)
        if len(responses) < CARD_RESPONSES
        else SurveyResponse.objects.filter(customer_id=customer_id).count()
    )
    open_invitations = list(
        SurveyInvitation.objects.filter(
            SENT,
            customer_id=customer_id,
            answered_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("survey", "contact_moment", "order")
        .order_by("-created_at", "-pk")[:CARD_INVITATIONS]
    )
    latest_nps = next((r.nps for r in responses if r.nps is not None), None)
    return CustomerSurveys(responses, count, open_invitations, latest_nps)


def send_causes(customer: Customer) -> tuple[list[ContactMoment], list[Order]]:
    """The customer's latest contact moments and orders a survey can be about."""
    moments = list(
        ContactMoment.objects.filter(customer=customer).order_by("-occurred_at", "-pk")[
            :SEND_CHOICES
        ]
    )
    orders = list(
        Order.objects.filter(customer=customer).order_by("-order_date", "-pk")[:SEND_CHOICES]
    )
    return moments, orders
