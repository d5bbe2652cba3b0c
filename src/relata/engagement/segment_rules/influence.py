"""Segment fields of influence and loyalty (DOMAIN.md §7, §8): the influence score,
advocacy and holistic value, the loyalty quadrant and its two axes and the latest NPS
answer as scored in the latest run (group "value"), and two live totals over the feedback
app's tables, followers and reviews written (group "behaviour")."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from relata.engagement.segment_rules.builders import (
    feedback_total,
    snapshot,
    snapshot_choice_test,
    snapshot_known_number_test,
    snapshot_number_test,
)
from relata.engagement.segment_rules.language import (
    CHOICE,
    MONEY,
    NUMBER,
    SegmentField,
    SnapshotTest,
)
from relata.scoring.choices import QuadrantChoice

_ZERO = Decimal(0)
_COMPARE_OPS = ("gte", "lte", "gt", "lt", "eq", "ne", "between")
_KNOWN_OPS = ("is_set", "is_not_set")
_CHOICE_OPS = ("in", "not_in", "eq", "ne")


def _influence_field(
    key: str,
    label: StrOrPromise,
    kind: str,
    test: SnapshotTest,
    *,
    ops: tuple[str, ...] | None = None,
    **extra: Any,
) -> SegmentField:
    """A field read from the latest snapshot (group "value", like the other scores)."""
    default_ops = _CHOICE_OPS if kind == CHOICE else _COMPARE_OPS
    return SegmentField(
        key, label, "value", kind, ops or default_ops, snapshot(test), snapshot_test=test, **extra
    )


def _quadrants() -> list[tuple[Any, str]]:
    return [(value, str(label)) for value, label in QuadrantChoice.choices]


VOICE_FIELDS: tuple[SegmentField, ...] = (
    SegmentField(
        "followers_total",
        gettext_lazy("Followers (total)"),
        "behaviour",
        NUMBER,
        _COMPARE_OPS,
        feedback_total("SocialProfile", Sum("followers")),
        minimum=_ZERO,
        integer=True,
        help=gettext_lazy("Over all of the customer's social profiles, as counted last."),
    ),
    SegmentField(
        "reviews_written",
        gettext_lazy("Reviews written"),
        "behaviour",
        NUMBER,
        _COMPARE_OPS,
        feedback_total("Review", Count("id")),
        minimum=_ZERO,
        integer=True,
        help=gettext_lazy("Reviews and comments, all time."),
    ),
)

INFLUENCE_FIELDS: tuple[SegmentField, ...] = (
    _influence_field(
        "influence_score",
        gettext_lazy("Influence score"),
        NUMBER,
        snapshot_number_test("influence_score"),
        minimum=_ZERO,
        maximum=Decimal(100),
        integer=True,
        help=gettext_lazy(
            "0–100, from reach (followers), referrals, reviews and the latest NPS answer."
        ),
    ),
    _influence_field(
        "advocacy_value",
        gettext_lazy("Advocacy value"),
        MONEY,
        snapshot_number_test("advocacy_value"),
        help=gettext_lazy(
            "The CLV of the customers they referred plus an estimate of the customers their "
            "reach wins (the assumptions are scoring settings)."
        ),
    ),
    _influence_field(
        "holistic_value",
        gettext_lazy("Holistic value"),
        MONEY,
        snapshot_number_test("holistic_value"),
        help=gettext_lazy("CLV (BG/NBD + Gamma-Gamma) plus advocacy value."),
    ),
    _influence_field(
        "loyalty_quadrant",
        gettext_lazy("Loyalty quadrant"),
        CHOICE,
        snapshot_choice_test("loyalty_quadrant"),
        choices=_quadrants,
        help=gettext_lazy(
            "Attitude (NPS, recommendations) against behaviour (repeat purchases, recency, "
            "share of wallet, duration)."
        ),
    ),
    _influence_field(
        "nps_latest",
        gettext_lazy("Latest NPS answer"),
        NUMBER,
        snapshot_known_number_test("nps_latest"),
        ops=(*_COMPARE_OPS, *_KNOWN_OPS),
        minimum=_ZERO,
        maximum=Decimal(10),
        integer=True,
        help=gettext_lazy("0–10, by the period end of the latest run; unknown: never answered."),
    ),
    _influence_field(
        "attitudinal_loyalty",
        gettext_lazy("Attitudinal loyalty"),
        NUMBER,
        snapshot_known_number_test("attitudinal_loyalty"),
        ops=(*_COMPARE_OPS, *_KNOWN_OPS),
        minimum=_ZERO,
        maximum=Decimal(1),
        help=gettext_lazy(
            "0 to 1, from the latest NPS answer and recommendations; unknown without either."
        ),
    ),
    _influence_field(
        "behavioural_loyalty",
        gettext_lazy("Behavioural loyalty"),
        NUMBER,
        snapshot_number_test("behavioural_loyalty"),
        minimum=_ZERO,
        maximum=Decimal(1),
        help=gettext_lazy(
            "0 to 1, from repeat purchases, recency, share of wallet and relationship length."
        ),
    ),
)
