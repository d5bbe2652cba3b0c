"""`relata run-triggers`: run the active trigger rules once (schedule it, e.g. every hour).

Idempotent: every occurrence of an event fires once per rule, however often this runs, so
a run that overlaps another or repeats after a failure does no harm."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relata.engagement.models import TriggerRule
from relata.engagement.trigger_services import RuleResult, trigger_rules_run


class Command(BaseCommand):
    help = ""  # set from translated_help when the parser is built
    translated_help = gettext_lazy(
        "Run the active trigger rules: find who each event happened to, fire what has not "
        "fired yet (a task, a campaign, a message or a notice). Safe to run again."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        self.help = str(self.translated_help)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rule", type=int, help=str(_("only the rule with this id")))
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=str(_("count what would fire now; change nothing")),
        )

    def _line(self, result: RuleResult, dry_run: bool) -> str:
        name = f"#{result.rule_id} {result.name}"
        if result.error:
            return _("%(rule)s: not run: %(error)s") % {"rule": name, "error": result.error}
        if not result.scheduled:
            return _("%(rule)s: fires when the event happens (nothing to scan)") % {"rule": name}
        if dry_run:
            return _("%(rule)s: matched %(matched)s, would fire %(fired)s") % {
                "rule": name,
                "matched": f"{result.matched:,}",
                "fired": f"{result.fired:,}",
            }
        return _(
            "%(rule)s: matched %(matched)s, fired %(fired)s (done %(done)s, refused %(refused)s, "
            "skipped %(skipped)s, failed %(failed)s)"
        ) % {
            "rule": name,
            "matched": f"{result.matched:,}",
            "fired": f"{result.fired:,}",
            "done": f"{result.done:,}",
            "refused": f"{result.refused:,}",
            "skipped": f"{result.skipped:,}",
            "failed": f"{result.failed:,}",
        }

    def handle(self, *args: Any, **options: Any) -> None:
        rule = None
        if options["rule"] is not None:
            rule = TriggerRule.objects.filter(pk=options["rule"]).first()
            if rule is None:
                raise CommandError(_("No trigger rule with id %(id)s.") % {"id": options["rule"]})
        dry_run = bool(options["dry_run"])
        summary = trigger_rules_run(rule=rule, dry_run=dry_run)
        if not summary.rules:
            self.stdout.write(_("No active trigger rules."))
        for result in summary.rules:
            line = self._line(result, dry_run)
            if result.error:
                self.stderr.write(line)
            elif int(options["verbosity"]) >= 1:
                self.stdout.write(line)
        if dry_run:
            self.stdout.write(_("Dry run: nothing was changed."))
