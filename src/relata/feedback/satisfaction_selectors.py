"""Reads of the satisfaction reports (DOMAIN.md §7, §17): NPS over time, CSAT per touchpoint
and channel with a control check, and the latest detractor comments.

The database only counts: one GROUP BY of (period, NPS answer) and one of (period,
touchpoint, channel, CSAT answer), so a million answers arrive as a few thousand counts;
``relata.analytics.satisfaction`` does the statistics. The period of an answer is found by a
binary CASE over the local-time period boundaries (about log₂(periods) comparisons a row, in
plain SQL with bound parameters on SQLite and PostgreSQL alike) — cheaper than truncating
every timestamp in the installation's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    F,
    Field,
    Func,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import Expression
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django_stubs_ext import StrOrPromise

from relata.accounts.visibility import visible_by_customer
from relata.analytics._checks import IntArray
from relata.analytics.satisfaction import (
    CSAT_VALUES,
    DISSATISFIED_UP_TO,
    IMPROVED,
    IN_CONTROL,
    NPS_VALUES,
    OUT_OF_CONTROL,
    TOO_FEW,
    ControlChart,
    CsatFigures,
    CsatSeries,
    NpsChange,
    NpsFigures,
    NpsSeries,
    csat_series,
    nps_change,
    nps_series,
    p_chart,
)
from relata.contacts.models import Channel, Touchpoint
from relata.feedback.models import SurveyResponse

MONTH = "month"
QUARTER = "quarter"
GRANULARITIES: tuple[tuple[str, StrOrPromise], ...] = (
    (MONTH, gettext_lazy("Month")),
    (QUARTER, gettext_lazy("Quarter")),
)
# The default range: the last 24 months or 8 quarters, up to today.
DEFAULT_PERIODS = {MONTH: 24, QUARTER: 8}
MAX_YEARS = 10
DETRACTOR_COMMENTS = 20
CACHE_SECONDS = 5 * 60


@dataclass(frozen=True)
class SatisfactionFilters:
    """What the reports count: answers given from ``date_from`` to ``date_to`` (local days,
    both included), optionally of one survey, touchpoint and channel."""

    date_from: date
    date_to: date
    granularity: str = MONTH
    survey_id: int | None = None
    touchpoint: str = ""
    channel: str = ""

    def cache_key(self) -> str:
        return ":".join(
            str(part)
            for part in (
                self.date_from.isoformat(),
                self.date_to.isoformat(),
                self.granularity,
                self.survey_id,
                self.touchpoint,
                self.channel,
            )
        )


def _period_start(day: date, granularity: str) -> date:
    if granularity == QUARTER:
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return day.replace(day=1)


def _next_period(start: date, granularity: str) -> date:
    months = 3 if granularity == QUARTER else 1
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _periods_back(start: date, granularity: str, count: int) -> date:
    months = (3 if granularity == QUARTER else 1) * count
    index = start.year * 12 + start.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def satisfaction_filters(
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    granularity: str = "",
    survey_id: int | None = None,
    touchpoint: str = "",
    channel: str = "",
    today: date | None = None,
) -> SatisfactionFilters:
    """The filters with defaults filled in: up to today, from the start of the 24th month
    (8th quarter) back. Refuses (``ValueError``) a reversed or over-long range."""
    granularity = granularity or MONTH
    if granularity not in DEFAULT_PERIODS:
        raise ValueError(_("Unknown period granularity %(value)r.") % {"value": granularity})
    date_to = date_to or today or timezone.localdate()
    if date_from is None:
        date_from = _periods_back(
            _period_start(date_to, granularity), granularity, DEFAULT_PERIODS[granularity] - 1
        )
    if date_from > date_to:
        raise ValueError(_("The end date lies before the start date."))
    if (date_to - date_from).days > MAX_YEARS * 366:
        raise ValueError(_("Choose a range of at most %(years)s years.") % {"years": MAX_YEARS})
    return SatisfactionFilters(
        date_from=date_from,
        date_to=date_to,
        granularity=granularity,
        survey_id=survey_id,
        touchpoint=touchpoint,
        channel=channel,
    )


@dataclass(frozen=True)
class Period:
    """One period of the report: the days counted (``start``..``end``, both included; the
    first and last may be cut by the date range) of the month or quarter ``key``."""

    key: date
    start: date
    end: date
    granularity: str

    @property
    def partial(self) -> bool:
        return self.start != self.key or self.end != _next_period(self.key, self.granularity) - (
            timedelta(days=1)
        )

    @property
    def label(self) -> str:
        if self.granularity == QUARTER:
            return _("Q%(quarter)s %(year)s") % {
                "quarter": (self.key.month - 1) // 3 + 1,
                "year": self.key.year,
            }
        return self.key.strftime("%Y-%m")


def report_periods(filters: SatisfactionFilters) -> list[Period]:
    periods = []
    key = _period_start(filters.date_from, filters.granularity)
    while key <= filters.date_to:
        following = _next_period(key, filters.granularity)
        periods.append(
            Period(
                key=key,
                start=max(key, filters.date_from),
                end=min(following - timedelta(days=1), filters.date_to),
                granularity=filters.granularity,
            )
        )
        key = following
    return periods


def _moment(day: date) -> datetime:
    """Local midnight at the start of ``day``, as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _period_index(boundaries: list[datetime]) -> Expression:
    """The 0-based period of ``answered_at``: a binary search over the boundaries (the start
    of every period but the first) as nested CASE expressions."""

    def split(low: int, high: int) -> Expression:
        if high == low:
            return Value(low)
        middle = (low + high + 1) // 2
        return Case(
            When(answered_at__lt=boundaries[middle - 1], then=split(low, middle - 1)),
            default=split(middle, high),
            output_field=IntegerField(),
        )

    return split(0, len(boundaries))


