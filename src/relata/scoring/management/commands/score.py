from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from tqdm import tqdm

from relata.scoring.selectors import first_order_date, scored_period_ends
from relata.scoring.services import backfill_period_ends, score_run_create


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(
            _("Not a date (use YYYY-MM-DD): %(value)s") % {"value": value}
        ) from error


class Command(BaseCommand):
    help = "Score every customer: tier, RFM, CLV three ways, P(alive), value, risk, lifecycle."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--period-end", type=_date, help="last day of the period (default: today)"
        )
        parser.add_argument(
            "--backfill",
            choices=["monthly", "quarterly", "yearly"],
            help="also score earlier period ends back to the first order, for history",
        )
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="skip period ends that already have a complete run",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        period_end: date = options["period_end"] or timezone.localdate()
        ends = [period_end]
        if options["backfill"]:
            first = first_order_date()
            if first is not None:
                ends = backfill_period_ends(
                    period_end=period_end, step=options["backfill"], since=first
                )
        if options["if_missing"]:
            done = scored_period_ends()
            ends = [end for end in ends if end not in done]
        for end in ends:
            with tqdm(
                desc=_("Scoring %(date)s") % {"date": end.isoformat()},
                unit=_("customers"),
                disable=options["no_progress"],
                leave=False,
            ) as bar:
                run = score_run_create(period_end=end, progress=bar.update)
            fallback = run.model_fit.get("fallback")
            message = ngettext(
                "%(date)s: %(n)d customer scored.", "%(date)s: %(n)d customers scored.",
                run.customers,
            ) % {
                "date": end.isoformat(),
                "n": run.customers,
            }
            if fallback:
                message += " " + _("Probabilistic CLV not fitted: %(reason)s") % {
                    "reason": fallback
                }
            self.stdout.write(message)
