"""CSV and XLSX export of the "touchpoints under control?" table: one row per touchpoint ×
channel and per total, CSAT over the range and the control check of the latest period.
Cells are written like the value export (``relata.scoring.export``): text a spreadsheet would
run as a formula is neutralised, Dutch CSV uses semicolons and decimal commas."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from typing import IO, Any

from django.utils.translation import gettext as _

from relata.feedback.satisfaction_selectors import (
    STATUS_LABELS,
    ControlCell,
    ControlTable,
    SatisfactionFilters,
)
from relata.imports.parsing import neutralise_formula
from relata.scoring.export import csv_cell


def export_headers() -> list[str]:
    return [
        _("Touchpoint"),
        _("Channel"),
        _("CSAT answers"),
        _("Mean CSAT (1–5)"),
        _("Mean, interval low"),
        _("Mean, interval high"),
        _("Satisfied, CSAT 4–5 (%)"),
        _("Dissatisfied, CSAT 1–2 (%)"),
        _("Latest period"),
        _("Answers in the latest period"),
        _("Dissatisfied in the latest period (%)"),
        _("Centre line (%)"),
        _("Lower control limit (%)"),
        _("Upper control limit (%)"),
        _("Baseline answers"),
        _("Status"),
    ]


def _number(value: float, digits: int) -> float | None:
    return round(value, digits) if math.isfinite(value) else None


def _percent(value: float) -> float | None:
    return _number(value * 100, 1)


def _row(touchpoint: str, channel: str, cell: ControlCell, latest: str) -> list[Any]:
    csat = cell.csat
    return [
        touchpoint,
        channel,
        csat.answers,
        _number(csat.mean, 2),
        _number(csat.mean_low, 2),
        _number(csat.mean_high, 2),
        _percent(csat.satisfied_share),
        _percent(csat.dissatisfied_share),
        latest,
        cell.latest_answers,
        _percent(cell.latest_share),
        _percent(cell.centre),
        _percent(cell.lower),
        _percent(cell.upper),
        cell.baseline_answers,
        str(STATUS_LABELS[cell.status]),
    ]


def export_rows(table: ControlTable) -> Iterator[list[Any]]:
    """Each touchpoint's channels and total, then the totals per channel and overall."""
    latest = table.periods[-1].label if table.periods else ""
    everything = _("All channels")
    for row in [*table.rows, *([table.totals] if table.totals else [])]:
        for (_value, channel), cell in zip(table.channels, row.cells, strict=True):
            if cell is not None:
                yield _row(row.label, channel, cell, latest)
        yield _row(row.label, everything, row.total, latest)


def csv_text(table: ControlTable, filters: SatisfactionFilters, *, delimiter: str) -> str:
    """The table as CSV with a BOM for Excel; a first line names the range."""
    stream = io.StringIO()
    writer = csv.writer(stream, delimiter=delimiter, lineterminator="\r\n")
    decimal_comma = delimiter == ";"
    writer.writerow(
        [
            neutralise_formula(_("Touchpoints under control?")),
            filters.date_from.isoformat(),
            filters.date_to.isoformat(),
        ]
    )
    writer.writerow([neutralise_formula(header) for header in export_headers()])
    for values in export_rows(table):
        writer.writerow([csv_cell(value, decimal_comma) for value in values])
    return "\ufeff" + stream.getvalue()


def write_xlsx(stream: IO[bytes], table: ControlTable) -> int:
    """The table as one XLSX sheet; returns the number of data rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Touchpoints")[:31])
    bold = Font(bold=True)
    header = []
    for text in export_headers():
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for values in export_rows(table):
        sheet.append([neutralise_formula(v) if isinstance(v, str) else v for v in values])
        count += 1
    workbook.save(stream)
    return count
