"""Merging two customer records into one, keeping all history.

Every row that points at the merged customer moves to the kept one — found by introspecting
the models, so a model added later with a foreign key to Customer moves too without a change
here. Score snapshots and next best offers are the exception: they are derived, so the merged
customer's are deleted and the next ``relata score`` / ``relata offers`` computes the kept
customer's from the combined orders. Models that allow one row per customer resolve their
clashes first (``customers_merging``, e.g. engagement's loyalty membership). Consents move
with their original times, so the matrix in force is the newest decision per channel ×
purpose of either customer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.audit.capture import capture_suppressed, record_merge, snapshot
from relata.concurrency import StaleEditError
from relata.customers.models import Customer
from relata.customers.services import PROFILE_FIELDS, customer_save
from relata.customers.signals import customers_merging

KEEP, MERGE = "keep", "merge"
# The fields a user chooses between when the two differ; the rest belong to the kept record.
MERGE_FIELDS = (
    "kind",
    "first_name",
    "name_prefix",
    "last_name",
    "organisation_name",
    "email",
    "phone",
    "street",
    "house_number",
    "postcode",
    "city",
    "country",
    "birth_date",
    "gender",
    "occupation",
    "education",
    "household_size",
    "children",
    "income_band",
    "interests",
    "sector",
    "company_size",
    "account_owner",
    "acquisition_source",
    "acquisition_cost",
)
# Relations whose rows are deleted with the merged customer instead of moved: derived data.
DELETED_RELATIONS = frozenset(
    {("scoring.customersnapshot", "customer"), ("engagement.customeroffer", "customer")}
)


@dataclass(frozen=True)
class CustomerRelation:
    """One foreign key (or one-to-one) from some model to Customer."""

    model: type[models.Model]
    field_name: str

    @property
    def label(self) -> str:
        return f"{self.model._meta.label_lower}.{self.field_name}"

    @property
    def deleted(self) -> bool:
        return (self.model._meta.label_lower, self.field_name) in DELETED_RELATIONS

    @property
    def verbose_name_plural(self) -> str:
        return str(self.model._meta.verbose_name_plural)

    def rows(self, customer: Customer) -> models.QuerySet[Any]:
        return self.model._default_manager.filter(**{self.field_name: customer.pk})


def customer_relations() -> list[CustomerRelation]:
    """Every foreign key to Customer in the installed models (many-to-many through tables
    included, as they are models with foreign keys too)."""
    relations = []
    for model in apps.get_models(include_auto_created=True):
        for model_field in model._meta.get_fields(include_hidden=True):
            if (
                isinstance(model_field, models.ForeignKey)
                and model_field.remote_field.model is Customer
                and model is not Customer
            ):
                relations.append(CustomerRelation(model, model_field.name))
    return sorted(relations, key=lambda relation: relation.label)


@dataclass(frozen=True)
class FieldChoice:
    name: str
    label: str
    keep_value: str  # as shown
    merge_value: str
    default: str  # KEEP or MERGE


@dataclass(frozen=True)
class RelationCount:
    relation: CustomerRelation
    count: int


@dataclass(frozen=True)
class MergePreview:
    keep: Customer
    merge: Customer
    fields: list[FieldChoice]
    moves: list[RelationCount]
    deletes: list[RelationCount]


def _empty(value: Any) -> bool:
    return value in (None, "")


def _field_label(name: str) -> str:
    return str(Customer._meta.get_field(name).verbose_name)  # type: ignore[union-attr]


def _shown(customer: Customer, name: str) -> str:
    if getattr(Customer._meta.get_field(name), "choices", None):
        return str(getattr(customer, f"get_{name}_display")())
    value = getattr(customer, name)
    if hasattr(value, "get_full_name"):  # a user (the account owner): by name, as elsewhere
        return str(value.get_full_name() or value.get_username())
    return "" if value is None else str(value)


def merge_preview(*, keep: Customer, merge: Customer) -> MergePreview:
    """What a merge would do: the differing fields with the value it would keep by default
    (the kept customer's, unless empty), and the rows that would move or be deleted."""
    if keep.pk == merge.pk:
        raise ValidationError(_("A customer cannot be merged with itself."))
    fields = []
    for name in MERGE_FIELDS:
        keep_value = getattr(keep, name)
        merge_value = getattr(merge, name)
        if keep_value == merge_value or _empty(merge_value):
            continue
        default = MERGE if _empty(keep_value) else KEEP
        fields.append(
            FieldChoice(name, _field_label(name), _shown(keep, name), _shown(merge, name), default)
        )
    moves: list[RelationCount] = []
    deletes: list[RelationCount] = []
    for relation in customer_relations():
        count = relation.rows(merge).count()
        if count:
            (deletes if relation.deleted else moves).append(RelationCount(relation, count))
    return MergePreview(keep=keep, merge=merge, fields=fields, moves=moves, deletes=deletes)


def _move_notifications(*, keep: Customer, merge: Customer) -> int:
    """In-app notifications name customers in their parameters and link; point them at the
    kept customer so old links keep working."""
    notification_model = apps.get_model("contacts", "Notification")
    old_url = reverse("customers:detail", kwargs={"pk": merge.pk})
    new_url = reverse("customers:detail", kwargs={"pk": keep.pk})
    changed = 0
    candidates = notification_model._default_manager.filter(
        models.Q(params__customer_id=merge.pk) | models.Q(url__startswith=old_url)
    )
    for notification in candidates:
        params = dict(notification.params or {})
        if params.get("customer_id") == merge.pk:
            params["customer_id"] = keep.pk
            if "customer_number" in params:
                params["customer_number"] = keep.customer_number
        notification.params = params
        if notification.url.startswith(old_url):
            notification.url = new_url + notification.url[len(old_url) :]
        notification.save(update_fields=["params", "url"])
        changed += 1
    return changed


def _merge_note(*, merge: Customer, user: AbstractBaseUser | None) -> str:
    details = ", ".join(part for part in (merge.display_name, merge.email, merge.phone) if part)
    # The note is part of the record, written in the installation's language once.
    note = _("Merged from %(number)s (%(details)s) on %(when)s") % {
        "number": merge.customer_number,
        "details": details,
        "when": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    }
    if user is not None:
        note += _(" by %(user)s") % {"user": user.get_username()}
    if merge.notes.strip():
        note += ":\n" + merge.notes.strip()
    return note + "."


@dataclass(frozen=True)
class MergeResult:
    keep: Customer
    merged_number: str
    moved: dict[str, int]
    deleted: dict[str, int]


def customers_merge(
    *,
    keep: Customer,
    merge: Customer,
    field_choices: Mapping[str, str],
    user: AbstractBaseUser | None,
    keep_version: int | None = None,
    merge_version: int | None = None,
) -> MergeResult:
    """Merge ``merge`` into ``keep`` in one transaction and delete ``merge``.

    ``field_choices`` maps a field name to KEEP or MERGE (whose value the merged record
    gets); a field without a choice keeps the kept customer's value, or takes the merged
    customer's when the kept one's is empty. ``keep_version`` and ``merge_version`` are the
    versions the user saw in the preview: if either customer changed since, the merge is
    refused with ``StaleEditError``.
    """
    if keep.pk == merge.pk:
        raise ValidationError(_("A customer cannot be merged with itself."))
    unknown = set(field_choices) - set(MERGE_FIELDS)
    bad_values = {value for value in field_choices.values() if value not in (KEEP, MERGE)}
    if unknown or bad_values:
        raise ValidationError(
            _("Unknown field choices: %(names)s.")
            % {"names": ", ".join(sorted(unknown | bad_values))}
        )
    moved: dict[str, int] = {}
    deleted: dict[str, int] = {}
    # One audit entry for the whole merge, not one per moved or deleted row (decision 0970).
    with transaction.atomic(), capture_suppressed():
        # Lock both rows in a fixed order and check, before moving anything, that nobody
        # saved either since the preview; the kept one's version is claimed when it is saved.
        locked = dict(
            Customer.objects.select_for_update()
            .filter(pk__in=[keep.pk, merge.pk])
            .order_by("pk")
            .values_list("pk", "version")
        )
        for customer, seen in ((keep, keep_version), (merge, merge_version)):
            expected = customer.version if seen is None else seen
            if locked.get(customer.pk) != expected:
                raise StaleEditError(customer, current_version=locked.get(customer.pk))
        audit_before = snapshot(keep)
        profile_changed = False
        for name in MERGE_FIELDS:
            keep_value = getattr(keep, name)
            merge_value = getattr(merge, name)
            choice = field_choices.get(name, MERGE if _empty(keep_value) else KEEP)
            if choice == MERGE and keep_value != merge_value:
                setattr(keep, name, merge_value)
                profile_changed = profile_changed or name in PROFILE_FIELDS
        keep.created_at = min(keep.created_at, merge.created_at)
        note = _merge_note(merge=merge, user=user)
        keep.notes = f"{keep.notes.rstrip()}\n\n{note}".strip()
        customers_merging.send(sender=Customer, keep=keep, merge=merge)
        for relation in customer_relations():
            rows = relation.rows(merge)
            label = relation.verbose_name_plural
            if relation.deleted:
                count, _by_model = rows.delete()
                if count:
                    deleted[label] = deleted.get(label, 0) + count
            else:
                count = rows.update(**{relation.field_name: keep.pk})
                if count:
                    moved[label] = moved.get(label, 0) + count
        notifications = _move_notifications(keep=keep, merge=merge)
        if notifications:
            label = str(apps.get_model("contacts", "Notification")._meta.verbose_name_plural)
            moved[label] = notifications
        merged_number = merge.customer_number
        # The merged customer's unique values (e-mail is not unique, the number is) must be
        # gone before the kept one is validated.
        Customer.objects.filter(pk=merge.pk).delete()
        customer_save(customer=keep, profile_changed=profile_changed, expected_version=keep_version)
        record_merge(
            keep=keep,
            merged_id=merge.pk,
            merged_number=merged_number,
            before=audit_before,
            moved=moved,
            deleted=deleted,
        )
    return MergeResult(keep=keep, merged_number=merged_number, moved=moved, deleted=deleted)
