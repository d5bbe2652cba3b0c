"""Tasks of recent months, routed through the routing rules (DOMAIN.md §15).

Tasks come from recent contact moments (a quote or a follow-up asked for, a call to return, a
service request), from complaints (handling them), and from open deals (a quote to prepare,
a quote to follow up). Older ones are done; recent ones wait in a queue or an inbox. The
generator knows no users: a task routed to the account owner waits in the sales queue until
`relata demo-users` gives the customers their owners and the tasks to them.
"""

from __future__ import annotations

import numpy as np
from numpy.random import Generator

from relata.demo.activity import TOUCHPOINTS
from relata.demo.arrays import sample_rows
from relata.demo.complaints import ComplaintInfo
from relata.demo.deals import QUALIFIED, QUOTE, DealInfo
from relata.demo.people import CustomerDraws
from relata.demo.routing import RuleSpec, route
from relata.demo.tables import Column, S, Table
from relata.demo.text import SECONDS_PER_DAY, strings

KINDS = ("quote_request", "request", "call_back", "follow_up", "complaint")
QUOTE_REQUEST, REQUEST, CALL_BACK, FOLLOW_UP, COMPLAINT = range(5)
# Only moments of the last months lead to tasks; most of them do.
_RECENT_DAYS = 120
_FROM_MOMENT = 0.6
# (English, Dutch) title prefix per kind.
_TITLES = (
    ("Prepare quote", "Offerte opstellen"),
    ("Handle request", "Verzoek afhandelen"),
    ("Call back", "Terugbellen"),
    ("Follow up", "Opvolgen"),
    ("Handle complaint", "Klacht afhandelen"),
)
_DUE_DAYS = np.array([5, 3, 1, 7, 2])
_DONE_DAYS = np.array([4.0, 3.0, 1.0, 6.0, 3.0])  # median days to finish, per kind
# Priority (1 urgent … 4 low) per kind.
_PRIORITY = np.array(
    [
        [0.0, 0.2, 0.75, 0.05],
        [0.05, 0.1, 0.7, 0.15],
        [0.05, 0.35, 0.6, 0.0],
        [0.0, 0.05, 0.6, 0.35],
        [0.3, 0.6, 0.1, 0.0],
    ]
)
_OPEN_STATUSES = ("open", "in_progress", "waiting")


