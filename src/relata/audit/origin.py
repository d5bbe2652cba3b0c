"""Where the running code acts from: a web request, the API, the command line or the system.

Kept free of Django models so the ``relata`` console script can set the origin before Django
is set up. ``relata.audit.services`` re-exports ``origin`` and ``current_origin``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

# The values of ``relata.audit.models.AuditSource`` (kept here as text: no model import).
WEB, API, CLI, SYSTEM = "web", "api", "cli", "system"


@dataclass(frozen=True)
class Origin:
    source: str
    ip_address: str | None = None
    user_agent: str = ""
    actor: Any = None
    # Who acted when there is no user account, e.g. "cli:alice" for a command run by the
    # operating-system user alice.
    actor_name: str = ""
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


_SYSTEM = Origin(source=SYSTEM)
_current: ContextVar[Origin] = ContextVar("relata_audit_origin", default=_SYSTEM)


def current_origin() -> Origin:
    return _current.get()


@contextmanager
def origin(
    source: str,
    *,
    actor: Any = None,
    actor_name: str = "",
    ip_address: str | None = None,
    user_agent: str = "",
    request: Any = None,
) -> Iterator[Origin]:
    outer = _current.get()
    if outer.source == source:
        # A nested origin of the same source refines the outer one: a command that sets
        # origin("cli") itself keeps the operator and command name the console script set.
        ip_address = ip_address if ip_address is not None else outer.ip_address
        user_agent = user_agent or outer.user_agent
        actor = actor if actor is not None else outer.actor
        actor_name = actor_name or outer.actor_name
        request = request if request is not None else outer.request
    token = _current.set(
        Origin(
            source=source,
            ip_address=ip_address,
            user_agent=user_agent[:200],
            actor=actor,
            actor_name=actor_name[:150],
            request=request,
        )
    )
    try:
        yield _current.get()
    finally:
        _current.reset(token)
