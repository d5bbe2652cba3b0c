"""CSV and XLSX export of a drill-down list: one row per customer snapshot, codes as their
(translated) labels. Text cells a spreadsheet would run as a formula are neutralised with the
import app's helper (CSV injection)."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import IO, Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from relata.customers.models import CustomerKind
from relata.imports.parsing import neutralise_formula
from relata.scoring.choices import (
    ChurnLevelChoice,
    GridChoice,
    MovementChoice,
    QuadrantChoice,
    RfmSegmentChoice,
    StageChoice,
    TierChoice,
)
from relata.scoring.models import CustomerSnapshot

CHUNK = 2000
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit, less the header row

_CUSTOMER = (
    "customer__customer_number",
    "customer__kind",
    "customer__organisation_name",
    "customer__first_name",
    "customer__name_prefix",
    "customer__last_name",
)


def _label(choices: type[Any]) -> Callable[[Any], Any]:
    labels = dict(choices.choices)

    def convert(value: Any) -> Any:
        return "" if value is None else str(labels.get(value, value))

    return convert


def _yes_no(value: Any) -> str:
    return str(_("yes")) if value else str(_("no"))


def _same(value: Any) -> Any:
    return value


def _rounded(value: float | None, digits: int) -> float | None:
    """Rounded; None (unknown, an empty cell) stays None."""
    return None if value is None else round(value, digits)


#: (field, header, converter) per exported column after customer number and name.
COLUMNS: tuple[tuple[str, StrOrPromise, Callable[[Any], Any]], ...] = (
    ("period_end", _("Period end"), _same),
    ("tier", _("Tier"), _label(TierChoice)),
    ("previous_tier", _("Tier a period earlier"), _label(TierChoice)),
    ("movement", _("Migration"), _label(MovementChoice)),
    ("risk", _("Risk customer"), _yes_no),
    ("revenue", _("Revenue in period"), _same),
    ("margin", _("Margin in period"), _same),
    ("previous_revenue", _("Revenue in previous period"), _same),
    ("orders", _("Orders in period"), _same),
    ("recency_days", _("Days since last purchase"), _same),
    ("frequency", _("Purchase days in period"), _same),
    ("r_score", _("R score"), _same),
    ("f_score", _("F score"), _same),
    ("m_score", _("M score"), _same),
    ("rfm_segment", _("RFM segment"), _label(RfmSegmentChoice)),
    ("clv_formula", _("CLV (simple formula)"), _same),
    ("clv_discounted", _("CLV (discounted)"), _same),
    ("clv_probabilistic", _("CLV (BG/NBD + Gamma-Gamma)"), _same),
    ("p_alive", _("P(alive)"), lambda v: round(v, 4)),
    ("expected_purchases", _("Expected purchases over horizon"), lambda v: round(v, 3)),
    ("current_value", _("Current value per year"), _same),
    ("potential_value", _("Potential value per year"), _same),
    ("value_grid", _("Value decision"), _label(GridChoice)),
    ("cost_to_serve", _("Cost to serve"), _same),
    ("profit", _("Profit"), _same),
    ("loss_making", _("Loss-making"), _yes_no),
    ("churn_risk", _("Churn risk"), lambda v: round(v, 4)),
    ("churn_level", _("Churn risk level"), _label(ChurnLevelChoice)),
    ("cant_lose", _("Can't lose them"), _yes_no),
    ("lifecycle_stage", _("Lifecycle stage"), _label(StageChoice)),
    ("nps_latest", _("Latest NPS answer"), _same),
    ("influence_score", _("Influence score (0–100)"), _same),
    ("advocacy_value", _("Advocacy value"), _same),
    ("holistic_value", _("Holistic value"), _same),
    ("attitudinal_loyalty", _("Attitudinal loyalty (0–1)"), lambda v: _rounded(v, 4)),
    ("behavioural_loyalty", _("Behavioural loyalty (0–1)"), lambda v: _rounded(v, 4)),
    ("loyalty_quadrant", _("Loyalty quadrant"), _label(QuadrantChoice)),
)


def export_headers() -> list[str]:
    return [str(_("Customer number")), str(_("Name"))] + [str(h) for _f, h, _c in COLUMNS]


def _name(kind: str, organisation: str, first: str, prefix: str, last: str) -> str:
    if kind == CustomerKind.ORGANISATION:
        return organisation
    return " ".join(part for part in (first, prefix, last) if part)


def export_rows(snapshots: QuerySet[CustomerSnapshot]) -> Iterator[list[Any]]:
    """Rows of Python values (str, int, float, Decimal, date), in the list's order."""
    fields = [name for name, _h, _c in COLUMNS]
    converters = [convert for _n, _h, convert in COLUMNS]
    rows = snapshots.values_list(*_CUSTOMER, *fields).iterator(chunk_size=CHUNK)
    for row in rows:
        number, kind, organisation, first, prefix, last = row[:6]
        values = [convert(value) for convert, value in zip(converters, row[6:], strict=True)]
        yield [number, _name(kind, organisation, first, prefix, last), *values]


def csv_cell(value: Any, decimal_comma: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal | float):
        text = f"{value:f}" if isinstance(value, Decimal) else repr(value)
        return text.replace(".", ",") if decimal_comma else text
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return neutralise_formula(value)
    return str(value)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(
    snapshots: QuerySet[CustomerSnapshot], *, delimiter: str, decimal_comma: bool
) -> Iterator[str]:
    """The CSV text in pieces, for a streaming response (starts with a BOM for Excel)."""
    writer = csv.writer(_Echo(), delimiter=delimiter, lineterminator="\r\n")
    yield "\ufeff" + str(writer.writerow([neutralise_formula(h) for h in export_headers()]))
    batch: list[str] = []
    for row in export_rows(snapshots):
        batch.append(str(writer.writerow([csv_cell(v, decimal_comma) for v in row])))
        if len(batch) >= CHUNK:
            yield "".join(batch)
            batch.clear()
    if batch:
        yield "".join(batch)


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, str):
        return neutralise_formula(value)
    return value


def write_xlsx(stream: IO[bytes], snapshots: QuerySet[CustomerSnapshot], *, title: str) -> int:
    """Write the rows as one XLSX sheet; returns the number of data rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    bold = Font(bold=True)
    header = []
    for text in export_headers():
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in export_rows(snapshots):
        sheet.append([_xlsx_value(v) for v in row])
        count += 1
    workbook.save(stream)
    return count
