"""Orders with their lines, and contact moments over all channels and touchpoints.

The purchase model follows the BG/NBD story (Fader, Hardie & Lee 2005): each buyer has a
Poisson purchase rate drawn from a gamma distribution (so a few buy very often and many buy
once), and after every purchase drops out with a probability drawn from a beta
distribution (so some customers lapse). Spend per customer is lognormal; organisations buy
more, and more the larger they are. Together these give the familiar 80/20 concentration.
"""

from __future__ import annotations

import numpy as np
from numpy.random import Generator

from relata.demo import vocab
from relata.demo.arrays import sample_rows
from relata.demo.people import CustomerDraws
from relata.demo.tables import Column, S, Table
from relata.demo.text import (
    SECONDS_PER_DAY,
    numbered,
    strings,
    time_of_day,
    weights,
)


def orders_draw(
    rng: Generator,
    customers: CustomerDraws,
    product_info: dict[str, np.ndarray],
    window_days: int,
    start: np.datetime64,
    now: np.datetime64,
) -> tuple[Table, Table, dict[str, np.ndarray]]:
    n = customers.n
    is_org = customers.is_org
    buyer = customers.kind_class == 2
    first_day = np.minimum(customers.acq_day + rng.exponential(10, n).astype(np.int64), window_days)
    # BG/NBD-like: purchase rate per year ~ gamma, dropout probability per purchase ~ beta.
    rate = rng.gamma(0.6, np.where(is_org, 7.0, 3.9) / 0.6)
    p_drop = rng.beta(0.9, 6.0, n)
    transactions_alive = rng.geometric(np.maximum(p_drop, 1e-6))
    years_open = (window_days - first_day) / 365.0
    repeats_offered = rng.poisson(rate * years_open)
    repeats = np.where(buyer, np.minimum(repeats_offered, transactions_alive - 1), 0)
    n_orders = np.where(buyer, 1 + repeats, 0)

    # Repeat purchase days: the first `repeats` of `repeats_offered` uniform times.
    offered_owner = np.repeat(np.arange(n), np.where(buyer, repeats_offered, 0))
    span = (window_days - first_day)[offered_owner]
    offered_day = first_day[offered_owner] + np.ceil(rng.random(len(offered_owner)) * span).astype(
        np.int64
    )
    order = np.lexsort((offered_day, offered_owner))
    offered_owner, offered_day = offered_owner[order], offered_day[order]
    group_start = np.cumsum(np.where(buyer, repeats_offered, 0)) - np.where(
        buyer, repeats_offered, 0
    )
    rank = np.arange(len(offered_owner)) - group_start[offered_owner]
    keep = rank < repeats[offered_owner]
    buyers = np.flatnonzero(buyer)
    owner = np.concatenate([buyers, offered_owner[keep]])
    day = np.concatenate([first_day[buyers], offered_day[keep]])
    order = np.lexsort((owner, day))  # chronological order numbers
    owner, day = owner[order], day[order]
    m = len(owner)

    order_ids = np.arange(1, m + 1)
    order_date = start + day.astype("timedelta64[D]")
    created = np.minimum(
        order_date.astype("datetime64[s]") + time_of_day(rng, m).astype("timedelta64[s]"), now
    )
    owner_org = is_org[owner]
    channels = strings(["web", "store", "phone", "sales_rep", "email"])
    channel_i = np.where(
        owner_org,
        rng.choice(5, m, p=[0.3, 0.05, 0.2, 0.25, 0.2]),
        rng.choice(5, m, p=[0.58, 0.27, 0.08, 0.02, 0.05]),
    )
    recent = day >= window_days - 7
    status_roll = rng.random(m)
    status = np.select(
        [recent & (status_roll < 0.6), status_roll < 0.03, status_roll < 0.05],
        [strings(["open"]), strings(["cancelled"]), strings(["returned"])],
        strings(["delivered"]),
    ).astype(S)

    # Lines: 1–5 per order, organisations more.
    n_lines = 1 + np.where(owner_org, rng.binomial(4, 0.55, m), rng.binomial(4, 0.33, m))
    line_order = np.repeat(np.arange(m), n_lines)
    k = len(line_order)
    line_owner = owner[line_order]
    n_cat = len(vocab.CATEGORIES)
    person_pop = weights([c[6] for c in vocab.CATEGORIES])
    org_pop = weights([12, 14, 24, 22, 3, 2, 8, 1, 4, 10][:n_cat])
    line_org = is_org[line_owner]
    random_cat = np.where(
        line_org, rng.choice(n_cat, k, p=org_pop), rng.choice(n_cat, k, p=person_pop)
    )
    category = np.where(rng.random(k) < 0.5, customers.favourite[line_owner], random_cat)
    per_cat = product_info["per_category"]
    cat_start = np.cumsum(per_cat) - per_cat
    tiers = len(vocab.PRODUCT_TIERS)
    base = np.floor(rng.random(k) * (per_cat[category] // tiers)).astype(np.int64)
    tier = rng.binomial(tiers - 1, customers.premium[line_owner])
    product = cat_start[category] + base * tiers + tier
    spend = customers.spend[line_owner]
    one_off = product_info["one_off"][product]
    quantity = np.where(
        one_off,
        np.where(line_org, 1 + rng.poisson(spend / 4), 1),
        1 + rng.poisson(spend),
    ).astype(np.int64)
    discount = rng.random(k) < 0.12
    unit_price = np.where(
        discount,
        np.round(product_info["price"][product] * 0.9).astype(np.int64),
        product_info["price"][product],
    )
    unit_cost = product_info["unit_cost"][product]
    total = np.rint(np.bincount(line_order, quantity * unit_price, minlength=m)).astype(np.int64)
    cost = np.rint(np.bincount(line_order, quantity * unit_cost, minlength=m)).astype(np.int64)

    orders = Table(
        "sales.Order",
        {
            "id": Column("int", order_ids),
            "order_number": Column("str", numbered("O", order_ids, 8)),
            "customer_id": Column("int", owner + 1),
            "order_date": Column("date", order_date),
            "channel": Column("str", channels[channel_i]),
            "status": Column("str", status),
            "total_amount": Column("money", total),
            "total_cost": Column("money", cost),
            "notes": Column("str", np.full(m, "", dtype=S)),
            "created_at": Column("datetime", created),
        },
    )
    lines = Table(
        "sales.OrderLine",
        {
            "id": Column("int", np.arange(1, k + 1)),
            "order_id": Column("int", line_order + 1),
            "customer_id": Column("int", line_owner + 1),
            "product_id": Column("int", product + 1),
            "quantity": Column("int", quantity),
            "unit_price": Column("money", unit_price),
            "unit_cost": Column("money", unit_cost),
        },
    )
    last_day = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last_day, owner, day)
    info = {
        "owner": owner,
        "day": day,
        "channel": channel_i,
        "n_orders": n_orders,
        "last_day": last_day,
        "first_day": first_day,
        "created": created,
        "status": status,
    }
    return orders, lines, info


TOUCHPOINTS = ("sales", "marketing", "service", "after_sales", "billing", "delivery")
CHANNELS = ("phone", "email", "visit", "store", "web", "chat", "social", "letter")
# P(channel | touchpoint), rows follow TOUCHPOINTS, columns CHANNELS.
_CHANNEL_GIVEN_TOUCHPOINT = np.array(
    [
        [0.35, 0.25, 0.15, 0.1, 0.05, 0.05, 0.03, 0.02],
        [0.1, 0.45, 0.0, 0.05, 0.1, 0.0, 0.2, 0.1],
        [0.3, 0.25, 0.0, 0.1, 0.1, 0.2, 0.05, 0.0],
        [0.4, 0.25, 0.15, 0.05, 0.05, 0.1, 0.0, 0.0],
        [0.3, 0.45, 0.0, 0.0, 0.1, 0.05, 0.0, 0.1],
        [0.35, 0.3, 0.0, 0.0, 0.15, 0.2, 0.0, 0.0],
    ]
)
OUTCOMES = (
    "resolved",
    "follow_up",
    "information",
    "quote_requested",
    "order_placed",
    "no_answer",
    "complaint",
)
# P(outcome | touchpoint)
_OUTCOME_GIVEN_TOUCHPOINT = np.array(
    [
        [0.1, 0.25, 0.25, 0.25, 0.05, 0.1, 0.0],
        [0.05, 0.1, 0.6, 0.05, 0.0, 0.2, 0.0],
        [0.55, 0.15, 0.2, 0.0, 0.0, 0.05, 0.05],
        [0.45, 0.2, 0.1, 0.0, 0.0, 0.1, 0.15],
        [0.6, 0.2, 0.1, 0.0, 0.0, 0.05, 0.05],
        [0.55, 0.15, 0.1, 0.0, 0.0, 0.05, 0.15],
    ]
)
# P(inbound | touchpoint) and P(back office | touchpoint)
_INBOUND = np.array([0.5, 0.1, 0.9, 0.5, 0.6, 0.8])
_BACK_OFFICE = np.array([0.1, 0.2, 0.5, 0.5, 0.95, 0.9])


def contact_moments(
    rng: Generator,
    customers: CustomerDraws,
    order_info: dict[str, np.ndarray],
    window_days: int,
    start: np.datetime64,
    now: np.datetime64,
) -> Table:
    n = customers.n
    kind_class = customers.kind_class
    n_orders = order_info["n_orders"]
    # Free contact moments: prospects are in contact, buyers more when they buy more.
    free = np.select(
        [kind_class == 0, kind_class == 1],
        [np.zeros(n, dtype=np.int64), 1 + rng.poisson(1.0, n)],
        rng.poisson(0.4 + 0.35 * np.minimum(n_orders, 40)),
    )
    free_owner = np.repeat(np.arange(n), free)
    f = len(free_owner)
    # Contacts fall in the active period: from acquisition to a while after the last order.
    active_end = np.where(
        order_info["last_day"] >= 0,
        np.minimum(order_info["last_day"] + 90, window_days),
        window_days,
    )
    begin = np.maximum(customers.acq_day - np.where(kind_class == 1, 30, 0), 0)
    span = np.maximum(active_end - begin, 0)[free_owner]
    free_day = begin[free_owner] + np.floor(rng.random(f) * (span + 1)).astype(np.int64)
    tp_free = rng.choice(6, f, p=[0.25, 0.2, 0.25, 0.1, 0.1, 0.1])
    tp_free = np.where(kind_class[free_owner] == 1, np.where(rng.random(f) < 0.7, 0, 1), tp_free)

    # Contacts caused by an order: placed by phone/e-mail/rep, or a delivery/after-sales follow-up.
    owner = order_info["owner"]
    o_channel = order_info["channel"]
    placed = np.isin(o_channel, [2, 3, 4])
    followed = rng.random(len(owner)) < 0.05
    placed_idx = np.flatnonzero(placed)
    follow_idx = np.flatnonzero(followed)
    order_idx = np.concatenate([placed_idx, follow_idx])
    p = len(placed_idx)
    o = len(order_idx)
    o_day = order_info["day"][order_idx] + np.concatenate(
        [np.zeros(p, dtype=np.int64), 1 + rng.integers(0, 20, o - p)]
    )
    o_day = np.minimum(o_day, window_days)
    tp_order = np.concatenate([np.zeros(p, dtype=np.int64), rng.choice([3, 5], o - p)])
    # order channel phone → phone, sales_rep → visit, email → e-mail
    placed_channel = np.array([0, 0, 0, 2, 1])[o_channel[placed_idx]]

    all_owner = np.concatenate([free_owner, owner[order_idx]])
    all_day = np.concatenate([free_day, o_day])
    tp = np.concatenate([tp_free, tp_order])
    total = len(all_owner)
    channel = sample_rows(rng, _CHANNEL_GIVEN_TOUCHPOINT, tp)
    channel[f : f + p] = placed_channel
    outcome = sample_rows(rng, _OUTCOME_GIVEN_TOUCHPOINT, tp)
    outcome[f : f + p] = 4  # order placed
    complaint_follow = rng.random(o - p) < 0.4
    outcome[f + p :] = np.where(complaint_follow, 6, outcome[f + p :])
    inbound = rng.random(total) < _INBOUND[tp]
    inbound[f : f + p] = o_channel[placed_idx] != 3
    back = rng.random(total) < _BACK_OFFICE[tp]

    # Subjects: per touchpoint, in Dutch (70%) or English.
    subject_lists = [vocab.SUBJECTS[t] for t in TOUCHPOINTS]
    flat_en = [s[0] for group in subject_lists for s in group]
    flat_nl = [s[1] for group in subject_lists for s in group]
    sub_len = np.array([len(g) for g in subject_lists])
    sub_start = np.cumsum(sub_len) - sub_len
    sub_i = sub_start[tp] + np.floor(rng.random(total) * sub_len[tp]).astype(np.int64)
    order_placed_i = flat_en.index("Order placed")
    sub_i[f : f + p] = order_placed_i
    dutch = rng.random(total) < 0.7
    subject = np.where(dutch, strings(flat_nl)[sub_i], strings(flat_en)[sub_i]).astype(S)

    occurred = start.astype("datetime64[s]") + (all_day * SECONDS_PER_DAY).astype("timedelta64[s]")
    occurred = occurred + time_of_day(rng, total).astype("timedelta64[s]")
    # Today's contacts happened before now (and never before the order they are about).
    occurred = np.minimum(occurred, now)
    sort = np.lexsort((all_owner, occurred))
    linked_order = np.concatenate([np.zeros(f, dtype=np.int64), order_idx + 1])
    return Table(
        "contacts.ContactMoment",
        {
            "id": Column("int", np.arange(1, total + 1)),
            "customer_id": Column("int", all_owner[sort] + 1),
            "occurred_at": Column("datetime", occurred[sort]),
            "channel": Column("str", strings(CHANNELS)[channel[sort]]),
            "direction": Column("str", np.where(inbound, "inbound", "outbound").astype(S)[sort]),
            "touchpoint": Column("str", strings(TOUCHPOINTS)[tp[sort]]),
            "office": Column("str", np.where(back, "back", "front").astype(S)[sort]),
            "staff_id": Column("int", np.zeros(total, dtype=np.int64), np.ones(total, dtype=bool)),
            "subject": Column("str", subject[sort]),
            "outcome": Column("str", strings(OUTCOMES)[outcome[sort]]),
            "notes": Column("str", np.full(total, "", dtype=S)),
            # Filled in by `frictions_draw` once the complaints are known.
            "friction": Column("str", np.full(total, "", dtype=S)),
            "order_id": Column("int", linked_order[sort], linked_order[sort] == 0),
            "deal_id": Column("int", np.zeros(total, dtype=np.int64), np.ones(total, dtype=bool)),
            "complaint_id": Column(
                "int", np.zeros(total, dtype=np.int64), np.ones(total, dtype=bool)
            ),
            "external_id": Column("str", np.full(total, "", dtype=S)),
            "created_at": Column("datetime", occurred[sort]),
        },
    )


FRICTIONS = ("unclear", "not_reachable", "no_answer", "repeat_story", "waited")
UNCLEAR, NOT_REACHABLE, NO_ANSWER, REPEAT_STORY, WAITED = range(5)
# P(something went wrong) for an inbound moment, per touchpoint; outbound ones far less.
_FRICTION_RATE = np.array([0.02, 0.005, 0.035, 0.03, 0.035, 0.035])
_OUTBOUND_FRICTION = 0.3
# P(kind of friction | touchpoint): rows follow TOUCHPOINTS, columns FRICTIONS. Telling the
# story again needs an earlier contact, so it comes only from the rule for that below.
_FRICTION_GIVEN_TOUCHPOINT = np.array(
    [
        [55, 15, 20, 0, 10],
        [70, 0, 20, 0, 10],
        [25, 20, 15, 0, 40],
        [30, 15, 20, 0, 35],
        [55, 10, 25, 0, 10],
        [10, 20, 15, 0, 55],
    ],
    dtype=float,
)
_NO_ANSWER_FRICTION = 0.35  # of moments whose outcome was "no answer"
_COMPLAINT_FRICTION = 0.15  # at least, of moments that ended in a complaint
_REPEAT_DAYS = 4  # back within this many days on another channel …
_REPEAT_STORY = 0.15  # … and had to tell the story again
# Customers who stop buying met more friction on the way out; prospects who never bought too.
_CHURNER_FACTOR, _PROSPECT_FACTOR = 2.2, 2.5
_LOST_AFTER_DAYS = 365
# Web-shop orders go with a new parcel carrier since a few months: parcels come late and
# their tracking says little, so customers chase them (this much of it goes wrong).
_TROUBLE_DAYS, _TROUBLE_RATE = 120, 0.4
# A registered complaint about us names the friction itself (complaint cause → friction).
_CAUSE_FRICTION = {
    "unclear_info": UNCLEAR,
    "not_reachable": NOT_REACHABLE,
    "no_answer": NO_ANSWER,
    "repeat_story": REPEAT_STORY,
}


def _codes(values: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    codes = np.zeros(len(values), dtype=np.int64)
    for code, name in enumerate(names):
        codes[values == name] = code
    return codes


def frictions_draw(
    rng: Generator,
    customers: CustomerDraws,
    order_info: dict[str, np.ndarray],
    moments: Table,
    complaints: Table,
    window_days: int,
    start: np.datetime64,
) -> Table:
    """The contact moments with what went wrong for the customer (the journey's drop-off
    causes, DOMAIN.md §14). About 8% of inbound service, billing and delivery contacts;
    more than half of those that got no answer (by phone or chat: we were not reachable,
    in writing: no reply); a third of the contacts made again within a few days on another
    channel (the story told again); the complaint's cause where a complaint names one. Who
    later stops buying, and the prospect who never buys, met it more often; and the delivery
    carrier of web-shop orders lets customers down in the last months."""
    cols = moments.columns
    total = moments.rows
    customer = cols["customer_id"].values - 1
    occurred = cols["occurred_at"].values
    tp = _codes(cols["touchpoint"].values, TOUCHPOINTS)
    channel = _codes(cols["channel"].values, CHANNELS)
    inbound = cols["direction"].values == "inbound"
    outcome = cols["outcome"].values
    day = ((occurred - start.astype("datetime64[s]")) // np.timedelta64(1, "D")).astype(np.int64)

    rate = _FRICTION_RATE[tp] * np.where(inbound, 1.0, _OUTBOUND_FRICTION)
    # Only a customer who called or wrote waits for an answer (an outbound call that went
    # unanswered went wrong for us, not for the customer).
    no_answer = (outcome == "no_answer") & inbound
    rate = np.where(no_answer, _NO_ANSWER_FRICTION, rate)
    rate = np.where(outcome == "complaint", np.maximum(rate, _COMPLAINT_FRICTION), rate)
    churner = (order_info["n_orders"] > 0) & (
        order_info["last_day"] < window_days - _LOST_AFTER_DAYS
    )
    factor = np.where(
        churner, _CHURNER_FACTOR, np.where(customers.kind_class == 1, _PROSPECT_FACTOR, 1.0)
    )
    rate = np.minimum(rate * factor[customer], 0.9)
    kind = sample_rows(rng, _FRICTION_GIVEN_TOUCHPOINT, tp)
    # No answer: who phoned or chatted could not reach us, who wrote got no reply.
    spoken = np.isin(channel, [0, 2, 3, 5])
    kind = np.where(
        no_answer,
        np.where(rng.random(total) < np.where(spoken, 0.6, 0.2), NOT_REACHABLE, NO_ANSWER),
        kind,
    )
    # Contacts about a delivery of a web order, or about one they did not name.
    link = cols["order_id"]
    about = link.values if link.null is None else np.where(link.null, 0, link.values)
    about_web = np.zeros(total, dtype=bool)
    about_web[about > 0] = order_info["channel"][about[about > 0] - 1] == 0
    recent = day >= window_days - _TROUBLE_DAYS
    trouble = (tp == 5) & (about_web | (about == 0)) & recent
    rate = np.where(trouble, np.maximum(rate, _TROUBLE_RATE), rate)
    kind = np.where(trouble, np.where(rng.random(total) < 0.7, WAITED, UNCLEAR), kind)

    # Back again within a few days on another channel: the story is told again.
    by_customer = np.lexsort((occurred, customer))
    same = np.zeros(total, dtype=bool)
    same[by_customer[1:]] = customer[by_customer[1:]] == customer[by_customer[:-1]]
    gap = np.full(total, np.iinfo(np.int64).max)
    gap[by_customer[1:]] = (
        (occurred[by_customer[1:]] - occurred[by_customer[:-1]]) // np.timedelta64(1, "s")
    ).astype(np.int64)
    switched = np.zeros(total, dtype=bool)
    switched[by_customer[1:]] = channel[by_customer[1:]] != channel[by_customer[:-1]]
    again = same & switched & inbound & (gap <= _REPEAT_DAYS * SECONDS_PER_DAY)
    repeat = again & (rng.random(total) < np.minimum(_REPEAT_STORY * factor[customer], 0.9))

    has = (rng.random(total) < rate) | repeat
    kind = np.where(repeat, REPEAT_STORY, kind)
    # A registered complaint about how we dealt with the customer names the friction.
    link = cols["complaint_id"]
    linked = np.flatnonzero(~link.null) if link.null is not None else np.arange(total)
    cause = complaints.columns["cause"].values[link.values[linked] - 1]
    for name, code in _CAUSE_FRICTION.items():
        named = linked[cause == name]
        has[named] = True
        kind[named] = code
    friction = np.where(has, strings(FRICTIONS)[kind], "").astype(S)
    columns = dict(cols)
    columns["friction"] = Column("str", friction)
    return Table(moments.model, columns)
