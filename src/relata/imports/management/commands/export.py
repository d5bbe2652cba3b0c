"""relata export customers|orders|contacts FILE — write CSV or XLSX that imports back as is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from relata.imports.export import export_csv, export_xlsx
from relata.imports.headers import KINDS


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # a data command; `relata check` does those
    help = ""  # set from translated_help when the parser is built
    translated_help = gettext_lazy(
        "Export customers, orders or contact moments to a CSV or XLSX file."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        self.help = str(self.translated_help)  # in the language active now
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file")
        parser.add_argument("--format", choices=("csv", "xlsx"),
                            help=_("default: from the file name's extension"))
        parser.add_argument("--delimiter", default=",",
                            help=_("CSV delimiter; ';' for Dutch Excel (default ',')"))
        parser.add_argument("--decimal", choices=("comma", "point"),
                            help=_("default: comma with ';', point otherwise"))
        parser.add_argument("--language", choices=("en", "nl"), default="en",
                            help=_("language of the column headers"))

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        file_format = options["format"] or path.suffix.lower().lstrip(".")
        if file_format not in ("csv", "xlsx"):
            raise CommandError(_("Give --format csv or xlsx, or a file name ending in .csv or "
                                 ".xlsx."))
        delimiter = {"tab": "\t", "\\t": "\t"}.get(options["delimiter"], options["delimiter"])
        if len(delimiter) != 1:
            raise CommandError(_("The delimiter must be one character."))
        try:
            if file_format == "xlsx":
                with path.open("wb") as binary:
                    count = export_xlsx(binary, options["kind"], language=options["language"])
            else:
                with path.open("w", encoding="utf-8-sig", newline="") as text:
                    count = export_csv(text, options["kind"], delimiter=delimiter,
                                       decimal=options["decimal"], language=options["language"])
        except OSError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(ngettext("%(count)d row written to %(path)s",
                                   "%(count)d rows written to %(path)s", count)
                          % {"count": count, "path": path})
