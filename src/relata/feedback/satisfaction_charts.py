"""The data of the satisfaction page's charts (ECharts reads it from JSON islands) and of
the API: plain lists, NaN as null, texts translated."""

from __future__ import annotations

import math
from typing import Any

from django.utils.translation import gettext as _

from relata.feedback.satisfaction_selectors import (
    STATUS_LABELS,
    ControlCell,
    ControlTable,
    NpsReport,
)


def finite(value: float) -> float | None:
    """A float for JSON: None for NaN or infinity (JSON has neither)."""
    return float(value) if math.isfinite(value) else None


def _rounded(values: Any, digits: int) -> list[float | None]:
    return [None if v is None else round(v, digits) for v in (finite(float(x)) for x in values)]


def nps_chart_data(report: NpsReport) -> dict[str, Any]:
    series = report.series
    confidence = round(series.confidence * 100)
    return {
        "periods": [period.label for period in report.periods],
        "partial": [period.partial for period in report.periods],
        "nps": _rounded(series.nps, 1),
        "low": _rounded(series.low, 1),
        "high": _rounded(series.high, 1),
        "answers": [int(n) for n in series.answers],
        "promoters": [int(n) for n in series.promoters],
        "passives": [int(n) for n in series.passives],
        "detractors": [int(n) for n in series.detractors],
        "distribution": report.distribution,
        "labels": {
            "nps": _("NPS"),
            "interval": _("%(confidence)s%% interval") % {"confidence": confidence},
            "promoters": _("Promoters (9–10)"),
            "passives": _("Passives (7–8)"),
            "detractors": _("Detractors (0–6)"),
            "answers": _("Answers"),
            "answer": _("Answer"),
            "partial": _("part of the period"),
        },
    }


def _cell_series(cell: ControlCell, title: str) -> dict[str, Any]:
    chart, row = cell.chart, cell.index
    return {
        "title": title,
        "status": cell.status,
        "status_label": str(STATUS_LABELS[cell.status]),
        "share": _rounded(chart.share[row], 4),
        "upper": _rounded(chart.upper[row], 4),
        "lower": _rounded(chart.lower[row], 4),
        "centre": finite(round(float(chart.centre[row]), 4)),
        "answers": [int(n) for n in chart.answers[row]],
        "baseline": [bool(b) for b in chart.in_baseline[row]],
    }


def control_chart_data(table: ControlTable) -> dict[str, Any]:
    """One p-chart series per cell, row total, column total and the grand total, keyed by
    the cell key the table's rows and badges carry."""
    series: dict[str, Any] = {}
    rows = [*table.rows, *([table.totals] if table.totals else [])]
    # Outside the f-string: makemessages does not find a gettext call inside one.
    all_channels = _("all channels")
    for row in rows:
        for (_value, channel), cell in zip(table.channels, row.cells, strict=True):
            if cell is not None:
                series[cell.key] = _cell_series(cell, f"{row.label} · {channel}")
        series[row.total.key] = _cell_series(row.total, f"{row.label} · {all_channels}")
    # Open on the first touchpoint out of control, else the grand total.
    initial = next(
        (row.total.key for row in table.rows if row.total.status == "out_of_control"),
        table.totals.total.key if table.totals else None,
    )
    return {
        "periods": [period.label for period in table.periods],
        "series": series,
        "initial": initial,
        "labels": {
            "share": _("Dissatisfied (CSAT 1–2)"),
            "upper": _("Upper control limit"),
            "lower": _("Lower control limit"),
            "centre": _("Centre line (baseline)"),
            "answers": _("answers"),
            "baseline": _("baseline period"),
        },
    }
