"""`relata demo-engagement`: loyalty members, referrals, segments, playbooks and a finished
campaign on top of the demo data (after `relata score`; once)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relata.demo.engagement import demo_engagement_load


class Command(BaseCommand):
    help = ""  # set from translated_help when the parser is built
    translated_help = gettext_lazy(
        "Add demo engagement: loyalty members, referrals, segments, playbooks and a campaign."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        self.help = str(self.translated_help)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=42, help=_("Random seed."))

    def handle(self, *args: Any, **options: Any) -> None:
        result = demo_engagement_load(seed=options["seed"])
        if not result.loaded:
            self.stdout.write(_("Demo engagement is already there; nothing added."))
            return
        for name, count in result.figures.items():
            self.stdout.write(f"  {name:<20} {count:>8,}")
