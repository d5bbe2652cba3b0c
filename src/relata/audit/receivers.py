"""Sign-ins, sign-outs and failed sign-ins in the trail. The password is never read: a failed
attempt records the username that was tried (Django hands receivers the credentials with the
password already masked, and only the username is taken from them)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from relata.audit.capture import REGISTRY, object_label
from relata.audit.models import AuditAction
from relata.audit.services import record

USERNAME_KEYS = ("username", "email")


def _signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(
        AuditAction.LOGIN,
        obj=user,
        object_label=object_label(user, REGISTRY["auth.user"]),
        actor=user,
    )


def _signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:  # the session had no user: nothing to record
        return
    record(
        AuditAction.LOGOUT,
        obj=user,
        object_label=object_label(user, REGISTRY["auth.user"]),
        actor=user,
    )


def _sign_in_failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    tried = next((str(credentials[key]) for key in USERNAME_KEYS if credentials.get(key)), "")
    record(
        AuditAction.LOGIN_FAILED,
        object_type="auth.user",
        context={"username": tried[:150]},
    )


def connect() -> None:
    user_logged_in.connect(_signed_in, dispatch_uid="relata-audit-login")
    user_logged_out.connect(_signed_out, dispatch_uid="relata-audit-logout")
    user_login_failed.connect(_sign_in_failed, dispatch_uid="relata-audit-login-failed")
