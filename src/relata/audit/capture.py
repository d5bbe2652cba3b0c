"""Capturing changes of audited models into the trail, through model signals.

``REGISTRY`` names the audited models — the customer file, consents, deals, users and every
model that is configuration — with their personal fields (values never stored, only the fact
of a change) and the fields that change on their own (``updated_at``, ``version``, derived
search columns) and are ignored. ``connect()`` (called from ``AuditConfig.ready``) hooks the
signals for those models only, so other models pay nothing:

* ``pre_save`` reads the stored row (one SELECT of the tracked columns, only for an update);
* ``post_save`` appends a ``create`` or ``update`` entry with the redacted changes (nothing
  when nothing tracked changed), or a ``consent`` entry for an insert-only consent row;
* ``post_delete`` appends a ``delete`` entry.

Bulk writes (``bulk_create``, ``QuerySet.update``) send no signals: imports and demo data
write in bulk and record one ``import`` entry per batch instead, and scoring writes derived
rows only. Loading fixtures (``raw``) is never captured. ``capture_suppressed()`` pauses
capture for an operation that records one entry of its own (a merge).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.utils import translation
from django.utils.text import capfirst

from relata.audit.models import AuditAction
from relata.audit.services import record, redacted_changes
from relata.customers.services import PERSONAL_FIELDS

# Fields that move on their own with every save or are derived from other fields.
ALWAYS_IGNORED = frozenset(
    {"updated_at", "version", "search_text", "display_name_sort", "profile_updated_at"}
)
# The customer's personal fields, free-text notes included (they can hold anything).
CUSTOMER_PERSONAL = PERSONAL_FIELDS
PERSON_PERSONAL = frozenset({"first_name", "name_prefix", "last_name", "email", "phone"})


@dataclass(frozen=True)
class Audited:
    """How one model is audited."""

    label: str  # "app_label.model"
    personal: frozenset[str] = frozenset()
    ignored: frozenset[str] = frozenset()
    # The attribute holding the customer id: "pk" for the customer itself, None: no customer.
    customer: str | None = None
    # Rows that are only ever inserted: recorded as ``action`` with their fields as details.
    insert_action: str | None = None
    # A field whose value names the object in its label (not personal data), e.g. a number.
    label_field: str | None = None
    # One row per installation: the label is the model's name alone.
    singleton: bool = False


REGISTRY: dict[str, Audited] = {
    spec.label: spec
    for spec in (
        Audited(
            "customers.customer",
            personal=CUSTOMER_PERSONAL,
            customer="pk",
            label_field="customer_number",
        ),
        Audited(
            "customers.contactperson",
            personal=PERSON_PERSONAL,
            customer="organisation_id",
        ),
        # The source is free text ("phone call with …"): masked, while the consent log
        # itself keeps it as the evidence (and the erasure scrubs it there).
        Audited(
            "customers.consent",
            personal=frozenset({"source"}),
            customer="customer_id",
            insert_action=AuditAction.CONSENT,
        ),
        Audited(
            "sales.deal",
            personal=frozenset({"title", "notes", "lost_note"}),
            ignored=frozenset({"stage_changed_at"}),
            customer="customer_id",
        ),
        Audited("sales.dealline", customer="customer_id"),
        # Users and their roles (group membership is captured separately below).
        Audited(
            "auth.user",
            personal=frozenset({"first_name", "last_name", "email", "password"}),
            ignored=frozenset({"last_login"}),
            label_field="username",
        ),
        # Configuration.
        Audited("scoring.scoringsettings", singleton=True),
        # accounts.accesssettings: recorded by accounts.access_services, its only write path.
        Audited("privacy.privacysettings", singleton=True),
        Audited("engagement.loyaltyprogramme", singleton=True),
        Audited("contacts.routingrule", label_field="name"),
        Audited("engagement.triggerrule", ignored=frozenset({"last_run_at"}), label_field="name"),
        Audited(
            "engagement.segment",
            ignored=frozenset({"last_count", "last_counted_at"}),
            label_field="name",
        ),
        Audited("engagement.messagetemplate", label_field="name"),
        Audited("feedback.survey", label_field="name"),
    )
}

_suppressed: ContextVar[bool] = ContextVar("relata_audit_capture_suppressed", default=False)


@contextmanager
def capture_suppressed() -> Iterator[None]:
    """No entries from model signals inside: the caller records its own (e.g. one merge)."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def spec_for(model: type[models.Model]) -> Audited | None:
    return REGISTRY.get(model._meta.label_lower)


