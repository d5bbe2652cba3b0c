"""Writing the audit trail.

Who and from where come from the *origin* of the running code: the web middleware sets it per
request (the API's token authentication fills in the user later, so the user is read from the
request when an entry is written), management commands set it to the command line, and
anything else is "system". ``record`` writes one entry; callers name the action and object.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import models

from relata.audit.models import AuditAction, AuditEntry, AuditSource

# Stored instead of a personal value: the trail shows that a field changed, not what it held.
REDACTED = "•••"


@dataclass(frozen=True)
class Origin:
    source: str
    ip_address: str | None = None
    user_agent: str = ""
    actor: Any = None
    # The web request, if any: its user is read when an entry is written (token auth sets it
    # after the middleware ran).
    request: Any = None

    def current_actor(self) -> Any:
        if self.actor is not None:
            return self.actor
        user = getattr(self.request, "user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            return user
        return None


_SYSTEM = Origin(source=AuditSource.SYSTEM)
_current: ContextVar[Origin] = ContextVar("relata_audit_origin", default=_SYSTEM)


def current_origin() -> Origin:
    return _current.get()


@contextmanager
def origin(
    source: str,
    *,
    actor: Any = None,
    ip_address: str | None = None,
    user_agent: str = "",
    request: Any = None,
) -> Iterator[Origin]:
    token = _current.set(
        Origin(
            source=source,
            ip_address=ip_address,
            user_agent=user_agent[:200],
            actor=actor,
            request=request,
        )
    )
    try:
        yield _current.get()
    finally:
        _current.reset(token)


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
        actor_name=(who.get_username() if who is not None else "")[:150],
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
    """A JSON-safe form of a field value (dates, decimals and the like become text)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
