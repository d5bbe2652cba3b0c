"""`relata demo-data`: load a generated, realistic Dutch customer base."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from tqdm import tqdm

from relata.demo.services import DemoDataError, demo_data_check, demo_data_load


class Command(BaseCommand):
    help = ""  # set from translated_help when the parser is built
    translated_help = gettext_lazy(
        "Generate demo customers, products, orders, contact moments, consents, deals, "
        "tasks and complaints (deterministic per seed) into an empty database."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        self.help = str(self.translated_help)  # in the language active now
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--customers", type=int, default=5000, help=_("Number of customers."))
        parser.add_argument(
            "--years", type=int, default=4, help=_("Years of history, ending today.")
        )
        parser.add_argument("--seed", type=int, default=42, help=_("Random seed."))
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=_("Do nothing (and succeed) when the database already holds customers."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = int(options["verbosity"])
        arguments = {
            "customers": options["customers"],
            "years": options["years"],
            "seed": options["seed"],
            "if_empty": options["if_empty"],
        }
        try:
            wanted = demo_data_check(**arguments)
        except DemoDataError as error:
            raise CommandError(str(error)) from error
        if not wanted:
            if verbosity >= 1:
                self.stdout.write(_("Customers exist already; demo data not loaded."))
            return
        if verbosity >= 1:
            self.stdout.write(
                _("Generating %(customers)s customers over %(years)s years (seed %(seed)s)…")
                % {
                    "customers": f"{options['customers']:,}",
                    "years": options["years"],
                    "seed": options["seed"],
                }
            )
        started = time.perf_counter()
        bars: list[tqdm[Any]] = []

        def progress(model: str, rows: int, total: int) -> None:
            if not bars:
                bars.append(tqdm(total=total, unit=" rows", unit_scale=True))
            bars[0].set_description(model)
            bars[0].update(rows)

        try:
            result = demo_data_load(
                **arguments,
                on_progress=progress if verbosity >= 1 else None,
            )
        except DemoDataError as error:
            raise CommandError(str(error)) from error
        finally:
            for bar in bars:
                bar.close()
        if verbosity >= 1:
            for model, rows in result.rows.items():
                self.stdout.write(f"  {model:<26} {rows:>12,}")
                if model == "sales.Deal":
                    self.stdout.write(f"  {'sales.Deal (open)':<26} {result.open_deals:>12,}")
            seconds = time.perf_counter() - started
            self.stdout.write(
                self.style.SUCCESS(_("Demo data loaded in %(seconds).1f s.") % {"seconds": seconds})
            )
