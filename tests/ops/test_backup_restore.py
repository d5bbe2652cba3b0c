"""``relata backup`` and ``relata restore`` end to end, in child processes (see ``running``).

SQLite runs always (a scratch file); PostgreSQL runs when the suite runs on PostgreSQL, in a
scratch database the test creates and drops (pytest's own test database sits inside a
transaction and cannot be replaced).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import dj_database_url
import psycopg
import pytest
from psycopg import sql

from relata.web.backups.manifest import (
    Manifest,
    manifest_path_for,
    migration_heads,
    read_manifest,
    sha256_of,
    write_manifest,
)
from tests.ops.running import (
    Install,
    backup_files,
    install,
    mutate,
    probe,
    relata,
    relata_env,
    seed,
)


def _fake_backup(path: Path, *, format: str) -> Path:
    """A manifest that matches ``path`` byte for byte, as if ``relata backup`` wrote it."""
    write_manifest(
        Manifest(
            format=format,
            file=path.name,
            sha256=sha256_of(path),
            size=path.stat().st_size,
            created_at="2026-01-01T00:00:00+00:00",
            database="relata",
            server_version="test",
            relata_version="0.1.0",
        ),
        manifest_path_for(path),
    )
    return path


def _refused(result_stderr: str, returncode: int) -> None:
    assert returncode == 1
    assert "Traceback" not in result_stderr


# ---------------------------------------------------------------------------------- SQLite


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("template")
    database = folder / "relata.sqlite3"
    seed(relata_env(f"sqlite:///{database}", folder / "data"))
    con = sqlite3.connect(database)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # all of it in the one file we copy
    con.close()
    return database


@pytest.fixture
def sqlite_install(sqlite_template: Path, tmp_path: Path) -> Install:
    database = tmp_path / "relata.sqlite3"
    shutil.copy(sqlite_template, database)
    return install(f"sqlite:///{database}", tmp_path / "data")


@pytest.fixture(scope="module")
def template_backup(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One backup of the template's data, made once; tests that only restore copy it."""
    folder = tmp_path_factory.mktemp("template-backup")
    database = folder / "relata.sqlite3"
    shutil.copy(sqlite_template, database)
    source = install(f"sqlite:///{database}", folder / "data")
    relata("backup", env=source.env)
    [backup] = backup_files(source.backups)
    return backup


@pytest.fixture
def sqlite_backup(template_backup: Path, sqlite_install: Install) -> Path:
    """A backup of the data ``sqlite_install`` starts with, in its backups folder."""
    sqlite_install.backups.mkdir(parents=True)
    for path in (template_backup, manifest_path_for(template_backup)):
        shutil.copy(path, sqlite_install.backups / path.name)
    return sqlite_install.backups / template_backup.name


def test_sqlite_round_trip_brings_back_deleted_and_changed_data(
    sqlite_install: Install,
) -> None:
    # given a database with customers and orders, and a backup of it
    before = probe(sqlite_install)
    relata("backup", env=sqlite_install.env)
    [backup] = backup_files(sqlite_install.backups)
    # when orders are deleted and a total and a name changed, and the backup is restored
    mutate(sqlite_install)
    damaged = probe(sqlite_install)
    restored = relata("restore", str(backup), "--yes", env=sqlite_install.env)
    after = probe(sqlite_install)
    # then everything is as it was at the backup: counts and the checksum of order totals
    assert damaged["orders"] == before["orders"] - 5
    assert damaged["order_totals"] != before["order_totals"]
    for key in ("customers", "orders", "order_lines", "order_totals", "revenue", "names"):
        assert after[key] == before[key], key
    # and the replaced database is kept aside, the restore is in the audit trail
    kept = sqlite_install.data_dir.parent / "relata.sqlite3.before-restore"
    assert "relata.sqlite3.before-restore" in restored.stdout
    con = sqlite3.connect(kept)
    assert con.execute("SELECT COUNT(*) FROM sales_order").fetchone()[0] == damaged["orders"]
    con.close()
    assert read_manifest(kept).row_counts["sales.Order"] == damaged["orders"]  # restorable
    assert after["backup_events"][-1]["event"] == "restore"
    assert after["backup_events"][-1]["file"] == backup.name


