"""`relata retention [--apply]`: the retention rules of the privacy settings.

Without ``--apply`` it only counts what each rule would do now. Schedule the applying run,
e.g. nightly; it works in batches and can run again without doing anything twice."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relata.privacy.retention import BATCH_SIZE, RuleOutcome, retention_apply, retention_plan


class Command(BaseCommand):
    help = ""  # set from translated_help when the parser is built
    translated_help = gettext_lazy(
        "Apply the retention rules of the privacy settings: erase inactive customers, blank "
        "old contact notes and message texts. A dry run unless --apply is given."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        self.help = str(self.translated_help)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--apply", action="store_true", help=str(_("carry the rules out (default: dry run)"))
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            help=str(_("rows per transaction (default %(n)s)") % {"n": BATCH_SIZE}),
        )

    def _line(self, outcome: RuleOutcome, applied: bool) -> str:
        if not outcome.enabled:
            return _("%(rule)s: off") % {"rule": outcome.label}
        if applied:
            return _("%(label)s: %(done)s done") % {
                "label": outcome.label,
                "done": f"{outcome.done:,}",
            }
        return _("%(label)s: would apply to %(found)s") % {
            "label": outcome.label,
            "found": f"{outcome.found:,}",
        }

    def handle(self, *args: Any, **options: Any) -> None:
        applied = bool(options["apply"])
        batch_size = max(1, int(options["batch_size"]))
        outcomes = retention_apply(batch_size=batch_size) if applied else retention_plan()
        for outcome in outcomes:
            self.stdout.write(self._line(outcome, applied))
        if not applied:
            self.stdout.write(_("Dry run: nothing was changed. Add --apply to carry it out."))
