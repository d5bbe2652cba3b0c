"""relata restore BACKUP [--force] [--no-copy] — put a backup back, after checking it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from relata.audit.models import AuditSource
from relata.audit.services import origin
from relata.web.backups.errors import BackupError
from relata.web.backups.services import ENGINE_NAMES, RestorePlan, restore_apply, restore_plan


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # the database may be empty or from older code
    help = ""  # set from translated_help when the parser is built
    translated_help = gettext_lazy(
        "Restore a backup made by relata backup into the configured database, after checking "
        "its checksum, format and migrations. Stop Relata first."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        self.help = str(self.translated_help)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", type=Path, help=_("the .dump or .sqlite3 file"))
        parser.add_argument(
            "--force",
            "--yes",
            dest="force",
            action="store_true",
            help=_("replace a database that holds data without asking (for scripts)"),
        )
        parser.add_argument(
            "--no-copy",
            action="store_true",
            help=_("do not keep a copy of the database being replaced"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with origin(AuditSource.CLI):
                plan = restore_plan(backup=options["backup"])
                self._describe(plan)
                if plan.replaces_data and not options["force"]:
                    self._confirm(plan)
                result = restore_apply(plan, keep_copy=not options["no_copy"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        except DatabaseError as error:
            raise CommandError(
                _("Restore failed: the database reported: %(reason)s") % {"reason": error}
            ) from None
        except OSError as error:
            raise CommandError(_("Restore failed: %(reason)s") % {"reason": error}) from None
        self.stdout.write(_("Restored %(file)s.") % {"file": plan.backup.name})
        if result.kept_aside:
            self.stdout.write(
                _("The replaced database is kept as %(file)s.") % {"file": result.kept_aside}
            )
        if plan.apps_to_migrate:
            self.stdout.write(
                _("The backup predates this code's migrations (%(apps)s): run relata migrate.")
                % {"apps": ", ".join(plan.apps_to_migrate)}
            )
        again = result.erased_again
        if again.done:
            self.stdout.write(
                ngettext(
                    "Erased again (erased after this backup was made): %(numbers)s.",
                    "Erased again (erased after this backup was made): %(numbers)s.",
                    len(again.done),
                )
                % {"numbers": ", ".join(again.done)}
            )
        if again.pending:
            self.stdout.write(
                ngettext(
                    "%(n)d customer was erased after this backup was made and is back in the "
                    "restored data: run relata migrate, then relata erase-customer for "
                    "%(numbers)s.",
                    "%(n)d customers were erased after this backup was made and are back in "
                    "the restored data: run relata migrate, then relata erase-customer for "
                    "each of %(numbers)s.",
                    len(again.pending),
                )
                % {"n": len(again.pending), "numbers": ", ".join(again.pending)}
            )
        if not result.audited:
            self.stdout.write(
                _("Not recorded in the audit trail: the restored database has none yet.")
            )

    def _describe(self, plan: RestorePlan) -> None:
        manifest = plan.manifest
        self.stdout.write(
            _("Backup: %(file)s (%(engine)s, made %(when)s by Relata %(version)s)")
            % {
                "file": plan.backup,
                "engine": ENGINE_NAMES[plan.engine],
                "when": manifest.created_at,
                "version": manifest.relata_version,
            }
        )
        self.stdout.write(_("Restore into: %(target)s") % {"target": plan.target})
        if not plan.replaces_data:
            self.stdout.write(_("The database is empty; nothing is replaced."))
            return
        self.stdout.write(f"  {'':<28} {_('now'):>10} {_('in backup'):>10}")
        for label in sorted(set(plan.current_counts) | set(manifest.row_counts)):
            now = plan.current_counts.get(label, "–")
            then = manifest.row_counts.get(label, "–")
            self.stdout.write(f"  {label:<28} {now!s:>10} {then!s:>10}")
        self.stdout.write(
            _(
                "Everything in this database is replaced by the backup. Stop Relata (gunicorn "
                "and the scheduled jobs) before you go on."
            )
        )
        if plan.other_sessions:
            self.stdout.write(
                ngettext(
                    "Warning: %(n)d other connection to this database is open (is Relata "
                    "still running?); the restore waits for its transactions.",
                    "Warning: %(n)d other connections to this database are open (is Relata "
                    "still running?); the restore waits for their transactions.",
                    plan.other_sessions,
                )
                % {"n": plan.other_sessions}
            )

    def _confirm(self, plan: RestorePlan) -> None:
        name = plan.target_name
        if not sys.stdin.isatty():
            raise CommandError(
                _(
                    "Not restored: the database holds data. Run again with --force (or --yes) "
                    "to replace it, or interactively to confirm by typing its name."
                )
            )
        try:
            answer = input(
                _('Type the database name ("%(name)s") to replace it: ') % {"name": name}
            )
        except (EOFError, KeyboardInterrupt):
            answer = ""
        if answer.strip() != name:
            raise CommandError(_("Not restored: the name did not match."))
