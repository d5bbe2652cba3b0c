from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from relata.analytics.recommend import OfferSettings
from relata.engagement.offer_compute import (
    DEFAULT_TEST_MONTHS,
    OfferRunSettings,
    RuleThresholds,
)
from relata.engagement.offer_selectors import offer_evaluation_rows
from relata.engagement.offer_services import offer_run_create


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(
            _("Not a date (use YYYY-MM-DD): %(value)s") % {"value": value}
        ) from error


class Command(BaseCommand):
    help = (
        "Compute the next best offers of every customer: association rules over the order "
        "baskets, then cross-, up- and deep-sell offers; --evaluate also checks them on a "
        "time split against offering the most popular products."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        rules, offers = RuleThresholds(), OfferSettings()
        parser.add_argument(
            "--k", type=int, default=offers.k, help=f"offers per customer (default {offers.k})"
        )
        parser.add_argument(
            "--min-support",
            type=float,
            default=rules.min_support,
            help=f"share of all baskets a pair must be in (default {rules.min_support})",
        )
        parser.add_argument(
            "--min-confidence",
            type=float,
            default=rules.min_confidence,
            help=f"share of A's baskets that hold B (default {rules.min_confidence})",
        )
        parser.add_argument(
            "--min-lift", type=float, default=rules.min_lift, help=f"default {rules.min_lift}"
        )
        parser.add_argument(
            "--min-pair-count",
            type=int,
            default=rules.min_pair_count,
            help=f"baskets a pair must be in (default {rules.min_pair_count})",
        )
        for kind in ("cross-sell", "up-sell", "deep-sell"):
            default = getattr(offers, f"{kind.replace('-', '_')}_weight")
            parser.add_argument(
                f"--{kind}-weight",
                type=float,
                default=default,
                help=f"weight of {kind} offers, 0 switches them off (default {default})",
            )
        parser.add_argument(
            "--evaluate",
            action="store_true",
            help="also evaluate on a time split (precision, recall, hit rate @k against "
            "popularity) and store the figures with the run",
        )
        parser.add_argument(
            "--test-months",
            type=int,
            default=DEFAULT_TEST_MONTHS,
            help=f"months after the cut that test (default {DEFAULT_TEST_MONTHS})",
        )
        parser.add_argument(
            "--cut",
            type=_date,
            help="first test day (default: --test-months before the last order)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            settings = OfferRunSettings(
                rules=RuleThresholds(
                    min_support=options["min_support"],
                    min_confidence=options["min_confidence"],
                    min_lift=options["min_lift"],
                    min_pair_count=options["min_pair_count"],
                ),
                offers=OfferSettings(
                    k=options["k"],
                    cross_sell_weight=options["cross_sell_weight"],
                    up_sell_weight=options["up_sell_weight"],
                    deep_sell_weight=options["deep_sell_weight"],
                ),
            )
            if options["test_months"] < 1:
                raise ValueError(_("--test-months must be at least 1"))
        except ValueError as error:
            raise CommandError(str(error)) from error
        started = time.perf_counter()
        try:
            run = offer_run_create(
                settings=settings,
                evaluate=options["evaluate"],
                test_months=options["test_months"],
                cut=options["cut"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        seconds = time.perf_counter() - started
        figures = run.settings_used.get("figures", {})
        kinds = figures.get("offers_by_kind", {})
        self.stdout.write(
            _(
                "Offers computed in %(seconds).1f s: %(baskets)s baskets, %(rules)s rules, "
                "%(customers)s customers with offers (%(offers)s offers: %(cross)s cross-sell, "
                "%(up)s up-sell, %(deep)s deep-sell)."
            )
            % {
                "seconds": seconds,
                "baskets": intcomma(run.baskets),
                "rules": intcomma(run.rules),
                "customers": intcomma(run.customers),
                "offers": intcomma(figures.get("offers", 0)),
                "cross": intcomma(kinds.get("cross_sell", 0)),
                "up": intcomma(kinds.get("up_sell", 0)),
                "deep": intcomma(kinds.get("deep_sell", 0)),
            }
        )
        timings = figures.get("timings", {})
        if options["verbosity"] > 1 and timings:
            self.stdout.write(
                _("Seconds per phase: %(phases)s")
                % {"phases": ", ".join(f"{name} {value}" for name, value in timings.items())}
            )
        if run.evaluation:
            self._write_evaluation(run.evaluation, run)

    def _write_evaluation(self, evaluation: dict[str, Any], run: Any) -> None:
        self.stdout.write(
            _(
                "Evaluation: trained on the orders before %(cut)s, tested on %(months)s months "
                "(%(cut)s to %(end)s); %(customers)s customers bought something new."
            )
            % {
                "cut": evaluation["cut"],
                "end": evaluation["test_end"],
                "months": evaluation["test_months"],
                "customers": intcomma(evaluation["customers"]),
            }
        )
        header = f"  {'':<14} {_('model'):>8} {_('popular'):>8} {_('ratio'):>6}"
        self.stdout.write(header)
        for row in offer_evaluation_rows(run):
            ratio = f"{row.ratio:.2f}" if row.ratio is not None else "—"
            self.stdout.write(
                f"  {row.label:<14} {row.model:>8.4f} {row.baseline:>8.4f} {ratio:>6}"
            )