def tracked_fields(
    model: type[models.Model], spec: Audited, only: Iterable[str] | None = None
) -> list[models.Field[Any, Any]]:
    """The concrete columns whose changes are recorded (``only``: those of update_fields)."""
    wanted = None if only is None else set(only)
    fields = []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name in ALWAYS_IGNORED or field.name in spec.ignored:
            continue
        if wanted is not None and field.name not in wanted and field.attname not in wanted:
            continue
        fields.append(field)
    return fields


def _comparable(field: models.Field[Any, Any], value: Any) -> Any:
    """The value as the field's Python type, so "12.5" and Decimal("12.50") compare equal."""
    if value is None or isinstance(field, models.JSONField):
        return value
    try:
        return field.to_python(value)
    except (ValidationError, TypeError, ValueError):
        return value


def values_of(instance: models.Model, fields: Iterable[models.Field[Any, Any]]) -> dict[str, Any]:
    return {field.name: _comparable(field, getattr(instance, field.attname)) for field in fields}


def object_label(instance: models.Model, spec: Audited | None = None) -> str:
    """A label without personal data, in the installation's language: "Customer C0000042",
    "Deal #12", "Routing rule #3 (Big customers)", "Scoring settings"."""
    spec = spec or spec_for(type(instance))
    with translation.override(settings.LANGUAGE_CODE):
        name = str(capfirst(instance._meta.verbose_name))
        if spec is not None and spec.singleton:
            return name
        if spec is not None and spec.label_field:
            value = getattr(instance, spec.label_field, "")
            if spec.label_field == "name":
                return f"{name} #{instance.pk} ({value})"[:200]
            return f"{name} {value}"[:200]
        return f"{name} #{instance.pk}"


def customer_of(instance: models.Model, spec: Audited) -> int | None:
    if spec.customer is None:
        return None
    value = getattr(instance, spec.customer, None)
    return int(value) if value is not None else None


def changes_between(
    before: dict[str, Any] | None, after: dict[str, Any], spec: Audited
) -> dict[str, list[Any]]:
    """Redacted {field: [old, new]}; for a new row, the fields that hold a value."""
    if before is None:
        after = {name: value for name, value in after.items() if value not in (None, "", [], {})}
        before = {}
    return redacted_changes(before, after, spec.personal)


# Signal receivers -------------------------------------------------------------------------


