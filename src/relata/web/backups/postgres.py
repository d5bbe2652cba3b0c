"""PostgreSQL: ``pg_dump --format=custom`` out, ``pg_restore --single-transaction`` in.

The connection comes from ``settings.DATABASES["default"]`` and is handed to the client tools
through the libpq environment variables, so the password never appears on a command line
(where ``ps`` would show it).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils.translation import gettext as _

from relata.web.backups.errors import BackupError

# libpq environment variables for the OPTIONS dj-database-url passes through from the URL.
_OPTION_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}
_TOC_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (\S+) (\S+) ")
_TOC_EXTENSION = re.compile(r"^\d+; \d+ \d+ (EXTENSION - |COMMENT - EXTENSION )(\S+)")


def database_name() -> str:
    return str(settings.DATABASES["default"]["NAME"])


def database_address() -> str:
    config = settings.DATABASES["default"]
    return f"{config.get('HOST') or 'localhost'}:{config.get('PORT') or 5432}"


def client_env() -> dict[str, str]:
    """The environment for pg_dump/pg_restore: libpq variables from Django's settings."""
    config = settings.DATABASES["default"]
    # Whatever libpq would read for Django too (PGPASSFILE, PGSSLMODE …) stays; settings win.
    env = dict(os.environ)
    values = {
        "PGHOST": config.get("HOST"),
        "PGPORT": config.get("PORT"),
        "PGUSER": config.get("USER"),
        "PGPASSWORD": config.get("PASSWORD"),
        "PGDATABASE": config.get("NAME"),
        "PGAPPNAME": "relata-backup",
    }
    for option, variable in _OPTION_ENV.items():
        values[variable] = (config.get("OPTIONS") or {}).get(option)
    env.update({k: str(v) for k, v in values.items() if v not in (None, "")})
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            _(
                "%(tool)s was not found. Install the PostgreSQL client tools of your server's "
                "major version (Debian/Ubuntu: apt-get install postgresql-client-%(major)s)."
            )
            % {"tool": name, "major": server_major()}
        )
    return path


def _run(command: Sequence[str]) -> subprocess.CompletedProcess[str]:
    # Fixed programs and arguments we build ourselves; no shell.
    return subprocess.run(  # noqa: S603
        list(command), env=client_env(), capture_output=True, text=True, check=False
    )


def _stderr_tail(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    return "\n".join(lines[-5:]) or _("(no message; exit status %(code)d)") % {
        "code": result.returncode
    }


def server_major() -> int:
    connection.ensure_connection()
    return int(connection.pg_version) // 10000  # type: ignore[attr-defined]


def server_version() -> str:
    connection.ensure_connection()
    version = int(connection.pg_version)  # type: ignore[attr-defined]
    return f"{version // 10000}.{version % 10000}"


def _tool_major(path: str) -> int:
    result = _run([path, "--version"])
    match = re.search(r"(\d+)(?:\.\d+)?", result.stdout)
    if result.returncode != 0 or match is None:
        raise BackupError(
            _("%(tool)s --version failed: %(reason)s")
            % {"tool": path, "reason": _stderr_tail(result)}
        )
    return int(match.group(1))


def checked_tool(name: str) -> str:
    """The path of pg_dump or pg_restore, refusing one older than the server."""
    path = _tool(name)
    tool, server = _tool_major(path), server_major()
    if tool < server:
        raise BackupError(
            _(
                "%(tool)s is version %(tool_major)d but the server runs PostgreSQL "
                "%(server_major)d; a client older than the server cannot handle its data. "
                "Install postgresql-client-%(server_major)d."
            )
            % {"tool": name, "tool_major": tool, "server_major": server}
        )
    return path


@contextmanager
def snapshot() -> Iterator[str]:
    """A repeatable-read transaction whose snapshot pg_dump joins (``--snapshot``).

    Row counts and migrations read inside it describe exactly what the dump holds.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        # The transaction idles while pg_dump runs; a server-wide idle timeout must not end it.
        cursor.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
        cursor.execute("SELECT pg_export_snapshot()")
        row = cursor.fetchone()
        assert row is not None
        yield str(row[0])


def applied_migrations() -> list[tuple[str, str]]:
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return []
    return sorted(recorder.applied_migrations())


def dump(target: Path, *, snapshot_id: str) -> None:
    pg_dump = checked_tool("pg_dump")
    result = _run(
        [
            pg_dump,
            "--format=custom",
            "--no-password",
            f"--snapshot={snapshot_id}",
            f"--file={target}",
        ]
    )
    if result.returncode != 0:
        raise BackupError(_("pg_dump failed: %(reason)s") % {"reason": _stderr_tail(result)})


def table_of_contents(backup: Path) -> list[str]:
    """``pg_restore --list``: fails clearly when the file is not a custom-format dump."""
    pg_restore = checked_tool("pg_restore")
    result = _run([pg_restore, "--list", str(backup)])
    if result.returncode != 0:
        raise BackupError(
            _("%(file)s is not a PostgreSQL dump that pg_restore can read: %(reason)s")
            % {"file": backup, "reason": _stderr_tail(result)}
        )
    return result.stdout.splitlines()


def tables_in(toc: Sequence[str]) -> set[str]:
    return {m.group(2) for line in toc if (m := _TOC_TABLE.match(line))}


def other_sessions() -> int:
    """Other connections to this database: a running Relata (gunicorn, a job) or a psql.

    A restore waits for their open transactions and they wait for the restore; the command
    warns about them.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def installed_extensions() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension")
        return {str(row[0]) for row in cursor.fetchall()}


def restore(backup: Path, *, toc: Sequence[str], work_dir: Path) -> None:
    """Replace the configured database's objects with the dump's, in one transaction.

    Extensions the database already has are left out of the list: dropping and recreating
    them needs their owner (often a superuser), and ``CREATE EXTENSION`` is all the dump adds.
    """
    pg_restore = checked_tool("pg_restore")
    have = installed_extensions()
    keep = [line for line in toc if not ((m := _TOC_EXTENSION.match(line)) and m.group(2) in have)]
    use_list = work_dir / f".{backup.name}.restore-list"
    use_list.write_text("\n".join(keep) + "\n")
    connection.close()
    try:
        result = _run(
            [
                pg_restore,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-acl",
                "--single-transaction",
                "--exit-on-error",
                "--no-password",
                f"--use-list={use_list}",
                f"--dbname={database_name()}",
                str(backup),
            ]
        )
    finally:
        use_list.unlink(missing_ok=True)
    if result.returncode != 0:
        raise BackupError(
            _("pg_restore failed and rolled back; the database is as it was. %(reason)s")
            % {"reason": _stderr_tail(result)}
        )
