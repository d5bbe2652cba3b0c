"""Erasure of one customer's personal data (GDPR art. 17), keeping the figures honest.

The customer row stays, anonymised, so every order, order line, deal amount and score
snapshot keeps pointing at it: revenue totals, the pyramid and the funnel do not change.
What the decision record 0980 lists field by field:

- the customer: names become "Erased customer", contact and profile data and notes are
  emptied, ``erased_at`` is set, the search and sort columns are rebuilt from the
  anonymised fields, the version moves on (an open edit form cannot write the old data back);
- contact persons and social profiles are deleted (they are nothing but personal data);
- free texts typed about the customer are emptied (``BLANKED``), required short titles and
  subjects become "(erased)" (``MARKED``), an event's payload becomes ``{}``;
- every other text of the customer's rows, in-app notifications about the customer and the
  loyalty notes of their referral partners are scrubbed of the customer's names, e-mail
  addresses and phone numbers (a safety net for texts nobody listed, e.g. a new model's);
- import batches: their first rows, errors and other texts are scrubbed the same way, and
  the content of every uploaded import file is discarded (a file may name anyone);
- consents stay: they are the evidence of what the customer allowed and when (channel,
  purpose, yes/no, time, source — scrubbed like other texts —, the staff member); every opt-in
  in force gets a withdrawal appended (source "erasure (GDPR)"), so nothing that asks the
  consent log (segments, campaigns, triggers, surveys) contacts the erased person again;
- the audit trail stays untouched: it never held personal values (a consent's free-text
  source is masked there too).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from relata.audit.models import AuditAction
from relata.audit.services import record
from relata.contacts.models import Notification
from relata.customers.merge import CustomerRelation, customer_relations
from relata.customers.models import Consent, Customer, CustomerKind, normalise_phone
from relata.customers.selectors import consent_in_force
from relata.customers.services import CONTACT_FIELDS, PROFILE_FIELDS
from relata.engagement.models import PointsEntry, Referral
from relata.imports.models import ImportBatch
from relata.imports.services import import_files_discard

# Customer fields emptied by erasure. Kept: number, kind, country (coarse), account owner,
# acquisition source and cost (profitability stays honest), created date.
CUSTOMER_BLANKED = (*CONTACT_FIELDS, "notes", *sorted(PROFILE_FIELDS))
# Relations whose rows are deleted: nothing in them but personal data.
DELETED = frozenset({"customers.contactperson.organisation", "feedback.socialprofile.customer"})
# Free texts emptied on the customer's rows (per relation label).
BLANKED: dict[str, tuple[str, ...]] = {
    "contacts.contactmoment.customer": ("notes",),
    "contacts.complaint.customer": ("description", "resolution"),
    "contacts.task.customer": ("description",),
    "sales.deal.customer": ("notes", "lost_note"),
    "sales.order.customer": ("notes",),
    "feedback.review.customer": ("title", "text", "url"),
    "feedback.surveyresponse.customer": ("comment",),
    "engagement.outboxmessage.customer": ("to_address", "subject", "body"),
    "engagement.referral.referrer": ("note",),
    "engagement.referral.referred": ("note",),
}
# Required short texts typed by people: replaced by "(erased)".
MARKED: dict[str, tuple[str, ...]] = {
    "contacts.contactmoment.customer": ("subject",),
    "contacts.complaint.customer": ("subject",),
    "contacts.task.customer": ("title",),
    "sales.deal.customer": ("title",),
}
# JSON columns that may carry anything an outside system sent: emptied.
EMPTIED_JSON: dict[str, tuple[str, ...]] = {
    "engagement.customerevent.customer": ("payload",),
}
# Names shorter than this are not scrubbed from other texts (too many false hits: "Jo").
MIN_NEEDLE_LENGTH = 3


@dataclass(frozen=True)
class ErasureResult:
    customer: Customer
    counts: dict[str, int]


def erased_name() -> str:
    return _("Erased customer")


def erased_marker() -> str:
    return _("(erased)")


def erase_customer(customer: Customer, *, by: Any, reason: str) -> ErasureResult:
    """Anonymise ``customer`` in one transaction; raise ``ValidationError`` (nothing written)
    if it was erased before or no reason is given."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the erasure.")})
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        if locked.erased_at is not None:
            raise ValidationError(
                _("Customer %(number)s was already erased on %(date)s.")
                % {
                    "number": locked.customer_number,
                    "date": date_format(timezone.localtime(locked.erased_at), "DATE_FORMAT"),
                }
            )
        pattern = _needle_pattern(_needles(locked))
        old_name = locked.display_name
        counts: dict[str, int] = {}
        for relation in customer_relations():
            counts.update(_erase_relation(relation, locked, pattern))
        counts["notifications_scrubbed"] = _scrub_notifications(locked, old_name, pattern)
        counts["partner_points_scrubbed"] = _scrub_partner_points(locked, pattern)
        counts["consents_withdrawn"] = _withdraw_consents(locked, by)
        counts.update(_erase_from_imports(pattern))
        _anonymise(locked)
        counts["admin_log_scrubbed"] = _scrub_admin_log(locked)
        record(
            AuditAction.ERASE,
            obj=locked,
            customer_id=locked.pk,
            object_label=f"Customer {locked.customer_number}",
            context={"reason": reason, "counts": {k: v for k, v in counts.items() if v}},
            actor=by,
        )
    return ErasureResult(customer=locked, counts=counts)


