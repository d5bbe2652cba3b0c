"""/api/satisfaction: NPS over time and the "touchpoints under control?" table, read-only.

The figures are those of the satisfaction page for the same filters (DOMAIN.md §7, §17):
NPS per period with a 95% Wald interval and the change of the latest period against the one
before; CSAT per touchpoint × channel over the range, and a p-chart check of the latest
period's dissatisfied share (CSAT 1–2) against the periods before it.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from relata.analytics.satisfaction import (
    BASELINE_PERIODS,
    CONTROL_STATUSES,
    MIN_ANSWERS,
    MIN_BASELINE_ANSWERS,
    SIGMAS,
    NpsFigures,
)
from relata.api.errors import field_error, invalid
from relata.api.permissions import require_perms
from relata.api.responses import READ_ERRORS
from relata.api.schemas.common import ObjectId
from relata.contacts.models import Channel, Touchpoint
from relata.feedback.satisfaction_charts import finite
from relata.feedback.satisfaction_selectors import (
    ControlCell,
    ControlRow,
    SatisfactionFilters,
    SatisfactionReport,
    satisfaction_filters,
    satisfaction_report_cached,
)

router = Router(tags=["Satisfaction"])

PERMISSION = "feedback.view_surveyresponse"
Share = float | None


class SatisfactionQuery(Schema):
    date_from: date | None = Field(
        None,
        description="First (local) day counted; default: the start of the 24th month "
        "(8th quarter) before date_to.",
    )
    date_to: date | None = Field(None, description="Last (local) day counted; default: today.")
    granularity: Literal["month", "quarter"] = "month"
    survey_id: ObjectId | None = Field(None, description="Only answers to this survey.")
    touchpoint: Touchpoint | None = None
    channel: Channel | None = None


class FiltersOut(Schema):
    date_from: date
    date_to: date
    granularity: str
    survey_id: int | None
    touchpoint: str
    channel: str


class NpsOut(Schema):
    answers: int
    promoters: int
    passives: int
    detractors: int
    promoter_share: Share = Field(description="Fraction 0–1; null without answers.")
    passive_share: Share
    detractor_share: Share
    nps: Share = Field(description="−100 to 100; null without answers.")
    nps_low: Share = Field(description="Lower end of the 95% interval.")
    nps_high: Share


class NpsPeriodOut(NpsOut):
    period: str = Field(description='"2026-03" or "Q1 2026".')
    start: date
    end: date
    partial: bool = Field(description="The date range cuts the month or quarter.")
    counts: list[int] = Field(description="Answers 0, 1, …, 10.")


class NpsChangeOut(Schema):
    before: str
    after: str
    difference: Share = Field(description="NPS points, after minus before.")
    difference_low: Share
    difference_high: Share
    z: Share
    p_value: Share = Field(description="Two-sided; null when not testable.")
    significant: bool = Field(description="p below 0.05.")


class NpsSeriesOut(Schema):
    filters: FiltersOut
    total: NpsOut
    periods: list[NpsPeriodOut]
    change: NpsChangeOut | None


class ControlPeriodOut(Schema):
    answers: int
    dissatisfied_share: Share
    lower: Share
    upper: Share
    in_baseline: bool


class ControlCellOut(Schema):
    channel: str | None = Field(description='Channel value, "" not recorded, null for all.')
    answers: int = Field(description="CSAT answers over the whole range.")
    csat_mean: Share
    csat_mean_low: Share
    csat_mean_high: Share
    satisfied_share: Share = Field(description="CSAT 4–5.")
    dissatisfied_share: Share = Field(description="CSAT 1–2.")
    status: str = Field(description="The latest period: " + ", ".join(CONTROL_STATUSES) + ".")
    centre: Share = Field(description="Pooled dissatisfied share of the baseline.")
    baseline_answers: int
    latest: ControlPeriodOut
    periods: list[ControlPeriodOut]


class ControlRowOut(Schema):
    touchpoint: str | None = Field(description='Touchpoint value, "" not recorded, null all.')
    label: str
    channels: list[ControlCellOut] = Field(description="The channels with answers.")
    total: ControlCellOut


class ControlSettingsOut(Schema):
    baseline_periods: int
    min_answers: int
    min_baseline_answers: int
    sigmas: float


class ControlTableOut(Schema):
    filters: FiltersOut
    periods: list[str]
    latest_period: str | None
    settings: ControlSettingsOut
    rows: list[ControlRowOut]
    totals: ControlRowOut | None


def _filters(query: SatisfactionQuery) -> SatisfactionFilters:
    try:
        return satisfaction_filters(
            date_from=query.date_from,
            date_to=query.date_to,
            granularity=query.granularity,
            survey_id=query.survey_id,
            touchpoint=query.touchpoint.value if query.touchpoint else "",
            channel=query.channel.value if query.channel else "",
        )
    except ValueError as error:
        field = "date_to" if query.date_to is not None else "date_from"
        raise invalid([field_error(["query", field], str(error))]) from error


def _report(request: HttpRequest, query: SatisfactionQuery) -> SatisfactionReport:
    require_perms(request, PERMISSION)
    return satisfaction_report_cached(_filters(query))


def _filters_out(filters: SatisfactionFilters) -> dict[str, Any]:
    return {
        "date_from": filters.date_from,
        "date_to": filters.date_to,
        "granularity": filters.granularity,
        "survey_id": filters.survey_id,
        "touchpoint": filters.touchpoint,
        "channel": filters.channel,
    }


def _nps(figures: NpsFigures) -> dict[str, Any]:
    return {
        "answers": figures.answers,
        "promoters": figures.promoters,
        "passives": figures.passives,
        "detractors": figures.detractors,
        "promoter_share": finite(figures.promoter_share),
        "passive_share": finite(figures.passive_share),
        "detractor_share": finite(figures.detractor_share),
        "nps": finite(figures.nps),
        "nps_low": finite(figures.low),
        "nps_high": finite(figures.high),
    }


@router.get("/nps", response={200: NpsSeriesOut, **READ_ERRORS}, summary="NPS over time")
def nps_over_time(request: HttpRequest, query: Query[SatisfactionQuery]) -> dict[str, Any]:
    """NPS per month or quarter (promoters 9–10 minus detractors 0–6, in points) with a 95%
    Wald interval, the answers 0–10 per period, the whole range, and the change of the latest
    period against the one before with a two-sided z-test. Needs *view* on survey responses."""
    report = _report(request, query)
    nps = report.nps
    change = None
    if nps.change is not None:
        change = {
            "before": nps.periods[-2].label,
            "after": nps.periods[-1].label,
            "difference": finite(nps.change.difference),
            "difference_low": finite(nps.change.low),
            "difference_high": finite(nps.change.high),
            "z": finite(nps.change.z),
            "p_value": finite(nps.change.p_value),
            "significant": nps.change.significant,
        }
    return {
        "filters": _filters_out(report.filters),
        "total": _nps(nps.total),
        "periods": [
            {
                **_nps(nps.series.at(i)),
                "period": period.label,
                "start": period.start,
                "end": period.end,
                "partial": period.partial,
                "counts": [int(n) for n in nps.series.counts[i]],
            }
            for i, period in enumerate(nps.periods)
        ],
        "change": change,
    }


def _period(cell: ControlCell, at: int) -> dict[str, Any]:
    chart, row = cell.chart, cell.index
    return {
        "answers": int(chart.answers[row, at]),
        "dissatisfied_share": finite(float(chart.share[row, at])),
        "lower": finite(float(chart.lower[row, at])),
        "upper": finite(float(chart.upper[row, at])),
        "in_baseline": bool(chart.in_baseline[row, at]),
    }


def _cell(cell: ControlCell, channel: str | None) -> dict[str, Any]:
    csat = cell.csat
    periods = int(cell.chart.answers.shape[1])
    return {
        "channel": channel,
        "answers": csat.answers,
        "csat_mean": finite(csat.mean),
        "csat_mean_low": finite(csat.mean_low),
        "csat_mean_high": finite(csat.mean_high),
        "satisfied_share": finite(csat.satisfied_share),
        "dissatisfied_share": finite(csat.dissatisfied_share),
        "status": cell.status,
        "centre": finite(cell.centre),
        "baseline_answers": cell.baseline_answers,
        "latest": _period(cell, periods - 1),
        "periods": [_period(cell, at) for at in range(periods)],
    }


def _row(row: ControlRow, channels: list[tuple[str, str]], touchpoint: str | None) -> Any:
    return {
        "touchpoint": touchpoint,
        "label": row.label,
        "channels": [
            _cell(cell, value)
            for (value, _label), cell in zip(channels, row.cells, strict=True)
            if cell is not None
        ],
        "total": _cell(row.total, None),
    }


@router.get(
    "/touchpoints",
    response={200: ControlTableOut, **READ_ERRORS},
    summary="Touchpoints under control?",
)
def touchpoints(request: HttpRequest, query: Query[SatisfactionQuery]) -> dict[str, Any]:
    """CSAT per touchpoint and channel over the range (mean with a t interval, shares
    satisfied 4–5 and dissatisfied 1–2), with totals, and per cell a p-chart of the
    dissatisfied share per period: the centre line pools the baseline (up to 12 periods
    before the latest; periods outside their limits left out once), limits are 3 standard
    errors for each period's own answers. ``status`` judges the latest period:
    ``out_of_control`` above the upper limit, ``improved`` below the lower one,
    ``in_control``, or ``too_few`` answers (under 20 in the latest period or 50 in the
    baseline). Needs *view* on survey responses."""
    report = _report(request, query)
    table = report.control
    return {
        "filters": _filters_out(report.filters),
        "periods": [period.label for period in table.periods],
        "latest_period": table.periods[-1].label if table.periods else None,
        "settings": {
            "baseline_periods": BASELINE_PERIODS,
            "min_answers": MIN_ANSWERS,
            "min_baseline_answers": MIN_BASELINE_ANSWERS,
            "sigmas": SIGMAS,
        },
        "rows": [_row(row, table.channels, row.touchpoint) for row in table.rows],
        "totals": _row(table.totals, table.channels, None) if table.totals else None,
    }
