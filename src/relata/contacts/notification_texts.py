"""The text of a notification, rendered when shown so each reader sees their own language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from relata.contacts.models import Channel, ComplaintCause, Notification, NotificationKind
from relata.sales.models import DealStage


def _label(choices: Any, value: object) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _who(notification: Notification, params: dict[str, Any]) -> str:
    by = params.get("by")
    if by:
        return str(by)
    actor = notification.actor
    if actor is not None:
        return actor.get_full_name() or actor.get_username()
    return _("A colleague")


def notification_text(notification: Notification) -> str:
    params: dict[str, Any] = notification.params or {}
    kind = notification.kind
    who = _who(notification, params)
    customer = params.get("customer", "")
    if kind == NotificationKind.TASK_ASSIGNED:
        return _("%(who)s sent you the task “%(title)s” (%(customer)s).") % {
            "who": who,
            "title": params.get("title", ""),
            "customer": customer,
        }
    if kind == NotificationKind.TASK_DONE:
        return _("%(who)s completed the task “%(title)s” for %(customer)s.") % {
            "who": who,
            "title": params.get("title", ""),
            "customer": customer,
        }
    if kind == NotificationKind.CONTACT_LOGGED:
        return _("%(who)s contacted your customer %(customer)s (%(channel)s): %(subject)s") % {
            "who": who,
            "customer": customer,
            "channel": _label(Channel, params.get("channel", "")).lower(),
            "subject": params.get("subject", ""),
        }
    if kind == NotificationKind.COMPLAINT_LOGGED:
        text = _("%(who)s logged a complaint from your customer %(customer)s: %(subject)s") % {
            "who": who,
            "customer": customer,
            "subject": params.get("subject", ""),
        }
        if params.get("cause"):
            text += f" ({_label(ComplaintCause, params['cause'])})"
        return text
    if kind == NotificationKind.DEAL_CHANGED:
        return _("%(who)s moved your deal “%(deal)s” (%(customer)s) from %(old)s to %(new)s.") % {
            "who": who,
            "deal": params.get("deal", ""),
            "customer": customer,
            "old": _label(DealStage, params.get("from_stage", "")),
            "new": _label(DealStage, params.get("to_stage", "")),
        }
    if kind == NotificationKind.TRIGGER:
        return _("%(text)s — %(customer)s (%(what)s; trigger rule “%(rule)s”)") % {
            "text": params.get("text", ""),
            "customer": customer,
            "what": params.get("what", ""),
            "rule": params.get("rule", ""),
        }
    label = _label(NotificationKind, kind)
    detail = params.get("title") or params.get("subject") or customer
    return f"{label}: {detail}" if detail else label
