"""Backing up and restoring the configured database, with checks before anything is replaced.

``backup_create`` writes ``relata-<db>-<UTC time>.dump`` (PostgreSQL) or ``.sqlite3`` (SQLite)
and its manifest, atomically: the backup only gets its final name once it is complete and its
manifest is written. ``restore_plan`` checks a backup (manifest, checksum, format, migrations,
the target database) and says what would be replaced; ``restore_apply`` replaces it, keeping
the replaced data aside first.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, connections
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.audit.models import AuditAction
from relata.audit.services import record
from relata.web.backups import postgres, sqlite
from relata.web.backups.erasures import ErasedAgain, erase_again, erased_since
from relata.web.backups.errors import BackupError
from relata.web.backups.manifest import (
    MANIFEST_SUFFIX,
    Manifest,
    apps_behind_code,
    key_tables,
    manifest_path_for,
    migration_heads,
    read_manifest,
    relata_version,
    sha256_of,
    unknown_migrations,
    verify_checksum,
    write_manifest,
)

POSTGRESQL = "postgresql"
SQLITE = "sqlite"
EXTENSIONS = {POSTGRESQL: "dump", SQLITE: "sqlite3"}
ENGINE_NAMES = {POSTGRESQL: "PostgreSQL", SQLITE: "SQLite"}


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: Manifest
    removed: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class RestorePlan:
    backup: Path
    manifest: Manifest
    engine: str
    # What is replaced: 'database "relata" on db:5432' or the SQLite file; and its short name
    # (the database or file name) that an interactive restore asks the user to type.
    target: str
    target_name: str
    target_tables: int
    current_counts: dict[str, int]
    # Apps with migrations the backup lacks: ``relata migrate`` after the restore.
    apps_to_migrate: list[str]
    # Customers erased (GDPR) after the backup was made: they come back with it, and
    # restore_apply erases them again.
    erased_since: list[int]
    toc: list[str] = field(default_factory=list)
    # PostgreSQL: other connections to the database (a Relata that is still running).
    other_sessions: int = 0

    @property
    def replaces_data(self) -> bool:
        return self.target_tables > 0


@dataclass(frozen=True)
class RestoreResult:
    plan: RestorePlan
    kept_aside: Path | None
    row_counts: dict[str, int]
    audited: bool
    erased_again: ErasedAgain


def engine() -> str:
    vendor = connection.vendor
    if vendor not in EXTENSIONS:
        raise BackupError(
            _("Backups support PostgreSQL and SQLite; this database is %(vendor)s.")
            % {"vendor": vendor}
        )
    return vendor


def database_label() -> str:
    """The database's name as it appears in backup file names."""
    name = postgres.database_name() if engine() == POSTGRESQL else sqlite.database_path().stem
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def backups_dir() -> Path:
    return Path(settings.DATA_DIR) / "backups"


def _stamp(now: datetime | None) -> str:
    return (now or timezone.now()).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _backup_pattern(label: str) -> re.Pattern[str]:
    return re.compile(rf"^relata-{re.escape(label)}-\d{{8}}T\d{{6}}Z\.(dump|sqlite3)$")


def current_row_counts(tables: set[str] | None = None) -> dict[str, int]:
    """Rows of each key table the configured database has."""
    if tables is None:
        tables = set(connection.introspection.table_names())
    return {
        label: apps.get_model(label)._base_manager.count()
        for label, table in key_tables().items()
        if table in tables
    }


def _target_path(output: Path | None, name: str) -> Path:
    if output is None:
        return backups_dir() / name
    if output.is_dir() or str(output).endswith(os.sep):
        return output / name
    return output


