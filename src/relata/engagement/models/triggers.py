"""Event-driven marketing (DOMAIN.md §11): trigger rules, each firing of a rule for a
customer (the record every action points back to), and events reported from outside."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relata.contacts.models import Task
from relata.customers.models import Customer
from relata.engagement.models.campaigns import Campaign
from relata.engagement.models.messages import MessageTemplate
from relata.engagement.models.segments import Segment


class TriggerEvent(models.TextChoices):
    # Personal situation (profile fields)
    BIRTHDAY = "birthday", _("Birthday")
    MOVED = "moved", _("Moved house")
    NEW_CHILD = "new_child", _("New child")
    # Product life cycle
    TERM_ENDING = "term_ending", _("Contract or warranty ends")
    REPLENISHMENT_DUE = "replenishment", _("Replenishment due")
    # Behaviour
    NEW_CUSTOMER = "new_customer", _("New customer (first purchase)")
    NO_PURCHASE = "no_purchase", _("No purchase for N days")
    DOWN_MIGRATION = "down_migration", _("Moved down a tier")
    COMPLAINT = "complaint", _("Complaint filed")
    NPS_DETRACTOR = "nps_detractor", _("NPS detractor (0–6)")
    CONTACT_LOGGED = "contact_logged", _("Contact moment logged")
    ORDER_PLACED = "order_placed", _("Order placed")
    IN_SEGMENT = "in_segment", _("Customer is in a segment")
    # Calendar
    CALENDAR_DATE = "calendar", _("Calendar date")


class TriggerAction(models.TextChoices):
    TASK = "task", _("Create a routed task")
    CAMPAIGN = "campaign", _("Enrol in a campaign")
    MESSAGE = "message", _("Put a message in the outbox")
    NOTICE = "notice", _("Notify the account owner")
    SURVEY = "survey", _("Send a survey")


class TriggerRule(models.Model):
    """When ``event`` happens to a customer (within ``segment`` if one is set), do
    ``action``. ``event_params`` hold the event's settings (days, N, month/day …) and
    ``action_params`` the action's (task kind and title, notice text …); the catalogue of
    both is in ``relata.engagement.trigger_events``."""

    name = models.CharField(_("name"), max_length=160)
    description = models.TextField(_("description"), blank=True)
    event = models.CharField(_("when"), max_length=16, choices=TriggerEvent.choices)
    event_params = models.JSONField(_("event settings"), default=dict, blank=True)
    segment = models.ForeignKey(
        Segment,
        verbose_name=_("only customers in segment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="trigger_rules",
    )
    action = models.CharField(_("then"), max_length=10, choices=TriggerAction.choices)
    action_params = models.JSONField(_("action settings"), default=dict, blank=True)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="trigger_rules",
    )
    template = models.ForeignKey(
        MessageTemplate,
        verbose_name=_("message template"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="trigger_rules",
    )
    active = models.BooleanField(_("active"), default=True)
    playbook = models.CharField(_("playbook"), max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)

    class Meta:
        verbose_name = _("trigger rule")
        verbose_name_plural = _("trigger rules")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class FiringOutcome(models.TextChoices):
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused: no consent")
    SKIPPED = "skipped", _("Skipped")
    FAILED = "failed", _("Failed")


class TriggerFiring(models.Model):
    """A rule fired once for one customer and one occurrence of its event. The unique
    ``event_key`` (``welcome``, ``birthday:2026``, ``order:123`` …) makes running the
    rules again harmless: an occurrence that already fired is never acted on twice."""

    rule = models.ForeignKey(
        TriggerRule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="firings"
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="trigger_firings",
    )
    event_key = models.CharField(_("occurrence"), max_length=80)
    fired_at = models.DateTimeField(_("fired"), default=timezone.now)
    outcome = models.CharField(
        _("outcome"), max_length=8, choices=FiringOutcome.choices, default=FiringOutcome.DONE
    )
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    task = models.ForeignKey(
        Task,
        verbose_name=_("task"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="trigger_firings",
    )

    class Meta:
        verbose_name = _("trigger firing")
        verbose_name_plural = _("trigger firings")
        ordering = ["-fired_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "customer", "event_key"], name="one_firing_per_occurrence"
            )
        ]
        indexes = [
            models.Index(fields=["customer", "-fired_at"], name="firing_customer_idx"),
            models.Index(fields=["rule", "-fired_at"], name="firing_rule_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id}/{self.customer_id}/{self.event_key}"


class CustomerEventKind(models.TextChoices):
    NPS = "nps", _("NPS answer")
    EXTERNAL = "external", _("External event")


class CustomerEvent(models.Model):
    """Something that happened to a customer outside Relata, reported through the API (a
    survey tool's NPS answer, a web shop's event). Triggers on it fire at once."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=CustomerEventKind.choices)
    name = models.CharField(_("name"), max_length=80, blank=True)
    score = models.SmallIntegerField(_("score"), null=True, blank=True)
    payload = models.JSONField(_("details"), default=dict, blank=True)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    source = models.CharField(_("source"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("customer event")
        verbose_name_plural = _("customer events")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["customer", "-occurred_at"], name="event_customer_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.customer_id}"
