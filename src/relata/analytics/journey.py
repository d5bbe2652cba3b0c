"""Journey analytics (DOMAIN.md §14): what customers go through before their first purchase
and before they are lost, how they switch channels, what went wrong on the way (drop-off
causes) and how long conversion takes.

Input is columnar: contact moments as parallel arrays sorted by customer, then time
(``Moments``), and orders as (customer, day) pairs in any order. Days are whole days since
1970-01-01, months whole months since January 1970. Every function works on the arrays
with a sort, ``searchsorted``, ``bincount`` or ``unique`` — there is no loop over customers
— and every function works on any partition of the customers, so it runs unchanged on a
sample or on a shard.

Definitions (docs/decisions/0950-journey-analytics.md):

* A *journey* is the last ``k`` contact moments before an outcome. Steps are numbered 1 … k
  aligned to the outcome: step k is always the moment just before it, so a customer with
  fewer moments starts at a later step.
* The *churn point* of a customer is the first day on which the days since the last
  purchase exceed the number after which a customer counts as lost (last purchase +
  lost_after_days + 1, as scoring marks a customer lost); the customer is *churned* at the
  end of a period when the churn point falls on or before that end.
* A *channel switch* is a pair of consecutive contact moments of one customer at most
  ``window_days`` apart on different channels.
* Friction ratios compare the share of journeys with a friction among customers who were
  lost (or did not buy) with the share among those who were won (or kept): a risk ratio
  with a 95% interval by the log method (Katz, Baptista, Azen & Pike 1978, *Biometrics*
  34:469–474), with 0.5 added to every cell when one of them is empty (Haldane 1956).

Cohort retention is in ``relata.analytics.journey_cohorts``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from relata.analytics._checks import (
    BoolArray,
    FloatArray,
    IntArray,
    group_quantile,
    int_array,
    same_length,
)

MAX_STEPS = 8
# Histogram of days from first contact to first purchase: [edge, next edge), the last open.
CONVERSION_EDGES: tuple[int, ...] = (0, 1, 8, 15, 31, 61, 91, 181, 366)
Z_95 = 1.959963984540054


# --- inputs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Moments:
    """Contact moments sorted by customer, then time. ``node`` is what a path step shows (a
    touchpoint or a channel code, 0 … n−1), ``channel`` the channel code, ``friction`` the
    cause code (0 … n−1) or −1 when nothing went wrong."""

    customer: IntArray
    day: IntArray
    node: IntArray
    channel: IntArray
    friction: IntArray

    @property
    def size(self) -> int:
        return int(self.customer.size)

    def subset(self, mask: BoolArray) -> Moments:
        """The moments where ``mask`` holds (still sorted)."""
        return Moments(
            self.customer[mask],
            self.day[mask],
            self.node[mask],
            self.channel[mask],
            self.friction[mask],
        )


def journey_moments(
    customer: npt.ArrayLike,
    day: npt.ArrayLike,
    node: npt.ArrayLike,
    *,
    channel: npt.ArrayLike | None = None,
    friction: npt.ArrayLike | None = None,
    order: npt.ArrayLike | None = None,
) -> Moments:
    """Validate contact moments and sort them by customer, then ``order`` (a finer time such
    as seconds; defaults to the day), then input position. ``channel`` defaults to
    ``node``, ``friction`` to none (−1)."""
    customers = int_array("customer", customer)
    days = int_array("day", day)
    nodes = int_array("node", node, nonnegative=True)
    channels = nodes if channel is None else int_array("channel", channel, nonnegative=True)
    frictions = (
        np.full(customers.size, -1, np.int64)
        if friction is None
        else int_array("friction", friction)
    )
    times = days if order is None else int_array("order", order)
    same_length(
        customer=customers, day=days, node=nodes, channel=channels, friction=frictions, order=times
    )
    if (frictions < -1).any():
        raise ValueError("friction: codes are 0 or more, or -1 for none")
    sort = np.lexsort((times, customers))
    return Moments(customers[sort], days[sort], nodes[sort], channels[sort], frictions[sort])


@dataclass(frozen=True)
class Purchases:
    """Per buying customer (ids ascending): the first and the last purchase day."""

    customer: IntArray
    first_day: IntArray
    last_day: IntArray


def purchase_summary(order_customer: npt.ArrayLike, order_day: npt.ArrayLike) -> Purchases:
    """First and last purchase day per customer from orders in any order."""
    customers = int_array("order_customer", order_customer)
    days = int_array("order_day", order_day)
    same_length(order_customer=customers, order_day=days)
    if not customers.size:
        empty = np.zeros(0, np.int64)
        return Purchases(empty, empty, empty)
    sort = np.lexsort((days, customers))
    customers, days = customers[sort], days[sort]
    starts, ends = _groups(customers)
    return Purchases(customers[starts], days[starts], days[ends - 1])


def month_of_day(day: npt.ArrayLike) -> IntArray:
    """Months since January 1970 of days since 1970-01-01."""
    days = int_array("day", day)
    months: IntArray = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return months


def _groups(sorted_keys: IntArray) -> tuple[IntArray, IntArray]:
    """Start and (exclusive) end of each run of equal keys."""
    if not sorted_keys.size:
        empty = np.zeros(0, np.int64)
        return empty, empty
    change = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
    starts = np.concatenate(([0], change)).astype(np.int64)
    ends = np.append(change, sorted_keys.size).astype(np.int64)
    return starts, ends


def _positions(targets: IntArray, ids: IntArray) -> tuple[IntArray, BoolArray]:
    """Index of each id among the sorted, unique ``targets`` and whether it is there."""
    if not targets.size or not ids.size:
        return np.zeros(ids.size, np.int64), np.zeros(ids.size, bool)
    index = np.minimum(np.searchsorted(targets, ids), targets.size - 1).astype(np.int64)
    return index, targets[index] == ids


def _at(values: IntArray, position: IntArray) -> IntArray:
    """``values[position]``; zeros when there are no values (nothing is then known)."""
    return values[position] if values.size else np.zeros(position.size, np.int64)


def _targets(name: str, targets: npt.ArrayLike, cutoff: npt.ArrayLike) -> tuple[IntArray, IntArray]:
    ids = int_array(name, targets)
    days = int_array(f"{name}_cutoff", cutoff)
    same_length(**{name: ids, f"{name}_cutoff": days})
    if ids.size > 1 and not (ids[1:] > ids[:-1]).all():
        raise ValueError(f"{name}: customer ids must be unique and ascending")
    return ids, days


def _check_k(k: int) -> None:
    if not 1 <= k <= MAX_STEPS:
        raise ValueError(f"k must be between 1 and {MAX_STEPS}, got {k!r}")


# --- the last k moments before an outcome ------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """The last k moments before each target's cutoff: their position in ``Moments``, the
    target's index and the step (1 … k, k the last)."""

    index: IntArray
    target: IntArray
    step: IntArray