def test_sqlite_backup_writes_a_private_file_and_a_truthful_manifest(
    sqlite_install: Install,
) -> None:
    # given a seeded database
    before = probe(sqlite_install)
    # when it is backed up
    result = relata("backup", env=sqlite_install.env)
    # then the backup is readable by its owner only and its manifest describes it exactly
    [backup] = backup_files(sqlite_install.backups)
    assert backup.name.startswith("relata-relata-") and backup.suffix == ".sqlite3"
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    manifest = read_manifest(backup)
    assert manifest.format == "sqlite"
    assert manifest.sha256 == sha256_of(backup)
    assert manifest.size == backup.stat().st_size
    assert manifest.row_counts["customers.Customer"] == before["customers"] == 30
    assert manifest.row_counts["sales.Order"] == before["orders"]
    assert "customers" in manifest.migrations and "audit" in manifest.migrations
    assert str(backup) in result.stdout
    # and the backup itself is in the audit trail
    assert probe(sqlite_install)["backup_events"] == [
        {"event": "backup", "file": backup.name, "sha256": manifest.sha256}
    ]


def test_restore_refuses_a_database_holding_data_without_force(
    sqlite_install: Install,
    sqlite_backup: Path,
) -> None:
    # given a backup, and changes made after it
    mutate(sqlite_install)
    changed = probe(sqlite_install)
    # when it is restored from a script without --force (stdin is no terminal)
    result = relata("restore", str(sqlite_backup), env=sqlite_install.env, check=False)
    # then it says what would be replaced, refuses, and changes nothing
    _refused(result.stderr, result.returncode)
    assert "Not restored: the database holds data" in result.stderr
    assert "sales.Order" in result.stdout and "in backup" in result.stdout
    assert probe(sqlite_install)["order_totals"] == changed["order_totals"]


def test_restore_into_a_new_installation_needs_no_confirmation(
    sqlite_install: Install, sqlite_backup: Path, tmp_path: Path
) -> None:
    # given a backup, and an installation without a database yet
    before = probe(sqlite_install)
    fresh = install(f"sqlite:///{tmp_path / 'new.sqlite3'}", tmp_path / "new-data")
    # when the backup is restored there without --force
    result = relata("restore", str(sqlite_backup), env=fresh.env)
    # then the new installation holds the same data
    assert "nothing is replaced" in result.stdout
    assert probe(fresh)["order_totals"] == before["order_totals"]


def test_restore_erases_again_a_customer_erased_after_the_backup(
    sqlite_install: Install, sqlite_backup: Path
) -> None:
    # given a backup, and a customer whose personal data was erased after it was made
    con = sqlite_install.connect()
    number, name = con.execute(
        "SELECT customer_number, last_name FROM customers_customer ORDER BY id LIMIT 1"
    ).fetchone()
    con.close()
    relata("erase-customer", number, "--reason", "Asked by phone", "--yes", env=sqlite_install.env)
    # when the backup is restored
    result = relata("restore", str(sqlite_backup), "--yes", env=sqlite_install.env)
    # then the customer does not come back: the erasure is applied again, and reported
    assert f"Erased again (erased after this backup was made): {number}." in result.stdout
    con = sqlite_install.connect()
    erased_at, last_name = con.execute(
        "SELECT erased_at, last_name FROM customers_customer WHERE customer_number = ?",
        (number,),
    ).fetchone()
    con.close()
    assert erased_at is not None
    assert last_name != name
    assert probe(sqlite_install)["backup_events"][-1]["event"] == "restore"


def test_restore_of_a_missing_file_says_so(sqlite_install: Install) -> None:
    # given a path where no backup is
    missing = sqlite_install.backups / "relata-relata-20200101T000000Z.sqlite3"
    # when it is restored
    result = relata("restore", str(missing), "--yes", env=sqlite_install.env, check=False)
    # then the message names the file, without a traceback
    _refused(result.stderr, result.returncode)
    assert f"{missing} does not exist." in result.stderr


