"""Writes of the surveys (DOMAIN.md §7, §17): survey definitions, sending a personal link
and answering through it. Answers given elsewhere (to staff, another survey tool, the
events API) and what every answer sets off are in ``survey_response_services``.

A link carries a random token (``secrets.token_urlsafe``, 256 bits); only its SHA-256 is
stored, and the copy of the e-mail kept in the outbox has the link blanked out, so nobody
can read a working link back from the database. A link answers once, until it expires.
docs/decisions/0900-survey-links.md says why.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relata.contacts.models import ContactMoment
from relata.customers.models import ConsentChannel, ConsentPurpose, Customer
from relata.engagement.message_services import message_queue
from relata.engagement.models import MessageStatus, OutboxMessage, TriggerFiring, TriggerRule
from relata.feedback.models import ResponseSource, Survey, SurveyInvitation, SurveyResponse
from relata.feedback.models.surveys import InvitationSource
from relata.feedback.survey_response_services import (
    Actor,
    actor_user,
    answers_clean,
    cause_check,
    cause_defaults,
    response_create,
)
from relata.sales.models import Order

TOKEN_BYTES = 32  # 43 URL-safe characters
# What a token can look like; anything else is not looked up at all.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{20,100}")
# A survey is about service: the customer's opt-in for surveys by e-mail (not marketing).
SURVEY_CHANNEL = ConsentChannel.EMAIL
SURVEY_PURPOSE = ConsentPurpose.SURVEYS


class LinkProblem(models.TextChoices):
    """Why a link cannot be answered (the public page and API say it politely)."""

    UNKNOWN = "unknown", gettext_lazy("This link is not known.")
    ANSWERED = "answered", gettext_lazy("This survey was answered already.")
    EXPIRED = "expired", gettext_lazy("This link has expired.")
    CLOSED = "closed", gettext_lazy("This survey is closed.")


class SurveyLinkError(Exception):
    def __init__(self, problem: str) -> None:
        self.problem = LinkProblem(problem)
        super().__init__(str(self.problem.label))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def survey_link(token: str) -> str:
    """The absolute personal link of a token (the site's address from RELATA_SITE_URL)."""
    path = reverse("survey_public:answer", kwargs={"token": token})
    return f"{settings.RELATA_SITE_URL}{path}"


def sender_name() -> str:
    """Who the customer hears from: the name in DEFAULT_FROM_EMAIL ("Shop <shop@…>")."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[0]


# --- Survey definitions ----------------------------------------------------------------------


@transaction.atomic
def survey_save(*, survey: Survey, actor: Actor = None) -> Survey:
    """Create or change a survey."""
    if survey.pk is None and survey.created_by_id is None:
        survey.created_by = actor_user(actor)
    survey.full_clean()
    survey.save()
    return survey


@transaction.atomic
def survey_set_active(*, survey: Survey, active: bool) -> Survey:
    """Switch a survey off (no new invitations; open links then say it is closed) or on."""
    survey.active = active
    survey.save(update_fields=["active"])
    return survey


# --- Sending -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveySent:
    """An invitation just made. ``link`` is the only time the working link exists outside
    the customer's mailbox; it is empty when the e-mail was refused or failed."""

    invitation: SurveyInvitation
    link: str
    message: OutboxMessage | None

    @property
    def usable(self) -> bool:
        return bool(self.link)

    @property
    def refused(self) -> bool:
        return self.message is not None and self.message.status == MessageStatus.REFUSED

    @property
    def reason(self) -> str:
        return self.message.status_reason if self.message is not None and not self.link else ""


def _email_text(
    *,
    customer: Customer,
    contact_moment: ContactMoment | None,
    order: Order | None,
    link: str,
    expires_at: datetime,
) -> tuple[str, str]:
    greeting = (
        _("Dear %(name)s,") % {"name": customer.first_name}
        if customer.first_name and not customer.is_organisation
        else _("Dear customer,")
    )
    if contact_moment is not None:
        about = _("You were in touch with us recently about “%(subject)s”. How did we do?") % {
            "subject": contact_moment.subject
        }
    elif order is not None:
        about = _("Thank you for your order %(number)s. How did we do?") % {
            "number": order.order_number
        }
    else:
        about = _("We would like to hear how we are doing.")
    until = date_format(timezone.localtime(expires_at).date(), "DATE_FORMAT")
    # Outside the f-string: makemessages does not find a gettext call inside one.
    answering = _("Answering takes less than a minute:")
    lines = [
        greeting,
        "",
        f"{about} {answering}",
        "",
        link,
        "",
        _("The link is personal and works once, until %(date)s.") % {"date": until},
        "",
        _("Thank you!"),
        sender_name(),
    ]
    subject = _("How did we do? A question of one minute")
    return subject, "\n".join(lines).strip() + "\n"


@transaction.atomic
def survey_send(
    *,
    survey: Survey,
    customer: Customer,
    touchpoint: str = "",
    channel: str = "",
    contact_moment: ContactMoment | None = None,
    order: Order | None = None,
    source: str,
    trigger_rule: TriggerRule | None = None,
    actor: Actor = None,
    trigger_firing: TriggerFiring | None = None,
    by_email: bool = True,
) -> SurveySent:
    """Invite ``customer`` to ``survey`` with a new personal link, about the contact moment
    or order that caused it.

    ``by_email``: the link goes out by e-mail through the outbox, which checks the opt-in
    for surveys by e-mail; refused (no opt-in) or failed (no address), the invitation is
    kept as a record but can never be answered and no link is returned. Without e-mail the
    link is returned to hand over in person (by phone, in the store)."""
    if not survey.active:
        raise ValidationError(
            {"survey": _("The survey “%(name)s” is not active.") % {"name": survey.name}},
            code="inactive",
        )
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
    if source not in InvitationSource.values:
        errors["source"] = _("Unknown source “%(value)s”.") % {"value": source}
    if errors:
        raise ValidationError(errors)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = timezone.now()
    invitation = SurveyInvitation(
        survey=survey,
        customer=customer,
        token_hash=token_hash(token),
        created_at=now,
        expires_at=now + timedelta(days=survey.valid_days),
        touchpoint=touchpoint,
        channel=channel,
        contact_moment=contact_moment,
        order=order,
        source=source,
        trigger_rule=trigger_rule,
        sent_by=actor_user(actor),
    )
    invitation.save()
    link = survey_link(token)
    if not by_email:
        return SurveySent(invitation=invitation, link=link, message=None)
    subject, body = _email_text(
        customer=customer,
        contact_moment=contact_moment,
        order=order,
        link=link,
        expires_at=invitation.expires_at,
    )
    message = message_queue(
        customer=customer,
        channel=SURVEY_CHANNEL,
        purpose=SURVEY_PURPOSE,
        subject=subject,
        body=body,
        trigger_firing=trigger_firing,
        actor=actor,
    )
    # The outbox keeps what was sent, without the working link (only its hash is stored).
    message.body = message.body.replace(link, _("[personal survey link]"))
    OutboxMessage.objects.filter(pk=message.pk).update(body=message.body)
    invitation.message = message
    if message.status in (MessageStatus.REFUSED, MessageStatus.FAILED):
        invitation.expires_at = now  # never answerable: the customer did not get it
        link = ""
    invitation.save(update_fields=["message", "expires_at"])
    return SurveySent(invitation=invitation, link=link, message=message)


# --- Answers ---------------------------------------------------------------------------------


def token_well_formed(token: str) -> bool:
    return bool(TOKEN_PATTERN.fullmatch(token or ""))


def link_problem(invitation: SurveyInvitation, *, now: datetime | None = None) -> str:
    """Why the invitation's link cannot be answered now ("" when it can)."""
    now = now or timezone.now()
    if invitation.answered_at is not None:
        return LinkProblem.ANSWERED
    if invitation.expires_at <= now:
        return LinkProblem.EXPIRED
    if not invitation.survey.active:
        return LinkProblem.CLOSED
    return ""


def invitation_by_token(token: str, *, lock: bool = False) -> SurveyInvitation | None:
    """The invitation of a link's token (None for a malformed or unknown one)."""
    if not token_well_formed(token):
        return None
    invitations = SurveyInvitation.objects.select_related("survey", "customer")
    if lock:
        invitations = invitations.select_for_update(of=("self",))
    return invitations.filter(token_hash=token_hash(token)).first()


@transaction.atomic
def survey_answer(
    *, token: str, nps: Any = None, csat: Any = None, comment: Any = ""
) -> SurveyResponse:
    """Answer the survey of a personal link, once. Raises ``SurveyLinkError`` (unknown,
    answered, expired, closed: nothing is written) or ``ValidationError`` keyed by field.

    The invitation row is locked, and it is claimed with a conditional update before the
    answer is stored, so two submits at the same moment store one answer."""
    invitation = invitation_by_token(token, lock=True)
    if invitation is None:
        raise SurveyLinkError(LinkProblem.UNKNOWN)
    now = timezone.now()
    problem = link_problem(invitation, now=now)
    if problem:
        raise SurveyLinkError(problem)
    survey = invitation.survey
    nps_value, csat_value, text = answers_clean(
        survey=survey, nps=nps, csat=csat, comment=comment, complete=True
    )
    claimed = SurveyInvitation.objects.filter(pk=invitation.pk, answered_at__isnull=True).update(
        answered_at=now
    )
    if not claimed:
        raise SurveyLinkError(LinkProblem.ANSWERED)
    invitation.answered_at = now
    try:
        with transaction.atomic():
            return response_create(
                customer=invitation.customer,
                survey=survey,
                invitation=invitation,
                nps=nps_value,
                csat=csat_value,
                comment=text,
                touchpoint=invitation.touchpoint,
                channel=invitation.channel,
                contact_moment=invitation.contact_moment,
                order=invitation.order,
                source=ResponseSource.LINK,
                answered_at=now,
            )
    except IntegrityError:  # another request stored the answer first
        raise SurveyLinkError(LinkProblem.ANSWERED) from None