def last_before(
    moments: Moments, targets: npt.ArrayLike, cutoff: npt.ArrayLike, *, k: int
) -> Selection:
    """Per target customer (ids unique and ascending), the last ``k`` moments on days before
    its ``cutoff`` day (exclusive: pass day + 1 to include the day itself)."""
    _check_k(k)
    ids, days = _targets("targets", targets, cutoff)
    position, known = _positions(ids, moments.customer)
    keep = known & (moments.day < _at(days, position))
    index = np.flatnonzero(keep).astype(np.int64)
    target = position[index]
    starts, ends = _groups(target)
    from_end = np.repeat(ends, ends - starts) - 1 - np.arange(index.size)
    last = from_end < k
    return Selection(index[last], target[last], (k - from_end[last]).astype(np.int64))


# --- (a, b) paths before an outcome, as Sankey links -------------------------------------


@dataclass(frozen=True)
class PathFlows:
    """Links of a Sankey diagram of journeys. A node is (step, node code); the outcome
    nodes sit at step k + 1 with code −1 − outcome. ``paths`` are the most frequent whole
    journeys: one row of k node codes per path (−1 where the journey is shorter, at the
    start), its outcome and its number of customers."""

    k: int
    source_step: IntArray
    source_node: IntArray
    target_step: IntArray
    target_node: IntArray
    count: IntArray
    journeys: IntArray  # per outcome: customers with at least one moment
    without_moments: IntArray  # per outcome: customers without any moment before it
    paths: IntArray  # shape (n_paths, k)
    path_outcome: IntArray
    path_count: IntArray


