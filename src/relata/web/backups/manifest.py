"""The manifest written next to every backup, and the facts it records.

A manifest lets ``restore`` check a backup before it replaces anything: the checksum proves
the file is the one that was written, the migration heads say which code can read it, and
the row counts of key tables say what will come back (and are compared after the restore).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db.migrations.graph import MigrationGraph
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _

from relata.web.backups.errors import BackupError

MANIFEST_VERSION = 1
MANIFEST_SUFFIX = ".manifest.json"

# Counted at backup time and again after a restore; missing models are skipped.
KEY_MODELS = (
    "auth.User",
    "customers.Customer",
    "customers.Consent",
    "sales.Order",
    "sales.OrderLine",
    "sales.Deal",
    "contacts.ContactMoment",
    "contacts.Task",
    "contacts.Complaint",
    "scoring.CustomerSnapshot",
    "audit.AuditEntry",
)


@dataclass(frozen=True)
class Manifest:
    format: str  # "postgresql" or "sqlite"
    file: str  # the backup's file name, without its folder
    sha256: str
    size: int
    created_at: str  # ISO 8601, UTC
    database: str
    server_version: str
    relata_version: str
    # {app label: [head migration names]} of the migrations applied in the backed-up database
    migrations: dict[str, list[str]] = field(default_factory=dict)
    row_counts: dict[str, int] = field(default_factory=dict)
    manifest_version: int = MANIFEST_VERSION


def manifest_path_for(backup: Path) -> Path:
    return backup.with_name(backup.name + MANIFEST_SUFFIX)


def relata_version() -> str:
    try:
        return metadata.version("relata")
    except metadata.PackageNotFoundError:
        return "unknown"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def key_tables() -> dict[str, str]:
    """{model label: database table} of the key models this installation has."""
    tables: dict[str, str] = {}
    for label in KEY_MODELS:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        tables[label] = model._meta.db_table
    return tables


@cache
def _code_graph() -> MigrationGraph:
    """The migrations this code ships (read from disk, no database needed)."""
    graph: MigrationGraph = MigrationLoader(None, ignore_no_migrations=True).graph
    return graph


def migration_heads(applied: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Per app, the applied migrations that no other applied migration of that app follows.

    Migrations the code does not know are heads too: restore then names them.
    """
    graph = _code_graph()
    by_app: dict[str, set[str]] = {}
    for app, name in applied:
        by_app.setdefault(app, set()).add(name)
    heads: dict[str, list[str]] = {}
    for app, names in sorted(by_app.items()):
        app_heads = []
        for name in sorted(names):
            node = graph.node_map.get((app, name))
            followed = node is not None and any(
                child.key[0] == app and child.key[1] in names for child in node.children
            )
            if not followed:
                app_heads.append(name)
        heads[app] = app_heads
    return heads


def unknown_migrations(heads: dict[str, list[str]]) -> list[str]:
    """Each head this code does not ship, as "app.migration": the backup is from newer code."""
    nodes = _code_graph().nodes
    return [
        f"{app}.{name}"
        for app, names in sorted(heads.items())
        for name in names
        if (app, name) not in nodes
    ]


def apps_behind_code(heads: dict[str, list[str]]) -> list[str]:
    """Apps whose code has migrations the backup has not applied (``relata migrate`` after)."""
    graph = _code_graph()
    behind = []
    for app, leaf in sorted(graph.leaf_nodes()):
        if leaf not in heads.get(app, []):
            behind.append(app)
    return sorted(set(behind))


def write_manifest(manifest: Manifest, path: Path) -> None:
    path.write_text(json.dumps(asdict(manifest), indent=2, sort_keys=True) + "\n")


def read_manifest(backup: Path) -> Manifest:
    path = manifest_path_for(backup)
    if not path.is_file():
        raise BackupError(
            _(
                "The manifest %(manifest)s is missing. Every backup is written with its "
                "manifest next to it; copy both files together."
            )
            % {"manifest": path}
        )
    try:
        raw: Any = json.loads(path.read_text())
        manifest = Manifest(
            format=str(raw["format"]),
            file=str(raw["file"]),
            sha256=str(raw["sha256"]),
            size=int(raw["size"]),
            created_at=str(raw["created_at"]),
            database=str(raw["database"]),
            server_version=str(raw["server_version"]),
            relata_version=str(raw["relata_version"]),
            migrations={str(k): [str(n) for n in v] for k, v in raw["migrations"].items()},
            row_counts={str(k): int(v) for k, v in raw["row_counts"].items()},
            manifest_version=int(raw["manifest_version"]),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise BackupError(
            _("The manifest %(manifest)s is not readable: %(reason)s")
            % {"manifest": path, "reason": error}
        ) from error
    if manifest.manifest_version > MANIFEST_VERSION:
        raise BackupError(
            _("The manifest %(manifest)s was written by a newer Relata (%(version)s).")
            % {"manifest": path, "version": manifest.relata_version}
        )
    return manifest


def verify_checksum(backup: Path, manifest: Manifest) -> None:
    size = backup.stat().st_size
    if size != manifest.size or sha256_of(backup) != manifest.sha256:
        raise BackupError(
            _(
                "The checksum of %(file)s does not match its manifest: the file is damaged "
                "or incomplete (%(size)d bytes, the manifest expects %(expected)d). "
                "Nothing was restored."
            )
            % {"file": backup, "size": size, "expected": manifest.size}
        )