def _withdraw_consents(customer: Customer, by: Any) -> int:
    """Append a withdrawal for every opt-in in force: an erased person is never contacted
    again (segments, campaigns, triggers and surveys ask the consent log), and the log keeps
    the earlier decisions and this withdrawal as evidence."""
    granted = [key for key, allowed in consent_in_force(customer=customer).items() if allowed]
    now = timezone.now()
    Consent.objects.bulk_create(
        Consent(
            customer=customer,
            channel=channel,
            purpose=purpose,
            granted=False,
            recorded_at=now,
            source="erasure (GDPR)",
            recorded_by=by if getattr(by, "is_authenticated", False) else None,
        )
        for channel, purpose in granted
    )
    return len(granted)


def _needles(customer: Customer) -> list[str]:
    """The customer's identifying values, and those of their contact persons and profiles."""
    values = [
        customer.display_name,
        customer.first_name,
        customer.last_name,
        customer.organisation_name,
        customer.email,
        customer.phone,
        normalise_phone(customer.phone),  # the same number written without separators
        " ".join(p for p in (customer.street, customer.house_number) if p),
    ]
    for person in customer.contact_persons.all():
        values += [str(person), person.first_name, person.last_name, person.email, person.phone]
    for profile in customer.social_profiles.all():
        values.append(profile.handle)
    return [value.strip() for value in values if len(value.strip()) >= MIN_NEEDLE_LENGTH]


def _needle_pattern(needles: Iterable[str]) -> re.Pattern[str] | None:
    """Whole-word, case-insensitive; longest first, so a full name goes before its parts."""
    unique = sorted(set(needles), key=len, reverse=True)
    if not unique:
        return None
    alternatives = "|".join(re.escape(needle) for needle in unique)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _scrub_text(value: str, pattern: re.Pattern[str] | None) -> str:
    if pattern is None or not value:
        return value
    return pattern.sub(erased_marker(), value)


def _scrub_json(value: Any, pattern: re.Pattern[str] | None) -> Any:
    if isinstance(value, str):
        return _scrub_text(value, pattern)
    if isinstance(value, list):
        return [_scrub_json(item, pattern) for item in value]
    if isinstance(value, dict):
        return {key: _scrub_json(item, pattern) for key, item in value.items()}
    return value


def _text_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    """Texts a person may have typed: char, text and JSON columns without fixed choices;
    unique columns (numbers, codes, tokens) are identifiers Relata made, not personal data."""
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField | models.JSONField)
        and not field.choices
        and not field.unique
    ]


def _version_bump(model: type[models.Model]) -> dict[str, Any]:
    """Rows with optimistic locking move on, so an edit form opened before cannot write
    the erased text back."""
    names = {field.name for field in model._meta.concrete_fields}
    return {"version": F("version") + 1} if "version" in names else {}


