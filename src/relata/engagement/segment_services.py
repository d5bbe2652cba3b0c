"""Writes for segments: create, update (with the version the editor saw), duplicate, count,
and delete — refused while a campaign or trigger rule uses the segment."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.concurrency import version_claim
from relata.engagement.models import Segment
from relata.engagement.segment_rules import rules_check
from relata.engagement.segment_selectors import segment_count, segment_usage

User = AbstractBaseUser | AnonymousUser | None

# Fields segment_update may change.
EDITABLE_FIELDS = frozenset({"name", "description", "rules", "persona_name", "persona_story"})


class SegmentInUse(ValidationError):
    """The segment cannot be deleted: campaigns or trigger rules use it."""


def _user(user: User) -> Any:
    return user if user is not None and user.is_authenticated else None


def _validate(segment: Segment) -> None:
    """The model's own checks plus the rules check, as one ValidationError per field."""
    errors: dict[str, list[str]] = {}
    try:
        segment.full_clean(exclude=["rules"])
    except ValidationError as error:
        errors.update({k: [str(m) for m in v] for k, v in error.message_dict.items()})
    rule_errors = rules_check(segment.rules)
    if rule_errors:
        errors["rules"] = rule_errors
    if errors:
        raise ValidationError(errors)


def _count(segment: Segment) -> None:
    segment.last_count = segment_count(segment)
    segment.last_counted_at = timezone.now()


@transaction.atomic
def segment_create(
    *,
    name: str,
    rules: dict[str, Any],
    description: str = "",
    persona_name: str = "",
    persona_story: str = "",
    created_by: User = None,
) -> Segment:
    """A new segment, counted at once so the list shows its size."""
    segment = Segment(
        name=name.strip(),
        description=description,
        rules=rules,
        persona_name=persona_name,
        persona_story=persona_story,
        created_by=_user(created_by),
    )
    _validate(segment)
    _count(segment)
    segment.save()
    return segment


@transaction.atomic
def segment_update(
    *,
    segment: Segment,
    fields: Mapping[str, Any],
    expected_version: int | None = None,
) -> Segment:
    """Change the given fields. ``expected_version`` is the version the editor loaded; when
    someone saved in between, ``StaleEditError`` is raised and nothing changes."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"segment_update got unexpected fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(segment, name, value.strip() if name == "name" else value)
    _validate(segment)
    version_claim(segment, expected_version=expected_version)
    if "rules" in fields:
        _count(segment)
    segment.save()
    return segment


@transaction.atomic
def segment_count_refresh(*, segment: Segment, count: int | None = None) -> Segment:
    """Remember the segment's size now — ``count`` when the caller just counted it, else
    counted here. Not an edit: the version stays, so nobody's open form goes stale."""
    if count is None:
        _count(segment)
    else:
        segment.last_count = count
        segment.last_counted_at = timezone.now()
    Segment.objects.filter(pk=segment.pk).update(
        last_count=segment.last_count, last_counted_at=segment.last_counted_at
    )
    return segment


def _copy_name(name: str) -> str:
    limit = Segment._meta.get_field("name").max_length or 120
    for number in range(1, 1000):
        suffix = _(" (copy)") if number == 1 else _(" (copy %(n)s)") % {"n": number}
        candidate = name[: limit - len(suffix)] + suffix
        if not Segment.objects.filter(name=candidate).exists():
            return candidate
    raise ValidationError({"name": _("Too many copies of this segment already exist.")})


@transaction.atomic
def segment_duplicate(*, segment: Segment, created_by: User = None) -> Segment:
    """A copy of the segment (rules, description and persona) under a new name."""
    return segment_create(
        name=_copy_name(segment.name),
        rules=segment.rules,
        description=segment.description,
        persona_name=segment.persona_name,
        persona_story=segment.persona_story,
        created_by=created_by,
    )


@transaction.atomic
def segment_delete(*, segment: Segment, expected_version: int | None = None) -> None:
    """Delete the segment, unless campaigns or trigger rules use it (``SegmentInUse`` names
    them). With ``expected_version``, a segment changed since it was read is not deleted."""
    usage = segment_usage(segment)
    names = [_("campaign “%(name)s”") % {"name": c.name} for c in usage["campaigns"]] + [
        _("trigger rule “%(name)s”") % {"name": r.name} for r in usage["trigger_rules"]
    ]
    if names:
        raise SegmentInUse(
            _(
                "“%(segment)s” cannot be deleted: it is used by %(users)s. "
                "Change or delete those first."
            )
            % {"segment": segment.name, "users": ", ".join(names)},
            code="in_use",
        )
    if expected_version is not None:
        version_claim(segment, expected_version=expected_version)
    segment.delete()