def _column(name: str, output_field: Field) -> F | Func:
    """A column to filter or group on. On SQLite it is wrapped in a no-op unary plus: without
    statistics its planner walks the answered_at or (touchpoint, channel) index and fetches
    every row by lookup, several times slower than one pass over the table when a report
    reads most of it. PostgreSQL's planner chooses by its statistics."""
    if connection.vendor == "sqlite":
        return Func(F(name), template="+%(expressions)s", output_field=output_field)
    return F(name)


def _answers(filters: SatisfactionFilters, *, scan: bool = False) -> QuerySet[SurveyResponse]:
    """The answers the filters select; ``scan``: for a report that reads most of them."""
    moment = _column("answered_at", DateTimeField()) if scan else F("answered_at")
    answers = SurveyResponse.objects.alias(moment=moment).filter(
        moment__gte=_moment(filters.date_from),
        moment__lt=_moment(filters.date_to + timedelta(days=1)),
    )
    if filters.survey_id is not None:
        answers = answers.filter(survey_id=filters.survey_id)
    if filters.touchpoint:
        answers = answers.filter(touchpoint=filters.touchpoint)
    if filters.channel:
        answers = answers.filter(channel=filters.channel)
    return answers.order_by()


@dataclass
class AnswerCounts:
    """How often each answer was given, per period × touchpoint × channel."""

    periods: list[Period]
    touchpoints: list[tuple[str, str]]  # (value, label), in the choices' order
    channels: list[tuple[str, str]]
    nps: IntArray  # periods × touchpoints × channels × 11 (answers 0–10)
    csat: IntArray  # periods × touchpoints × channels × 5 (answers 1–5)


def answer_counts(filters: SatisfactionFilters) -> AnswerCounts:
    """One pass over the answers: a row per period, touchpoint and channel that counts
    each NPS and CSAT answer value (conditional aggregation)."""
    periods = report_periods(filters)
    counts = {f"nps_{k}": Count("id", filter=Q(nps=k)) for k in range(NPS_VALUES)}
    counts |= {f"csat_{k}": Count("id", filter=Q(csat=k)) for k in range(1, CSAT_VALUES + 1)}
    rows = list(
        _answers(filters, scan=True)
        .annotate(
            period=_period_index([_moment(p.start) for p in periods[1:]]),
            tp=_column("touchpoint", CharField()),
            ch=_column("channel", CharField()),
        )
        .values_list("period", "tp", "ch")
        .annotate(**counts)
    )
    touchpoints = _present(Touchpoint.choices, {row[1] for row in rows})
    channels = _present(Channel.choices, {row[2] for row in rows})
    tp_index = {value: i for i, (value, _label) in enumerate(touchpoints)}
    ch_index = {value: i for i, (value, _label) in enumerate(channels)}
    shape = (len(periods), len(touchpoints), len(channels))
    nps = np.zeros((*shape, NPS_VALUES), dtype=np.int64)
    csat = np.zeros((*shape, CSAT_VALUES), dtype=np.int64)
    for period, tp, ch, *values in rows:
        at = (period, tp_index[tp], ch_index[ch])
        nps[at] += values[:NPS_VALUES]
        csat[at] += values[NPS_VALUES:]
    return AnswerCounts(
        periods=periods, touchpoints=touchpoints, channels=channels, nps=nps, csat=csat
    )


