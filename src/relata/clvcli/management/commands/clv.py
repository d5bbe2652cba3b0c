"""`relata clv fit|score FILE`: BG/NBD + Gamma-Gamma on a transactions file, no database.

    relata clv fit orders.csv --customer-col klant --date-col datum --amount-col bedrag \
        --calibration-end 2024-12-31 --time-unit week --format table
    relata clv score orders.parquet ... --horizon 52 --discount-rate 0.1 --out scores.csv

Everything runs on arrays in ``relata.analytics`` (see docs/decisions/0400-clv-core.md);
this module only parses arguments, calls the core and formats results.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import threading
from argparse import ArgumentParser, ArgumentTypeError
from typing import TYPE_CHECKING, Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relata.analytics.frames import TIME_UNIT_DAYS, FrameError, RfmSummary, summarise
from relata.analytics.transactions_io import (
    TransactionsFile,
    TransactionsFileError,
    read_transactions,
    write_csv,
)

if TYPE_CHECKING:
    from relata.analytics.clv import ClvModel

# CLV is summed over monthly periods; a horizon beyond a century means nothing for a
# customer and would only make the computation run for ages.
MAX_HORIZON_DAYS = 100 * 365.25
SCORE_COLUMNS = (
    "customer_id",
    "x",
    "t_x",
    "T",
    "monetary_value",
    "p_alive",
    "expected_purchases",
    "expected_spend",
    "clv",
)


def _import_models() -> None:
    importlib.import_module("relata.analytics.clv")
    importlib.import_module("scipy.optimize")


def _input_errors() -> tuple[type[Exception], ...]:
    """Errors that mean bad input, shown as one line rather than a traceback."""
    from relata.analytics.clv import ClvInputError, FitError

    return (TransactionsFileError, FrameError, ClvInputError, FitError)


# Argument types raise ArgumentTypeError: argparse then names the option, and reports it as
# a usage error on the command line (CommandError from ``call_command``), not a traceback.
def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ArgumentTypeError(
            _("%(value)r is not a date (use YYYY-MM-DD)") % {"value": value}
        ) from None


def _delimiter(value: str) -> str:
    delimiter = {"tab": "\t", "\\t": "\t"}.get(value, value)
    if len(delimiter) != 1:
        raise ArgumentTypeError(
            _("The delimiter must be one character, not “%(value)s”.") % {"value": value}
        )
    return delimiter


class Command(BaseCommand):
    help = ""  # set from translated_help when the parser is built
    translated_help = gettext_lazy(
        "Fit BG/NBD and Gamma-Gamma customer lifetime value models on a transactions file "
        "(CSV or Parquet) and optionally score every customer. Needs no database."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        self.help = str(self.translated_help)  # in the language active now
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="fit|score")
        fit = actions.add_parser("fit", help=_("Fit the models and print their parameters."))
        score_parser = actions.add_parser(
            "score", help=_("Fit the models and write per-customer scores to a CSV file.")
        )
        for sub in (fit, score_parser):
            # Django's own options (settings, verbosity...) live on the main parser.
            sub.add_argument("file", help=_("Transactions file: .csv, .csv.gz or .parquet."))
            sub.add_argument("--customer-col", required=True, help=_("Customer id column."))
            sub.add_argument("--date-col", required=True, help=_("Transaction date column."))
            sub.add_argument("--amount-col", required=True, help=_("Transaction amount column."))
            sub.add_argument(
                "--calibration-end",
                type=_date,
                help=_(
                    "Last day of the calibration period (YYYY-MM-DD, inclusive); later "
                    "transactions are left out and counted. Default: the last transaction day."
                ),
            )
            sub.add_argument(
                "--time-unit",
                choices=list(TIME_UNIT_DAYS),
                default="week",
                help=_("Unit of t_x, T, the horizon and the parameters (default: week)."),
            )
            sub.add_argument(
                "--format", choices=("json", "table"), default="json", help=_("Output format.")
            )
            sub.add_argument(
                "--delimiter",
                type=_delimiter,
                help=_("CSV delimiter (default: detected from the header line)."),
            )
        score_parser.add_argument(
            "--horizon",
            type=float,
            help=_("Horizon in time units (default: one year)."),
        )
        score_parser.add_argument(
            "--discount-rate",
            type=float,
            default=0.0,
            help=_("Annual discount rate, e.g. 0.1 for 10 %% a year (default: 0)."),
        )
        score_parser.add_argument(
            "--margin",
            type=float,
            default=1.0,
            help=_("Share of spend that is margin (default: 1.0, i.e. CLV as revenue)."),
        )
        score_parser.add_argument("--out", required=True, help=_("Output CSV file."))

    def handle(self, *args: Any, **options: Any) -> None:
        # The models need SciPy, which takes a second or two to import: do that on a thread
        # while the main thread reads the file (PyArrow releases the GIL while it parses).
        threading.Thread(target=_import_models, daemon=True).start()
        try:
            source, summary, model = self._fit(options)
            result = self._describe(source, summary, model, options)
            if options["action"] == "score":
                result["scores"] = self._score(source, summary, model, options)
        except Exception as error:
            if isinstance(error, _input_errors()):
                raise CommandError(str(error)) from error
            raise
        if options["format"] == "json":
            self.stdout.write(json.dumps(result, indent=2))
        else:
            self.stdout.write(self._table(result))

    def _fit(self, options: dict[str, Any]) -> tuple[TransactionsFile, RfmSummary, ClvModel]:
        from relata.analytics.clv import FitError, fit_models

        source = read_transactions(
            options["file"],
            customer_col=options["customer_col"],
            date_col=options["date_col"],
            amount_col=options["amount_col"],
            delimiter=options["delimiter"],
        )
        end = options["calibration_end"]
        summary = summarise(
            source.transactions,
            calibration_end=np.datetime64(end, "D") if end is not None else None,
            time_unit=options["time_unit"],
        )
        if len(summary) == 0:
            raise FitError(
                _("No transactions on or before the calibration end %(end)s.")
                % {"end": end.isoformat() if end else "?"}
            )
        return source, summary, fit_models(summary)

    def _describe(
        self,
        source: TransactionsFile,
        summary: RfmSummary,
        model: ClvModel,
        options: dict[str, Any],
    ) -> dict[str, Any]:
        result = model.as_dict()
        end = np.datetime64(summary.calibration_end_day, "D")
        result.update(
            {
                "file": str(source.path),
                "transactions": source.rows,
                "calibration_end": str(end),
                "excluded_after_calibration_end": summary.excluded_after_end,
            }
        )
        return result

    def _score(
        self,
        source: TransactionsFile,
        summary: RfmSummary,
        model: ClvModel,
        options: dict[str, Any],
    ) -> dict[str, Any]:
        from relata.analytics.clv import ClvInputError, score

        unit = options["time_unit"]
        horizon = options["horizon"]
        if horizon is None:
            horizon = 365.25 / TIME_UNIT_DAYS[unit]
        if not 0 < horizon * TIME_UNIT_DAYS[unit] <= MAX_HORIZON_DAYS:
            raise ClvInputError(
                _("--horizon must be a positive number of time units, at most 100 years.")
            )
        scores = score(
            summary,
            model,
            horizon=horizon,
            annual_discount_rate=options["discount_rate"],
            margin=options["margin"],
        )
        write_csv(
            options["out"],
            {
                "customer_id": source.labels_for(summary.customer_ids),
                "x": summary.x.astype(np.int64),
                "t_x": summary.t_x,
                "T": summary.T,
                "monetary_value": summary.monetary,
                "p_alive": scores.p_alive,
                "expected_purchases": scores.expected_purchases,
                "expected_spend": scores.expected_spend,
                "clv": scores.clv,
            },
        )
        return {
            "out": options["out"],
            "horizon": horizon,
            "discount_rate": options["discount_rate"],
            "margin": options["margin"],
            "total_clv": float(scores.clv.sum()),
            "mean_p_alive": float(scores.p_alive.mean()),
            "expected_purchases": float(scores.expected_purchases.sum()),
        }

    def _table(self, result: dict[str, Any]) -> str:
        bg, gg = result["bgnbd"], result["gamma_gamma"]
        rows = [
            (_("File"), result["file"]),
            (_("Transactions"), f"{result['transactions']:,}"),
            (_("Calibration end"), result["calibration_end"]),
            (
                _("Left out (after calibration end)"),
                f"{result['excluded_after_calibration_end']:,}",
            ),
            (_("Customers"), f"{result['customers']:,}"),
            (_("Customers with repeat purchases"), f"{bg['repeat_customers']:,}"),
            (_("Time unit"), result["time_unit"]),
            ("BG/NBD r", f"{bg['r']:.6g}"),
            ("BG/NBD alpha", f"{bg['alpha']:.6g}"),
            ("BG/NBD a", f"{bg['a']:.6g}"),
            ("BG/NBD b", f"{bg['b']:.6g}"),
            (_("BG/NBD log-likelihood"), f"{bg['log_likelihood']:.2f}"),
            *((_("BG/NBD note"), note) for note in bg["notes"]),
            ("Gamma-Gamma p", f"{gg['p']:.6g}"),
            ("Gamma-Gamma q", f"{gg['q']:.6g}"),
            ("Gamma-Gamma v", f"{gg['v']:.6g}"),
            (_("Gamma-Gamma customers"), f"{gg['customers']:,}"),
            (_("Left out (mean spend <= 0)"), f"{gg['excluded_non_positive_spend']:,}"),
        ]
        if "scores" in result:
            scores = result["scores"]
            rows += [
                (_("Scores written to"), scores["out"]),
                (_("Horizon"), f"{scores['horizon']:g} {result['time_unit']}"),
                (_("Total CLV"), f"{scores['total_clv']:,.2f}"),
                (_("Mean P(alive)"), f"{scores['mean_p_alive']:.3f}"),
            ]
        width = max(len(label) for label, _value in rows)
        return "\n".join(f"{label:<{width}}  {value}" for label, value in rows)