def _reserve(path: Path) -> Path:
    """An empty, owner-only ``<path>.partial`` to write into (backups hold personal data)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.exists() or manifest_path_for(path).exists():
        raise BackupError(_("%(file)s already exists; choose another --output.") % {"file": path})
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)  # left by a backup that was killed
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return partial


def _write(path: Path, *, created: datetime) -> Manifest:
    """Write the configured database to ``path`` with its manifest; both or neither."""
    vendor = engine()
    partial = _reserve(path)
    complete = False
    try:
        if vendor == POSTGRESQL:
            with postgres.snapshot() as snapshot_id:
                applied = postgres.applied_migrations()
                counts = current_row_counts()
                postgres.dump(partial, snapshot_id=snapshot_id)
            database, server = postgres.database_name(), postgres.server_version()
        else:
            live = sqlite.database_path()
            if not live.is_file():
                raise BackupError(_("%(file)s does not exist.") % {"file": live})
            sqlite.online_copy(live, partial)
            facts = sqlite.inspect(partial)
            applied, counts = facts.applied, facts.row_counts
            database, server = live.name, sqlite.sqlite_version()
        manifest = Manifest(
            format=vendor,
            file=path.name,
            sha256=sha256_of(partial),
            size=partial.stat().st_size,
            created_at=created.astimezone(UTC).isoformat(timespec="seconds"),
            database=database,
            server_version=server,
            relata_version=relata_version(),
            migrations=migration_heads(applied),
            row_counts=counts,
        )
        # The manifest first: a backup under its final name always has one.
        write_manifest(manifest, manifest_path_for(path))
        partial.replace(path)
        complete = True
    finally:
        if not complete:
            # Neither existed before (``_reserve`` checked): leave nothing half-made behind.
            partial.unlink(missing_ok=True)
            manifest_path_for(path).unlink(missing_ok=True)
    return manifest


def _audit(event: str, file: Path, **details: object) -> bool:
    """Record a backup or restore; False when the database has no audit trail (yet)."""
    try:
        record(
            AuditAction.BACKUP,
            object_type="database",
            object_id=database_label(),
            object_label=file.name,
            context={"event": event, "file": file.name, **details},
        )
    except DatabaseError:
        return False
    return True


def rotate(directory: Path, *, label: str, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups of this database in ``directory``.

    Only files named the way ``backup_create`` names them count; copies kept aside by a
    restore and files named with ``--output`` are never deleted.
    """
    pattern = _backup_pattern(label)
    backups = sorted(
        (path for path in directory.iterdir() if pattern.match(path.name)),
        key=lambda path: path.name,
        reverse=True,
    )
    removed = []
    for old in backups[keep:]:
        old.unlink()
        manifest_path_for(old).unlink(missing_ok=True)
        removed.append(old)
    return removed


def backup_create(
    *, output: Path | None = None, keep: int | None = None, now: datetime | None = None
) -> BackupResult:
    if keep is not None and keep < 1:
        raise BackupError(_("--keep must be 1 or more (it counts the new backup too)."))
    vendor = engine()
    created = now or timezone.now()
    label = database_label()
    path = _target_path(output, f"relata-{label}-{_stamp(created)}.{EXTENSIONS[vendor]}")
    manifest = _write(path, created=created)
    _audit("backup", path, sha256=manifest.sha256)
    removed = rotate(path.parent, label=label, keep=keep) if keep is not None else []
    return BackupResult(path=path, manifest=manifest, removed=removed)


def _backup_file(given: Path) -> Path:
    """The backup itself, also when its manifest was named."""
    if given.name.endswith(MANIFEST_SUFFIX):
        given = given.with_name(given.name[: -len(MANIFEST_SUFFIX)])
    if not given.is_file():
        raise BackupError(_("%(file)s does not exist.") % {"file": given})
    return given


