"""Erasures (GDPR art. 17) made after a backup: a restore must not bring those people back.

Before a restore the audit trail of the database being replaced says which customers were
erased since the backup was made; after the restore, those customers are erased again with
the privacy app's own service (which writes its own audit entries).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection
from django.utils.translation import gettext as _

from relata.audit.models import AuditAction, AuditEntry
from relata.customers.models import Customer
from relata.privacy.services import erase_customer


@dataclass(frozen=True)
class ErasedAgain:
    done: list[str] = field(default_factory=list)  # customer numbers erased again
    pending: list[str] = field(default_factory=list)  # could not be erased now: do it by hand


def erased_since(created_at: str) -> list[int]:
    """Ids of customers whose erasure the current audit trail records after ``created_at``."""
    if AuditEntry._meta.db_table not in connection.introspection.table_names():
        return []
    since = datetime.fromisoformat(created_at)
    ids = (
        AuditEntry.objects.filter(action=AuditAction.ERASE, at__gt=since)
        .exclude(customer_id=None)
        .values_list("customer_id", flat=True)
        .distinct()
    )
    return sorted(int(i) for i in ids if i is not None)


def erase_again(ids: list[int], *, backup_name: str, schema_current: bool) -> ErasedAgain:
    """Erase the restored copies of customers that had been erased after the backup.

    With a schema older than the code (``relata migrate`` still to run) nothing is touched:
    the customers are reported as pending instead.
    """
    if not ids:
        return ErasedAgain()
    customers = list(Customer.objects.filter(pk__in=ids).order_by("pk"))
    if not schema_current:
        return ErasedAgain(pending=[c.customer_number for c in customers])
    reason = _("Erased again after restoring %(file)s (erased after that backup was made).") % {
        "file": backup_name
    }
    done, pending = [], []
    for customer in customers:
        if customer.erased_at is not None:
            continue
        try:
            erase_customer(customer, by=None, reason=reason)
        except (ValidationError, DatabaseError):
            pending.append(customer.customer_number)
        else:
            done.append(customer.customer_number)
    return ErasedAgain(done=done, pending=pending)
