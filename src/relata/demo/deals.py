"""Deals from lead to order (DOMAIN.md §16): stage history, lines, and the link to the order.

Each deal gets its whole path up front: whether it advances at each stage (lead → qualified
60 %, qualified → quote 60 %, quote → won 45 %) and how long each step takes (lognormal, days
to weeks). Deals whose path ends after "now" are still open, in the stage they reached by
now; the others are won or lost. Most deals that will be won are placed so that they close on
one of the customer's own orders, which they then link to and take their lines from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.random import Generator

from relata.demo import vocab
from relata.demo.arrays import CustomerOrders, ranges_concat, sample_rows
from relata.demo.people import CustomerDraws
from relata.demo.tables import Column, S, Table
from relata.demo.text import SECONDS_PER_DAY, strings, weights

# Stage codes: the index into STAGES.
LEAD, QUALIFIED, QUOTE, WON, LOST = range(5)
STAGES = ("lead", "qualified", "quote", "won", "lost")
PROBABILITY = np.array([10, 30, 60, 100, 0])
ADVANCE = (0.6, 0.6, 0.45)  # lead → qualified, qualified → quote, quote → won
_BUYER_WON = 0.48

# Deals per year of a buying customer's active time (times √(1 + orders per year)), and the
# chance that a prospect was ever a lead.
_ORG_RATE = 0.5
_PERSON_RATE = 0.05
_PROSPECT_LEAD = 0.2
# Deals start more often in recent years (the sales team grew): start ~ span × u^bias.
_RECENT_BIAS = 0.6
# Share of deals to be won that close on one of the customer's orders.
_ANCHORED = 0.8
# Median days of each step (advance, lost) and their spread; per stage left.
_ADVANCE_DAYS = np.array([6.0, 9.0, 12.0])
_LOST_DAYS = np.array([12.0, 15.0, 20.0])
_SPREAD = 0.8

_SOURCES = ("web_form", "phone", "email", "store", "referral", "campaign", "event", "outbound")
_SOURCE_WEIGHTS = {
    "organisation": weights([15, 15, 15, 0, 10, 7, 10, 28]),
    "person": weights([36, 15, 10, 20, 8, 10, 1, 0]),
}
# Share of deals of a customer who bought before that are recorded as "existing customer".
_EXISTING = (0.45, 0.25)  # organisations, persons

_LOST_REASONS = (
    "price",
    "competitor",
    "no_budget",
    "no_decision",
    "timing",
    "product_fit",
    "service",
    "other",
)
# P(lost reason | stage the deal was lost in): price matters once a quote is on the table.
_LOST_REASON_GIVEN_STAGE = np.array(
    [
        [22, 6, 18, 22, 14, 12, 0, 6],
        [35, 18, 12, 12, 10, 8, 3, 2],
        [50, 24, 4, 9, 6, 2, 4, 1],
    ],
    dtype=float,
)
# Categories asked about in deals: organisations office goods in bulk, persons the big items.
_ORG_DEAL_POP = weights([12, 10, 22, 18, 4, 2, 16, 2, 6, 8])
_PERSON_DEAL_POP = weights([3, 2, 2, 2, 22, 26, 28, 8, 4, 3])


@dataclass(frozen=True)
class DealInfo:
    """What the task generator needs to know about open deals (indices in the Deal table)."""

    open_index: np.ndarray
    customer: np.ndarray  # customer index (id - 1) per deal
    stage: np.ndarray  # stage code per deal
    value: np.ndarray  # cents per deal
    stage_changed: np.ndarray  # seconds after the window start
    expected_close: np.ndarray  # datetime64[D]
    title: np.ndarray


def _lognormal_days(rng: Generator, median: np.ndarray) -> np.ndarray:
    days = median * np.exp(_SPREAD * rng.standard_normal(len(median)))
    seconds: np.ndarray = np.maximum(days * SECONDS_PER_DAY, 3600).astype(np.int64)
    return seconds


def _deal_lines(
    rng: Generator,
    customers: CustomerDraws,
    product_info: dict[str, np.ndarray],
    deal_owner: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Lines for deals without an order: (deal index, product index, quantity, unit price)."""
    d = len(deal_owner)
    is_org = customers.is_org[deal_owner]
    n_lines = 1 + np.where(is_org, rng.binomial(3, 0.5, d), rng.binomial(3, 0.2, d))
    deal = np.repeat(np.arange(d), n_lines)
    k = len(deal)
    owner = deal_owner[deal]
    line_org = is_org[deal]
    n_cat = len(vocab.CATEGORIES)
    random_cat = np.where(
        line_org, rng.choice(n_cat, k, p=_ORG_DEAL_POP), rng.choice(n_cat, k, p=_PERSON_DEAL_POP)
    )
    category = np.where(rng.random(k) < 0.4, customers.favourite[owner], random_cat)
    per_cat = product_info["per_category"]
    cat_start = np.cumsum(per_cat) - per_cat
    tiers = len(vocab.PRODUCT_TIERS)
    base = np.floor(rng.random(k) * (per_cat[category] // tiers)).astype(np.int64)
    product = cat_start[category] + base * tiers + rng.binomial(tiers - 1, customers.premium[owner])
    spend = customers.spend[owner]
    quantity = np.where(
        product_info["one_off"][product],
        np.where(line_org, 1 + rng.poisson(spend / 2), 1),
        1 + rng.poisson(np.where(line_org, spend * 3, spend)),
    ).astype(np.int64)
    # A negotiated discount per deal: none, or 5–15 %.
    discount = np.where(rng.random(d) < 0.35, rng.uniform(0.05, 0.15, d), 0.0)[deal]
    unit_price = np.round(product_info["price"][product] * (1 - discount)).astype(np.int64)
    return deal, product, quantity, unit_price


def deals_draw(
    rng: Generator,
    customers: CustomerDraws,
    order_info: dict[str, np.ndarray],
    index: CustomerOrders,
    orders: Table,
    order_lines: Table,
    products: Table,
    product_info: dict[str, np.ndarray],
    window_days: int,
    start: np.datetime64,
    now: np.datetime64,
) -> tuple[Table, Table, Table, DealInfo]:
    n = customers.n
    is_org = customers.is_org
    buyer = customers.kind_class == 2
    prospect = customers.kind_class == 1
    start_s = start.astype("datetime64[s]")
    now_s = int((now - start_s) / np.timedelta64(1, "s"))
    created_s = (
        (customers.table.columns["created_at"].values - start_s) / np.timedelta64(1, "s")
    ).astype(np.int64)

    # How many deals, and when each starts: over the active time of buyers (until half a
    # year after their last order), and shortly after a prospect came in.
    n_orders = order_info["n_orders"]
    end_day = np.minimum(order_info["last_day"] + 180, window_days)
    end_s = np.clip((end_day + 1) * SECONDS_PER_DAY, created_s, now_s)
    years = (end_s - created_s) / (365 * SECONDS_PER_DAY)
    per_year = n_orders / np.maximum(years, 0.25)
    rate = np.where(is_org, _ORG_RATE, _PERSON_RATE) * np.sqrt(1 + per_year)
    count = np.where(
        buyer,
        rng.poisson(np.where(buyer, years * rate, 0)),
        (prospect & (rng.random(n) < _PROSPECT_LEAD)).astype(np.int64),
    )
    owner = np.repeat(np.arange(n), count)
    d = len(owner)
    span = end_s[owner] - created_s[owner]
    t0 = np.where(
        prospect[owner],
        created_s[owner] + rng.exponential(7 * SECONDS_PER_DAY, d).astype(np.int64),
        created_s[owner] + (rng.random(d) ** _RECENT_BIAS * span).astype(np.int64),
    )
    t0 = np.minimum(t0, now_s)

    # The path: how far each deal gets and how long each step takes.
    advance = rng.random((d, 3)) < np.asarray(ADVANCE)
    # Prospects never bought: a deal of theirs that would be won is lost at the quote. Buyers
    # win a little more often instead, so that about 45 % of quotes are won overall.
    advance[:, 2] = ~prospect[owner] & (rng.random(d) < _BUYER_WON)
    reached = np.where(~advance[:, 0], LEAD, np.where(~advance[:, 1], QUALIFIED, QUOTE))
    won = advance.all(axis=1)
    final = np.where(won, WON, LOST)
    steps = reached + 2  # stage entries including the close
    gaps = np.stack(
        [
            np.where(
                advance[:, k],
                _lognormal_days(rng, np.full(d, _ADVANCE_DAYS[k])),
                _lognormal_days(rng, np.full(d, _LOST_DAYS[k])),
            )
            for k in range(3)
        ],
        axis=1,
    )

    # Deals to be won mostly close on one of the customer's orders (not a cancelled one).
    order_created_s = ((order_info["created"] - start_s) / np.timedelta64(1, "s")).astype(np.int64)
    anchor = np.where(won & (rng.random(d) < _ANCHORED), index.pick(owner, rng.random(d)), -1)
    close_s = np.where(anchor >= 0, order_created_s[np.maximum(anchor, 0)], 0)
    anchor = np.where(
        (anchor >= 0)
        & (order_info["status"][np.maximum(anchor, 0)] != "cancelled")
        & (close_s >= created_s[owner] + 3600),
        anchor,
        -1,
    )
    anchored = anchor >= 0
    total = gaps.sum(axis=1)
    room = close_s - created_s[owner]
    squeeze = np.where(anchored & (total > room), room / np.maximum(total, 1), 1.0)
    gaps = np.where(anchored[:, None], (gaps * squeeze[:, None]).astype(np.int64), gaps)
    t0 = np.where(anchored, close_s - gaps.sum(axis=1), t0)

    # Entry times of lead, qualified, quote and the close, in seconds after the window start.
    entries = np.concatenate([t0[:, None], t0[:, None] + np.cumsum(gaps, axis=1)], axis=1)
    entry_k = np.arange(4)[None, :]
    valid = entry_k < steps[:, None]
    happened = valid & (entries <= now_s)
    last_entry = happened.sum(axis=1) - 1
    is_open = last_entry < steps - 1
    stage = np.where(is_open, last_entry, final)
    close_at = entries[np.arange(d), steps - 1]

    # A won deal links to the customer's order on its close day or soon after (at most one
    # deal per order); the close moves to the moment that order was placed.
    won_closed = won & ~is_open
    candidate = np.where(
        won_closed,
        index.first_on_or_after(owner, close_at // SECONDS_PER_DAY, within=21),
        -1,
    )
    candidate = np.where(
        (candidate >= 0) & (order_info["status"][np.maximum(candidate, 0)] != "cancelled"),
        candidate,
        -1,
    )
    linked = np.flatnonzero(candidate >= 0)
    _, first = np.unique(candidate[linked], return_index=True)
    order_of = np.full(d, -1, dtype=np.int64)
    order_of[linked[first]] = candidate[linked[first]]
    has_order = order_of >= 0
    quote_at = entries[:, QUOTE]
    close_at = np.where(
        has_order,
        np.clip(order_created_s[np.maximum(order_of, 0)], quote_at, max(now_s, 0)),
        close_at,
    )
    entries[np.arange(d), steps - 1] = close_at

    # Chronological ids.
    order = np.lexsort((owner, t0))
    owner, stage, steps, entries, final = (
        owner[order],
        stage[order],
        steps[order],
        entries[order],
        final[order],
    )
    happened, is_open, order_of, has_order, reached = (
        happened[order],
        is_open[order],
        order_of[order],
        has_order[order],
        reached[order],
    )
    t0 = t0[order]
    ids = np.arange(1, d + 1)

    # Lines: a won deal with an order has the order's lines; the others their own.
    gen_deal, gen_product, gen_quantity, gen_price = _deal_lines(
        rng, customers, product_info, owner
    )
    keep = ~has_order[gen_deal]
    line_cols = order_lines.columns
    per_order = np.bincount(line_cols["order_id"].values - 1, minlength=orders.rows)
    line_start = np.cumsum(per_order) - per_order
    with_order = np.flatnonzero(has_order)
    copied = ranges_concat(line_start[order_of[with_order]], per_order[order_of[with_order]])
    line_deal = np.concatenate(
        [gen_deal[keep], np.repeat(with_order, per_order[order_of[with_order]])]
    )
    line_product = np.concatenate([gen_product[keep], line_cols["product_id"].values[copied] - 1])
    line_quantity = np.concatenate([gen_quantity[keep], line_cols["quantity"].values[copied]])
    line_price = np.concatenate([gen_price[keep], line_cols["unit_price"].values[copied]])
    by_deal = np.argsort(line_deal, kind="stable")
    line_deal, line_product = line_deal[by_deal], line_product[by_deal]
    line_quantity, line_price = line_quantity[by_deal], line_price[by_deal]
    k = len(line_deal)
    value = np.rint(np.bincount(line_deal, line_quantity * line_price, minlength=d)).astype(
        np.int64
    )

    # Title: the first product, and how many more.
    first_line = np.searchsorted(line_deal, np.arange(d))
    n_lines = np.bincount(line_deal, minlength=d)
    product_names = products.columns["name"].values
    title = product_names[line_product[first_line]]
    more = np.strings.add(np.strings.add(" (+", (n_lines - 1).astype(S)), ")")
    title = np.where(n_lines > 1, np.strings.add(title, more), title).astype(S)

    source_i = np.where(
        is_org[owner],
        rng.choice(len(_SOURCES), d, p=_SOURCE_WEIGHTS["organisation"]),
        rng.choice(len(_SOURCES), d, p=_SOURCE_WEIGHTS["person"]),
    )
    bought_before = buyer[owner] & (order_info["first_day"][owner] * SECONDS_PER_DAY <= t0)
    existing = bought_before & (rng.random(d) < np.where(is_org[owner], *_EXISTING))
    source = np.where(existing, "existing", strings(_SOURCES)[source_i]).astype(S)

    lost = stage == LOST
    reason_i = sample_rows(rng, _LOST_REASON_GIVEN_STAGE, reached)
    lost_reason = np.where(lost, strings(_LOST_REASONS)[reason_i], "").astype(S)

    # Probability: the stage's default, nudged for some open deals by the salesperson.
    probability = PROBABILITY[stage]
    nudge = rng.choice(np.array([-10, 10, 20]), d)
    nudged = is_open & (stage > LEAD) & (rng.random(d) < 0.3)
    probability = np.where(nudged, np.clip(probability + nudge, 10, 90), probability)

    stage_changed = entries[np.arange(d), np.where(is_open, stage, steps - 1)]
    closed = ~is_open
    today = now_s // SECONDS_PER_DAY
    # Open deals are expected to close in the coming weeks (sooner the further they are);
    # closed ones had an expected date around their close.
    ahead = np.select(
        [stage == LEAD, stage == QUALIFIED],
        [rng.integers(14, 57, d), rng.integers(7, 43, d)],
        rng.integers(3, 29, d),
    )
    around = stage_changed // SECONDS_PER_DAY + rng.integers(-10, 6, d)
    expected_day = np.where(closed, np.maximum(around, t0 // SECONDS_PER_DAY), today + ahead)
    expected_close = start + expected_day.astype("timedelta64[D]")

    def as_time(seconds: np.ndarray) -> np.ndarray:
        stamps: np.ndarray = start_s + seconds.astype("timedelta64[s]")
        return stamps

    deals = Table(
        "sales.Deal",
        {
            "id": Column("int", ids),
            "customer_id": Column("int", owner + 1),
            "title": Column("str", title),
            "stage": Column("str", strings(STAGES)[stage]),
            "value": Column("money", value),
            "probability": Column("int", probability.astype(np.int64)),
            "owner_id": Column("int", np.zeros(d, dtype=np.int64), np.ones(d, dtype=bool)),
            "source": Column("str", source),
            "expected_close_date": Column("date", expected_close),
            "lost_reason": Column("str", lost_reason),
            "lost_note": Column("str", np.full(d, "", dtype=S)),
            "notes": Column("str", np.full(d, "", dtype=S)),
            "order_id": Column("int", order_of + 1, ~has_order),
            "stage_changed_at": Column("datetime", as_time(stage_changed)),
            "closed_at": Column("datetime", as_time(np.where(closed, stage_changed, 0)), is_open),
            "created_by_id": Column("int", np.zeros(d, dtype=np.int64), np.ones(d, dtype=bool)),
            "created_at": Column("datetime", as_time(t0)),
            "updated_at": Column("datetime", as_time(stage_changed)),
            "version": Column("int", np.ones(d, dtype=np.int64)),
        },
    )
    lines = Table(
        "sales.DealLine",
        {
            "id": Column("int", np.arange(1, k + 1)),
            "deal_id": Column("int", line_deal + 1),
            "customer_id": Column("int", owner[line_deal] + 1),
            "product_id": Column("int", line_product + 1),
            "quantity": Column("int", line_quantity),
            "unit_price": Column("money", line_price),
        },
    )

    # Stage history: one row per stage entered by now, in time order.
    change_deal, change_k = np.nonzero(happened)
    to_stage = np.where(change_k == steps[change_deal] - 1, final[change_deal], change_k)
    from_stage = np.where(change_k == 0, -1, change_k - 1)
    changed = entries[change_deal, change_k]
    chrono = np.lexsort((change_k, change_deal, changed))
    change_deal, to_stage, from_stage, changed = (
        change_deal[chrono],
        to_stage[chrono],
        from_stage[chrono],
        changed[chrono],
    )
    c = len(change_deal)
    stage_names = strings(("", *STAGES))
    changes = Table(
        "sales.DealStageChange",
        {
            "id": Column("int", np.arange(1, c + 1)),
            "deal_id": Column("int", change_deal + 1),
            "customer_id": Column("int", owner[change_deal] + 1),
            "from_stage": Column("str", stage_names[from_stage + 1]),
            "to_stage": Column("str", stage_names[to_stage + 1]),
            "changed_at": Column("datetime", as_time(changed)),
            "changed_by_id": Column("int", np.zeros(c, dtype=np.int64), np.ones(c, dtype=bool)),
        },
    )
    info = DealInfo(
        open_index=np.flatnonzero(is_open),
        customer=owner,
        stage=stage,
        value=value,
        stage_changed=stage_changed,
        expected_close=expected_close,
        title=title,
    )
    return deals, lines, changes, info