def tasks_draw(
    rng: Generator,
    customers: CustomerDraws,
    moments: Table,
    complaints: ComplaintInfo,
    deals: DealInfo,
    order_info: dict[str, np.ndarray],
    orders: Table,
    rules: tuple[RuleSpec, ...],
    start: np.datetime64,
    now: np.datetime64,
) -> Table:
    cols = moments.columns
    occurred = cols["occurred_at"].values
    since = now - np.timedelta64(_RECENT_DAYS * SECONDS_PER_DAY, "s")
    recent = np.flatnonzero(occurred >= since)
    outcome = cols["outcome"].values[recent]
    service_side = np.isin(cols["touchpoint"].values[recent], strings(TOUCHPOINTS[2:]))
    kind_of_recent = np.select(
        [
            outcome == "quote_requested",
            (outcome == "follow_up") & service_side,
            outcome == "follow_up",
            outcome == "no_answer",
        ],
        [QUOTE_REQUEST, REQUEST, FOLLOW_UP, CALL_BACK],
        -1,
    )
    chosen = (kind_of_recent >= 0) & (rng.random(len(recent)) < _FROM_MOMENT)
    from_moment, kind_of_moment = recent[chosen], kind_of_recent[chosen]
    from_complaint = np.flatnonzero(complaints.is_open | (complaints.received >= since))
    # Open deals: a qualified one needs a quote, a quote needs following up.
    deal_stage = deals.stage[deals.open_index]
    wants = ((deal_stage == QUALIFIED) & (rng.random(len(deal_stage)) < 0.5)) | (
        (deal_stage == QUOTE) & (rng.random(len(deal_stage)) < 0.7)
    )
    from_deal = deals.open_index[wants]

    a, b, c = len(from_moment), len(from_complaint), len(from_deal)
    t = a + b + c
    kind = np.concatenate(
        [
            kind_of_moment,
            np.full(b, COMPLAINT),
            np.where(deals.stage[from_deal] == QUALIFIED, QUOTE_REQUEST, FOLLOW_UP),
        ]
    ).astype(np.int64)
    customer = np.concatenate(
        [
            cols["customer_id"].values[from_moment] - 1,
            complaints.customer[from_complaint],
            deals.customer[from_deal],
        ]
    )
    start_s = start.astype("datetime64[s]")
    deal_changed = start_s + deals.stage_changed[from_deal].astype("timedelta64[s]")
    origin = np.concatenate(
        [occurred[from_moment], complaints.received[from_complaint], deal_changed]
    )
    created = origin + rng.integers(60, 4 * 3600, t).astype("timedelta64[s]")
    created = np.minimum(created, now)

    # Value: quotes in line with what the customer orders, service requests modest.
    totals = orders.columns["total_amount"].values
    n = customers.n
    per_customer = np.bincount(orders.columns["customer_id"].values - 1, totals, minlength=n)
    average = per_customer / np.maximum(order_info["n_orders"], 1)
    typical = np.where(order_info["n_orders"] > 0, average, 30_000 * customers.spend)
    quote_value = np.maximum(typical[customer], 5_000) * np.exp(0.5 + 0.6 * rng.standard_normal(t))
    request_value = 12_000 * np.exp(0.9 * rng.standard_normal(t))
    value = np.select([kind == QUOTE_REQUEST, kind == REQUEST], [quote_value, request_value], 0)
    value = np.round(value / 100).astype(np.int64) * 100  # whole euros
    deal_rows = np.arange(t) >= a + b
    value[deal_rows] = np.where(
        kind[deal_rows] == QUOTE_REQUEST, deals.value[from_deal], value[deal_rows]
    )
    has_value = (kind == QUOTE_REQUEST) | (kind == REQUEST)

    # A quote on the table is followed up by the deal's owner: no routing needed.
    by_hand = deal_rows & (kind == FOLLOW_UP)
    routed = route(rules, KINDS, kind, value, has_value, by_hand)

    # Status: done after a while (complaint tasks when the complaint was settled).
    done_after = _DONE_DAYS[kind] * SECONDS_PER_DAY * np.exp(rng.standard_normal(t))
    completed = created + np.maximum(done_after, 600).astype(np.int64).astype("timedelta64[s]")
    complaint_rows = slice(a, a + b)
    completed[complaint_rows] = np.maximum(
        complaints.resolved[from_complaint], created[complaint_rows]
    )
    is_open = completed > now
    is_open[complaint_rows] = complaints.is_open[from_complaint]
    is_open[a + b :] = True
    open_status = strings(_OPEN_STATUSES)[rng.choice(3, t, p=[0.5, 0.3, 0.2])]
    cancelled = ~is_open & (rng.random(t) < 0.05) & (kind != COMPLAINT)
    status = np.where(is_open, open_status, np.where(cancelled, "cancelled", "done")).astype(S)
    priority = 1 + sample_rows(rng, _PRIORITY, kind)
    created_day = created.astype("datetime64[D]")
    due = created_day + (_DUE_DAYS[kind] + rng.integers(0, 3, t)).astype("timedelta64[D]")
    due[a + b :] = np.minimum(deals.expected_close[from_deal], due[a + b :] + 7)

    # Title: the kind, and what it is about, in the language of what it is about.
    subject = np.concatenate(
        [
            cols["subject"].values[from_moment],
            complaints.subject[from_complaint],
            deals.title[from_deal],
        ]
    ).astype(S)
    dutch = np.concatenate(
        [rng.random(a) < 0.7, complaints.dutch[from_complaint], rng.random(c) < 0.7]
    )
    prefix = np.where(
        dutch, strings([p[1] for p in _TITLES])[kind], strings([p[0] for p in _TITLES])[kind]
    ).astype(S)
    title = np.strings.slice(np.strings.add(np.strings.add(prefix, ": "), subject), 0, 200)

    moment_id = np.concatenate(
        [
            cols["id"].values[from_moment],
            cols["id"].values[complaints.moment[from_complaint]],
            np.zeros(c, dtype=np.int64),
        ]
    )
    complaint_id = np.concatenate(
        [np.zeros(a, dtype=np.int64), from_complaint + 1, np.zeros(c, dtype=np.int64)]
    )
    deal_id = np.concatenate([np.zeros(a + b, dtype=np.int64), from_deal + 1])

    chrono = np.lexsort((customer, created))
    unfinished = is_open | cancelled
    completed_at = np.where(unfinished, created, completed)
    no_user = np.ones(t, dtype=bool)
    zeros = np.zeros(t, dtype=np.int64)
    return Table(
        "contacts.Task",
        {
            "id": Column("int", np.arange(1, t + 1)),
            "customer_id": Column("int", customer[chrono] + 1),
            "title": Column("str", title[chrono]),
            "description": Column("str", np.full(t, "", dtype=S)),
            "kind": Column("str", strings(KINDS)[kind[chrono]]),
            "value": Column("money", value[chrono], ~has_value[chrono]),
            "team": Column("str", routed.team[chrono]),
            "assignee_id": Column("int", routed.assignee[chrono], routed.assignee[chrono] == 0),
            "status": Column("str", status[chrono]),
            "priority": Column("int", priority[chrono].astype(np.int64)),
            "due_date": Column("date", due[chrono]),
            "remind_at": Column("datetime", created[chrono], no_user),
            "routing": Column("str", routed.reason[chrono]),
            "routing_rule_id": Column("int", routed.rule_id[chrono], routed.rule_id[chrono] == 0),
            "contact_moment_id": Column("int", moment_id[chrono], moment_id[chrono] == 0),
            "deal_id": Column("int", deal_id[chrono], deal_id[chrono] == 0),
            "complaint_id": Column("int", complaint_id[chrono], complaint_id[chrono] == 0),
            "created_by_id": Column("int", zeros, no_user),
            "completed_at": Column("datetime", completed_at[chrono], unfinished[chrono]),
            "completed_by_id": Column("int", zeros, no_user),
            "created_at": Column("datetime", created[chrono]),
            "updated_at": Column("datetime", np.where(is_open, created, completed)[chrono]),
            "version": Column("int", np.ones(t, dtype=np.int64)),
        },
    )