def test_restore_without_its_manifest_names_the_missing_file(
    sqlite_install: Install, sqlite_backup: Path
) -> None:
    # given a backup whose manifest was not copied along
    manifest_path_for(sqlite_backup).unlink()
    # when it is restored
    result = relata("restore", str(sqlite_backup), "--yes", env=sqlite_install.env, check=False)
    # then restore names the manifest it expected
    _refused(result.stderr, result.returncode)
    assert f"The manifest {manifest_path_for(sqlite_backup)} is missing" in result.stderr


def test_restore_refuses_a_damaged_backup(sqlite_install: Install, sqlite_backup: Path) -> None:
    # given a backup with one byte changed after it was written
    before = probe(sqlite_install)
    data = bytearray(sqlite_backup.read_bytes())
    data[len(data) // 2] ^= 0xFF
    sqlite_backup.write_bytes(bytes(data))
    mutate(sqlite_install)
    changed = probe(sqlite_install)
    # when it is restored
    result = relata("restore", str(sqlite_backup), "--yes", env=sqlite_install.env, check=False)
    # then the checksum mismatch is reported and the database is untouched
    _refused(result.stderr, result.returncode)
    assert "does not match its manifest" in result.stderr
    assert "Nothing was restored." in result.stderr
    assert probe(sqlite_install)["order_totals"] == changed["order_totals"]
    assert changed["order_totals"] != before["order_totals"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        ("text", "is not a SQLite database"),
        ("foreign", "is a SQLite database but not a Relata one"),
    ],
)
def test_restore_refuses_a_file_that_is_not_a_relata_database(
    sqlite_install: Install, tmp_path: Path, make: str, message: str
) -> None:
    # given a file with a valid manifest that is not a Relata SQLite database
    bogus = tmp_path / "relata-relata-20260101T000000Z.sqlite3"
    if make == "text":
        bogus.write_text("customer_number;name\nC-1;Jansen\n")
    else:
        with sqlite3.connect(bogus) as con:
            con.execute("CREATE TABLE notes (body TEXT)")
        con.close()
    _fake_backup(bogus, format="sqlite")
    before = probe(sqlite_install)
    # when it is restored
    result = relata("restore", str(bogus), "--yes", env=sqlite_install.env, check=False)
    # then restore says what the file is, and the database is untouched
    _refused(result.stderr, result.returncode)
    assert message in result.stderr
    assert probe(sqlite_install)["order_totals"] == before["order_totals"]


def test_restore_refuses_a_backup_from_newer_migrations(
    sqlite_install: Install, sqlite_backup: Path
) -> None:
    # given a backup made by code that had one more customers migration than this code
    with sqlite3.connect(sqlite_backup) as con:
        con.execute(
            "INSERT INTO django_migrations (app, name, applied) "
            "VALUES ('customers', '9999_from_the_future', '2030-01-01 00:00:00')"
        )
        applied = con.execute("SELECT app, name FROM django_migrations").fetchall()
    con.close()
    old = read_manifest(sqlite_backup)
    write_manifest(
        replace(
            old,
            sha256=sha256_of(sqlite_backup),
            size=sqlite_backup.stat().st_size,
            relata_version="9.0.0",
            migrations=migration_heads(applied),
        ),
        manifest_path_for(sqlite_backup),
    )
    # when it is restored
    result = relata("restore", str(sqlite_backup), "--yes", env=sqlite_install.env, check=False)
    # then restore refuses and names the migration and the version to install
    _refused(result.stderr, result.returncode)
    assert "made by a newer Relata (9.0.0)" in result.stderr
    assert "customers.9999_from_the_future" in result.stderr


