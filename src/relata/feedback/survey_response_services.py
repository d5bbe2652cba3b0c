"""Writes of survey answers, whichever way they come: the shared checks of the answers and of
what they are about, storing an answer with its follow-up task (a detractor, NPS 0–6, or a
dissatisfied customer, CSAT 1–2) and its NPS event for the trigger rules, an answer given
to staff or in another survey tool, and an NPS event of the events API mirrored as an
answer. Answers through a personal link: ``survey_services.survey_answer``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from relata.contacts.models import Channel, ContactMoment, Task, TaskKind, TaskPriority, Touchpoint
from relata.contacts.routing import customer_tier
from relata.contacts.task_services import task_create
from relata.customers.models import Customer
from relata.engagement.models import CustomerEvent, CustomerEventKind
from relata.engagement.trigger_services import customer_event_record
from relata.feedback.models import ResponseSource, Survey, SurveyInvitation, SurveyResponse
from relata.sales.models import Order, SalesChannel
from relata.scoring.choices import TierChoice
from relata.web.forms import EARLIEST_YEAR

Actor = User | AnonymousUser | None

COMMENT_MAX = 5000
FOLLOW_UP_DAYS = 2
# NPS answers this low, or a customer in these tiers, make the follow-up task high priority.
URGENT_NPS = 3
KEY_TIERS = (TierChoice.TOP, TierChoice.BIG)
EVENT_SOURCE = "survey"

# Sales channels of an order as contact-moment channels (the reports' channel).
ORDER_CHANNELS: dict[str, str] = {
    SalesChannel.WEB: Channel.WEB,
    SalesChannel.STORE: Channel.STORE,
    SalesChannel.PHONE: Channel.PHONE,
    SalesChannel.SALES_REP: Channel.VISIT,
    SalesChannel.EMAIL: Channel.EMAIL,
}


def actor_user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) and actor.pk is not None else None


def cause_defaults(
    *,
    survey: Survey | None,
    touchpoint: str,
    channel: str,
    contact_moment: ContactMoment | None,
    order: Order | None,
) -> tuple[str, str]:
    """Touchpoint and channel: as given, else from the contact moment, the order, the
    survey."""
    if not touchpoint:
        if contact_moment is not None:
            touchpoint = contact_moment.touchpoint
        elif survey is not None and survey.touchpoint:
            touchpoint = survey.touchpoint
        elif order is not None:
            touchpoint = Touchpoint.SALES
    if not channel:
        if contact_moment is not None:
            channel = contact_moment.channel
        elif order is not None:
            channel = ORDER_CHANNELS.get(order.channel, "")
    return touchpoint, channel


def cause_check(
    *,
    customer: Customer,
    touchpoint: str,
    channel: str,
    contact_moment: ContactMoment | None,
    order: Order | None,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if contact_moment is not None and contact_moment.customer_id != customer.pk:
        errors["contact_moment"] = _("This contact moment belongs to another customer.")
    if order is not None and order.customer_id != customer.pk:
        errors["order"] = _("This order belongs to another customer.")
    if touchpoint and touchpoint not in Touchpoint.values:
        errors["touchpoint"] = _("Unknown touchpoint “%(value)s”.") % {"value": touchpoint}
    if channel and channel not in Channel.values:
        errors["channel"] = _("Unknown channel “%(value)s”.") % {"value": channel}
    return errors


def _clean_score(
    value: Any, *, name: str, low: int, high: int, errors: dict[str, str]
) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        errors[name] = _("Choose a whole number from %(low)s to %(high)s.") % {
            "low": low,
            "high": high,
        }
        return None
    text = str(value).strip()
    if not text.isdecimal() or not low <= int(text) <= high:
        errors[name] = _("Choose a whole number from %(low)s to %(high)s.") % {
            "low": low,
            "high": high,
        }
        return None
    return int(text)


def answers_clean(
    *,
    survey: Survey | None,
    nps: Any = None,
    csat: Any = None,
    comment: Any = "",
    complete: bool = False,
) -> tuple[int | None, int | None, str]:
    """The answers checked: NPS 0–10, CSAT 1–5, a comment of at most 5,000 characters, and
    only what the survey asks. ``complete``: every score question the survey asks must be
    answered (the link's form); otherwise at least one answer is enough. Raises
    ``ValidationError`` keyed by field."""
    errors: dict[str, str] = {}
    nps_value = _clean_score(nps, name="nps", low=0, high=10, errors=errors)
    csat_value = _clean_score(csat, name="csat", low=1, high=5, errors=errors)
    text = comment if isinstance(comment, str) else ("" if comment is None else str(comment))
    text = text.strip()
    if "\x00" in text:
        errors["comment"] = _("The comment must not contain NUL characters.")
    elif len(text) > COMMENT_MAX:
        errors["comment"] = _("The comment can be at most %(max)s characters.") % {
            "max": COMMENT_MAX
        }
    if survey is not None:
        if nps_value is not None and not survey.asks_nps:
            errors["nps"] = _("This survey does not ask for an NPS score.")
        if csat_value is not None and not survey.asks_csat:
            errors["csat"] = _("This survey does not ask for a CSAT score.")
        if text and not survey.asks_comment:
            errors["comment"] = _("This survey does not ask for a comment.")
        if complete:
            if survey.asks_nps and nps_value is None and "nps" not in errors:
                errors["nps"] = _("Choose a score from 0 to 10.")
            if survey.asks_csat and csat_value is None and "csat" not in errors:
                errors["csat"] = _("Choose a score from 1 to 5.")
            if not (survey.asks_nps or survey.asks_csat) and not text and not errors:
                errors["comment"] = _("Please write your answer.")
    if not errors and nps_value is None and csat_value is None and not text:
        errors["nps"] = _("Give at least one answer: an NPS score, a CSAT score or a comment.")
    if errors:
        raise ValidationError(errors)
    return nps_value, csat_value, text


def needs_follow_up(nps: int | None, csat: int | None) -> bool:
    """A detractor (NPS 0–6) or a dissatisfied customer (CSAT 1–2)."""
    return (nps is not None and nps <= 6) or (csat is not None and csat <= 2)


def response_summary(response: SurveyResponse) -> str:
    """The answer in words, for the follow-up task (plain text; pages escape it)."""
    lines = [
        _("Survey “%(survey)s” answered on %(date)s (%(source)s).")
        % {
            "survey": response.survey.name if response.survey else _("without a survey"),
            "date": date_format(timezone.localtime(response.answered_at), "SHORT_DATETIME_FORMAT"),
            "source": response.get_source_display(),
        }
    ]
    if response.nps is not None:
        lines.append(_("NPS: %(nps)s of 10") % {"nps": response.nps})
    if response.csat is not None:
        lines.append(_("CSAT: %(csat)s of 5") % {"csat": response.csat})
    if response.touchpoint or response.channel:
        lines.append(
            _("Touchpoint: %(touchpoint)s · channel: %(channel)s")
            % {
                "touchpoint": response.get_touchpoint_display() or "—",
                "channel": response.get_channel_display() or "—",
            }
        )
    if response.contact_moment is not None:
        lines.append(
            _("About the contact moment “%(subject)s” of %(date)s.")
            % {
                "subject": response.contact_moment.subject,
                "date": date_format(
                    timezone.localtime(response.contact_moment.occurred_at), "SHORT_DATE_FORMAT"
                ),
            }
        )
    if response.order is not None:
        lines.append(_("About order %(number)s.") % {"number": response.order.order_number})
    lines.append("")
    lines.append(_("Comment: %(comment)s") % {"comment": response.comment or "—"})
    return "\n".join(lines)


def _follow_up_task(response: SurveyResponse, *, actor: Actor) -> Task:
    nps, csat = response.nps, response.csat
    urgent = nps is not None and nps <= URGENT_NPS
    if not urgent:
        urgent = customer_tier(response.customer_id) in KEY_TIERS
    survey = response.survey.name if response.survey else _("survey")
    if nps is not None and nps <= 6:
        title = _("Detractor: NPS %(nps)s in “%(survey)s”") % {"nps": nps, "survey": survey}
    else:
        title = _("Dissatisfied: CSAT %(csat)s of 5 in “%(survey)s”") % {
            "csat": csat,
            "survey": survey,
        }
    return task_create(
        customer=response.customer,
        title=title[:200],
        actor=actor,
        kind=TaskKind.DETRACTOR,
        priority=TaskPriority.HIGH if urgent else TaskPriority.NORMAL,
        due_date=timezone.localdate() + timedelta(days=FOLLOW_UP_DAYS),
        description=response_summary(response),
        contact_moment=response.contact_moment,
    )


def response_create(
    *,
    customer: Customer,
    survey: Survey | None,
    invitation: SurveyInvitation | None = None,
    nps: int | None,
    csat: int | None,
    comment: str,
    touchpoint: str,
    channel: str,
    contact_moment: ContactMoment | None,
    order: Order | None,
    source: str,
    answered_at: datetime,
    external_id: str = "",
    follow_up: bool = True,
    announce: bool = True,
    actor: Actor = None,
) -> SurveyResponse:
    """Store an answer; a detractor or dissatisfied customer gets a follow-up task, and an
    NPS score becomes an NPS event (``announce``) so the NPS-detractor rules fire."""
    response = SurveyResponse(
        invitation=invitation,
        survey=survey,
        customer=customer,
        answered_at=answered_at,
        nps=nps,
        csat=csat,
        comment=comment,
        touchpoint=touchpoint,
        channel=channel,
        contact_moment=contact_moment,
        order=order,
        source=source,
        external_id=external_id,
    )
    response.full_clean(validate_unique=False, validate_constraints=False)
    response.save()
    if follow_up and needs_follow_up(nps, csat):
        response.follow_up_task = _follow_up_task(response, actor=actor)
        response.save(update_fields=["follow_up_task"])
    if announce and nps is not None:
        customer_event_record(
            customer=customer,
            kind=CustomerEventKind.NPS,
            score=nps,
            payload={"survey_response": response.pk},
            occurred_at=answered_at,
            source=EVENT_SOURCE,
        )
    return response


@transaction.atomic
def survey_response_record(
    *,
    customer: Customer,
    survey: Survey | None = None,
    nps: Any = None,
    csat: Any = None,
    comment: Any = "",
    touchpoint: str = "",
    channel: str = "",
    contact_moment: ContactMoment | None = None,
    order: Order | None = None,
    answered_at: datetime | None = None,
    source: str = ResponseSource.API,
    external_id: str = "",
    actor: Actor = None,
) -> tuple[SurveyResponse, bool]:
    """Record an answer given elsewhere (to staff, in another survey tool). Returns the
    response and whether it is new: an ``external_id`` seen before changes nothing and
    returns the response stored then."""
    external_id = (external_id or "").strip()
    if external_id:
        earlier = SurveyResponse.objects.filter(external_id=external_id).first()
        if earlier is not None:
            return earlier, False
    nps_value, csat_value, text = answers_clean(survey=survey, nps=nps, csat=csat, comment=comment)
    touchpoint, channel = cause_defaults(
        survey=survey,
        touchpoint=touchpoint,
        channel=channel,
        contact_moment=contact_moment,
        order=order,
    )
    errors = cause_check(
        customer=customer,
        touchpoint=touchpoint,
        channel=channel,
        contact_moment=contact_moment,
        order=order,
    )
    now = timezone.now()
    answered_at = answered_at or now
    if answered_at > now + timedelta(minutes=5):
        errors["answered_at"] = _("The answer cannot be given in the future.")
    elif timezone.localtime(answered_at).year < EARLIEST_YEAR:
        errors["answered_at"] = _("Enter a date from %(year)s on.") % {"year": EARLIEST_YEAR}
    if source not in ResponseSource.values:
        errors["source"] = _("Unknown source “%(value)s”.") % {"value": source}
    if errors:
        raise ValidationError(errors)
    response = response_create(
        customer=customer,
        survey=survey,
        nps=nps_value,
        csat=csat_value,
        comment=text,
        touchpoint=touchpoint,
        channel=channel,
        contact_moment=contact_moment,
        order=order,
        source=source,
        answered_at=answered_at,
        external_id=external_id,
        actor=actor,
    )
    return response, True


def _payload_choice(payload: dict[str, Any], name: str, allowed: list[str]) -> str:
    value = payload.get(name)
    return value if isinstance(value, str) and value in allowed else ""


@transaction.atomic
def survey_response_from_event(*, event: CustomerEvent) -> SurveyResponse | None:
    """Store an NPS event that did not come from a survey of Relata (the events API) as a
    survey response with source API, once (keyed ``event:<id>``). It is not announced again
    (the event is the announcement) and gets no follow-up task: the events API answers with
    the NPS-detractor rules it fired, which is where an installation decides what happens."""
    payload = event.payload if isinstance(event.payload, dict) else {}
    if event.kind != CustomerEventKind.NPS or event.score is None or "survey_response" in payload:
        return None
    if not 0 <= event.score <= 10:
        return None
    external_id = f"event:{event.pk}"
    if SurveyResponse.objects.filter(external_id=external_id).exists():
        return None
    csat = payload.get("csat")
    if isinstance(csat, bool) or not isinstance(csat, int) or not 1 <= csat <= 5:
        csat = None
    comment = payload.get("comment")
    comment = comment.strip()[:COMMENT_MAX].replace("\x00", "") if isinstance(comment, str) else ""
    return response_create(
        customer=event.customer,
        survey=None,
        nps=event.score,
        csat=csat,
        comment=comment,
        touchpoint=_payload_choice(payload, "touchpoint", Touchpoint.values),
        channel=_payload_choice(payload, "channel", Channel.values),
        contact_moment=None,
        order=None,
        source=ResponseSource.API,
        answered_at=event.occurred_at,
        external_id=external_id,
        follow_up=False,
        announce=False,
    )
