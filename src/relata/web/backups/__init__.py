"""``relata backup`` and ``relata restore``: whole-database backups with a checked manifest.

PostgreSQL is dumped with ``pg_dump --format=custom`` from an exported snapshot, SQLite is
copied with SQLite's online backup API; both get a JSON manifest (format, Relata version,
migration heads, row counts, sha256) that ``restore`` checks before it replaces anything.
See docs/decisions/0995-backups-and-production.md.

- ``errors``: ``BackupError``, the one exception commands turn into a clear message.
- ``manifest``: the manifest file, migration heads and row counts of key tables.
- ``postgres`` / ``sqlite``: the two engines.
- ``erasures``: customers erased after a backup are erased again after restoring it.
- ``services``: ``backup_create``, ``restore_plan``, ``restore_apply``, rotation.
"""