def test_backup_keep_removes_only_the_oldest_of_its_own_backups(sqlite_install: Install) -> None:
    # given three older backups of this database, a copy kept by a restore and another file
    folder = sqlite_install.backups
    folder.mkdir(parents=True)
    older = [folder / f"relata-relata-2026010{day}T020000Z.sqlite3" for day in (1, 2, 3)]
    others = [folder / "before-restore-relata-20260101T000000Z.dump", folder / "notes.txt"]
    for path in [*older, *others]:
        path.write_text("old")
        manifest_path_for(path).write_text("{}")
    # when a new backup is made keeping two
    result = relata("backup", "--keep", "2", env=sqlite_install.env)
    # then the new one and the newest older one remain, with their manifests
    remaining = backup_files(folder)
    assert len(remaining) == 2
    assert older[2] in remaining
    assert all(manifest_path_for(path).exists() for path in remaining)
    assert not older[0].exists() and not manifest_path_for(older[0]).exists()
    assert not older[1].exists()
    assert "Removed 2 older backups" in result.stdout
    # and files that are not its own backups are left alone
    assert all(path.exists() for path in others)


def test_backup_keep_zero_is_refused(sqlite_install: Install) -> None:
    # given a database
    # when a backup is asked to keep none
    result = relata("backup", "--keep", "0", env=sqlite_install.env, check=False)
    # then it is refused with the reason and no file is written
    _refused(result.stderr, result.returncode)
    assert "--keep must be 1 or more" in result.stderr
    assert not sqlite_install.backups.exists() or not backup_files(sqlite_install.backups)


# ------------------------------------------------------------------------------ PostgreSQL

