"""SQLite: copies through SQLite's online backup API, never by copying the file.

A plain file copy of a database in WAL mode misses what is still in the ``-wal`` file and can
catch a page half-written; the backup API copies a consistent snapshot while the app keeps
running, and writing a backup *into* the live file goes through SQLite's locks as well.
"""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from relata.web.backups.errors import BackupError
from relata.web.backups.manifest import key_tables

SQLITE_HEADER = b"SQLite format 3\x00"
# A table every Relata database has (besides django_migrations).
RELATA_TABLE = "customers_customer"


@dataclass(frozen=True)
class SqliteFacts:
    applied: list[tuple[str, str]]
    row_counts: dict[str, int]


def database_path() -> Path:
    return Path(str(settings.DATABASES["default"]["NAME"]))


def sqlite_version() -> str:
    return sqlite3.sqlite_version


def is_sqlite_file(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER


def online_copy(source: Path, target: Path) -> None:
    """A consistent copy of ``source`` as a self-contained file (no ``-wal`` beside it)."""
    try:
        src = sqlite3.connect(source, timeout=20)
        try:
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=DELETE")
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as error:
        raise BackupError(
            _("Copying %(source)s failed: %(reason)s") % {"source": source, "reason": error}
        ) from error


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def inspect(path: Path) -> SqliteFacts:
    """Check ``path`` is an intact Relata SQLite database; its migrations and row counts."""
    if not path.is_file():
        raise BackupError(_("%(file)s does not exist.") % {"file": path})
    if not is_sqlite_file(path):
        raise BackupError(_("%(file)s is not a SQLite database.") % {"file": path})
    try:
        con = _read_only(path)
        try:
            integrity = [str(row[0]) for row in con.execute("PRAGMA integrity_check")]
            if integrity != ["ok"]:
                raise BackupError(
                    _("%(file)s is damaged (integrity check: %(result)s).")
                    % {"file": path, "result": "; ".join(integrity[:3])}
                )
            tables = {
                str(row[0])
                for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            if "django_migrations" not in tables or RELATA_TABLE not in tables:
                raise BackupError(
                    _(
                        "%(file)s is a SQLite database but not a Relata one (it has no "
                        "django_migrations or customers table)."
                    )
                    % {"file": path}
                )
            applied = sorted(
                (str(app), str(name))
                for app, name in con.execute("SELECT app, name FROM django_migrations")
            )
            counts = {}
            for label, table in key_tables().items():
                if table in tables:
                    # The name comes from the model and is known to exist in this file.
                    quoted = '"' + table.replace('"', '""') + '"'
                    counts[label] = int(
                        con.execute(f"SELECT COUNT(*) FROM {quoted}").fetchone()[0]  # noqa: S608
                    )
        finally:
            con.close()
    except sqlite3.Error as error:
        raise BackupError(
            _("%(file)s cannot be read as a SQLite database: %(reason)s")
            % {"file": path, "reason": error}
        ) from error
    return SqliteFacts(applied=applied, row_counts=counts)


def aside_path(live: Path, stamp: str) -> Path:
    """Where the database about to be replaced is kept: ``<name>.before-restore``.

    An earlier ``.before-restore`` is never overwritten: the new copy then carries the time.
    """
    aside = live.with_name(f"{live.name}.before-restore")
    if aside.exists():
        aside = live.with_name(f"{live.name}.{stamp}.before-restore")
    return aside


def copy_damaged(live: Path, aside: Path) -> None:
    """Keep a file SQLite cannot back up (damaged, or not a database) byte for byte."""
    shutil.copy2(live, aside)
    aside.chmod(0o600)


def restore_into(backup: Path, live: Path) -> None:
    """Write the backup's pages into the live database through SQLite's own locking."""
    try:
        src = _read_only(backup)
        try:
            dst = sqlite3.connect(live, timeout=20)
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as error:
        raise BackupError(
            _("Writing the backup into %(live)s failed: %(reason)s (is Relata still running?)")
            % {"live": live, "reason": error}
        ) from error