def restore_plan(*, backup: Path) -> RestorePlan:
    """Check ``backup`` against the configured database; refuse what must not be restored."""
    vendor = engine()
    backup = _backup_file(backup)
    manifest = read_manifest(backup)
    if manifest.format != vendor:
        raise BackupError(
            _(
                "%(file)s is a %(backup)s backup but the configured database is %(here)s; "
                "a backup restores into the same kind of database only."
            )
            % {
                "file": backup.name,
                "backup": ENGINE_NAMES.get(manifest.format, manifest.format),
                "here": ENGINE_NAMES[vendor],
            }
        )
    verify_checksum(backup, manifest)
    heads = manifest.migrations
    toc: list[str] = []
    if vendor == SQLITE:
        heads = migration_heads(sqlite.inspect(backup).applied)
    else:
        toc = postgres.table_of_contents(backup)
        if "django_migrations" not in postgres.tables_in(toc):
            raise BackupError(
                _("%(file)s is a PostgreSQL dump but not of a Relata database.")
                % {"file": backup.name}
            )
    unknown = unknown_migrations(heads)
    if unknown:
        raise BackupError(
            _(
                "%(file)s was made by a newer Relata (%(version)s): this code does not know "
                "its migrations %(migrations)s. Install that version (or newer) first, then "
                "restore. Nothing was restored."
            )
            % {
                "file": backup.name,
                "version": manifest.relata_version,
                "migrations": ", ".join(unknown),
            }
        )
    tables = set(connection.introspection.table_names())
    if vendor == POSTGRESQL:
        extra = sorted(tables - postgres.tables_in(toc))
        if extra:
            raise BackupError(
                _(
                    "The database %(db)s has tables the backup does not have (%(tables)s), "
                    "e.g. from a later upgrade; restoring would leave them behind. Restore "
                    "into an empty database instead (createdb, then point DATABASE_URL at "
                    "it). Nothing was restored."
                )
                % {"db": postgres.database_name(), "tables": ", ".join(extra[:10])}
            )
        target_name = postgres.database_name()
        target = _('database "%(db)s" on %(address)s') % {
            "db": target_name,
            "address": postgres.database_address(),
        }
    else:
        target, target_name = str(sqlite.database_path()), sqlite.database_path().name
    return RestorePlan(
        backup=backup,
        manifest=manifest,
        engine=vendor,
        target=target,
        target_name=target_name,
        target_tables=len(tables),
        current_counts=current_row_counts(tables),
        apps_to_migrate=apps_behind_code(heads),
        erased_since=erased_since(manifest.created_at),
        toc=toc,
        other_sessions=postgres.other_sessions() if vendor == POSTGRESQL else 0,
    )


def restore_apply(
    plan: RestorePlan, *, keep_copy: bool = True, now: datetime | None = None
) -> RestoreResult:
    """Replace the configured database with the backup; the replaced data is kept aside."""
    created = now or timezone.now()
    kept: Path | None = None
    if plan.engine == POSTGRESQL:
        if keep_copy and plan.replaces_data:
            kept = backups_dir() / (
                f"before-restore-{database_label()}-{_stamp(created)}.{EXTENSIONS[POSTGRESQL]}"
            )
            _write(kept, created=created)
        with tempfile.TemporaryDirectory(prefix="relata-restore-") as work:
            postgres.restore(plan.backup, toc=plan.toc, work_dir=Path(work))
    else:
        live = sqlite.database_path()
        connections.close_all()
        if keep_copy and live.exists():
            # With a manifest, so ``relata restore`` can put it back if need be.
            kept = sqlite.aside_path(live, _stamp(created))
            try:
                _write(kept, created=created)
            except BackupError:
                sqlite.copy_damaged(live, kept)
            connections.close_all()
        sqlite.restore_into(plan.backup, live)
    connections.close_all()
    counts = current_row_counts()
    differ = sorted(
        label
        for label, rows in plan.manifest.row_counts.items()
        if label in counts and counts[label] != rows
    )
    if differ:
        raise BackupError(
            _("Restored, but the row counts differ from the manifest for %(tables)s.")
            % {"tables": ", ".join(differ)}
        )
    audited = _audit(
        "restore",
        plan.backup,
        sha256=plan.manifest.sha256,
        kept_aside=kept.name if kept else "",
        erased_since_backup=plan.erased_since,
    )
    again = erase_again(
        plan.erased_since, backup_name=plan.backup.name, schema_current=not plan.apps_to_migrate
    )
    return RestoreResult(
        plan=plan, kept_aside=kept, row_counts=counts, audited=audited, erased_again=again
    )
