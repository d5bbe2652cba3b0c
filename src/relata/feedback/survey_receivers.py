"""Surveys and the rest of Relata: the "Send a survey" trigger action (registered with
engagement, which does not import this app), and NPS answers reported through the events
API stored as survey responses.

No loop: a survey answer records its NPS event with ``{"survey_response": id}`` in the
payload, which the mirror below skips; the mirror's response announces nothing."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from relata.contacts.models import ContactMoment
from relata.customers.models import Customer
from relata.engagement.models import (
    CustomerEvent,
    CustomerEventKind,
    FiringOutcome,
    MessageStatus,
    TriggerAction,
    TriggerFiring,
    TriggerRule,
)
from relata.engagement.trigger_events import ACTIONS, Occurrence
from relata.engagement.trigger_registry import ActionProvider, action_provider_register
from relata.feedback.models import Survey, SurveyInvitation
from relata.feedback.models.surveys import InvitationSource
from relata.feedback.survey_response_services import survey_response_from_event
from relata.feedback.survey_services import survey_send
from relata.sales.models import Order
from relata.web.http import int_param

logger = logging.getLogger(__name__)


def _active_surveys() -> list[tuple[Any, str]]:
    return list(Survey.objects.filter(active=True).order_by("name", "pk").values_list("pk", "name"))


def _cause(customer: Customer, occurrence: Occurrence) -> tuple[ContactMoment | None, Order | None]:
    """The contact moment or order that made the rule fire (facts of the contact-logged and
    order-placed events), if it is still there and the customer's."""
    facts = occurrence.facts
    moment_id, order_id = facts.get("contact_moment"), facts.get("order")
    moment = (
        ContactMoment.objects.filter(pk=moment_id, customer=customer).first()
        if isinstance(moment_id, int)
        else None
    )
    order = (
        Order.objects.filter(pk=order_id, customer=customer).first()
        if isinstance(order_id, int)
        else None
    )
    return moment, order


def _quiet_days(raw: dict[str, Any]) -> int:
    param = next(p for p in ACTIONS[TriggerAction.SURVEY].params if p.name == "quiet_days")
    try:
        return int(param.clean(raw.get("quiet_days")))
    except ValidationError:
        return int(param.default)


def act_survey(
    rule: TriggerRule, firing: TriggerFiring, customer: Customer, occurrence: Occurrence
) -> tuple[str, str]:
    """The trigger action "Send a survey": an e-mail with a personal link about the contact
    moment or order that fired the rule. Refused without the customer's e-mail opt-in for
    surveys; skipped when the survey is switched off or the customer was invited to it
    within the rule's quiet days."""
    # Read leniently: a survey switched off since the rule was saved is no longer among the
    # setting's choices, and that is a skip, not a failure.
    raw = rule.action_params if isinstance(rule.action_params, dict) else {}
    survey_id = int_param(raw.get("survey"))
    survey = Survey.objects.filter(pk=survey_id).first() if survey_id is not None else None
    if survey is None or not survey.active:
        return FiringOutcome.SKIPPED, _("The rule's survey is missing or switched off.")
    quiet = _quiet_days(raw)
    if quiet:
        since = firing.fired_at - timedelta(days=quiet)
        if SurveyInvitation.objects.filter(
            survey=survey, customer=customer, created_at__gte=since
        ).exists():
            return FiringOutcome.SKIPPED, _(
                "Invited to “%(survey)s” within the last %(days)s days already."
            ) % {"survey": survey.name, "days": quiet}
    moment, order = _cause(customer, occurrence)
    sent = survey_send(
        survey=survey,
        customer=customer,
        contact_moment=moment,
        order=order,
        source=InvitationSource.TRIGGER,
        trigger_rule=rule,
        trigger_firing=firing,
    )
    message = sent.message
    if message is not None and message.status == MessageStatus.REFUSED:
        return FiringOutcome.REFUSED, message.status_reason
    if message is not None and message.status == MessageStatus.FAILED:
        return FiringOutcome.FAILED, message.status_reason
    return FiringOutcome.DONE, _("Survey “%(survey)s” sent (invitation #%(id)s).") % {
        "survey": survey.name,
        "id": sent.invitation.pk,
    }


action_provider_register(
    TriggerAction.SURVEY, ActionProvider(run=act_survey, choices={"survey": _active_surveys})
)


@receiver(post_save, sender=CustomerEvent, dispatch_uid="feedback_survey_from_nps_event")
def nps_event_mirror(
    sender: Any, instance: CustomerEvent, created: bool = False, raw: bool = False, **kwargs: Any
) -> None:
    """An NPS answer from the events API (not from a survey of Relata) becomes a survey
    response with source API, in the same transaction; a failure is logged and never undoes
    the event."""
    if not created or raw or instance.kind != CustomerEventKind.NPS:
        return
    if isinstance(instance.payload, dict) and "survey_response" in instance.payload:
        return
    try:
        with transaction.atomic():
            survey_response_from_event(event=instance)
    except Exception:
        logger.exception("NPS event %s could not be stored as a survey response", instance.pk)
