"""Writes of event-driven marketing (DOMAIN.md §11): running the trigger rules on a schedule
and at once when something happens, firing each occurrence once, the action it takes, and
changes to the rules.

How one occurrence fires once, however many runs there are and however they overlap:
the scanner's occurrences are first checked against the firings already stored (a chunk of
customers at a time, on the unique index); the new ones are then *claimed* by inserting
their ``TriggerFiring`` rows with ``ON CONFLICT DO NOTHING`` (``bulk_create(ignore_conflicts)``)
marked with this run's token; only the rows that carry the token were claimed by this run,
and only those are acted on. Actions run in transactions of ``ACT_BATCH``, each in its own
savepoint together with its recorded outcome: one failing action is recorded as failed
and the run goes on.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.contacts.models import NotificationKind, Team
from relata.contacts.notification_services import notification_send
from relata.contacts.routing import user_name
from relata.contacts.task_services import task_create
from relata.customers.models import Customer
from relata.engagement.merge_fields import (
    customer_merge_values,
    merge_field_names,
    merge_render,
)
from relata.engagement.message_services import message_queue
from relata.engagement.models import (
    CampaignStatus,
    ContactGroup,
    CustomerEvent,
    CustomerEventKind,
    FiringOutcome,
    MessageStatus,
    TriggerAction,
    TriggerFiring,
    TriggerRule,
)
from relata.engagement.segment_selectors import segment_contains, segment_customers
from relata.engagement.trigger_events import (
    ACTIONS,
    EVENTS,
    Occurrence,
    ScanContext,
    occurrence_text,
)
from relata.engagement.trigger_params import params_stored
from relata.engagement.trigger_registry import ACTION_PROVIDERS

logger = logging.getLogger(__name__)

Actor = User | AnonymousUser | None
# Occurrences checked per round trip, and customer ids per IN list on SQLite.
CHUNK = 10_000
SQLITE_IDS = 2_000
# Actions per transaction.
ACT_BATCH = 200


@dataclass
class RuleResult:
    """What one rule did in a run (or would do, in a dry run)."""

    rule_id: int
    name: str
    event: str
    action: str
    scheduled: bool = True
    matched: int = 0
    fired: int = 0
    done: int = 0
    refused: int = 0
    skipped: int = 0
    failed: int = 0
    error: str = ""
    sample: list[Occurrence] = field(default_factory=list)

    def count(self, outcome: str) -> None:
        setattr(self, str(outcome), getattr(self, str(outcome)) + 1)


@dataclass
class RunSummary:
    now: datetime
    dry_run: bool
    rules: list[RuleResult] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(int(getattr(result, name)) for result in self.rules)


def _chunks(items: Iterable[Occurrence], size: int) -> Iterator[list[Occurrence]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


# PostgreSQL: the fired occurrences of a chunk in one statement with the customer ids as
# one array parameter; an IN list of thousands of placeholders cost more to build and parse
# in the client than the look-up cost the server (1M occurrences: 34 s → a few seconds).
_FIRED_TABLE = TriggerFiring._meta.db_table
_FIRED_SQL = (
    f"SELECT customer_id, event_key FROM {_FIRED_TABLE} "  # noqa: S608 - the model's table
    "WHERE rule_id = %s AND customer_id = ANY(CAST(%s AS bigint[]))"
)


def _fired_pairs(rule: TriggerRule, customer_ids: list[int]) -> set[tuple[int, str]]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # The ids as one array literal: psycopg adapts a list element by element.
            array = "{" + ",".join(map(str, customer_ids)) + "}"
            cursor.execute(_FIRED_SQL, [rule.pk, array])
            return {(int(customer), str(key)) for customer, key in cursor.fetchall()}
    pairs: set[tuple[int, str]] = set()
    for start in range(0, len(customer_ids), SQLITE_IDS):
        stored = TriggerFiring.objects.filter(
            rule=rule, customer_id__in=customer_ids[start : start + SQLITE_IDS]
        )
        pairs.update(stored.values_list("customer_id", "event_key"))
    return pairs


def _unfired(rule: TriggerRule, occurrences: Sequence[Occurrence]) -> list[Occurrence]:
    """The occurrences that have not fired for the rule yet (duplicates dropped)."""
    unique = {(o.customer_id, o.event_key): o for o in occurrences}
    if not unique:
        return []
    fired = _fired_pairs(rule, sorted({customer for customer, _key in unique}))
    return [o for pair, o in unique.items() if pair not in fired]


# --- Actions -------------------------------------------------------------------------------


def _event_label(event: str) -> str:
    definition = EVENTS.get(event)
    return definition.label if definition else event


def _described(rule: TriggerRule, occurrence: Occurrence) -> str:
    return _("Made by the trigger rule “%(rule)s” (#%(id)s, %(event)s): %(what)s") % {
        "rule": rule.name,
        "id": rule.pk,
        "event": _event_label(rule.event),
        "what": occurrence_text(rule.event, occurrence.facts),
    }


def _act_task(
    rule: TriggerRule, firing: TriggerFiring, customer: Customer, occurrence: Occurrence
) -> tuple[str, str]:
    params = ACTIONS[TriggerAction.TASK].clean(rule.action_params, strict=False)
    placement: dict[str, Any] = {}
    owner = customer.account_owner
    if params["send_to"] == "owner" and owner is not None and owner.is_active:
        placement["assignee"] = owner
    elif params["send_to"] in (Team.SALES, Team.BACK_OFFICE):
        placement["team"] = params["send_to"]
    task = task_create(
        customer=customer,
        title=(params["title"] or rule.name)[:200],
        actor=None,
        kind=params["kind"],
        priority=int(params["priority"]),
        due_date=timezone.localdate(firing.fired_at) + timedelta(days=params["due_days"]),
        description=_described(rule, occurrence),
        **placement,
    )
    firing.task = task
    where = user_name(task.assignee) if task.assignee else Team(task.team).label
    return FiringOutcome.DONE, _("Task #%(id)s for %(where)s.") % {"id": task.pk, "where": where}


def _act_campaign(
    rule: TriggerRule, firing: TriggerFiring, customer: Customer, occurrence: Occurrence
) -> tuple[str, str]:
    from relata.engagement.campaign_services import campaign_enrol

    campaign = rule.campaign
    if campaign is None:
        return FiringOutcome.SKIPPED, _("The rule has no campaign.")
    contact = campaign_enrol(campaign=campaign, customer=customer, trigger_firing=firing)
    names = {"campaign": campaign.name}
    if contact is None:
        return FiringOutcome.SKIPPED, _(
            "Not enrolled in “%(campaign)s”: it is not running, has ended or has no template, "
            "or the customer is in it already."
        ) % names
    if contact.group == ContactGroup.CONTROL:
        return FiringOutcome.DONE, _("In the control group of “%(campaign)s”.") % names
    if contact.refused_reason:
        message = contact.messages.order_by("-id").first()
        refused = message is None or message.status == MessageStatus.REFUSED
        outcome = FiringOutcome.REFUSED if refused else FiringOutcome.FAILED
        return outcome, contact.refused_reason
    return FiringOutcome.DONE, _("Enrolled in “%(campaign)s”.") % names


def _act_message(
    rule: TriggerRule, firing: TriggerFiring, customer: Customer, occurrence: Occurrence
) -> tuple[str, str]:
    template = rule.template
    if template is None:
        return FiringOutcome.SKIPPED, _("The rule has no message template.")
    params = ACTIONS[TriggerAction.MESSAGE].clean(rule.action_params, strict=False)
    needed = merge_field_names(template.subject, template.body)
    values = customer_merge_values(customer, needed=needed) | {"offer": params["offer"] or ""}
    message = message_queue(
        customer=customer,
        channel=template.channel,
        purpose=params["purpose"],
        subject=merge_render(template.subject, values),
        body=merge_render(template.body, values),
        template=template,
        trigger_firing=firing,
    )
    if message.status == MessageStatus.REFUSED:
        return FiringOutcome.REFUSED, message.status_reason
    if message.status == MessageStatus.FAILED:
        return FiringOutcome.FAILED, message.status_reason
    status = str(MessageStatus(message.status).label).lower()
    return FiringOutcome.DONE, _("Message #%(id)s %(status)s.") % {
        "id": message.pk,
        "status": status,
    }


def _act_notice(
    rule: TriggerRule, firing: TriggerFiring, customer: Customer, occurrence: Occurrence
) -> tuple[str, str]:
    owner = customer.account_owner
    if owner is None or not owner.is_active:
        return FiringOutcome.SKIPPED, _("The customer has no active account owner.")
    params = ACTIONS[TriggerAction.NOTICE].clean(rule.action_params, strict=False)
    text = params["text"] or rule.name
    notification_send(
        recipient=owner,
        kind=NotificationKind.TRIGGER,
        params={
            "title": f"{text} — {customer.display_name}",
            "text": text,
            "customer": customer.display_name,
            "rule": rule.name,
            "rule_id": rule.pk,
            "firing": firing.pk,
            "event": rule.event,
            "what": occurrence_text(rule.event, occurrence.facts),
        },
        url=reverse("customers:detail", kwargs={"pk": customer.pk}),
    )
    return FiringOutcome.DONE, _("Notice to %(name)s.") % {"name": user_name(owner)}


def _act_registered(
    rule: TriggerRule, firing: TriggerFiring, customer: Customer, occurrence: Occurrence
) -> tuple[str, str]:
    # Carried out by another app (the survey by relata.feedback; see trigger_registry).
    provider = ACTION_PROVIDERS.get(rule.action)
    if provider is None:
        return FiringOutcome.SKIPPED, _("This action is not available in this installation.")
    return provider.run(rule, firing, customer, occurrence)


ACT = {
    TriggerAction.TASK: _act_task,
    TriggerAction.CAMPAIGN: _act_campaign,
    TriggerAction.MESSAGE: _act_message,
    TriggerAction.NOTICE: _act_notice,
    TriggerAction.SURVEY: _act_registered,
}


def _record(firing: TriggerFiring, outcome: str, detail: str) -> str:
    firing.outcome, firing.detail = outcome, detail[:300]
    firing.save(update_fields=["outcome", "detail", "task"])
    return outcome


def _act(
    rule: TriggerRule, firing: TriggerFiring, customer: Customer, occurrence: Occurrence
) -> str:
    """Do the rule's action and record its outcome on the firing, together in one
    savepoint; a failure rolls the action back and is recorded as failed."""
    try:
        with transaction.atomic():
            outcome, detail = ACT[TriggerAction(rule.action)](rule, firing, customer, occurrence)
            return _record(firing, outcome, detail)
    except ValidationError as error:
        message = "; ".join(error.messages)
    except Exception:  # one customer's failure must not stop the run
        # The exception (English, internal) goes to the log; the firing says it in words.
        logger.exception("Trigger rule %s failed for customer %s", rule.pk, customer.pk)
        message = _("The action failed unexpectedly; the details are in the server log.")
    firing.task = None
    return _record(firing, FiringOutcome.FAILED, message)


def _fire(
    rule: TriggerRule, occurrences: Sequence[Occurrence], *, now: datetime, result: RuleResult
) -> list[TriggerFiring]:
    """Claim the occurrences (only those no other run claimed first) and act on them."""
    if not occurrences:
        return []
    token = _("Interrupted before its action ran (run %(run)s).") % {"run": uuid.uuid4().hex[:12]}
    TriggerFiring.objects.bulk_create(
        [
            TriggerFiring(
                rule=rule,
                customer_id=o.customer_id,
                event_key=o.event_key,
                fired_at=now,
                outcome=FiringOutcome.FAILED,
                detail=token,
            )
            for o in occurrences
        ],
        ignore_conflicts=True,
    )
    # The token is new to this call: the rows carrying it are the ones this call inserted
    # (read on the rule's index of firing times).
    claimed = {
        (f.customer_id, f.event_key): f
        for f in TriggerFiring.objects.filter(rule=rule, fired_at=now, detail=token)
    }
    customers = Customer.objects.select_related("account_owner").in_bulk(
        {customer for customer, _key in claimed}
    )
    mine = [
        (claimed[key], customers[key[0]], occurrence)
        for occurrence in occurrences
        if (key := (occurrence.customer_id, occurrence.event_key)) in claimed
        and key[0] in customers
    ]
    # A transaction per batch, a savepoint per action: one commit per firing cost more than
    # the actions. A crash loses at most a batch's records (its firings stay "interrupted",
    # so nothing fires twice).
    for start in range(0, len(mine), ACT_BATCH):
        with transaction.atomic():
            for firing, customer, occurrence in mine[start : start + ACT_BATCH]:
                firing.rule = rule
                result.count(_act(rule, firing, customer, occurrence))
                result.fired += 1
    return [firing for firing, _customer, _occurrence in mine]


# --- Running the rules ---------------------------------------------------------------------


def _result(rule: TriggerRule) -> RuleResult:
    return RuleResult(rule_id=rule.pk, name=rule.name, event=rule.event, action=rule.action)


def _settings_error(error: ValidationError) -> str:
    return _("The rule's settings are invalid: %(errors)s") % {"errors": " ".join(error.messages)}


def _campaign_not_running(rule: TriggerRule) -> str:
    """Why the rule cannot act now, when it enrols in a campaign that is not running: firing
    anyway would use up occurrences that fire only once (a welcome) for nothing."""
    if rule.action != TriggerAction.CAMPAIGN:
        return ""
    campaign = rule.campaign
    if campaign is not None and campaign.status == CampaignStatus.RUNNING:
        return ""
    name = campaign.name if campaign is not None else "—"
    return _("The campaign “%(name)s” is not running; nothing fired. Launch it first.") % {
        "name": name
    }


def _run_rule(rule: TriggerRule, *, now: datetime, dry_run: bool, sample_size: int) -> RuleResult:
    result = _result(rule)
    definition = EVENTS.get(rule.event)
    if definition is None:
        result.error = _("Unknown event “%(event)s”.") % {"event": rule.event}
        return result
    result.scheduled = definition.scheduled
    if not rule.active and not dry_run:
        result.error = _("The rule is inactive.")
        return result
    try:
        params = definition.clean(rule.event_params, strict=False)
        ACTIONS[rule.action].clean(rule.action_params, strict=False)
    except ValidationError as error:
        result.error = _settings_error(error)
        return result
    if definition.scan is None:
        return result
    if not dry_run and (blocked := _campaign_not_running(rule)):
        result.error = blocked
        return result
    if definition.needs_segment and rule.segment is None:
        result.error = _("This event needs a segment.")
        return result
    try:
        customers = segment_customers(rule.segment) if rule.segment is not None else None
    except ValueError as error:  # the segment's rules cannot be evaluated any more
        result.error = str(error)
        return result
    context = ScanContext(
        params=params,
        now=now,
        today=timezone.localdate(now),
        rule_id=rule.pk,
        customers=customers,
    )
    for chunk in _chunks(definition.scan(context), CHUNK):
        result.matched += len(chunk)
        fresh = _unfired(rule, chunk)
        if dry_run:
            result.fired += len(fresh)
            result.sample.extend(fresh[: max(sample_size - len(result.sample), 0)])
            continue
        _fire(rule, fresh, now=now, result=result)
    if not dry_run:
        TriggerRule.objects.filter(pk=rule.pk).update(last_run_at=now)
        rule.last_run_at = now
    return result


def trigger_rules_run(
    *,
    now: datetime | None = None,
    rule: TriggerRule | None = None,
    dry_run: bool = False,
    sample_size: int = 0,
) -> RunSummary:
    """Run every active rule (or only ``rule``): find the occurrences of its event now,
    fire the ones that have not fired, act. ``dry_run`` counts what would fire (and keeps a
    ``sample_size`` sample of it) and writes nothing. Idempotent: a second run at the same
    moment fires nothing."""
    now = now or timezone.now()
    summary = RunSummary(now=now, dry_run=dry_run)
    rules = (
        [rule]
        if rule is not None
        else list(
            TriggerRule.objects.filter(active=True)
            .select_related("segment", "campaign", "template")
            .order_by("name", "pk")
        )
    )
    for each in rules:
        summary.rules.append(_run_rule(each, now=now, dry_run=dry_run, sample_size=sample_size))
    return summary


def trigger_fire_immediate(
    *,
    event: str,
    customer_id: int,
    occurrences: Sequence[Occurrence] | None = None,
    now: datetime | None = None,
) -> list[TriggerFiring]:
    """Fire the active rules of ``event`` for one customer at once (a signal saw it
    happen). ``occurrences`` as seen by the caller; None: the event's scanner looks at this
    one customer. Same idempotent path as the scheduled run; returns the new firings."""
    now = now or timezone.now()
    definition = EVENTS[event]
    fired: list[TriggerFiring] = []
    rules = TriggerRule.objects.filter(active=True, event=event).select_related(
        "segment", "campaign", "template"
    )
    for rule in rules:
        if _campaign_not_running(rule):
            logger.warning("Trigger rule %s waits: its campaign is not running", rule.pk)
            continue
        try:
            if rule.segment is not None and not segment_contains(
                rule.segment, customer_id=customer_id
            ):
                continue
            found = occurrences
            params = definition.clean(rule.event_params, strict=False)
            if found is None:
                if definition.scan is None:
                    continue
                context = ScanContext(
                    params=params,
                    now=now,
                    today=timezone.localdate(now),
                    rule_id=rule.pk,
                    customer_id=customer_id,
                )
                found = list(definition.scan(context))
            elif definition.match is not None:
                found = [o for o in found if definition.match(params, o.facts)]
        except (ValidationError, ValueError):
            logger.warning("Trigger rule %s cannot run; check its settings", rule.pk)
            continue
        mine = [o for o in found if o.customer_id == customer_id]
        fired += _fire(rule, _unfired(rule, mine), now=now, result=_result(rule))
    return fired


# --- Events reported from outside ------------------------------------------------------------


@transaction.atomic
def customer_event_record(
    *,
    customer: Customer,
    kind: str,
    name: str = "",
    score: int | None = None,
    payload: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
    source: str = "",
) -> CustomerEvent:
    """Store an event reported from outside (an NPS answer, a web shop's event). The
    trigger receivers fire the immediate rules when the transaction commits."""
    errors: dict[str, str] = {}
    if kind == CustomerEventKind.NPS and (score is None or not 0 <= score <= 10):
        errors["score"] = _("An NPS answer needs a score from 0 to 10.")
    if kind == CustomerEventKind.EXTERNAL and not name.strip():
        errors["name"] = _("An external event needs a name.")
    if errors:
        raise ValidationError(errors)
    event = CustomerEvent(
        customer=customer,
        kind=kind,
        name=name.strip(),
        score=score,
        payload=payload or {},
        occurred_at=occurred_at or timezone.now(),
        source=source,
    )
    event.full_clean()
    event.save()
    return event


# --- The rules themselves --------------------------------------------------------------------


def trigger_rule_check(rule: TriggerRule) -> None:
    """Raise ``ValidationError`` (keyed by field) unless the rule can run; normalises its
    settings to what is stored."""
    errors: dict[str, list[str]] = {}
    definition = EVENTS.get(rule.event)
    action = ACTIONS.get(rule.action)
    if definition is not None:
        try:
            rule.event_params = params_stored(
                definition.params, definition.clean(rule.event_params)
            )
        except ValidationError as error:
            errors["event_params"] = error.messages
        if definition.needs_segment and rule.segment_id is None:
            errors["segment"] = [_("This event needs a segment: its customers fire.")]
    if action is not None:
        try:
            rule.action_params = params_stored(action.params, action.clean(rule.action_params))
        except ValidationError as error:
            errors["action_params"] = error.messages
        if action.needs_campaign and rule.campaign_id is None:
            errors["campaign"] = [_("Choose the campaign to enrol customers in.")]
        if action.needs_template and rule.template_id is None:
            errors["template"] = [_("Choose the message template.")]
        if not action.needs_campaign:
            rule.campaign = None
        if not action.needs_template:
            rule.template = None
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def trigger_rule_save(*, rule: TriggerRule, actor: Actor = None) -> TriggerRule:
    """Create or change a rule after checking its settings against the catalogue."""
    trigger_rule_check(rule)
    if rule.pk is None and isinstance(actor, User):
        rule.created_by = actor
    rule.full_clean()
    rule.save()
    return rule


@transaction.atomic
def trigger_rule_set_active(*, rule: TriggerRule, active: bool) -> TriggerRule:
    """Switch a rule on or off. Switching on checks it can run."""
    if active:
        trigger_rule_check(rule)
    rule.active = active
    rule.save(update_fields=["active", "updated_at"])
    return rule
