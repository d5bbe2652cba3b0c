"""The journey report: paths before a first purchase and before churn, channel switching,
drop-off causes, time to conversion and cohort retention, as plain data (labels translated,
NaN as None) for the page, its charts, the CSV export and the API.

Definitions (docs/decisions/0950-journey-analytics.md): the analysis is as on the last day
of the period. *Buyers* made their first purchase in the period; *not yet bought*: customers
with a contact moment in the period and no purchase by its end. A customer is *lost* when
the churn point — the first day with more days since the last purchase than the scoring
setting "lost after (days without purchase)" — falls in the period; *kept*: the churn point
lies after the period. A journey is
the last K contact moments before the outcome; moments that record the order itself
(outcome "order placed") are left out of the paths to a first purchase. Cancelled orders
do not count as purchases, as in scoring.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import numpy as np
from django.core.cache import cache
from django.utils import formats, timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from numpy.typing import NDArray

from relata.analytics.journey import (
    CONVERSION_EDGES,
    FrictionComparison,
    PathFlows,
    channel_switching,
    churn_split,
    conversion_time,
    friction_by_node,
    friction_comparison,
    journey_friction,
    month_of_day,
    path_flows,
)
from relata.analytics.journey_cohorts import cohort_retention
from relata.contacts.models import Channel, Friction, Touchpoint
from relata.feedback.journey_selectors import (
    GROUP_FIRST_CHANNEL,
    NODE_TOUCHPOINT,
    JourneyFilters,
    JourneyInput,
    data_fingerprint,
    journey_input,
)
from relata.scoring.models import ScoringSettings

CACHE_SECONDS = 10 * 60
HORIZON = 24
# A group's retention curve shows a month only when its observed cohorts hold this many
# customers: one or two customers make 0% or 100%, which says nothing.
MIN_CURVE_BASE = 10
TOP_PATHS = 10
CONVERSION_BINS = (
    _("Same day"),
    _("1–7 days"),
    _("8–14 days"),
    _("15–30 days"),
    _("31–60 days"),
    _("61–90 days"),
    _("91–180 days"),
    _("181–365 days"),
    _("Over a year"),
)


def _number(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _numbers(values: NDArray[Any]) -> list[float | None]:
    return [_number(float(v)) for v in values]


def _node_choices(node: str) -> list[tuple[str, str]]:
    choices = Touchpoint.choices if node == NODE_TOUCHPOINT else Channel.choices
    return [(str(value), str(label)) for value, label in choices]


def journey_report_cached(filters: JourneyFilters) -> dict[str, Any]:
    """The report, kept for ten minutes per filters, language, the lost-after setting and
    the state of moments, orders and customers (reading a million moments takes seconds)."""
    lost_after = ScoringSettings.current().lost_after_days
    key = "feedback:journeys:" + ":".join(
        (filters.key(), get_language() or "en", str(lost_after), data_fingerprint())
    )
    report: dict[str, Any] | None = cache.get(key)
    if report is None:
        report = journey_report_build(filters, lost_after_days=lost_after)
        cache.set(key, report, CACHE_SECONDS)
    return report


def journey_report_build(filters: JourneyFilters, *, lost_after_days: int) -> dict[str, Any]:
    started = time.perf_counter()
    data = journey_input(filters)
    read = time.perf_counter() - started
    # _paths gives first_purchase, churn and drop_off (they share the journeys).
    report = {
        "meta": _meta(filters, data, lost_after_days),
        **_paths(filters, data, lost_after_days),
    }
    report["switching"] = _switching(filters, data)
    report["conversion"] = _conversion(filters, data)
    report["cohorts"] = _cohorts(filters, data)
    report["meta"]["seconds_read"] = round(read, 2)
    report["meta"]["seconds"] = round(time.perf_counter() - started, 2)
    return report


def _meta(filters: JourneyFilters, data: JourneyInput, lost_after_days: int) -> dict[str, Any]:
    return {
        "date_from": filters.date_from.isoformat(),
        "date_to": filters.date_to.isoformat(),
        "node": filters.node,
        "steps": filters.steps,
        "grouping": filters.grouping,
        "window_days": filters.window_days,
        "lost_after_days": lost_after_days,
        "customers_total": data.sample.customers_total,
        "customers_analysed": data.customers_read,
        "sampled": data.sample.sampled,
        "sample_percent": round(100 * data.sample.share, 1),
        "moments_read": data.moments.size,
        "orders_read": int(data.order_customer.size),
        "computed_at": timezone.localtime().isoformat(timespec="seconds"),
    }


# --- paths and drop-off ------------------------------------------------------------------


def _paths(filters: JourneyFilters, data: JourneyInput, lost_after_days: int) -> dict[str, Any]:
    start, end, k = filters.start_day, filters.end_day, filters.steps
    moments = data.moments
    nodes = _node_choices(filters.node)
    purchases = data.purchases
    path_moments = moments.subset(~data.order_record)

    won = (purchases.first_day >= start) & (purchases.first_day <= end)
    buyers, buyer_cutoff = purchases.customer[won], purchases.first_day[won] + 1
    in_period = (moments.day >= start) & (moments.day <= end)
    contacted = np.unique(moments.customer[in_period])
    waiting = contacted[~np.isin(contacted, purchases.customer)]
    targets = np.concatenate((buyers, waiting))
    cutoff = np.concatenate((buyer_cutoff, np.full(waiting.size, end + 1, np.int64)))
    outcome = np.concatenate((np.zeros(buyers.size, np.int64), np.ones(waiting.size, np.int64)))
    order = np.argsort(targets, kind="stable")
    first_flows = path_flows(
        path_moments,
        targets[order],
        cutoff[order],
        outcome[order],
        k=k,
        n_nodes=len(nodes),
        n_outcomes=2,
        top=TOP_PATHS,
    )
    split = churn_split(purchases, lost_after_days=lost_after_days, start_day=start, end_day=end)
    churn_flows = path_flows(
        moments,
        split.churned,
        split.churn_day,
        np.zeros(split.churned.size, np.int64),
        k=k,
        n_nodes=len(nodes),
        n_outcomes=1,
        top=TOP_PATHS,
    )

    causes = len(Friction.values)
    not_bought = journey_friction(
        path_moments, waiting, np.full(waiting.size, end + 1), k=k, n_causes=causes
    )
    bought = journey_friction(path_moments, buyers, buyer_cutoff, k=k, n_causes=causes)
    lost = journey_friction(moments, split.churned, split.churn_day, k=k, n_causes=causes)
    kept = journey_friction(
        moments, split.retained, np.full(split.retained.size, end + 1), k=k, n_causes=causes
    )
    outcomes = [
        ("first_purchase", gettext("First purchase")),
        ("no_purchase", gettext("No purchase yet")),
    ]
    return {
        "first_purchase": _flows("first_purchase", first_flows, nodes, outcomes, filters),
        "churn": _flows("churn", churn_flows, nodes, [("lost", gettext("Lost"))], filters),
        "drop_off": {
            "node": filters.node,
            "causes": [{"key": str(v), "label": str(label)} for v, label in Friction.choices],
            "by_node": _by_node(data, filters, nodes),
            "comparisons": [
                _comparison(
                    "conversion",
                    gettext("Not yet bought"),
                    gettext("Bought"),
                    friction_comparison(not_bought, bought),
                ),
                _comparison(
                    "churn", gettext("Lost"), gettext("Kept"), friction_comparison(lost, kept)
                ),
            ],
        },
    }


def _flows(
    kind: str,
    flows: PathFlows,
    nodes: list[tuple[str, str]],
    outcomes: list[tuple[str, str]],
    filters: JourneyFilters,
) -> dict[str, Any]:
    def name(step: int, node: int) -> str:
        if node < 0:
            return outcomes[-1 - node][1]
        return gettext("Step %(step)d: %(label)s") % {"step": step, "label": nodes[node][1]}

    names: dict[str, dict[str, Any]] = {}
    links = []
    for source_step, source_node, target_step, target_node, count in zip(
        flows.source_step.tolist(),
        flows.source_node.tolist(),
        flows.target_step.tolist(),
        flows.target_node.tolist(),
        flows.count.tolist(),
        strict=True,
    ):
        source, target = name(source_step, source_node), name(target_step, target_node)
        for label, step, node in (
            (source, source_step, source_node),
            (target, target_step, target_node),
        ):
            names.setdefault(
                label,
                {
                    "name": label,
                    "depth": step - 1,
                    "key": nodes[node][0] if node >= 0 else outcomes[-1 - node][0],
                    "outcome": node < 0,
                },
            )
        links.append({"source": source, "target": target, "value": count})
    journeys = dict(zip((key for key, _label in outcomes), flows.journeys.tolist(), strict=True))
    paths = []
    for codes, outcome, count in zip(
        flows.paths.tolist(), flows.path_outcome.tolist(), flows.path_count.tolist(), strict=True
    ):
        key, label = outcomes[outcome]
        paths.append(
            {
                "steps": [nodes[code][0] for code in codes if code >= 0],
                "labels": [nodes[code][1] for code in codes if code >= 0],
                "outcome": key,
                "outcome_label": label,
                "customers": count,
                "share": _number(count / journeys[key]) if journeys[key] else None,
            }
        )
    return {
        "kind": kind,
        "node": filters.node,
        "steps": flows.k,
        "outcomes": [
            {
                "key": key,
                "label": label,
                "customers": int(flows.journeys[i] + flows.without_moments[i]),
                "journeys": int(flows.journeys[i]),
                "without_moments": int(flows.without_moments[i]),
            }
            for i, (key, label) in enumerate(outcomes)
        ],
        "nodes": sorted(names.values(), key=lambda node: (node["depth"], node["name"])),
        "links": links,
        "top_paths": paths,
    }


def _by_node(
    data: JourneyInput, filters: JourneyFilters, nodes: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    counts = friction_by_node(
        data.moments,
        n_nodes=len(nodes),
        n_causes=len(Friction.values),
        start_day=filters.start_day,
        end_day=filters.end_day,
    )
    rows = []
    for index, (key, label) in enumerate(nodes):
        moments = int(counts.moments[index])
        with_friction = int(counts.by_cause[index].sum())
        rows.append(
            {
                "key": key,
                "label": label,
                "moments": moments,
                "with_friction": with_friction,
                "share": _number(with_friction / moments) if moments else None,
                "causes": counts.by_cause[index].tolist(),
            }
        )
    return rows


def _comparison(
    key: str, lost_label: str, won_label: str, result: FrictionComparison
) -> dict[str, Any]:
    labels = [str(label) for _value, label in Friction.choices] + [gettext("Any friction")]
    keys = [str(value) for value in Friction.values] + ["any"]
    lost_share, won_share = result.lost_share, result.won_share
    rows = []
    for i, (cause, label) in enumerate(zip(keys, labels, strict=True)):
        low, high = _number(float(result.low[i])), _number(float(result.high[i]))
        signal = ""
        if low is not None and low > 1:
            signal = "over"
        elif high is not None and high < 1:
            signal = "under"
        rows.append(
            {
                "key": cause,
                "label": label,
                "lost_with": int(result.lost_with[i]),
                "lost_share": _number(float(lost_share[i])),
                "won_with": int(result.won_with[i]),
                "won_share": _number(float(won_share[i])),
                "ratio": _number(float(result.ratio[i])),
                "low": low,
                "high": high,
                "signal": signal,
            }
        )
    return {
        "key": key,
        "lost_label": lost_label,
        "won_label": won_label,
        "lost_n": result.lost_n,
        "won_n": result.won_n,
        "rows": rows,
    }


# --- switching, conversion time, cohorts -------------------------------------------------


def _switching(filters: JourneyFilters, data: JourneyInput) -> dict[str, Any]:
    channels = _node_choices("channel")
    result = channel_switching(
        data.moments,
        n_channels=len(channels),
        window_days=filters.window_days,
        start_day=filters.start_day,
        end_day=filters.end_day,
    )
    share_from = result.switch_share_from
    rows = []
    for i, (key, label) in enumerate(channels):
        follow_ups = int(result.matrix[i].sum())
        others = result.matrix[i].copy()
        others[i] = 0
        rows.append(
            {
                "key": key,
                "label": label,
                "follow_ups": follow_ups,
                "switch_share": _number(float(share_from[i])),
                "top_next": channels[int(others.argmax())][1] if others.any() else "",
            }
        )
    return {
        "window_days": filters.window_days,
        "channels": [{"key": key, "label": label} for key, label in channels],
        "matrix": result.matrix.tolist(),
        "transitions": result.transitions,
        "switches": result.switches,
        "switch_share": _number(result.switch_share),
        "customers": result.customers,
        "switchers": result.switchers,
        "rows": rows,
    }


def _conversion(filters: JourneyFilters, data: JourneyInput) -> dict[str, Any]:
    purchases = data.purchases
    won = (purchases.first_day >= filters.start_day) & (purchases.first_day <= filters.end_day)
    channels = _node_choices("channel")
    result = conversion_time(
        data.moments.subset(~data.order_record),
        purchases.customer[won],
        purchases.first_day[won],
        n_channels=len(channels),
    )
    edges = list(CONVERSION_EDGES)
    return {
        "buyers": result.buyers,
        "with_contact": int(result.days.size),
        "without_contact": result.without_contact,
        "median": _number(result.median),
        "q1": _number(result.quantile(0.25)),
        "q3": _number(result.quantile(0.75)),
        "mean": _number(result.mean),
        "histogram": [
            {
                "label": str(CONVERSION_BINS[i]),
                "low": edges[i],
                "high": edges[i + 1] - 1 if i + 1 < len(edges) else None,
                "customers": int(result.histogram[i]),
            }
            for i in range(len(edges))
        ],
        "per_channel": [
            {
                "key": key,
                "label": label,
                "customers": int(result.per_channel_n[i]),
                "median": _number(float(result.per_channel_median[i])),
                "q1": _number(float(result.per_channel_q1[i])),
                "q3": _number(float(result.per_channel_q3[i])),
            }
            for i, (key, label) in enumerate(channels)
        ],
    }


def _month_label(month: int) -> tuple[str, str]:
    day = date(1970 + month // 12, month % 12 + 1, 1)
    return day.isoformat()[:7], formats.date_format(day, "YEAR_MONTH_FORMAT")


def _groups(
    filters: JourneyFilters, data: JourneyInput
) -> tuple[list[tuple[str, str]], NDArray[np.int64], NDArray[np.int64], int]:
    """Group labels; customers (ids ascending) with their group code; the code of customers
    not listed."""
    if filters.grouping == GROUP_FIRST_CHANNEL:
        channels = _node_choices("channel")
        moments = data.moments
        first = np.flatnonzero(
            np.concatenate(([True], moments.customer[1:] != moments.customer[:-1]))
        )[: moments.size]
        labels = [*channels, ("none", gettext("No contact moment"))]
        return labels, moments.customer[first], moments.channel[first], len(channels)
    labels = [(source, source) for source in data.sources]
    labels += [("other", gettext("Other")), ("unknown", gettext("Not recorded"))]
    return labels, data.customer, data.source, len(labels) - 1


def _last_complete_month(day: date) -> int:
    month = (day.year - 1970) * 12 + day.month - 1
    following = date.fromordinal(day.toordinal() + 1)
    return month if following.month != day.month else month - 1


def _cohorts(filters: JourneyFilters, data: JourneyInput) -> dict[str, Any]:
    labels, group_customer, group_code, missing = _groups(filters, data)
    first, last = (
        int(month)
        for month in month_of_day(np.array([filters.start_day, filters.end_day], np.int64))
    )
    result = cohort_retention(
        data.order_customer,
        month_of_day(data.order_day),
        group_customer=group_customer,
        group_code=group_code,
        n_groups=len(labels),
        missing_group=missing,
        first_cohort=first,
        last_cohort=last,
        last_observed=_last_complete_month(filters.date_to),
        horizon=HORIZON,
    )
    retention, active = result.retention, result.still_active
    rows = []
    for i, month in enumerate(result.months.tolist()):
        key, label = _month_label(month)
        rows.append(
            {
                "month": key,
                "label": label,
                "customers": int(result.size[i]),
                "retention": _numbers(retention[i]),
                "active": _numbers(active[i]),
            }
        )
    thin = result.group_bases() < MIN_CURVE_BASE
    all_thin = result.bases() < MIN_CURVE_BASE
    curves = np.where(thin, np.nan, result.group_curves())
    active_curves = np.where(thin, np.nan, result.group_active_curves())
    group_retention = result.group_retention
    groups = []
    for g, (key, label) in enumerate(labels):
        size = int(result.group_size[g].sum())
        if not size:
            continue
        groups.append(
            {
                "key": key,
                "label": label,
                "customers": size,
                "curve": _numbers(curves[g]),
                "active": _numbers(active_curves[g]),
                "rows": [
                    {
                        "month": rows[i]["month"],
                        "customers": int(result.group_size[g, i]),
                        "retention": _numbers(group_retention[g, i]),
                    }
                    for i in range(len(rows))
                ],
            }
        )
    return {
        "grouping": filters.grouping,
        "horizon": HORIZON,
        "months_since": list(range(HORIZON + 1)),
        "customers": int(result.size.sum()),
        "rows": rows,
        "curve": _numbers(np.where(all_thin, np.nan, result.curve())),
        "active": _numbers(np.where(all_thin, np.nan, result.active_curve())),
        "groups": groups,
    }


def cohort_csv_rows(report: dict[str, Any]) -> list[list[Any]]:
    """The cohort table for a spreadsheet: everyone, then each group; one row per cohort
    month with its size and the retention per month since the first purchase (empty when
    not observed yet)."""
    cohorts = report["cohorts"]
    header = [gettext("Group"), gettext("Cohort (first purchase)"), gettext("Customers")]
    header += [f"M{k}" for k in cohorts["months_since"]]
    rows: list[list[Any]] = [header]

    def cells(values: list[float | None]) -> list[Any]:
        return ["" if value is None else round(value, 4) for value in values]

    for row in cohorts["rows"]:
        rows.append(
            [gettext("All customers"), row["month"], row["customers"], *cells(row["retention"])]
        )
    for group in cohorts["groups"]:
        for row in group["rows"]:
            if row["customers"]:
                rows.append(
                    [group["label"], row["month"], row["customers"], *cells(row["retention"])]
                )
    return rows