NOT_RECORDED = gettext_lazy("Not recorded")


def _present(choices: list[tuple[str, Any]], used: set[str]) -> list[tuple[str, str]]:
    """The choices that occur, in their defined order, then codes outside the choices (an
    older import may hold them) as they are, and "not recorded" last."""
    known = {value for value, _label in choices}
    present = [(value, str(label)) for value, label in choices if value in used]
    present += [(value, value) for value in sorted(used - known - {""})]
    if "" in used:
        present.append(("", str(NOT_RECORDED)))
    return present


# --- NPS over time -------------------------------------------------------------------------


@dataclass
class NpsReport:
    periods: list[Period]
    series: NpsSeries
    total: NpsFigures
    change: NpsChange | None  # the latest period against the one before

    @property
    def answers(self) -> int:
        return self.total.answers

    @property
    def distribution(self) -> list[int]:
        """How often each answer 0–10 was given over the whole range."""
        return [int(n) for n in self.series.counts.sum(axis=0)]


def nps_report(counts: AnswerCounts) -> NpsReport:
    per_period = counts.nps.sum(axis=(1, 2))
    series = nps_series(per_period)
    periods = counts.periods
    change = nps_change(per_period[-2], per_period[-1]) if len(periods) >= 2 else None
    return NpsReport(periods=periods, series=series, total=series.total(), change=change)


# --- CSAT per touchpoint and channel -------------------------------------------------------


STATUS_LABELS: dict[str, StrOrPromise] = {
    IN_CONTROL: gettext_lazy("In control"),
    OUT_OF_CONTROL: gettext_lazy("Out of control"),
    IMPROVED: gettext_lazy("Improved"),
    TOO_FEW: gettext_lazy("Too few answers"),
}


@dataclass
class ControlCell:
    """CSAT of one touchpoint × channel (or a total) over the whole range, and the control
    check of its latest period; ``chart`` and ``index`` locate its p-chart."""

    key: str
    csat: CsatFigures
    status: str
    chart: ControlChart
    index: int

    @property
    def latest_answers(self) -> int:
        return int(self.chart.answers[self.index, -1])

    @property
    def latest_share(self) -> float:
        return float(self.chart.share[self.index, -1])

    @property
    def upper(self) -> float:
        return float(self.chart.upper[self.index, -1])

    @property
    def lower(self) -> float:
        return float(self.chart.lower[self.index, -1])

    @property
    def centre(self) -> float:
        return float(self.chart.centre[self.index])

    @property
    def baseline_answers(self) -> int:
        return int(self.chart.baseline_answers[self.index])


@dataclass
class ControlRow:
    touchpoint: str
    label: str
    cells: list[ControlCell | None]  # one per channel column; None without answers
    total: ControlCell


@dataclass
class ControlTable:
    periods: list[Period]
    channels: list[tuple[str, str]]  # (value, label) of the columns
    rows: list[ControlRow] = field(default_factory=list)
    totals: ControlRow | None = None  # all touchpoints, per channel

    @property
    def answers(self) -> int:
        return self.totals.total.csat.answers if self.totals else 0

    def status_counts(self) -> dict[str, int]:
        """How many touchpoint × channel cells have each status."""
        counts: dict[str, int] = {}
        for row in self.rows:
            for cell in row.cells:
                if cell is not None:
                    counts[cell.status] = counts.get(cell.status, 0) + 1
        return counts


