"""The backup manifest: migration heads, what they say about the code, and the JSON file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.db.migrations.loader import MigrationLoader

from relata.web.backups.errors import BackupError
from relata.web.backups.manifest import (
    Manifest,
    apps_behind_code,
    manifest_path_for,
    migration_heads,
    read_manifest,
    sha256_of,
    unknown_migrations,
    verify_checksum,
    write_manifest,
)


def _code_migrations() -> list[tuple[str, str]]:
    return sorted(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)


def _manifest(path: Path) -> Manifest:
    return Manifest(
        format="postgresql",
        file=path.name,
        sha256=sha256_of(path),
        size=path.stat().st_size,
        created_at="2026-01-01T00:00:00+00:00",
        database="relata",
        server_version="15.20",
        relata_version="0.1.0",
        migrations={"customers": ["0006_customer_erasure"]},
        row_counts={"customers.Customer": 3},
    )


def test_a_database_with_every_migration_is_current() -> None:
    # given a database that applied every migration this code ships
    applied = _code_migrations()
    # when its heads are taken
    heads = migration_heads(applied)
    # then each app has exactly one head, all known, none behind the code
    assert all(len(names) == 1 for names in heads.values())
    assert unknown_migrations(heads) == []
    assert apps_behind_code(heads) == []


def test_a_database_missing_the_latest_customers_migration_is_behind() -> None:
    # given a database that lacks the newest customers migration
    customers = [m for m in _code_migrations() if m[0] == "customers"]
    applied = [m for m in _code_migrations() if m != customers[-1]]
    # when its heads are taken
    heads = migration_heads(applied)
    # then the head is the one before, known to the code, and customers needs a migrate
    assert heads["customers"] == [customers[-2][1]]
    assert unknown_migrations(heads) == []
    assert "customers" in apps_behind_code(heads)


def test_a_migration_the_code_does_not_ship_is_named() -> None:
    # given a database with one migration more than this code knows
    applied = [*_code_migrations(), ("sales", "9999_future")]
    # when its heads are checked
    heads = migration_heads(applied)
    # then that migration is reported as unknown
    assert unknown_migrations(heads) == ["sales.9999_future"]


def test_manifest_round_trips_through_json(tmp_path: Path) -> None:
    # given a manifest with migrations and counts
    path = tmp_path / "relata-x-20260101T000000Z.dump"
    path.write_bytes(b"x")
    manifest = _manifest(path)
    # when it is written and read back
    write_manifest(manifest, manifest_path_for(path))
    # then it is the same, and the file on disk is plain JSON
    assert read_manifest(path) == manifest
    assert json.loads(manifest_path_for(path).read_text())["row_counts"] == {
        "customers.Customer": 3
    }


def test_an_unreadable_manifest_is_reported_with_its_name(tmp_path: Path) -> None:
    # given a backup whose manifest is cut short
    path = tmp_path / "relata-x-20260101T000000Z.dump"
    path.write_bytes(b"x")
    manifest_path_for(path).write_text('{"format": "postgresql", ')
    # when it is read
    with pytest.raises(BackupError) as refused:
        read_manifest(path)
    # then the message names the manifest
    assert f"The manifest {manifest_path_for(path)} is not readable" in str(refused.value)


def test_a_file_changed_after_its_manifest_fails_the_checksum(tmp_path: Path) -> None:
    # given a backup with its manifest, then one byte of the backup changed
    path = tmp_path / "relata-x-20260101T000000Z.dump"
    path.write_bytes(b"abc")
    manifest = _manifest(path)
    path.write_bytes(b"abd")
    # when its checksum is verified
    with pytest.raises(BackupError) as refused:
        verify_checksum(path, manifest)
    # then it is refused as damaged
    assert "does not match its manifest" in str(refused.value)
