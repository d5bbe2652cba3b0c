"""Everything stored about one customer (GDPR art. 15 and 20): a selector.

The sections are found by walking every foreign key to Customer in the installed models
(``customers.merge.customer_relations``, the walk merging uses), so a model added later with
a customer column is exported without a change here. Rows that only hang off another row
(order lines off orders, stage changes off deals) carry their own ``customer`` column in
Relata (every fact table does, for the scale path), so they are found the same way. The
audit entries about the customer come last.

Two shapes of the same data: ``customer_export_json`` (stable keys, ISO dates, decimals as
strings) and ``customer_export_page`` (translated headings, labels and choice names).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.formats import localize
from django.utils.translation import gettext_lazy as _

from relata.audit.models import AuditEntry
from relata.customers.merge import CustomerRelation, customer_relations
from relata.customers.models import Customer

# Readable, stable section keys of the relations Relata has today; a relation not named here
# is exported under its model label (``app.model`` or ``app.model.field``), never left out.
SECTION_KEYS = {
    "customers.consent.customer": "consents",
    "customers.contactperson.organisation": "contact_persons",
    "sales.order.customer": "orders",
    "sales.orderline.customer": "order_lines",
    "sales.deal.customer": "deals",
    "sales.dealline.customer": "deal_lines",
    "sales.dealstagechange.customer": "deal_stage_changes",
    "contacts.contactmoment.customer": "contact_moments",
    "contacts.complaint.customer": "complaints",
    "contacts.task.customer": "tasks",
    "feedback.surveyinvitation.customer": "survey_invitations",
    "feedback.surveyresponse.customer": "survey_responses",
    "feedback.review.customer": "reviews",
    "feedback.socialprofile.customer": "social_profiles",
    "engagement.loyaltymember.customer": "loyalty_memberships",
    "engagement.pointsentry.customer": "loyalty_points",
    "engagement.referralcode.customer": "referral_codes",
    "engagement.referral.referrer": "referrals_made",
    "engagement.referral.referred": "referrals_received",
    "engagement.campaigncontact.customer": "campaign_contacts",
    "engagement.outboxmessage.customer": "outbox_messages",
    "engagement.customeroffer.customer": "offers",
    "engagement.triggerfiring.customer": "trigger_firings",
    "engagement.customerevent.customer": "customer_events",
    "scoring.customersnapshot.customer": "score_snapshots",
}
AUDIT_SECTION = "audit_entries"
# Headings where the model's own name would be ambiguous (two relations to one model).
SECTION_TITLES = {
    "referrals_made": _("Referrals made (as referrer)"),
    "referrals_received": _("Referral received (as the referred customer)"),
    "consents": _("Consent log (evidence)"),
    AUDIT_SECTION: _("Audit trail"),
}
# Secrets and derived columns that are not data about the person: a personal link's token
# (hash) would let the reader forge answers or clicks; search columns repeat the fields.
EXCLUDED_FIELDS = {
    "customers.customer": frozenset({"search_text", "display_name_sort"}),
    "feedback.surveyinvitation": frozenset({"token_hash"}),
    "engagement.campaigncontact": frozenset({"token"}),
}
# The audit trail's staff-side columns (their address and browser) are the staff's data.
AUDIT_FIELDS = (
    "id",
    "at",
    "actor_name",
    "source",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "changes",
    "context",
)


def section_key(relation: CustomerRelation) -> str:
    return SECTION_KEYS.get(relation.label, relation.label)


def _section_order(relation: CustomerRelation) -> tuple[int, str]:
    """The order of SECTION_KEYS (the consent log first), relations not named there last."""
    order = list(SECTION_KEYS)
    known = relation.label in SECTION_KEYS
    return (order.index(relation.label) if known else len(order), relation.label)


def _fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    excluded = EXCLUDED_FIELDS.get(model._meta.label_lower, frozenset())
    return [field for field in model._meta.concrete_fields if field.name not in excluded]


def json_value(value: Any) -> Any:
    """A field value as JSON: dates ISO 8601, decimals and ids as strings, the rest as is."""
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    return str(value)


def _is_user_key(field: models.Field[Any, Any]) -> bool:
    return field.is_relation and field.related_model is get_user_model()


def _usernames(
    rows: Iterable[models.Model], fields: list[models.Field[Any, Any]]
) -> dict[int, str]:
    ids = {
        getattr(row, field.attname)
        for row in rows
        for field in fields
        if _is_user_key(field) and getattr(row, field.attname) is not None
    }
    users = get_user_model()._default_manager.filter(pk__in=ids)
    return {user.pk: user.get_username() for user in users}


def row_json(
    row: models.Model, fields: list[models.Field[Any, Any]], usernames: dict[int, str]
) -> dict[str, Any]:
    """One row: every column; a reference to a staff member by user name, other references
    by id (``<field>_id``)."""
    data: dict[str, Any] = {}
    for field in fields:
        value = getattr(row, field.attname)
        if _is_user_key(field):
            data[field.name] = usernames.get(value) if value is not None else None
        elif field.is_relation:
            data[field.attname] = value
        else:
            data[field.name] = json_value(value)
    return data


@dataclass(frozen=True)
class ExportSection:
    key: str
    title: str
    fields: list[models.Field[Any, Any]]
    rows: list[models.Model]


def export_sections(customer: Customer) -> list[ExportSection]:
    """Every relation to the customer (in a stable order), then the audit trail about them."""
    sections = []
    for relation in sorted(customer_relations(), key=_section_order):
        rows = list(relation.rows(customer).order_by("pk"))
        key = section_key(relation)
        title = SECTION_TITLES.get(key, relation.model._meta.verbose_name_plural)
        sections.append(ExportSection(key, str(title), _fields(relation.model), rows))
    audit_rows: list[models.Model] = list(
        AuditEntry.objects.filter(customer_id=customer.pk).order_by("at", "pk")
    )
    audit_fields = [
        field for field in AuditEntry._meta.concrete_fields if field.name in AUDIT_FIELDS
    ]
    title = str(SECTION_TITLES[AUDIT_SECTION])
    sections.append(ExportSection(AUDIT_SECTION, title, audit_fields, audit_rows))
    return sections


def customer_export_json(customer: Customer, *, by: Any) -> dict[str, Any]:
    """The whole file as one JSON document:
    ``{"customer": {...}, "sections": {key: [rows]}, "generated_at": …, "generated_by": …}``."""
    customer_fields = _fields(Customer)
    sections = export_sections(customer)
    return {
        "customer": row_json(customer, customer_fields, _usernames([customer], customer_fields)),
        "sections": {section.key: _section_json(section) for section in sections},
        "generated_at": timezone.now().isoformat(),
        "generated_by": by.get_username() if by is not None else None,
    }


def _section_json(section: ExportSection) -> list[dict[str, Any]]:
    usernames = _usernames(section.rows, section.fields)
    return [row_json(row, section.fields, usernames) for row in section.rows]


# --- the readable page ---------------------------------------------------------------------


def display_value(
    row: models.Model, field: models.Field[Any, Any], usernames: dict[int, str]
) -> str:
    """A value as a reader sees it: choice names, localized dates and numbers, user names."""
    value = getattr(row, field.attname)
    if value in (None, ""):
        return ""
    if field.choices:
        return str(getattr(row, f"get_{field.name}_display")())
    if _is_user_key(field):
        return usernames.get(value, f"#{value}")
    if field.is_relation:
        return f"#{value}"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, datetime.datetime):
        return str(localize(timezone.localtime(value)))
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_plain_item(item)}" for key, item in value.items())
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(localize(value))


def _plain_item(item: Any) -> str:
    """A JSON value for readers: a change [old, new] as "old → new", nothing as "—"."""
    if isinstance(item, list) and len(item) == 2:
        return " → ".join(_plain_item(part) for part in item)
    if item in (None, ""):
        return "—"
    return str(item)


@dataclass(frozen=True)
class PageSection:
    key: str
    title: str
    labels: list[str]
    rows: list[list[str]]

    @property
    def count(self) -> int:
        return len(self.rows)


def customer_export_page(customer: Customer) -> tuple[list[tuple[str, str]], list[PageSection]]:
    """The customer's own fields as (label, value) and every section as a table."""
    customer_fields = _fields(Customer)
    owner_names = _usernames([customer], customer_fields)
    own = [
        (str(field.verbose_name), display_value(customer, field, owner_names))
        for field in customer_fields
    ]
    page_sections = []
    for section in export_sections(customer):
        # The customer column repeats the customer on every row; the id is not for readers.
        shown = [
            field
            for field in section.fields
            if field.name != "id" and field.related_model is not Customer
        ]
        usernames = _usernames(section.rows, shown)
        page_sections.append(
            PageSection(
                key=section.key,
                title=section.title,
                labels=[str(field.verbose_name) for field in shown],
                rows=[
                    [display_value(row, field, usernames) for field in shown]
                    for row in section.rows
                ],
            )
        )
    return own, page_sections