def path_flows(
    moments: Moments,
    targets: npt.ArrayLike,
    cutoff: npt.ArrayLike,
    outcome: npt.ArrayLike,
    *,
    k: int,
    n_nodes: int,
    n_outcomes: int,
    top: int = 10,
) -> PathFlows:
    """Sankey links of the last ``k`` moments of each target before its cutoff, ending in
    the target's outcome (0 … n_outcomes − 1)."""
    ids, _days = _targets("targets", targets, cutoff)
    outcomes = int_array("outcome", outcome, nonnegative=True)
    same_length(targets=ids, outcome=outcomes)
    if outcomes.size and int(outcomes.max()) >= n_outcomes:
        raise ValueError(f"outcome: codes must be below n_outcomes={n_outcomes}")
    chosen = last_before(moments, ids, cutoff, k=k)
    node = moments.node[chosen.index]
    if node.size and int(node.max()) >= n_nodes:
        raise ValueError(f"node: codes must be below n_nodes={n_nodes}")
    width = n_nodes + n_outcomes
    # Node key: step × width + code (outcomes after the codes).
    key = chosen.step * width + node
    same_target = chosen.target[1:] == chosen.target[:-1]
    link_source = key[:-1][same_target]
    link_target = key[1:][same_target]
    starts, ends = _groups(chosen.target)
    last = ends - 1
    finished = chosen.target[last]
    link_source = np.concatenate((link_source, key[last]))
    link_target = np.concatenate((link_target, (k + 1) * width + n_nodes + outcomes[finished]))
    span = (k + 2) * width
    links, count = np.unique(link_source * span + link_target, return_counts=True)
    source, target = links // span, links % span
    target_code = target % width
    target_node = np.where(target_code >= n_nodes, n_nodes - 1 - target_code, target_code)

    journeys = np.bincount(outcomes[finished], minlength=n_outcomes).astype(np.int64)
    everyone = np.bincount(outcomes, minlength=n_outcomes).astype(np.int64)
    paths, path_outcome, path_count = _top_paths(
        chosen,
        node,
        outcomes,
        starts,
        finished,
        k=k,
        n_nodes=n_nodes,
        n_outcomes=n_outcomes,
        top=top,
    )
    return PathFlows(
        k=k,
        source_step=(source // width).astype(np.int64),
        source_node=(source % width).astype(np.int64),
        target_step=(target // width).astype(np.int64),
        target_node=target_node.astype(np.int64),
        count=count.astype(np.int64),
        journeys=journeys,
        without_moments=everyone - journeys,
        paths=paths,
        path_outcome=path_outcome,
        path_count=path_count,
    )


def _top_paths(
    chosen: Selection,
    node: IntArray,
    outcomes: IntArray,
    starts: IntArray,
    finished: IntArray,
    *,
    k: int,
    n_nodes: int,
    n_outcomes: int,
    top: int,
) -> tuple[IntArray, IntArray, IntArray]:
    """The ``top`` most frequent (journey, outcome) pairs, each journey as k codes."""
    base = n_nodes + 1  # digit 0: no moment at this step
    digit = (node + 1) * base ** (k - chosen.step)
    code = np.add.reduceat(digit, starts) if starts.size else np.zeros(0, np.int64)
    keys, counts = np.unique(code * n_outcomes + outcomes[finished], return_counts=True)
    order = np.lexsort((keys, -counts))[:top]
    keys, counts = keys[order], counts[order]
    journey, outcome = keys // n_outcomes, keys % n_outcomes
    powers = base ** np.arange(k - 1, -1, -1, dtype=np.int64)
    paths = (journey[:, None] // powers[None, :]) % base - 1
    return paths.astype(np.int64), outcome.astype(np.int64), counts.astype(np.int64)


# --- (b) churn ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChurnSplit:
    """Customers lost at ``end_day`` whose churn point fell in the period (ids ascending,
    with the churn day), and customers still active at ``end_day``."""

    churned: IntArray
    churn_day: IntArray
    retained: IntArray


def churn_split(
    purchases: Purchases, *, lost_after_days: int, start_day: int, end_day: int
) -> ChurnSplit:
    """Churn point = last purchase day + ``lost_after_days`` + 1: the first day with more
    than ``lost_after_days`` days since the last purchase. Churned: the churn point lies in
    [start_day, end_day]. Retained: the churn point lies after end_day."""
    if lost_after_days < 1:
        raise ValueError(f"lost_after_days must be 1 or more, got {lost_after_days!r}")
    point = purchases.last_day + lost_after_days + 1
    churned = (point >= start_day) & (point <= end_day)
    return ChurnSplit(
        churned=purchases.customer[churned],
        churn_day=point[churned],
        retained=purchases.customer[point > end_day],
    )


# --- (c) channel switching ---------------------------------------------------------------


@dataclass(frozen=True)
class Switching:
    """Consecutive moments of one customer at most ``window_days`` apart: ``matrix[a, b]``
    counts a moment on channel a followed by one on channel b."""

    matrix: IntArray
    customers: int  # customers with at least one such pair
    switchers: int  # customers with at least one pair on different channels

    @property
    def transitions(self) -> int:
        return int(self.matrix.sum())

    @property
    def switches(self) -> int:
        return self.transitions - int(np.trace(self.matrix))

    @property
    def switch_share(self) -> float:
        return self.switches / self.transitions if self.transitions else float("nan")

    @property
    def switch_share_from(self) -> FloatArray:
        """Per channel: share of the follow-ups on another channel (NaN without any)."""
        total = self.matrix.sum(axis=1).astype(np.float64)
        other = total - np.diag(self.matrix)
        with np.errstate(invalid="ignore", divide="ignore"):
            share: FloatArray = np.where(total > 0, other / total, np.nan)
        return share


def channel_switching(
    moments: Moments, *, n_channels: int, window_days: int, start_day: int, end_day: int
) -> Switching:
    """Channel-to-next-channel counts of the moments in [start_day, end_day]."""
    if window_days < 0:
        raise ValueError(f"window_days must be 0 or more, got {window_days!r}")
    inside = (moments.day >= start_day) & (moments.day <= end_day)
    customer, day, channel = moments.customer[inside], moments.day[inside], moments.channel[inside]
    pair = (customer[1:] == customer[:-1]) & (day[1:] - day[:-1] <= window_days)
    origin, follow = channel[:-1][pair], channel[1:][pair]
    if (origin.size and int(origin.max()) >= n_channels) or (
        follow.size and int(follow.max()) >= n_channels
    ):
        raise ValueError(f"channel: codes must be below n_channels={n_channels}")
    matrix = np.bincount(origin * n_channels + follow, minlength=n_channels * n_channels)
    owner = customer[:-1][pair]
    switched = owner[origin != follow]
    return Switching(
        matrix=matrix.reshape(n_channels, n_channels).astype(np.int64),
        customers=int(np.unique(owner).size),
        switchers=int(np.unique(switched).size),
    )


# --- (d) drop-off causes -----------------------------------------------------------------


@dataclass(frozen=True)
class FrictionCounts:
    """Moments in the period per node code, and those with each friction cause."""

    moments: IntArray  # (n_nodes,)
    by_cause: IntArray  # (n_nodes, n_causes)


def friction_by_node(
    moments: Moments, *, n_nodes: int, n_causes: int, start_day: int, end_day: int
) -> FrictionCounts:
    inside = (moments.day >= start_day) & (moments.day <= end_day)
    node, cause = moments.node[inside], moments.friction[inside]
    if cause.size and int(cause.max()) >= n_causes:
        raise ValueError(f"friction: codes must be below n_causes={n_causes}")
    went_wrong = cause >= 0
    by_cause = np.bincount(
        node[went_wrong] * n_causes + cause[went_wrong], minlength=n_nodes * n_causes
    )
    return FrictionCounts(
        moments=np.bincount(node, minlength=n_nodes).astype(np.int64),
        by_cause=by_cause.reshape(n_nodes, n_causes).astype(np.int64),
    )


@dataclass(frozen=True)
class JourneyFriction:
    """Per target: whether its journey (last k moments) holds each cause, any cause, and
    whether it has a journey at all."""

    causes: BoolArray  # (n_targets, n_causes)
    any: BoolArray
    has_journey: BoolArray


def journey_friction(
    moments: Moments, targets: npt.ArrayLike, cutoff: npt.ArrayLike, *, k: int, n_causes: int
) -> JourneyFriction:
    ids, _days = _targets("targets", targets, cutoff)
    chosen = last_before(moments, ids, cutoff, k=k)
    cause = moments.friction[chosen.index]
    if cause.size and int(cause.max()) >= n_causes:
        raise ValueError(f"friction: codes must be below n_causes={n_causes}")
    wrong = cause >= 0
    flags = np.zeros(ids.size * n_causes, bool)
    flags[chosen.target[wrong] * n_causes + cause[wrong]] = True
    causes = flags.reshape(ids.size, n_causes)
    has_journey = np.zeros(ids.size, bool)
    has_journey[chosen.target] = True
    any_cause: BoolArray = causes.sum(axis=1) > 0
    return JourneyFriction(causes=causes, any=any_cause, has_journey=has_journey)


@dataclass(frozen=True)
class FrictionComparison:
    """Journeys of customers lost (or not won) against those kept (or won): per cause, and
    at position n_causes for any cause, the number of journeys with it, the shares, and the
    risk ratio lost/won with its 95% interval (NaN when a group is empty)."""

    lost_n: int
    won_n: int
    lost_with: IntArray
    won_with: IntArray
    ratio: FloatArray
    low: FloatArray
    high: FloatArray

    @property
    def lost_share(self) -> FloatArray:
        return _share(self.lost_with, self.lost_n)

    @property
    def won_share(self) -> FloatArray:
        return _share(self.won_with, self.won_n)


def _share(count: IntArray, total: int) -> FloatArray:
    if not total:
        return np.full(count.size, np.nan)
    share: FloatArray = count / float(total)
    return share


def friction_comparison(
    lost: JourneyFriction, won: JourneyFriction, *, z: float = Z_95
) -> FrictionComparison:
    """Compare the journeys (targets with at least one moment) of two groups."""
    lost_flags = np.column_stack((lost.causes, lost.any))[lost.has_journey]
    won_flags = np.column_stack((won.causes, won.any))[won.has_journey]
    lost_with = lost_flags.sum(axis=0).astype(np.int64)
    won_with = won_flags.sum(axis=0).astype(np.int64)
    ratio, low, high = risk_ratio(
        lost_with, int(lost_flags.shape[0]), won_with, int(won_flags.shape[0]), z=z
    )
    return FrictionComparison(
        lost_n=int(lost_flags.shape[0]),
        won_n=int(won_flags.shape[0]),
        lost_with=lost_with,
        won_with=won_with,
        ratio=ratio,
        low=low,
        high=high,
    )


def risk_ratio(
    a: IntArray, n1: int, c: IntArray, n0: int, *, z: float = Z_95
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(a/n1) / (c/n0) with the log-method interval exp(log RR ± z·se),
    se = √(1/a − 1/n1 + 1/c − 1/n0). Where a cell is empty (a or c is 0, or all), 0.5 is
    added to a, c and the non-events for the interval, and for the ratio itself when c is
    0. NaN when n1 or n0 is 0."""
    events1 = np.asarray(a, np.float64)
    events0 = np.asarray(c, np.float64)
    if n1 <= 0 or n0 <= 0:
        nan: FloatArray = np.full(events1.shape, np.nan)
        return nan, nan.copy(), nan.copy()
    raw = (events1 / n1) / np.where(events0 > 0, events0 / n0, 1.0)
    corrected = (events1 == 0) | (events0 == 0) | (events1 == n1) | (events0 == n0)
    total1 = np.where(corrected, n1 + 1.0, float(n1))
    total0 = np.where(corrected, n0 + 1.0, float(n0))
    events1 = np.where(corrected, events1 + 0.5, events1)
    events0 = np.where(corrected, events0 + 0.5, events0)
    log_ratio = np.log(events1 / total1) - np.log(events0 / total0)
    se = np.sqrt(1 / events1 - 1 / total1 + 1 / events0 - 1 / total0)
    ratio: FloatArray = np.where(np.asarray(c) > 0, raw, np.exp(log_ratio))
    low: FloatArray = np.exp(log_ratio - z * se)
    high: FloatArray = np.exp(log_ratio + z * se)
    return ratio, low, high


# --- (e) time to conversion --------------------------------------------------------------


@dataclass(frozen=True)
class ConversionTime:
    """Days from the first contact moment to the first purchase, for buyers who had a
    contact moment on or before that day; ``per_channel_*`` by the channel of that first
    moment (median and quartiles NaN for a channel without buyers)."""

    buyers: int
    without_contact: int
    days: IntArray
    first_channel: IntArray
    edges: IntArray
    histogram: IntArray
    per_channel_n: IntArray
    per_channel_median: FloatArray
    per_channel_q1: FloatArray
    per_channel_q3: FloatArray

    def quantile(self, q: float) -> float:
        return float(np.quantile(self.days, q)) if self.days.size else float("nan")

    @property
    def median(self) -> float:
        return self.quantile(0.5)

    @property
    def mean(self) -> float:
        return float(self.days.mean()) if self.days.size else float("nan")


def conversion_time(
    moments: Moments,
    buyers: npt.ArrayLike,
    first_purchase_day: npt.ArrayLike,
    *,
    n_channels: int,
    edges: tuple[int, ...] = CONVERSION_EDGES,
) -> ConversionTime:
    ids, first_day = _targets("buyers", buyers, first_purchase_day)
    position, known = _positions(ids, moments.customer)
    keep = known & (moments.day <= _at(first_day, position))
    index = np.flatnonzero(keep)
    target = position[index]
    starts, _ends = _groups(target)
    first = index[starts]
    who = target[starts]
    days = (first_day[who] - moments.day[first]).astype(np.int64)
    channel = moments.channel[first].astype(np.int64)
    if channel.size and int(channel.max()) >= n_channels:
        raise ValueError(f"channel: codes must be below n_channels={n_channels}")
    edge_array = np.asarray(edges, np.int64)
    histogram = np.bincount(
        np.searchsorted(edge_array, days, side="right") - 1, minlength=edge_array.size
    ).astype(np.int64)
    values = days.astype(np.float64)
    median, counts = group_quantile(values, channel, n_channels, 0.5)
    q1, _counts = group_quantile(values, channel, n_channels, 0.25)
    q3, _counts = group_quantile(values, channel, n_channels, 0.75)
    empty = counts == 0
    return ConversionTime(
        buyers=int(ids.size),
        without_contact=int(ids.size - who.size),
        days=days,
        first_channel=channel,
        edges=edge_array,
        histogram=histogram,
        per_channel_n=counts,
        per_channel_median=np.where(empty, np.nan, median),
        per_channel_q1=np.where(empty, np.nan, q1),
        per_channel_q3=np.where(empty, np.nan, q3),
    )
