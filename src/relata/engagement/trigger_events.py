"""The catalogue of trigger events and actions (DOMAIN.md §11): per event its settings, the
scanner that finds who it happens to now, and the key that makes each occurrence fire once.

A scanner yields ``Occurrence(customer_id, event_key, facts)`` from a few SQL statements
(or, for replenishment, one columnar read and NumPy), never a Python loop over the whole
customer base. The ``event_key`` names one occurrence, so the unique (rule, customer,
event_key) of ``TriggerFiring`` lets any number of runs act on it once:

====================  ==========================================================
event                 key
====================  ==========================================================
birthday              ``birthday:2026`` (the year of the birthday)
moved                 ``moved:v12`` (the customer's version after the move)
new_child             ``child:3`` (the number of children reached)
term_ending           ``term:<order line id>``
replenishment         ``replenish:<category id>:<date of the last purchase>``
new_customer          ``welcome`` (once ever)
no_purchase           ``lapse:<date of the customer's last purchase>``
down_migration        ``down:<period end of the score run>``
complaint             ``complaint:<id>``
nps_detractor         ``nps:<customer event id>``
contact_logged        ``contact:<contact moment id>``
order_placed          ``order:<order id>``
in_segment            ``segment`` (once), or ``segment:<date>`` with a repeat interval
calendar              ``date:2026-12-24``, or ``anniversary:2026``
====================  ==========================================================
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.dates import MONTHS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from relata.contacts.models import Channel, ComplaintCause, TaskKind, TaskPriority, Touchpoint
from relata.customers.models import ConsentPurpose, Customer
from relata.engagement.models import TriggerAction, TriggerEvent
from relata.engagement.trigger_params import Check, Param, params_clean
from relata.engagement.trigger_registry import ProvidedChoices
from relata.engagement.trigger_scanners import (
    Occurrence,
    ScanContext,
    Scanner,
    check_calendar,
    choice_label,
    contact_occurrence,
    match_contact,
    match_order,
    order_occurrence,
    scan_birthday,
    scan_calendar,
    scan_complaint,
    scan_down_migration,
    scan_in_segment,
    scan_new_customer,
    scan_no_purchase,
    scan_nps_detractor,
    scan_replenishment,
    scan_term_ending,
)
from relata.sales.models import OrderStatus, SalesChannel

# Whether an occurrence seen as it happened concerns a rule, given the rule's settings (the
# touchpoint of a contact moment, the status of an order).
Match = Callable[[dict[str, Any], Mapping[str, Any]], bool]


@dataclass(frozen=True)
class EventDefinition:
    event: str
    group: StrOrPromise
    description: StrOrPromise
    params: tuple[Param, ...] = ()
    scan: Scanner | None = None
    immediate: bool = False
    needs_segment: bool = False
    check: Check | None = None
    match: Match | None = None

    @property
    def label(self) -> str:
        return str(TriggerEvent(self.event).label)

    @property
    def scheduled(self) -> bool:
        """Found by ``relata run-triggers`` (False: only fires when it happens)."""
        return self.scan is not None

    def clean(self, raw: Mapping[str, Any] | None, *, strict: bool = True) -> dict[str, Any]:
        return params_clean(self.params, raw, strict=strict, check=self.check)


@dataclass(frozen=True)
class ActionDefinition:
    action: str
    description: StrOrPromise
    params: tuple[Param, ...] = ()
    needs_campaign: bool = False
    needs_template: bool = False

    def clean(self, raw: Mapping[str, Any] | None, *, strict: bool = True) -> dict[str, Any]:
        return params_clean(self.params, raw, strict=strict)


# --- The catalogue -------------------------------------------------------------------------

PERSONAL = gettext_lazy("Personal situation")
LIFE_CYCLE = gettext_lazy("Product life cycle")
BEHAVIOUR = gettext_lazy("Behaviour")
CALENDAR = gettext_lazy("Calendar")


def _days(
    name: str,
    label: StrOrPromise,
    default: int | None,
    *,
    low: int = 0,
    high: int = 3650,
    help_text: StrOrPromise = "",
) -> Param:
    return Param(
        name, label, "int", default=default, min_value=low, max_value=high, help_text=help_text
    )


MONTH_CHOICES = tuple(MONTHS.items())

EVENTS: dict[str, EventDefinition] = {
    definition.event: definition
    for definition in (
        EventDefinition(
            TriggerEvent.BIRTHDAY,
            PERSONAL,
            gettext_lazy("The customer's birthday (from the birth date in the profile)."),
            (
                _days(
                    "days_before",
                    gettext_lazy("Days before the birthday"),
                    0,
                    high=90,
                    help_text=gettext_lazy("0: on the day itself."),
                ),
            ),
            scan=scan_birthday,
        ),
        EventDefinition(
            TriggerEvent.MOVED,
            PERSONAL,
            gettext_lazy("Street, house number, postcode or city changed. Fires at once."),
            immediate=True,
        ),
        EventDefinition(
            TriggerEvent.NEW_CHILD,
            PERSONAL,
            gettext_lazy("The number of children in the profile went up. Fires at once."),
            immediate=True,
        ),
        EventDefinition(
            TriggerEvent.TERM_ENDING,
            LIFE_CYCLE,
            gettext_lazy("A purchased product's contract or warranty term (product setting) ends."),
            (
                _days("days_before", gettext_lazy("Days before the end"), 30, high=365),
                Param(
                    "skip_if_renewed",
                    gettext_lazy("Skip when renewed"),
                    "bool",
                    default=True,
                    help_text=gettext_lazy(
                        "Not when the customer bought a product with a "
                        "term in the same category since."
                    ),
                ),
            ),
            scan=scan_term_ending,
        ),
        EventDefinition(
            TriggerEvent.REPLENISHMENT_DUE,
            LIFE_CYCLE,
            gettext_lazy(
                "The last purchase in a consumable category plus the customer's usual "
                "interval (else the category's) has passed."
            ),
            (
                _days(
                    "grace_days",
                    gettext_lazy("Grace days"),
                    0,
                    high=365,
                    help_text=gettext_lazy("Wait this many days after the due date."),
                ),
                _days(
                    "window_days",
                    gettext_lazy("At most days overdue"),
                    30,
                    low=1,
                    high=365,
                    help_text=gettext_lazy("Later than this it is a lapse, not a replenishment."),
                ),
                _days(
                    "history_days", gettext_lazy("Purchase history (days)"), 365, low=30, high=3650
                ),
            ),
            scan=scan_replenishment,
        ),
        EventDefinition(
            TriggerEvent.NEW_CUSTOMER,
            BEHAVIOUR,
            gettext_lazy(
                "First purchase (once per customer). Fires at once on the order, and "
                "the scheduled run catches imported orders."
            ),
            (_days("within_days", gettext_lazy("First purchase within the last days"), 30, low=1),),
            scan=scan_new_customer,
            immediate=True,
        ),
        EventDefinition(
            TriggerEvent.NO_PURCHASE,
            BEHAVIOUR,
            gettext_lazy("No purchase for N days (once per lapse: a new order starts over)."),
            (
                _days("days", gettext_lazy("Days without purchase"), 90, low=1),
                _days(
                    "max_days",
                    gettext_lazy("But at most days"),
                    None,
                    low=1,
                    help_text=gettext_lazy("Empty: however long ago."),
                ),
            ),
            scan=scan_no_purchase,
            check=lambda p: (
                {"max_days": _("Must be more than the days without purchase.")}
                if p["max_days"] is not None and p["max_days"] <= p["days"]
                else {}
            ),
        ),
        EventDefinition(
            TriggerEvent.DOWN_MIGRATION,
            BEHAVIOUR,
            gettext_lazy("The latest score run moved the customer down a tier."),
            (
                _days(
                    "repeat_after_days", gettext_lazy("Not again within days"), 90, low=1, high=3650
                ),
            ),
            scan=scan_down_migration,
        ),
        EventDefinition(
            TriggerEvent.COMPLAINT,
            BEHAVIOUR,
            gettext_lazy("A complaint was filed. Fires at once."),
            (
                Param(
                    "cause",
                    gettext_lazy("Cause"),
                    "choice",
                    choices=tuple(ComplaintCause.choices),
                    help_text=gettext_lazy("Empty: any cause."),
                ),
                _days(
                    "within_days", gettext_lazy("Received within the last days"), 7, low=1, high=365
                ),
            ),
            scan=scan_complaint,
            immediate=True,
        ),
        EventDefinition(
            TriggerEvent.NPS_DETRACTOR,
            BEHAVIOUR,
            gettext_lazy(
                "An NPS answer of 0–6 came in (a survey link or the events API). Fires at once."
            ),
            (
                _days("max_score", gettext_lazy("Score at most"), 6, high=10),
                _days(
                    "within_days", gettext_lazy("Answered within the last days"), 7, low=1, high=365
                ),
            ),
            scan=scan_nps_detractor,
            immediate=True,
        ),
        EventDefinition(
            TriggerEvent.CONTACT_LOGGED,
            BEHAVIOUR,
            gettext_lazy(
                "A contact moment was logged (in the customer file, through the API or with a "
                "complaint). Fires at once, once per contact moment; imported history does not "
                "fire."
            ),
            (
                Param(
                    "touchpoint",
                    gettext_lazy("Touchpoint"),
                    "choice",
                    choices=tuple(Touchpoint.choices),
                    help_text=gettext_lazy("Empty: any touchpoint."),
                ),
                Param(
                    "channel",
                    gettext_lazy("Channel"),
                    "choice",
                    choices=tuple(Channel.choices),
                    help_text=gettext_lazy("Empty: any channel."),
                ),
            ),
            immediate=True,
            match=match_contact,
        ),
        EventDefinition(
            TriggerEvent.ORDER_PLACED,
            BEHAVIOUR,
            gettext_lazy(
                "An order was placed — or, with a status chosen, saved with that status (say "
                "delivered). Fires at once, once per order; imported orders do not fire."
            ),
            (
                Param(
                    "status",
                    gettext_lazy("When saved as"),
                    "choice",
                    choices=tuple(
                        (value, label)
                        for value, label in OrderStatus.choices
                        if value != OrderStatus.CANCELLED
                    ),
                    help_text=gettext_lazy("Empty: when the order is placed."),
                ),
                Param(
                    "channel",
                    gettext_lazy("Sales channel"),
                    "choice",
                    choices=tuple(SalesChannel.choices),
                    help_text=gettext_lazy("Empty: any channel."),
                ),
            ),
            immediate=True,
            match=match_order,
        ),
        EventDefinition(
            TriggerEvent.IN_SEGMENT,
            BEHAVIOUR,
            gettext_lazy("Every customer in the rule's segment (choose one)."),
            (
                _days(
                    "repeat_after_days",
                    gettext_lazy("Again after days"),
                    0,
                    help_text=gettext_lazy("0: once per customer, ever."),
                ),
            ),
            scan=scan_in_segment,
            needs_segment=True,
        ),
        EventDefinition(
            TriggerEvent.CALENDAR_DATE,
            CALENDAR,
            gettext_lazy(
                "A date every year (month and day), a fixed date, or the anniversary "
                "of the customer's first purchase."
            ),
            (
                Param("month", gettext_lazy("Month"), "choice", choices=MONTH_CHOICES),
                _days("day", gettext_lazy("Day"), None, low=1, high=31),
                Param("date", gettext_lazy("Or a fixed date"), "date"),
                Param(
                    "anniversary",
                    gettext_lazy("Anniversary of the first purchase"),
                    "bool",
                    default=False,
                ),
                _days("days_before", gettext_lazy("Days before"), 0, high=90),
            ),
            scan=scan_calendar,
            check=check_calendar,
        ),
    )
}

SEND_TO = (
    ("route", gettext_lazy("Route by the task rules")),
    ("owner", gettext_lazy("The account owner")),
    ("sales", gettext_lazy("Sales queue")),
    ("back_office", gettext_lazy("Back-office queue")),
)

ACTIONS: dict[str, ActionDefinition] = {
    definition.action: definition
    for definition in (
        ActionDefinition(
            TriggerAction.TASK,
            gettext_lazy("A task, routed like any other (or to the place chosen)."),
            (
                Param(
                    "title",
                    gettext_lazy("Task title"),
                    "text",
                    help_text=gettext_lazy("Empty: the rule's name."),
                ),
                Param(
                    "kind",
                    gettext_lazy("Task kind"),
                    "choice",
                    default=TaskKind.FOLLOW_UP,
                    choices=tuple(TaskKind.choices),
                ),
                Param(
                    "priority",
                    gettext_lazy("Priority"),
                    "choice",
                    default=int(TaskPriority.NORMAL),
                    choices=tuple(TaskPriority.choices),
                ),
                _days("due_days", gettext_lazy("Due in days"), 3, high=365),
                Param(
                    "send_to", gettext_lazy("Send to"), "choice", default="route", choices=SEND_TO
                ),
            ),
        ),
        ActionDefinition(
            TriggerAction.CAMPAIGN,
            gettext_lazy("Enrol in a running campaign, which sends its message (consent checked)."),
            needs_campaign=True,
        ),
        ActionDefinition(
            TriggerAction.MESSAGE,
            gettext_lazy(
                "A message from a template to the outbox; refused without an opt-in "
                "for its channel."
            ),
            (
                Param(
                    "purpose",
                    gettext_lazy("Consent purpose"),
                    "choice",
                    default=ConsentPurpose.MARKETING,
                    choices=tuple(ConsentPurpose.choices),
                ),
                Param(
                    "offer",
                    gettext_lazy("Offer text"),
                    "text",
                    max_length=300,
                    help_text=gettext_lazy("Fills the {{ offer }} merge field."),
                ),
            ),
            needs_template=True,
        ),
        ActionDefinition(
            TriggerAction.SURVEY,
            gettext_lazy(
                "An e-mail with a personal survey link, about the contact moment or order that "
                "fired the rule; refused without an e-mail opt-in for surveys."
            ),
            (
                Param(
                    "survey",
                    gettext_lazy("Survey"),
                    "choice",
                    required=True,
                    choices=ProvidedChoices(TriggerAction.SURVEY, "survey"),
                    help_text=gettext_lazy("An active survey."),
                ),
                _days(
                    "quiet_days",
                    gettext_lazy("Not again within days"),
                    30,
                    high=365,
                    help_text=gettext_lazy(
                        "Skip a customer invited to this survey in the last days (0: every time)."
                    ),
                ),
            ),
        ),
        ActionDefinition(
            TriggerAction.NOTICE,
            gettext_lazy("A notification to the customer's account owner."),
            (
                Param(
                    "text",
                    gettext_lazy("Notice text"),
                    "text",
                    help_text=gettext_lazy("Empty: the rule's name."),
                ),
            ),
        ),
    )
}


# --- Facts in words ------------------------------------------------------------------------


def occurrence_text(event: str, facts: Mapping[str, Any]) -> str:
    """One line saying what happened, in the active language (for tasks and notices)."""
    f = facts
    if event == TriggerEvent.BIRTHDAY:
        return _("Birthday on %(date)s (turns %(age)s).") % {
            "date": f.get("birthday"),
            "age": f.get("age"),
        }
    if event == TriggerEvent.MOVED:
        return _("Moved to %(address)s.") % {"address": f.get("address", "")}
    if event == TriggerEvent.NEW_CHILD:
        return _("Children: %(old)s → %(new)s.") % {"old": f.get("old"), "new": f.get("new")}
    if event == TriggerEvent.TERM_ENDING:
        return _("The term of %(product)s (order %(order)s) ends on %(date)s.") % {
            "product": f.get("product"),
            "order": f.get("order"),
            "date": f.get("ends_on"),
        }
    if event == TriggerEvent.REPLENISHMENT_DUE:
        return _(
            "%(category)s last bought on %(last)s; usually every %(days)s days, so due on %(due)s."
        ) % {
            "category": f.get("category"),
            "last": f.get("last_purchase"),
            "days": f.get("interval_days"),
            "due": f.get("due_on"),
        }
    if event == TriggerEvent.NEW_CUSTOMER:
        return _("First purchase on %(date)s.") % {"date": f.get("first_purchase")}
    if event == TriggerEvent.NO_PURCHASE:
        return _("No purchase for %(days)s days (last on %(date)s).") % {
            "days": f.get("days"),
            "date": f.get("last_purchase"),
        }
    if event == TriggerEvent.DOWN_MIGRATION:
        return _("Moved down a tier in the score run of %(date)s.") % {"date": f.get("period_end")}
    if event == TriggerEvent.COMPLAINT:
        return _("Complaint: %(subject)s") % {"subject": f.get("subject", "")}
    if event == TriggerEvent.NPS_DETRACTOR:
        return _("NPS answer %(score)s.") % {"score": f.get("score")}
    if event == TriggerEvent.CONTACT_LOGGED:
        return _("Contact moment “%(subject)s” (%(touchpoint)s, %(channel)s).") % {
            "subject": f.get("subject", ""),
            "touchpoint": choice_label(Touchpoint, f.get("touchpoint")),
            "channel": choice_label(Channel, f.get("channel")),
        }
    if event == TriggerEvent.ORDER_PLACED:
        return _("Order %(number)s (%(status)s).") % {
            "number": f.get("order_number", ""),
            "status": choice_label(OrderStatus, f.get("status")),
        }
    if event == TriggerEvent.CALENDAR_DATE:
        if f.get("years"):
            return _("%(years)s years since the first purchase (%(date)s).") % {
                "years": f.get("years"),
                "date": f.get("date"),
            }
        return _("Calendar date %(date)s.") % {"date": f.get("date")}
    return str(TriggerEvent(event).label) if event in TriggerEvent.values else event


def _moved_facts(customer: Customer) -> dict[str, Any]:
    street = f"{customer.street} {customer.house_number}".strip()
    return {"address": ", ".join(p for p in (street, customer.postcode, customer.city) if p)}


ADDRESS_FIELDS = ("street", "house_number", "postcode", "city")


def changed_occurrences(
    customer: Customer, changes: Mapping[str, tuple[Any, Any]]
) -> dict[str, list[Occurrence]]:
    """The personal-situation events in one saved change of the customer file: moved house
    (an address field changed) and a new child (the known number of children went up; a
    number filled in for the first time is not a birth)."""
    found: dict[str, list[Occurrence]] = {}
    if any(name in changes for name in ADDRESS_FIELDS):
        found[TriggerEvent.MOVED] = [
            Occurrence(customer.pk, f"moved:v{customer.version}", _moved_facts(customer))
        ]
    old, new = changes.get("children", (None, None))
    if old is not None and new is not None and new > old:
        found[TriggerEvent.NEW_CHILD] = [
            Occurrence(customer.pk, f"child:{new}", {"old": old, "new": new})
        ]
    return found


__all__ = [
    "ACTIONS",
    "EVENTS",
    "ActionDefinition",
    "EventDefinition",
    "Occurrence",
    "ScanContext",
    "changed_occurrences",
    "contact_occurrence",
    "occurrence_text",
    "order_occurrence",
]
