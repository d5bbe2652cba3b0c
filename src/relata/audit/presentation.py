"""Audit entries as people read them: field names translated, choices by their label,
related rows by a name without personal data, masked values said in words, a link to the
object when it still exists."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relata.audit.capture import REGISTRY, object_label
from relata.audit.models import AuditEntry
from relata.audit.services import REDACTED

# Labels of the details (``context``) that actions write; other keys are shown as they are.
DETAIL_LABELS = {
    "merged_customer_id": gettext_lazy("merged customer (id)"),
    "merged_customer_number": gettext_lazy("merged customer"),
    "moved": gettext_lazy("rows moved"),
    "deleted": gettext_lazy("rows deleted"),
    "kind": gettext_lazy("kind"),
    "file": gettext_lazy("file"),
    "rows": gettext_lazy("rows"),
    "created": gettext_lazy("created"),
    "updated": gettext_lazy("updated"),
    "unchanged": gettext_lazy("unchanged"),
    "skipped_invalid": gettext_lazy("invalid rows skipped"),
    "username": gettext_lazy("username tried"),
    "event": gettext_lazy("event"),
    "scopes": gettext_lazy("scopes"),
    "format": gettext_lazy("format"),
    "reason": gettext_lazy("reason"),
}
# Where an action's key means something else than in DETAIL_LABELS.
ACTION_DETAIL_LABELS: dict[str, dict[str, Any]] = {
    "token": {"username": gettext_lazy("user")},
}

# Where an object of a type is shown: (URL name, where its id comes from: "object" or
# "customer"; None: a page without an id).
OBJECT_PAGES: dict[str, tuple[str, str | None]] = {
    "customers.customer": ("customers:detail", "object"),
    "customers.contactperson": ("customers:detail", "customer"),
    "customers.consent": ("customers:consent_history", "customer"),
    "sales.deal": ("deals:detail", "object"),
    "sales.dealline": ("customers:detail", "customer"),
    "auth.user": ("admin:auth_user_change", "object"),
    "scoring.scoringsettings": ("scoring:settings", None),
    "accounts.accesssettings": ("access_settings", None),
    "privacy.privacysettings": ("privacy:settings", None),
    "engagement.loyaltyprogramme": ("loyalty:overview", None),
    "contacts.routingrule": ("tasks:rule_edit", "object"),
    "engagement.triggerrule": ("triggers:detail", "object"),
    "engagement.segment": ("segments:detail", "object"),
    "engagement.messagetemplate": ("campaigns:template_edit", "object"),
    "feedback.survey": ("surveys:detail", "object"),
}


@dataclass(frozen=True)
class ChangeLine:
    field: str
    old: str
    new: str
    masked: bool


@dataclass
class EntryView:
    entry: AuditEntry
    type_label: str
    changes: list[ChangeLine] = field(default_factory=list)
    details: list[tuple[str, str]] = field(default_factory=list)
    url: str | None = None


def model_of(object_type: str) -> type[models.Model] | None:
    if "." not in object_type:
        return None
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def type_label(object_type: str) -> str:
    model = model_of(object_type)
    if model is not None:
        return str(capfirst(model._meta.verbose_name))
    if object_type.startswith("imports."):
        return _("Import")
    return object_type


def _field(model: type[models.Model] | None, name: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def id_of(model: type[models.Model], value: Any) -> Any:
    """``value`` as a primary key of ``model``, or None when it cannot be one (an entry may
    hold a name where a reader would expect an id, e.g. a user name)."""
    if value in (None, "", REDACTED) or isinstance(value, bool | list | dict):
        return None
    try:
        return model._meta.pk.to_python(value)
    except (ValidationError, TypeError, ValueError):
        return None


def field_label(model: type[models.Model] | None, name: str) -> str:
    model_field = _field(model, name)
    verbose = getattr(model_field, "verbose_name", None)
    return str(capfirst(verbose)) if verbose else name


class _Related:
    """Names of related rows (a user, a product, a customer) fetched once per page."""

    def __init__(self) -> None:
        self.wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
        self.found: dict[type[models.Model], dict[Any, str]] = {}

    def want(self, model: type[models.Model], value: Any) -> None:
        pk = id_of(model, value)
        if pk is not None:
            self.wanted[model].add(pk)

    def load(self) -> None:
        customer_model = apps.get_model("customers", "Customer")
        user_model = apps.get_model(settings.AUTH_USER_MODEL)
        for model, pks in self.wanted.items():
            rows = model._default_manager.in_bulk(list(pks))
            if model is customer_model:  # never a customer's name: their number
                self.found[model] = {
                    pk: str(getattr(row, "customer_number", pk)) for pk, row in rows.items()
                }
            elif model is user_model:
                self.found[model] = {
                    pk: str(getattr(row, "username", pk)) for pk, row in rows.items()
                }
            elif model._meta.label_lower in REGISTRY:  # e.g. a deal: its title may be personal
                self.found[model] = {pk: object_label(row) for pk, row in rows.items()}
            else:
                self.found[model] = {pk: str(row) for pk, row in rows.items()}

    def name(self, model: type[models.Model], value: Any) -> str:
        pk = id_of(model, value)
        if pk is None:
            return str(value)  # not an id: shown as stored
        return self.found.get(model, {}).get(pk, f"#{pk}")


def _shown(model_field: Any, value: Any, related: _Related) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | dict):
        return _detail(value)
    if isinstance(model_field, models.DateTimeField) and isinstance(value, str):
        moment = parse_datetime(value)
        if moment is not None:
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
            return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    if isinstance(model_field, models.DateField) and isinstance(value, str):
        day = parse_date(value)
        if day is not None:
            return date_format(day, "SHORT_DATE_FORMAT")
    if model_field is not None and getattr(model_field, "choices", None):
        labels = {str(key): label for key, label in model_field.flatchoices}
        return str(labels.get(str(value), value))
    if model_field is not None and model_field.is_relation and model_field.related_model:
        return related.name(model_field.related_model, value)
    return str(value)


def _detail(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_detail(item)}" for key, item in value.items()) or "—"
    if isinstance(value, list):
        return ", ".join(_detail(item) for item in value) or "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return "—" if value in (None, "") else str(value)


def _object_urls(entries: Sequence[AuditEntry]) -> dict[int, str]:
    """Links for the entries whose object (or customer) still exists; one query per type."""
    existing: dict[str, set[str]] = {}
    by_type: dict[str, set[str]] = defaultdict(set)
    customers: set[int] = set()
    for entry in entries:
        page = OBJECT_PAGES.get(entry.object_type)
        if page is None or page[1] is None:
            continue
        if page[1] == "customer" and entry.customer_id is not None:
            customers.add(entry.customer_id)
        elif page[1] == "object" and entry.object_id.isdecimal():
            by_type[entry.object_type].add(entry.object_id)
    customer_model = apps.get_model("customers", "Customer")
    existing["customer"] = {
        str(pk)
        for pk in customer_model._default_manager.filter(pk__in=customers).values_list(
            "pk", flat=True
        )
    }
    for object_type, ids in by_type.items():
        model = model_of(object_type)
        if model is not None:
            existing[object_type] = {
                str(pk)
                for pk in model._default_manager.filter(pk__in=ids).values_list("pk", flat=True)
            }
    urls: dict[int, str] = {}
    for entry in entries:
        page = OBJECT_PAGES.get(entry.object_type)
        if page is None or entry.action == "delete":
            continue
        name, id_from = page
        if id_from is None:
            args: list[Any] = []
        elif id_from == "customer":
            if str(entry.customer_id) not in existing["customer"]:
                continue
            args = [entry.customer_id]
        else:
            if entry.object_id not in existing.get(entry.object_type, set()):
                continue
            args = [entry.object_id]
        try:
            urls[entry.pk] = reverse(name, args=args)
        except NoReverseMatch:
            continue
    return urls


def present(entries: Iterable[AuditEntry]) -> list[EntryView]:
    entries = list(entries)
    related = _Related()
    for entry in entries:
        model = model_of(entry.object_type)
        for name, pair in (entry.changes or {}).items():
            model_field = _field(model, name)
            if model_field is not None and model_field.is_relation and model_field.many_to_one:
                for value in pair if isinstance(pair, list) else []:
                    related.want(model_field.related_model, value)
        for name, value in (entry.context or {}).items():
            model_field = _field(model, name)
            if model_field is not None and model_field.is_relation and model_field.many_to_one:
                related.want(model_field.related_model, value)
    related.load()
    urls = _object_urls(entries)
    views = []
    for entry in entries:
        model = model_of(entry.object_type)
        lines = []
        for name, pair in sorted((entry.changes or {}).items()):
            old, new = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
            model_field = _field(model, name)
            masked = REDACTED in (old, new)
            if masked:
                unkept = _("changed (personal data not kept in the trail)")
                lines.append(ChangeLine(field_label(model, name), "", unkept, True))
            else:
                lines.append(
                    ChangeLine(
                        field_label(model, name),
                        "" if entry.action == "create" else _shown(model_field, old, related),
                        _shown(model_field, new, related),
                        False,
                    )
                )
        details = []
        action_labels = ACTION_DETAIL_LABELS.get(entry.action, {})
        for key, value in (entry.context or {}).items():
            model_field = _field(model, key)
            if key in action_labels:
                label = str(action_labels[key])
            elif key in DETAIL_LABELS:
                label = str(DETAIL_LABELS[key])
            elif model_field is not None:
                label = field_label(model, key)
            else:
                label = key
            if value == REDACTED:
                shown = _("personal data, not kept in the trail")
            elif model_field is not None:
                shown = _shown(model_field, value, related)
            else:
                shown = _detail(value)
            details.append((label, shown))
        views.append(
            EntryView(
                entry=entry,
                type_label=type_label(entry.object_type) if entry.object_type else "",
                changes=lines,
                details=details,
                url=urls.get(entry.pk),
            )
        )
    return views


def changes_text(view: EntryView) -> str:
    """The changes as one line of text (for CSV): "Field: old → new; …"."""
    parts = []
    for line in view.changes:
        if line.masked:
            parts.append(f"{line.field}: {line.new}")
        else:
            parts.append(
                f"{line.field}: {line.old} → {line.new}"
                if line.old
                else f"{line.field}: {line.new}"
            )
    return "; ".join(parts)


def details_text(view: EntryView) -> str:
    return "; ".join(f"{label}: {value}" for label, value in view.details)
