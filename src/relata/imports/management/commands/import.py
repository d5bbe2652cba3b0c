"""relata import customers|orders|contacts|reviews|social FILE — validate a CSV or XLSX
file, then import it."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from tqdm import tqdm

from relata.customers.duplicates import customers_touched_between, duplicate_count
from relata.imports.headers import IMPORT_KINDS, ImportFileError, parse_map_options
from relata.imports.services import ImportOptions, import_run, rejects_write, summary_lines
from relata.imports.sniff import SOURCE_LABELS
from relata.imports.validate import Progress

PROGRESS_FROM_BYTES = 1_000_000


class TqdmProgress(Progress):
    """A progress bar on standard error, one per stage."""

    def __init__(self) -> None:
        self.bar: tqdm[Any] | None = None

    def stage(self, label: str, total: int | None) -> None:
        self.close()
        self.bar = tqdm(total=total, desc=label, unit="", file=sys.stderr, leave=False,
                        dynamic_ncols=True)

    def advance(self, amount: int) -> None:
        if self.bar is not None:
            self.bar.update(amount)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # a data command; `relata check` does those
    help = ""  # set from translated_help when the parser is built
    translated_help = gettext_lazy(
        "Import customers, orders or contact moments from a CSV or XLSX file. Every row is "
        "checked first; nothing is written if a row is invalid, unless --skip-invalid."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        self.help = str(self.translated_help)  # in the language active now
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=IMPORT_KINDS)
        parser.add_argument("file")
        parser.add_argument("--delimiter", help=_("';', ',' or 'tab' (default: detected)"))
        parser.add_argument("--encoding", help=_("for example utf-8 or cp1252 (default: detected)"))
        parser.add_argument("--sheet", help=_("the worksheet of an XLSX file (default: the first)"))
        parser.add_argument("--decimal", choices=("comma", "point"),
                            help=_("decimal comma (1.234,56) or point (1,234.56)"))
        order = parser.add_mutually_exclusive_group()
        order.add_argument("--dayfirst", action="store_const", const=True, dest="dayfirst",
                           help=_("read 03/04/2024 as 3 April"))
        order.add_argument("--monthfirst", action="store_const", const=False, dest="dayfirst",
                           help=_("read 03/04/2024 as March 4"))
        parser.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD",
                            help=_("read a column as a field: --map \"Klant=customer_number\""))
        parser.add_argument("--dry-run", action="store_true",
                            help=_("check and count, write nothing"))
        parser.add_argument("--skip-invalid", action="store_true",
                            help=_("import the valid rows and write the invalid ones to a file"))
        parser.add_argument("--rejects", help=_("file for the invalid rows "
                                                "(default with --skip-invalid: FILE.rejects.csv)"))
        parser.add_argument("--max-errors", type=int, default=50,
                            help=_("how many errors to print (default 50)"))
        parser.add_argument("--no-progress", action="store_true", help=_("no progress bar"))

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("There is no file “%(path)s”.") % {"path": path})
        data = path.read_bytes()
        try:
            import_options = ImportOptions(
                delimiter=options["delimiter"],
                encoding=options["encoding"],
                sheet=options["sheet"],
                decimal=options["decimal"],
                dayfirst=options["dayfirst"],
                mapping=parse_map_options(options["map"]),
                skip_invalid=options["skip_invalid"],
                dry_run=options["dry_run"],
            )
            show_bar = not options["no_progress"] and len(data) >= PROGRESS_FROM_BYTES
            started = timezone.now()
            report = import_run(
                options["kind"],
                data,
                path.name,
                import_options,
                progress=TqdmProgress() if show_bar else None,
            )
        except ImportFileError as exc:
            raise CommandError(_("%(file)s: %(message)s Nothing was imported.")
                               % {"file": path.name, "message": exc.message}) from None

        for label, value, source in report.settings.describe():
            suffix = f" ({SOURCE_LABELS.get(source, source)})" if source else ""
            self.stdout.write(f"{label}: {value}{suffix}")
        recognised = ", ".join(f"{column} → {field}" for column, field in
                               report.mapping.recognised())
        self.stdout.write(_("Columns: %(columns)s") % {"columns": recognised})
        if report.mapping.unknown:
            self.stdout.write(_("Ignored columns: %(columns)s")
                              % {"columns": ", ".join(report.mapping.unknown)})
        for line in summary_lines(report):
            self.stdout.write(line)

        rejects_path = options["rejects"] or (
            str(path.with_name(path.stem + ".rejects.csv")) if options["skip_invalid"] else None
        )
        if report.errors:
            limit = options["max_errors"]
            for error in report.errors[:limit]:
                self.stderr.write(str(error))
            if len(report.errors) > limit:
                more = len(report.errors) - limit
                self.stderr.write(ngettext("… and %(more)d more error.",
                                           "… and %(more)d more errors.", more)
                                  % {"more": more})
            if rejects_path:
                with open(rejects_path, "w", encoding="utf-8-sig", newline="") as stream:
                    count = rejects_write(stream, report.context)
                self.stderr.write(ngettext("%(count)d invalid row written to %(path)s",
                                           "%(count)d invalid rows written to %(path)s", count)
                                  % {"count": count, "path": rejects_path})
        if report.dry_run:
            self.stdout.write(_("Dry run: nothing was written."))
        if report.errors and not report.written:
            rejected = report.counts.rejected
            raise CommandError(
                ngettext("%(count)d invalid row; nothing was imported. Correct it, or use "
                         "--skip-invalid to import the valid rows.",
                         "%(count)d invalid rows; nothing was imported. Correct them, or use "
                         "--skip-invalid to import the valid rows.", rejected)
                % {"count": rejected}
                if not report.dry_run
                else ngettext("%(count)d invalid row.", "%(count)d invalid rows.", rejected)
                % {"count": rejected}
            )
        if report.written:
            self.stdout.write(self.style.SUCCESS(_("Import finished.")))
            if options["kind"] == "customers":
                self._offer_duplicates(started)

    def _offer_duplicates(self, started: datetime) -> None:
        touched = customers_touched_between(started, timezone.now())
        count = duplicate_count(within=touched)
        if count:
            self.stdout.write(
                ngettext(
                    "%(count)d likely duplicate customer among the imported ones: review it "
                    "under Customers → Likely duplicates (/customers/duplicates/).",
                    "%(count)d likely duplicate customers among the imported ones: review them "
                    "under Customers → Likely duplicates (/customers/duplicates/).",
                    count,
                )
                % {"count": count}
            )