def control_table(counts: AnswerCounts) -> ControlTable:
    """CSAT per touchpoint (rows) × channel (columns), with row, column and grand totals,
    each judged by a p-chart of its dissatisfied share (see the analytics module)."""
    periods = counts.periods
    # Only touchpoints and channels with CSAT answers (some surveys ask NPS only).
    used_tp = np.flatnonzero(counts.csat.sum(axis=(0, 2, 3)))
    used_ch = np.flatnonzero(counts.csat.sum(axis=(0, 1, 3)))
    touchpoints = [counts.touchpoints[i] for i in used_tp]
    channels = [counts.channels[j] for j in used_ch]
    table = ControlTable(periods=periods, channels=channels)
    if not touchpoints:
        return table
    # by_group[touchpoint, channel, period, answer]; totals as an extra last row and column.
    t, c = len(touchpoints), len(channels)
    by_group = np.zeros((t + 1, c + 1, len(periods), CSAT_VALUES), dtype=np.int64)
    by_group[:t, :c] = counts.csat[:, used_tp][:, :, used_ch].transpose(1, 2, 0, 3)
    by_group[t, :c] = by_group[:t, :c].sum(axis=0)
    by_group[:, c] = by_group[:, :c].sum(axis=1)

    groups = by_group.reshape(-1, len(periods), CSAT_VALUES)
    whole_range: CsatSeries = csat_series(groups.sum(axis=1))
    dissatisfied = groups[:, :, :DISSATISFIED_UP_TO].sum(axis=2)
    chart = p_chart(dissatisfied, groups.sum(axis=2))

    def cell(i: int, j: int) -> ControlCell | None:
        index = i * (c + 1) + j
        if whole_range.answers[index] == 0:
            return None
        return ControlCell(
            key=f"{i}-{j}",
            csat=whole_range.at(index),
            status=chart.status[index],
            chart=chart,
            index=index,
        )

    def row_of(i: int, value: str, label: str) -> ControlRow:
        total = cell(i, c)
        assert total is not None  # every row and the totals hold CSAT answers
        return ControlRow(
            touchpoint=value, label=label, cells=[cell(i, j) for j in range(c)], total=total
        )

    table.rows = [row_of(i, value, label) for i, (value, label) in enumerate(touchpoints)]
    table.totals = row_of(t, "", _("All touchpoints"))
    return table


# --- both, cached --------------------------------------------------------------------------


@dataclass
class SatisfactionReport:
    filters: SatisfactionFilters
    nps: NpsReport
    control: ControlTable


def satisfaction_report(filters: SatisfactionFilters) -> SatisfactionReport:
    counts = answer_counts(filters)
    return SatisfactionReport(
        filters=filters, nps=nps_report(counts), control=control_table(counts)
    )


def satisfaction_report_cached(filters: SatisfactionFilters) -> SatisfactionReport:
    """The report, kept five minutes per filter set and state of the answers (count and
    newest id): a million answers take a second or two to count."""
    state = SurveyResponse.objects.aggregate(n=Count("id"), newest=Max("id"))
    # Labels are translated when the report is built: one entry per language.
    key = (
        f"feedback:satisfaction:{get_language()}:{filters.cache_key()}:"
        f"{state['n']}:{state['newest']}"
    )
    report: SatisfactionReport | None = cache.get(key)
    if report is None:
        report = satisfaction_report(filters)
        cache.set(key, report, CACHE_SECONDS)
    return report


def detractor_comments(
    filters: SatisfactionFilters, *, viewer: Any = None, limit: int = DETRACTOR_COMMENTS
) -> list[SurveyResponse]:
    """The latest answers with NPS 0–6 and a comment, with customer, survey and follow-up
    task; only of customers the ``viewer`` may see (they name the customer and quote them)."""
    return list(
        visible_by_customer(viewer, _answers(filters))
        .filter(nps__lte=6)
        .exclude(comment="")
        .select_related("customer", "survey", "follow_up_task")
        .order_by("-answered_at", "-id")[:limit]
    )


def has_answers() -> bool:
    return SurveyResponse.objects.filter(Q(nps__isnull=False) | Q(csat__isnull=False)).exists()