def _before_save(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    instance._audit_before = None  # type: ignore[attr-defined]
    if kwargs.get("raw") or _suppressed.get() or instance.pk is None:
        return
    spec = spec_for(sender)
    if spec is None:
        return
    update_fields = kwargs.get("update_fields")
    fields = tracked_fields(sender, spec, update_fields)
    if not fields:
        return
    stored = (
        sender._default_manager.filter(pk=instance.pk)
        .values(*(field.attname for field in fields))
        .first()
    )
    if stored is not None:
        instance._audit_before = {  # type: ignore[attr-defined]
            field.name: _comparable(field, stored[field.attname]) for field in fields
        }


def _after_save(
    sender: type[models.Model], instance: models.Model, created: bool, **kwargs: Any
) -> None:
    before = getattr(instance, "_audit_before", None)
    instance._audit_before = None  # type: ignore[attr-defined]
    if kwargs.get("raw") or _suppressed.get():
        return
    spec = spec_for(sender)
    if spec is None:
        return
    if spec.insert_action and created:
        _record_inserted(instance, spec)
        return
    if not created and before is None:
        return  # nothing tracked was saved (or the old values are unknown)
    fields = tracked_fields(sender, spec, kwargs.get("update_fields"))
    changes = changes_between(None if created else before, values_of(instance, fields), spec)
    if not created and not changes:
        return
    record(
        AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=instance,
        object_label=object_label(instance, spec),
        customer_id=customer_of(instance, spec),
        changes=changes,
    )


def _record_inserted(instance: models.Model, spec: Audited) -> None:
    fields = tracked_fields(type(instance), spec)
    details = {
        name: value
        for name, value in changes_between(None, values_of(instance, fields), spec).items()
        if spec.customer is None or name != spec.customer.removesuffix("_id")
    }
    record(
        str(spec.insert_action),
        obj=instance,
        object_label=object_label(instance, spec),
        customer_id=customer_of(instance, spec),
        context={name: pair[1] for name, pair in details.items()},
    )


def _after_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if _suppressed.get():
        return
    spec = spec_for(sender)
    if spec is None:
        return
    record(
        AuditAction.DELETE,
        obj=instance,
        object_label=object_label(instance, spec),
        customer_id=customer_of(instance, spec),
    )


def record_created(instances: Iterable[models.Model]) -> None:
    """Create entries for rows written with ``bulk_create`` (which sends no signals), for
    the few audited models written that way one by one (a deal's product lines)."""
    if _suppressed.get():
        return
    for instance in instances:
        spec = spec_for(type(instance))
        if spec is None or instance.pk is None:
            continue
        changes = changes_between(
            None, values_of(instance, tracked_fields(type(instance), spec)), spec
        )
        record(
            AuditAction.CREATE,
            obj=instance,
            object_label=object_label(instance, spec),
            customer_id=customer_of(instance, spec),
            changes=changes,
        )


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The tracked values of an audited instance as it is now (before changing it)."""
    spec = spec_for(type(instance))
    if spec is None:
        return {}
    return values_of(instance, tracked_fields(type(instance), spec))


def record_merge(
    *,
    keep: models.Model,
    merged_id: int,
    merged_number: str,
    before: dict[str, Any],
    moved: dict[str, int],
    deleted: dict[str, int],
) -> None:
    """The one entry of a merge, on the kept customer: which customer was merged into it,
    the rows that moved or were deleted, and the kept customer's changed fields (redacted)."""
    spec = REGISTRY["customers.customer"]
    changes = changes_between(before, snapshot(keep), spec)
    record(
        AuditAction.MERGE,
        obj=keep,
        object_label=object_label(keep, spec),
        customer_id=int(keep.pk),
        changes=changes,
        context={
            "merged_customer_id": merged_id,
            "merged_customer_number": merged_number,
            "moved": dict(moved),
            "deleted": dict(deleted),
        },
    )


# Roles: a user's groups -------------------------------------------------------------------


def _group_names(user_ids: Iterable[int]) -> dict[int, list[str]]:
    user_model = get_user_model()
    names: dict[int, list[str]] = {pk: [] for pk in user_ids}
    rows = user_model.groups.through._default_manager.filter(user_id__in=list(names)).values_list(
        "user_id", "group__name"
    )
    for user_id, group_name in rows:
        names[user_id].append(group_name)
    return {pk: sorted(group_names) for pk, group_names in names.items()}


def _affected_users(instance: Any, reverse: bool, pk_set: set[int] | None) -> list[int]:
    if not reverse:
        return [instance.pk]
    if pk_set is not None:
        return sorted(pk_set)
    return sorted(instance.user_set.values_list("pk", flat=True))


def _groups_changed(
    sender: Any,
    instance: Any,
    action: str,
    reverse: bool,
    pk_set: set[int] | None,
    **kwargs: Any,
) -> None:
    if _suppressed.get() or not action.startswith(("pre_", "post_")):
        return
    if action.startswith("pre_"):
        instance._audit_groups_before = _group_names(_affected_users(instance, reverse, pk_set))
        return
    before: dict[int, list[str]] = getattr(instance, "_audit_groups_before", None) or {}
    instance._audit_groups_before = None
    after = _group_names(before)
    user_model = get_user_model()
    spec = REGISTRY["auth.user"]
    users = user_model._default_manager.in_bulk(list(before))
    for pk, old in before.items():
        if old == after.get(pk) or pk not in users:
            continue
        user = users[pk]
        record(
            AuditAction.UPDATE,
            obj=user,
            object_label=object_label(user, spec),
            changes={"groups": [old, after.get(pk, [])]},
        )


def connect() -> None:
    """Hook the receivers to the audited models that are installed."""
    for label in REGISTRY:
        app_label, model_name = label.split(".")
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:  # e.g. privacy settings before that app has its model
            continue
        uid = f"relata-audit-{label}"
        pre_save.connect(_before_save, sender=model, dispatch_uid=uid)
        post_save.connect(_after_save, sender=model, dispatch_uid=uid)
        post_delete.connect(_after_delete, sender=model, dispatch_uid=uid)
    groups_through = get_user_model().groups.through
    m2m_changed.connect(_groups_changed, sender=groups_through, dispatch_uid="relata-audit-groups")
