"""Writing the audit trail.

Who and from where come from the *origin* of the running code: the web middleware sets it per
request (the API's token authentication fills in the user later, so the user is read from the
request when an entry is written), management commands set it to the command line, and
anything else is "system". ``record`` writes one entry; callers name the action and object.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.db import models

from relata.audit.models import AuditAction, AuditEntry
from relata.audit.origin import Origin, current_origin, origin

__all__ = [
    "REDACTED",
    "Origin",
    "current_origin",
    "object_type_of",
    "origin",
    "record",
    "record_import",
    "redacted_changes",
]

# Stored instead of a personal value: the trail shows that a field changed, not what it held.
REDACTED = "•••"


def object_type_of(obj: models.Model) -> str:
    return obj._meta.label_lower


def record(
    action: AuditAction | str,
    *,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_label: str = "",
    customer_id: int | None = None,
    changes: Mapping[str, list[Any]] | None = None,
    context: Mapping[str, Any] | None = None,
    actor: Any = None,
) -> AuditEntry:
    """Append one entry. ``changes`` must already be redacted (see ``redacted_changes``)."""
    here = current_origin()
    who = actor if actor is not None else here.current_actor()
    if obj is not None:
        object_type = object_type or object_type_of(obj)
        object_id = object_id or obj.pk
    return AuditEntry.objects.create(
        actor=who,
        actor_name=(who.get_username() if who is not None else here.actor_name)[:150],
        source=here.source,
        ip_address=here.ip_address,
        user_agent=here.user_agent,
        action=str(action),
        object_type=object_type,
        object_id=str(object_id),
        object_label=object_label[:200],
        customer_id=customer_id,
        changes=dict(changes or {}),
        context=dict(context or {}),
    )


def redacted_changes(
    old: Mapping[str, Any], new: Mapping[str, Any], personal_fields: frozenset[str]
) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose value differs; personal values are masked."""
    changed: dict[str, list[Any]] = {}
    for field in sorted(set(old) | set(new)):
        before, after = old.get(field), new.get(field)
        if before == after:
            continue
        if field in personal_fields:
            changed[field] = [
                REDACTED if before not in (None, "") else "",
                REDACTED if after not in (None, "") else "",
            ]
        else:
            changed[field] = [_plain(before), _plain(after)]
    return changed


def _plain(value: Any) -> Any:
    """A JSON-safe form of a field value (dates, decimals and the like become text; lists and
    dicts, e.g. JSON settings, stay structured)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple | dict):
        return json.loads(json.dumps(value, default=str))
    return str(value)


def record_import(*, kind: str, filename: str, rows: int, counts: Any, skipped: int) -> AuditEntry:
    """The one entry of a finished import (its rows are written in bulk, without signals):
    kind, file name and the counts of what it did."""
    details = {
        "kind": kind,
        "file": filename[:255],
        "rows": rows,
        "created": counts.created,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
        "skipped_invalid": skipped,
        **{str(name): count for name, count in (counts.extra or {}).items()},
    }
    return record(
        AuditAction.IMPORT,
        object_type=f"imports.{kind}",
        object_label=f"Import {kind}: {filename}"[:200],
        context=details,
    )