def _erase_relation(
    relation: CustomerRelation, customer: Customer, pattern: re.Pattern[str] | None
) -> dict[str, int]:
    key = relation.label
    rows = relation.rows(customer)
    if key in DELETED:
        deleted, _by_model = rows.delete()
        return {f"{key}.deleted": deleted}
    counts: dict[str, int] = {}
    fixed: dict[str, Any] = {}
    fixed.update({name: "" for name in BLANKED.get(key, ())})
    fixed.update({name: erased_marker() for name in MARKED.get(key, ())})
    fixed.update({name: {} for name in EMPTIED_JSON.get(key, ())})
    if fixed:
        counts[f"{key}.blanked"] = rows.update(**fixed, **_version_bump(relation.model))
    scrubbed = [field for field in _text_fields(relation.model) if field.name not in fixed]
    if pattern is not None and scrubbed:
        counts[f"{key}.scrubbed"] = _scrub_rows(rows, scrubbed, pattern)
    return counts


def _scrub_rows(
    rows: models.QuerySet[Any], fields: list[models.Field[Any, Any]], pattern: re.Pattern[str]
) -> int:
    """Replace the needles in the given columns, row by row (only rows that hold one)."""
    names = [field.attname for field in fields]
    changed = 0
    for pk, *values in rows.values_list("pk", *names).iterator(chunk_size=500):
        updates = {}
        for name, value in zip(names, values, strict=True):
            scrubbed = _scrub_json(value, pattern)
            if scrubbed != value:
                updates[name] = scrubbed
        if updates:
            rows.model._default_manager.filter(pk=pk).update(**updates)
            changed += 1
    return changed


def _scrub_notifications(customer: Customer, old_name: str, pattern: re.Pattern[str] | None) -> int:
    """In-app notifications name the customer in their parameters (rendered when shown)."""
    if pattern is None:
        return 0
    about = Q(url=reverse("customers:detail", kwargs={"pk": customer.pk}))
    if old_name:
        about |= Q(params__customer=old_name) | Q(params__name=old_name)
    return _scrub_rows(Notification.objects.filter(about), _text_fields(Notification), pattern)


def _scrub_partner_points(customer: Customer, pattern: re.Pattern[str] | None) -> int:
    """A referral reward's note names the other side ("referred by …")."""
    if pattern is None:
        return 0
    referred = Referral.objects.filter(referrer=customer).values("referred_id")
    referrers = Referral.objects.filter(referred=customer).values("referrer_id")
    partners = PointsEntry.objects.filter(
        Q(customer_id__in=referred) | Q(customer_id__in=referrers)
    )
    return _scrub_rows(partners, _text_fields(PointsEntry), pattern)


def _erase_from_imports(pattern: re.Pattern[str] | None) -> dict[str, int]:
    """Import batches keep the first rows and the errors of their file (scrubbed like other
    texts) and the uploaded file itself. A file may hold the customer anywhere, in CSV or
    XLSX, so the content of every stored upload is discarded (0980): finished imports keep
    their counts, a file still waiting for confirmation must be uploaded again."""
    batches = ImportBatch.objects.order_by("pk")
    scrubbed = 0
    if pattern is not None:
        scrubbed = _scrub_rows(batches, _text_fields(ImportBatch), pattern)
    return {
        "import_batches_scrubbed": scrubbed,
        "import_files_discarded": import_files_discard(batches.iterator(chunk_size=200)),
    }


def _anonymise(customer: Customer) -> None:
    """Blank the personal fields and rebuild the derived columns without signals (an erasure
    is not a move of house for the triggers, nor an edit for the change capture)."""
    for name in CUSTOMER_BLANKED:
        field = Customer._meta.get_field(name)
        setattr(customer, name, None if getattr(field, "null", False) else "")
    if customer.kind == CustomerKind.ORGANISATION:
        customer.organisation_name = erased_name()
    else:
        customer.last_name = erased_name()
    customer.profile_updated_at = None
    customer.erased_at = timezone.now()
    customer.refresh_derived_fields()
    fields = {
        name: getattr(customer, name)
        for name in (
            *CUSTOMER_BLANKED,
            "profile_updated_at",
            "erased_at",
            "display_name_sort",
            "search_text",
        )
    }
    Customer.objects.filter(pk=customer.pk).update(
        **fields, version=F("version") + 1, updated_at=timezone.now()
    )
    customer.refresh_from_db()


def _scrub_admin_log(customer: Customer) -> int:
    """The Django admin's change log keeps each object's name as it was."""
    content_type = ContentType.objects.get_for_model(Customer)
    return LogEntry.objects.filter(content_type=content_type, object_id=str(customer.pk)).update(
        object_repr=str(customer)[:200]
    )
