"""`relata demo-feedback`: surveys, answers, reviews and social profiles on top of the demo
data (before `relata score`; once)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relata.demo.feedback import DemoFeedbackError, demo_feedback_load


class Command(BaseCommand):
    help = ""  # set from translated_help when the parser is built
    translated_help = gettext_lazy(
        "Add demo voice of the customer: surveys with answers and follow-ups of unhappy ones, "
        "reviews and comments, social profiles (deterministic per seed)."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        self.help = str(self.translated_help)  # in the language active now
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=42, help=_("Random seed."))
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=_("Do nothing (and succeed) when surveys, reviews or social profiles exist."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = int(options["verbosity"])
        started = time.perf_counter()
        try:
            result = demo_feedback_load(seed=options["seed"], if_empty=options["if_empty"])
        except DemoFeedbackError as error:
            raise CommandError(str(error)) from error
        if verbosity < 1:
            return
        if not result.loaded:
            self.stdout.write(_("Feedback exists already; demo feedback not loaded."))
            return
        for model, rows in result.rows.items():
            label = "contacts.Task (follow-ups)" if model == "contacts.Task" else model
            self.stdout.write(f"  {label:<28} {rows:>10,}")
        self.stdout.write(f"  {'vloggers':<28} {result.vloggers:>10,}")
        seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(_("Demo feedback loaded in %(seconds).1f s.") % {"seconds": seconds})
        )
