"""The trail is append-only: the ORM refuses changes, and so does the database."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from relata.audit.models import AuditEntry
from relata.audit.services import record

pytestmark = pytest.mark.django_db


def an_entry() -> AuditEntry:
    return record("update", object_type="scoring.scoringsettings", object_label="Scoring settings")


def test_an_entry_cannot_be_changed_or_deleted_through_the_orm() -> None:
    # given an entry
    entry = an_entry()
    # when / then changing or deleting it, one by one or in bulk, is refused
    entry.object_label = "something else"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(object_label="x")
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).object_label == "Scoring settings"


def test_the_database_refuses_an_update_in_raw_sql() -> None:
    # given an entry
    entry = an_entry()
    # when an UPDATE is sent past the ORM
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET object_label = %s WHERE id = %s", ["forged", entry.pk]
        )
    # then the row is unchanged
    assert AuditEntry.objects.get(pk=entry.pk).object_label == "Scoring settings"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite: the model refuses it")
def test_postgresql_refuses_a_delete_in_raw_sql() -> None:
    # given an entry
    entry = an_entry()
    # when a DELETE is sent past the ORM
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    # then the row is still there
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
