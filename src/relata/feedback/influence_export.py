"""The influence and loyalty-quadrant lists as CSV: one row per customer snapshot of a run,
codes as their translated labels, streamed in chunks. Text a spreadsheet would run as a
formula is neutralised (CSV injection)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from relata.imports.parsing import neutralise_formula
from relata.scoring.choices import QuadrantChoice, TierChoice
from relata.scoring.export import csv_cell
from relata.scoring.models import CustomerSnapshot, ScoreRun


def _name(row: dict[str, Any]) -> str:
    if row["customer__kind"] == "organisation":
        return str(row["customer__organisation_name"])
    parts = (row["customer__first_name"], row["customer__name_prefix"], row["customer__last_name"])
    return " ".join(p for p in parts if p)


EXPORT_HEADERS: tuple[StrOrPromise, ...] = (
    _("Customer number"),
    _("Name"),
    _("Period end"),
    _("Tier"),
    _("Loyalty quadrant"),
    _("Influence score (0–100)"),
    _("Advocacy value"),
    _("CLV (BG/NBD + Gamma-Gamma)"),
    _("Holistic value"),
    _("Revenue in period"),
    _("Latest NPS answer"),
    _("Attitudinal loyalty (0–1)"),
    _("Behavioural loyalty (0–1)"),
)


def influence_export_rows(snapshots: QuerySet[CustomerSnapshot]) -> Iterator[list[Any]]:
    """One list of plain values per snapshot (codes as translated labels), in chunks."""
    tiers = dict(TierChoice.choices)
    quadrants = dict(QuadrantChoice.choices)
    rows: Iterable[Any] = snapshots.values(
        "customer__customer_number",
        "customer__kind",
        "customer__organisation_name",
        "customer__first_name",
        "customer__name_prefix",
        "customer__last_name",
        "period_end",
        "tier",
        "loyalty_quadrant",
        "influence_score",
        "advocacy_value",
        "clv_probabilistic",
        "holistic_value",
        "revenue",
        "nps_latest",
        "attitudinal_loyalty",
        "behavioural_loyalty",
    ).iterator(chunk_size=2000)
    for row in rows:
        attitude = row["attitudinal_loyalty"]
        yield [
            row["customer__customer_number"],
            _name(row),
            row["period_end"],
            str(tiers.get(row["tier"], row["tier"])),
            str(quadrants.get(row["loyalty_quadrant"], row["loyalty_quadrant"])),
            row["influence_score"],
            row["advocacy_value"],
            row["clv_probabilistic"],
            row["holistic_value"],
            row["revenue"],
            "" if row["nps_latest"] is None else row["nps_latest"],
            "" if attitude is None else round(float(attitude), 4),
            round(float(row["behavioural_loyalty"] or 0), 4),
        ]


def csv_response(
    request: HttpRequest, snapshots: QuerySet[CustomerSnapshot], *, run: ScoreRun, name: str
) -> StreamingHttpResponse:
    """The list as CSV, streamed: semicolons and decimal commas in Dutch, commas in English
    (``delimiter=comma|semicolon|tab`` chooses); text a spreadsheet would run is neutralised."""
    dutch = (get_language() or "en").startswith("nl")
    delimiter = {"semicolon": ";", "comma": ",", "tab": "\t"}.get(
        request.GET.get("delimiter", ""), ";" if dutch else ","
    )
    decimal_comma = delimiter == ";"

    class Echo:
        def write(self, value: str) -> str:
            return value

    def lines() -> Iterator[str]:
        writer = csv.writer(Echo(), delimiter=delimiter, lineterminator="\r\n")
        yield "\ufeff" + str(writer.writerow([neutralise_formula(str(h)) for h in EXPORT_HEADERS]))
        for row in influence_export_rows(snapshots):
            yield str(writer.writerow([csv_cell(v, decimal_comma) for v in row]))

    stamp = timezone.localdate().isoformat()
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="relata-{name}-{run.period_end.isoformat()}-{stamp}.csv"'
    )
    return response
