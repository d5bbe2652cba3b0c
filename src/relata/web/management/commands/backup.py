"""relata backup [--output PATH] [--keep N] — the whole database, with a checked manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from relata.audit.models import AuditSource
from relata.audit.services import origin
from relata.web.backups.errors import BackupError
from relata.web.backups.manifest import manifest_path_for
from relata.web.backups.services import backup_create


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # a data command; `relata check` does those
    help = ""  # set from translated_help when the parser is built
    translated_help = gettext_lazy(
        "Back up the database (PostgreSQL: pg_dump, SQLite: online backup) to "
        "data/backups/, with a manifest that relata restore checks."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        self.help = str(self.translated_help)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            help=_("file or folder to write to (default: data/backups/relata-<db>-<time>)"),
        )
        parser.add_argument(
            "--keep",
            type=int,
            help=_("keep only the newest N backups of this database in that folder"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with origin(AuditSource.CLI):
                result = backup_create(output=options["output"], keep=options["keep"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        except DatabaseError as error:
            raise CommandError(
                _("Backup failed: the database reported: %(reason)s") % {"reason": error}
            ) from None
        except OSError as error:
            raise CommandError(_("Backup failed: %(reason)s") % {"reason": error}) from None
        manifest = result.manifest
        self.stdout.write(
            _("Backup written: %(file)s (%(size)s)")
            % {"file": result.path, "size": filesizeformat(manifest.size)}
        )
        self.stdout.write(_("Manifest: %(file)s") % {"file": manifest_path_for(result.path)})
        for label, rows in manifest.row_counts.items():
            self.stdout.write(f"  {label:<28} {rows:>10}")
        if result.removed:
            self.stdout.write(
                ngettext(
                    "Removed %(n)d older backup: %(files)s",
                    "Removed %(n)d older backups: %(files)s",
                    len(result.removed),
                )
                % {"n": len(result.removed), "files": ", ".join(p.name for p in result.removed)}
            )
