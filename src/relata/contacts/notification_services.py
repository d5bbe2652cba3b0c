"""Writes of in-app notifications. Any app may notify a user through ``notification_send``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.utils import timezone

from relata.contacts.models import Notification, NotificationKind


def notification_send(
    *,
    recipient: User | None,
    kind: NotificationKind | str,
    params: dict[str, Any] | None = None,
    url: str = "",
    actor: User | AnonymousUser | None = None,
) -> Notification | None:
    """Notify ``recipient``, unless there is none or it is the actor themself (nobody needs
    telling what they just did). ``params`` must be JSON-serialisable; the text is rendered
    from ``kind`` and ``params`` when shown, in the reader's language."""
    if recipient is None or recipient.pk is None:
        return None
    if actor is not None and actor.pk == recipient.pk:
        return None
    notification = Notification(
        recipient=recipient,
        kind=NotificationKind(kind),
        params=params or {},
        url=url,
        actor=actor if actor is not None and actor.pk is not None else None,
        created_at=timezone.now(),
    )
    notification.full_clean()
    notification.save()
    return notification


@transaction.atomic
def notifications_mark_read(*, recipient: User, ids: list[int] | None = None) -> int:
    """Mark the recipient's unread notifications read (all, or only ``ids``); the count."""
    unread = Notification.objects.filter(recipient=recipient, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
