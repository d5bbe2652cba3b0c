"""Builders shared by the survey tests: surveys, opt-ins, and the personal link of an e-mail."""

from __future__ import annotations

import re
from typing import Any

from django.core import mail

from relata.customers.models import Consent, Customer
from relata.feedback.models import Survey
from relata.feedback.models.surveys import InvitationSource
from relata.feedback.survey_services import SurveySent, survey_send

LINK = re.compile(r"https?://\S+/s/([A-Za-z0-9_-]+)/")


def make_survey(**fields: Any) -> Survey:
    fields.setdefault("name", f"After service {Survey.objects.count() + 1}")
    fields.setdefault("touchpoint", "service")
    return Survey.objects.create(**fields)


def opt_in(customer: Customer, *, purpose: str = "surveys", granted: bool = True) -> None:
    Consent.objects.create(
        customer=customer, channel="email", purpose=purpose, granted=granted, source="test"
    )


def token_of(link: str) -> str:
    found = LINK.search(link)
    assert found is not None, link
    return found.group(1)


def last_mailed_token() -> str:
    assert mail.outbox, "no e-mail was sent"
    return token_of(mail.outbox[-1].body)


def send_link(survey: Survey, customer: Customer, **kwargs: Any) -> tuple[SurveySent, str]:
    """An invitation handed over in person (no e-mail) and its token."""
    kwargs.setdefault("source", InvitationSource.MANUAL)
    sent = survey_send(survey=survey, customer=customer, by_email=False, **kwargs)
    return sent, token_of(sent.link)
