"""Changing the installation's access settings (administrators only), with an audit entry."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from relata.accounts.models import AccessSettings
from relata.audit.services import record


@transaction.atomic
def access_settings_update(*, sales_own_accounts_only: bool, actor: Any = None) -> AccessSettings:
    """Store the setting; an audit entry says who changed it from what to what. Saving the
    same value again changes nothing and records nothing."""
    settings_row = AccessSettings.objects.select_for_update().get(pk=AccessSettings.current().pk)
    old = settings_row.sales_own_accounts_only
    if old == sales_own_accounts_only:
        return settings_row
    settings_row.sales_own_accounts_only = sales_own_accounts_only
    settings_row.save(update_fields=["sales_own_accounts_only", "updated_at"])
    record(
        "update",
        obj=settings_row,
        object_label="Access settings",
        changes={"sales_own_accounts_only": [old, sales_own_accounts_only]},
        actor=actor,
    )
    return settings_row