ON_POSTGRESQL = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def _admin_connection() -> psycopg.Connection:
    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    return psycopg.connect(
        host=config["HOST"] or "127.0.0.1",
        port=config["PORT"] or 5432,
        user=config["USER"] or "postgres",
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def _scratch_url(name: str) -> str:
    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    user = config["USER"] or "postgres"
    password = f":{config['PASSWORD']}" if config["PASSWORD"] else ""
    host = config["HOST"] or "127.0.0.1"
    return f"postgres://{user}{password}@{host}:{config['PORT'] or 5432}/{name}"


def _create_database(name: str) -> None:
    _drop_database(name)
    with _admin_connection() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _drop_database(name: str) -> None:
    with _admin_connection() as admin:
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        admin.execute(drop.format(sql.Identifier(name)))


def _execute(name: str, statement: sql.SQL) -> None:
    with psycopg.connect(_scratch_url(name), autocommit=True) as con:
        con.execute(statement)


@pytest.fixture(scope="module")
def pg_install(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Install]:
    if not ON_POSTGRESQL:
        pytest.skip("PostgreSQL backups run when the suite runs on PostgreSQL (DATABASE_URL)")
    name = f"relata_backup_test_{os.getpid()}"
    _create_database(name)
    target = install(_scratch_url(name), tmp_path_factory.mktemp("pg-data"))
    try:
        seed(target.env)
        yield target
    finally:
        _drop_database(name)


@pytest.fixture
def pg_clean_backups(pg_install: Install) -> Install:
    shutil.rmtree(pg_install.backups, ignore_errors=True)
    return pg_install


def test_postgresql_round_trip_brings_back_deleted_and_changed_data(
    pg_clean_backups: Install,
) -> None:
    pg = pg_clean_backups
    # given a database with customers and orders, and a backup of it
    before = probe(pg)
    relata("backup", "--keep", "14", env=pg.env)
    [backup] = backup_files(pg.backups)
    manifest = read_manifest(backup)
    # when orders are deleted and a total and a name changed, and the backup is restored
    mutate(pg)
    assert probe(pg)["order_totals"] != before["order_totals"]
    result = relata("restore", str(backup), "--yes", env=pg.env)
    after = probe(pg)
    # then everything is as it was at the backup
    assert backup.suffix == ".dump" and manifest.format == "postgresql"
    assert manifest.row_counts["sales.Order"] == before["orders"]
    for key in ("customers", "orders", "order_lines", "order_totals", "revenue", "names"):
        assert after[key] == before[key], key
    # and the replaced database was dumped aside first, the restore is in the audit trail
    [kept] = sorted(pg.backups.glob("before-restore-*.dump"))
    assert str(kept) in result.stdout
    assert read_manifest(kept).row_counts["sales.Order"] == before["orders"] - 5
    assert after["backup_events"][-1]["event"] == "restore"
    assert after["backup_events"][-1]["kept_aside"] == kept.name


def test_postgresql_restore_into_an_empty_database(pg_clean_backups: Install) -> None:
    pg = pg_clean_backups
    # given a backup and a freshly created, empty database
    before = probe(pg)
    relata("backup", env=pg.env)
    [backup] = backup_files(pg.backups)
    empty = f"relata_backup_test_{os.getpid()}_empty"
    _create_database(empty)
    try:
        target = install(_scratch_url(empty), pg.data_dir)
        # when the backup is restored there, without --force
        result = relata("restore", str(backup), env=target.env)
        # then the new database holds the same data, with its audit trail triggers
        assert "nothing is replaced" in result.stdout
        assert probe(target)["order_totals"] == before["order_totals"]
    finally:
        _drop_database(empty)


def test_postgresql_restore_refuses_a_database_with_tables_the_backup_lacks(
    pg_clean_backups: Install,
) -> None:
    pg = pg_clean_backups
    # given a backup, and a table added to the database afterwards (as by an upgrade)
    relata("backup", env=pg.env)
    [backup] = backup_files(pg.backups)
    name = pg.url.rsplit("/", 1)[1]
    _execute(name, sql.SQL("CREATE TABLE later_upgrade_table (id integer)"))
    try:
        # when the backup is restored
        result = relata("restore", str(backup), "--yes", env=pg.env, check=False)
    finally:
        _execute(name, sql.SQL("DROP TABLE later_upgrade_table"))
    # then restore refuses, names the table and says to restore into an empty database
    _refused(result.stderr, result.returncode)
    assert "later_upgrade_table" in result.stderr
    assert "Restore into an empty database instead" in result.stderr


def test_postgresql_restore_refuses_a_file_that_is_not_a_dump(
    pg_install: Install, tmp_path: Path
) -> None:
    # given a text file with a matching manifest
    bogus = tmp_path / "relata-x-20260101T000000Z.dump"
    bogus.write_text("not a dump")
    _fake_backup(bogus, format="postgresql")
    # when it is restored
    result = relata("restore", str(bogus), "--yes", env=pg_install.env, check=False)
    # then pg_restore's verdict is passed on, without a traceback
    _refused(result.stderr, result.returncode)
    assert "is not a PostgreSQL dump that pg_restore can read" in result.stderr


def test_postgresql_restore_refuses_a_sqlite_backup(pg_install: Install, tmp_path: Path) -> None:
    # given a SQLite backup
    other = tmp_path / "relata-relata-20260101T000000Z.sqlite3"
    other.write_bytes(b"SQLite format 3\x00")
    _fake_backup(other, format="sqlite")
    # when it is restored into PostgreSQL
    result = relata("restore", str(other), "--yes", env=pg_install.env, check=False)
    # then restore explains that backups restore into the same kind of database
    _refused(result.stderr, result.returncode)
    assert "is a SQLite backup but the configured database is PostgreSQL" in result.stderr


def test_postgresql_backup_without_pg_dump_says_what_to_install(
    pg_install: Install, tmp_path: Path
) -> None:
    # given a machine without the PostgreSQL client tools on the PATH
    env = {**pg_install.env, "PATH": str(tmp_path)}
    # when a backup is made
    result = relata("backup", env=env, check=False)
    # then the message names the tool and the package
    _refused(result.stderr, result.returncode)
    assert "pg_dump was not found" in result.stderr
    assert "apt-get install postgresql-client-" in result.stderr


def test_postgresql_backup_with_a_too_old_pg_dump_is_refused(
    pg_install: Install, tmp_path: Path
) -> None:
    # given a pg_dump older than the server
    fake = tmp_path / "pg_dump"
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    fake.chmod(0o755)
    env = {**pg_install.env, "PATH": str(tmp_path)}
    # when a backup is made
    result = relata("backup", "--output", str(tmp_path / "out.dump"), env=env, check=False)
    # then the version mismatch is explained and no file is left behind
    _refused(result.stderr, result.returncode)
    assert "pg_dump is version 9 but the server runs PostgreSQL" in result.stderr
    assert not (tmp_path / "out.dump").exists()
    assert not list(tmp_path.glob("out.dump*"))
