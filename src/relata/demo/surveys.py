"""Demo surveys (DOMAIN.md §7, §17): three questionnaires, the invitations sent after real
contact moments and deliveries and twice a year to active customers, the answers, and a
follow-up task for every detractor or dissatisfied customer (`relata.demo.follow_ups`).

Consent is enforced as the survey service enforces it (`relata.demo.invitations`): an
invitation is e-mailed, with its copy in the outbox, only to a customer whose opt-in for
surveys by e-mail is in force at that moment; after a conversation by phone, in the store or
on a visit the link may instead be handed over in person, to anyone.

An answer follows a latent satisfaction: the customer's own (higher for valuable customers,
lower after frictions), a slow upward drift over the years (the NPS-over-time chart shows the
trend), and what happened at the cause (a contact that went wrong, a returned order). The
web-shop orders go with a new parcel carrier for the last months (see `relata.demo.activity`),
so delivery × web answers fall there and the "under control?" report has something to flag.
Pure NumPy, no Django: `relata.demo.feedback` reads the inputs and writes the tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.random import Generator

from relata.demo import feedback_vocab as vocab
from relata.demo.activity import FRICTIONS
from relata.demo.arrays import CustomerOrders
from relata.demo.follow_ups import FollowUpTexts, Unhappy, follow_ups_draw, needs_follow_up
from relata.demo.invitations import (
    InvitationTexts,
    Mailed,
    OptIns,
    messages_table,
    token_hashes,
    ways_draw,
)
from relata.demo.routing import RuleSpec
from relata.demo.tables import Column, S, Table
from relata.demo.text import SECONDS_PER_DAY, strings

SERVICE, DELIVERY, RELATIONSHIP = range(3)
# (name, asks NPS, asks CSAT, asks comment, touchpoint, link valid days)
SURVEYS = (
    ("After a service contact", False, True, True, "service", 7),
    ("After delivery", True, True, False, "delivery", 14),
    ("Relationship NPS", True, False, True, "", 21),
)
_SERVICE_SIDE = ("service", "after_sales", "billing")
_DELIVERY_ORDER = 3
# Who is invited (consent permitting, see relata.demo.invitations): by e-mail, this share of
# the contacts per survey, every delivered order, and every active customer at a wave; of
# the contacts by phone, in the store or on a visit without an opt-in, this share gets the
# link handed over. Only about a fifth of the customers opted in to surveys, so the
# e-mailed ones all get one, and answer more often (they asked for it).
_INVITED = {SERVICE: 0.9, DELIVERY: 0.9, _DELIVERY_ORDER: 1.0, RELATIONSHIP: 1.0}
_HANDED = {SERVICE: 0.6, DELIVERY: 0.6}
# Share of invitations answered, per survey (as many of the links handed over in person);
# the delivery survey is two taps.
_ANSWERS = np.array([0.45, 0.7, 0.4])
# Relationship waves: mid-March and mid-September, to customers active in the 18 months before.
_WAVE_MONTHS, _WAVE_DAY, _ACTIVE_DAYS = (3, 9), 15, 540
_FRICTION_MEMORY_DAYS = 180  # frictions this recent weigh on a relationship answer
_TROUBLE_DAYS = 120  # the new parcel carrier's months (as relata.demo.activity)
# What late parcels cost an answer: much of the delivery's CSAT, less of the NPS (enough for
# the latest month's twenty-odd delivery × web answers to stand out).
_LATE_CSAT, _LATE_NPS = 2.0, 0.25
_LOST_AFTER_DAYS = 365
# Answer scales: NPS = 7.9 + 1.9 z, CSAT = 4.0 + z (rounded and clipped), z the latent.
_NPS_MEAN, _NPS_SCALE, _CSAT_MEAN = 7.9, 1.9, 4.0
_CHANNEL_OF_ORDER = {"web": "web", "phone": "phone", "email": "email", "sales_rep": "visit"}
_DRIFT = 1.2  # latent satisfaction gained from the first answers to the latest


@dataclass(frozen=True)
class FeedbackBase:
    """What the feedback generator reads from the database, as arrays. Customers are
    addressed by their position in `customer_ids` (sorted); days count from 1970-01-01;
    times are datetime64[s] in UTC; a zero id means none."""

    customer_ids: np.ndarray
    is_org: np.ndarray
    email: np.ndarray  # address, "" without one
    first_name: np.ndarray
    last_name: np.ndarray
    org_name: np.ndarray
    owner: np.ndarray  # account owner's user id
    revenue: np.ndarray  # cents, orders not cancelled
    revenue_year: np.ndarray  # cents, orders not cancelled of the last 365 days
    order_ids: np.ndarray
    order_customer: np.ndarray
    order_day: np.ndarray
    order_channel: np.ndarray
    order_status: np.ndarray
    order_number: np.ndarray
    moment_ids: np.ndarray  # service-side and delivery moments, and all with a friction
    moment_customer: np.ndarray
    moment_at: np.ndarray
    moment_touchpoint: np.ndarray
    moment_channel: np.ndarray
    moment_outcome: np.ndarray
    moment_friction: np.ndarray
    moment_order: np.ndarray
    moment_subject: np.ndarray
    moment_staff: np.ndarray  # user id of who had the contact, 0: nobody
    opt_ins: OptIns  # decisions on surveys by e-mail
    now: np.datetime64

    @property
    def has_email(self) -> np.ndarray:
        result: np.ndarray = self.email != ""
        return result

    @property
    def n(self) -> int:
        return len(self.customer_ids)

    @property
    def today(self) -> int:
        return int(self.now.astype("datetime64[D]").astype(np.int64))


@dataclass(frozen=True)
class FeedbackSpec:
    rules: tuple[RuleSpec, ...] = ()
    surveyor: int = 0  # user who sends the relationship survey (0: nobody)
    back_office: int = 0  # user who calls detractors back when the back office does
    first_task_id: int = 1
    first_message_id: int = 1
    texts: FollowUpTexts = field(default_factory=FollowUpTexts)
    invitation_texts: InvitationTexts = field(default_factory=InvitationTexts)


@dataclass(frozen=True)
class CustomerFacts:
    """Per customer: orders, first and last order day (-1: none), whether they stopped
    buying, their latent satisfaction, language and whether they are a vlogger."""

    orders: CustomerOrders
    n_orders: np.ndarray
    first_day: np.ndarray
    last_day: np.ndarray
    churned: np.ndarray
    mood: np.ndarray
    dutch: np.ndarray
    vlogger: np.ndarray


def customer_facts(rng: Generator, base: FeedbackBase, vlogger: np.ndarray) -> CustomerFacts:
    n = base.n
    live = base.order_status != "cancelled"
    orders = CustomerOrders.build(base.order_customer[live], base.order_day[live], n)
    n_orders = orders.count
    first_day = np.full(n, -1, dtype=np.int64)
    last_day = np.full(n, -1, dtype=np.int64)
    has = n_orders > 0
    first_day[has] = orders.key[orders.start[has]] % orders.span
    last_day[has] = orders.key[orders.start[has] + n_orders[has] - 1] % orders.span
    churned = has & (last_day < base.today - _LOST_AFTER_DAYS)
    value = np.log1p(base.revenue / 100)
    z = np.zeros(n)
    if has.sum() > 1:
        z[has] = (value[has] - value[has].mean()) / max(float(value[has].std()), 1e-9)
    z[~has] = -0.5
    frictions = np.bincount(base.moment_customer[base.moment_friction != ""], minlength=n).astype(
        float
    )
    mood = (
        0.35 * z
        + rng.normal(0.0, 0.6, n)
        - 0.3 * np.minimum(frictions, 3)
        - 0.3 * churned
        + 0.9 * vlogger
    )
    dutch = rng.random(n) < 0.75
    return CustomerFacts(orders, n_orders, first_day, last_day, churned, mood, dutch, vlogger)


@dataclass
class _Invites:
    """Invitations under construction, one array per field; `shift` moves the answer,
    `handed` marks a link handed over in person (the others are e-mailed)."""

    survey: list[np.ndarray] = field(default_factory=list)
    customer: list[np.ndarray] = field(default_factory=list)
    created: list[np.ndarray] = field(default_factory=list)
    touchpoint: list[np.ndarray] = field(default_factory=list)
    channel: list[np.ndarray] = field(default_factory=list)
    moment: list[np.ndarray] = field(default_factory=list)  # row in the base's moments, -1: none
    order: list[np.ndarray] = field(default_factory=list)  # order id, 0: none
    shift: list[np.ndarray] = field(default_factory=list)
    handed: list[np.ndarray] = field(default_factory=list)

    def add(self, survey: int, **parts: np.ndarray) -> None:
        count = len(parts["customer"])
        self.survey.append(np.full(count, survey, dtype=np.int64))
        parts.setdefault("handed", np.zeros(count, dtype=bool))
        for name, values in parts.items():
            getattr(self, name).append(values)

    def joined(self, name: str) -> np.ndarray:
        return np.concatenate(getattr(self, name))


def _cause_shift(base: FeedbackBase, rows: np.ndarray) -> np.ndarray:
    """How what happened at a contact moves the answer about it."""
    outcome = base.moment_outcome[rows]
    shift = np.select(
        [
            base.moment_friction[rows] != "",
            outcome == "complaint",
            outcome == "no_answer",
            outcome == "resolved",
        ],
        [-1.4, -0.9, -0.6, 0.25],
        0.0,
    )
    return np.asarray(shift, dtype=float)


def _late_parcels(
    base: FeedbackBase, survey: np.ndarray, order_id: np.ndarray, created: np.ndarray
) -> np.ndarray:
    """Delivery answers about a web-shop order of the last months (the new carrier)."""
    since = base.now - np.timedelta64(_TROUBLE_DAYS * SECONDS_PER_DAY, "s")
    web = np.zeros(len(order_id), dtype=bool)
    linked = order_id > 0
    web[linked] = base.order_channel[np.searchsorted(base.order_ids, order_id[linked])] == "web"
    result: np.ndarray = (survey == DELIVERY) & web & (created >= since)
    return result


def _seconds(rng: Generator, count: int, low_hours: float, high_hours: float) -> np.ndarray:
    return rng.uniform(low_hours * 3600, high_hours * 3600, count).astype(np.int64)


def _after_moments(
    rng: Generator, base: FeedbackBase, invites: _Invites, survey: int, rows: np.ndarray
) -> None:
    """Invitations about contact moments: e-mailed a few hours later with an opt-in in
    force then, else handed over by whoever spoke to the customer."""
    created = base.moment_at[rows] + _seconds(rng, len(rows), 1, 6).astype("timedelta64[s]")
    customer = base.moment_customer[rows]
    invited, handed = ways_draw(
        rng,
        opted=base.opt_ins.in_force(customer, created),
        has_email=base.has_email[customer],
        channel=base.moment_channel[rows],
        email_rate=_INVITED[survey],
        hand_rate=_HANDED[survey],
    )
    # A link handed over is made during the conversation.
    during = base.moment_at[rows] + _seconds(rng, len(rows), 0.02, 0.3).astype("timedelta64[s]")
    created = np.where(handed, during, created)
    rows = rows[invited]
    invites.add(
        survey,
        customer=customer[invited],
        created=created[invited],
        touchpoint=base.moment_touchpoint[rows],
        channel=base.moment_channel[rows],
        moment=rows,
        order=base.moment_order[rows],
        shift=_cause_shift(base, rows),
        handed=handed[invited],
    )


def _invitations_collect(rng: Generator, base: FeedbackBase, facts: CustomerFacts) -> _Invites:
    invites = _Invites()
    # After a service contact (service, after-sales or billing).
    service_side = np.isin(base.moment_touchpoint, strings(list(_SERVICE_SIDE)))
    _after_moments(rng, base, invites, SERVICE, np.flatnonzero(service_side))
    # After delivery: delivered (or later returned) orders, not the ones taken home from a
    # store, by e-mail a few days later (nobody speaks to the customer) …
    orders = np.flatnonzero(
        np.isin(base.order_status, strings(["delivered", "returned"]))
        & (base.order_channel != "store")
        & base.has_email[base.order_customer]
    )
    day = base.order_day[orders] + rng.integers(2, 6, len(orders))
    created = day.astype("datetime64[D]").astype("datetime64[s]") + _seconds(
        rng, len(orders), 7, 19
    ).astype("timedelta64[s]")
    mailed = base.opt_ins.in_force(base.order_customer[orders], created)
    mailed &= rng.random(len(orders)) < _INVITED[_DELIVERY_ORDER]
    orders, created = orders[mailed], created[mailed]
    channel = base.order_channel[orders].copy()
    for sold, contact in _CHANNEL_OF_ORDER.items():
        channel[base.order_channel[orders] == sold] = contact
    returned = base.order_status[orders] == "returned"
    invites.add(
        DELIVERY,
        customer=base.order_customer[orders],
        created=created,
        touchpoint=np.full(len(orders), "delivery", dtype=S),
        channel=channel.astype(S),
        moment=np.full(len(orders), -1, dtype=np.int64),
        order=base.order_ids[orders],
        shift=np.where(returned, -0.8, 0.0),
    )
    # … and after contacts about a delivery.
    about_delivery = (base.moment_touchpoint == "delivery") & (base.moment_order > 0)
    _after_moments(rng, base, invites, DELIVERY, np.flatnonzero(about_delivery))
    _waves_add(rng, base, facts, invites)
    return invites


def _wave_days(base: FeedbackBase, first: int) -> list[int]:
    start = np.datetime64(first, "D").astype(object).year
    end = base.now.astype("datetime64[D]").astype(object).year
    days = []
    for year in range(start, end + 1):
        for month in _WAVE_MONTHS:
            day = int(np.datetime64(f"{year}-{month:02d}-{_WAVE_DAY:02d}").astype(np.int64))
            if first + 180 <= day <= base.today:
                days.append(day)
    return days


def _waves_add(rng: Generator, base: FeedbackBase, facts: CustomerFacts, invites: _Invites) -> None:
    """The relationship survey, by e-mail to the customers who bought in the 18 months before
    each wave and opted in to surveys. Frictions of the half year before weigh on the answer."""
    bought = facts.first_day >= 0
    if not bought.any():
        return
    friction_rows = np.flatnonzero(base.moment_friction != "")
    friction_day = base.moment_at[friction_rows].astype("datetime64[D]").astype(np.int64)
    span = int(base.today) + 1000
    keys = np.sort(base.moment_customer[friction_rows].astype(np.int64) * span + friction_day)
    for wave in _wave_days(base, int(facts.first_day[bought].min())):
        candidates = np.flatnonzero(
            bought & base.has_email & (rng.random(base.n) < _INVITED[RELATIONSHIP])
        )
        candidates = candidates[_recent_orders(facts, candidates, wave)]
        created = np.datetime64(wave, "D").astype("datetime64[s]") + _seconds(
            rng, len(candidates), 7, 55
        ).astype("timedelta64[s]")
        mailed = base.opt_ins.in_force(candidates, created)  # e-mail only: nobody is spoken to
        picked, created = candidates[mailed], created[mailed]
        count = len(picked)
        frictions = np.searchsorted(keys, picked * span + wave, "right") - np.searchsorted(
            keys, picked * span + wave - _FRICTION_MEMORY_DAYS, "right"
        )
        invites.add(
            RELATIONSHIP,
            customer=picked,
            created=created,
            touchpoint=np.full(count, "", dtype=S),
            channel=np.full(count, "", dtype=S),
            moment=np.full(count, -1, dtype=np.int64),
            order=np.zeros(count, dtype=np.int64),
            shift=-0.45 * np.minimum(frictions, 3).astype(float),
        )


def _recent_orders(facts: CustomerFacts, picked: np.ndarray, wave: int) -> np.ndarray:
    """Whether each picked customer ordered in the _ACTIVE_DAYS before the wave."""
    key = picked * facts.orders.span + wave
    found = np.searchsorted(facts.orders.key, key, "right") - 1
    position = np.maximum(found, 0)
    ours = (found >= 0) & (facts.orders.key[position] // facts.orders.span == picked)
    day = facts.orders.key[position] % facts.orders.span
    result: np.ndarray = ours & (day >= wave - _ACTIVE_DAYS)
    return result


def phrases(rng: Generator, pairs: tuple[vocab.Pair, ...], dutch: np.ndarray) -> np.ndarray:
    """One phrase per row from `pairs`, in Dutch where `dutch`, else in English."""
    english = strings([pair[0] for pair in pairs])
    dutch_text = strings([pair[1] for pair in pairs])
    pick = rng.integers(0, len(pairs), len(dutch))
    return np.where(dutch, dutch_text[pick], english[pick]).astype(S)


def _comments(
    rng: Generator,
    survey: np.ndarray,
    nps: np.ndarray,
    csat: np.ndarray,
    friction: np.ndarray,
    dutch: np.ndarray,
) -> np.ndarray:
    """A comment matched to the score, for surveys that ask one; unhappy customers write
    more often, and name what went wrong at the contact."""
    count = len(survey)
    asks = np.array([spec[3] for spec in SURVEYS])[survey]
    unhappy = np.where(survey == SERVICE, csat <= 2, nps <= 6)
    writes = asks & (rng.random(count) < np.where(unhappy, 0.75, 0.5))
    service = np.select(
        [csat <= 2, csat == 3],
        [phrases(rng, vocab.CSAT_LOW, dutch), phrases(rng, vocab.CSAT_MIDDLE, dutch)],
        phrases(rng, vocab.CSAT_HIGH, dutch),
    )
    relationship = np.select(
        [nps <= 6, nps <= 8],
        [phrases(rng, vocab.NPS_DETRACTOR, dutch), phrases(rng, vocab.NPS_PASSIVE, dutch)],
        phrases(rng, vocab.NPS_PROMOTER, dutch),
    )
    comment = np.where(survey == SERVICE, service, relationship).astype(S)
    kind = np.zeros(count, dtype=np.int64)
    for code, name in enumerate(FRICTIONS):
        kind[friction == name] = code
    english = strings([pair[0] for pair in vocab.FRICTION_COMMENTS])
    dutch_text = strings([pair[1] for pair in vocab.FRICTION_COMMENTS])
    named = np.where(dutch, dutch_text[kind], english[kind])
    says = (friction != "") & np.where(survey == SERVICE, csat <= 3, nps <= 6)
    comment = np.where(says & (rng.random(count) < 0.7), named, comment).astype(S)
    return np.where(writes, comment, "").astype(S)


def surveys_draw(
    rng: Generator,
    base: FeedbackBase,
    facts: CustomerFacts,
    spec: FeedbackSpec,
    names: tuple[str, str, str],
) -> list[Table]:
    """The Survey, OutboxMessage (the e-mailed invitations), SurveyInvitation, Task
    (detractor follow-ups) and SurveyResponse tables."""
    invites = _invitations_collect(rng, base, facts)
    created = invites.joined("created")
    keep = created <= base.now
    order = np.flatnonzero(keep)[np.lexsort((invites.joined("customer")[keep], created[keep]))]
    survey = invites.joined("survey")[order]
    customer = invites.joined("customer")[order]
    created = created[order]
    touchpoint = invites.joined("touchpoint")[order].astype(S)
    channel = invites.joined("channel")[order].astype(S)
    moment = invites.joined("moment")[order]
    order_id = invites.joined("order")[order]
    shift = invites.joined("shift")[order]
    handed = invites.joined("handed")[order]
    k = len(survey)
    valid_days = np.array([s[5] for s in SURVEYS])[survey]
    expires = created + (valid_days * SECONDS_PER_DAY).astype("timedelta64[s]")
    has_moment = moment >= 0
    moment_id = np.where(has_moment, base.moment_ids[np.maximum(moment, 0)], 0)
    friction = np.where(has_moment, base.moment_friction[np.maximum(moment, 0)], "").astype(S)

    # Who answers: more of the regular customers, a few more of those something went wrong for.
    regular = np.minimum(facts.n_orders[customer], 10) / 10
    rate = _ANSWERS[survey] * (0.8 + 0.4 * regular) * np.where(friction != "", 1.25, 1.0)
    # Answered within days, in the daytime (06:00–21:00 UTC), never before it was sent.
    answer_day = created.astype("datetime64[D]") + np.floor(rng.exponential(1.3, k)).astype(
        np.int64
    )
    answered_at = answer_day.astype("datetime64[s]") + _seconds(rng, k, 6, 21).astype(
        "timedelta64[s]"
    )
    soonest = created + _seconds(rng, k, 0.1, 1).astype("timedelta64[s]")
    answered_at = np.maximum(answered_at, soonest)
    answered = (rng.random(k) < rate) & (answered_at < expires) & (answered_at <= base.now)

    # What they answer: the latent satisfaction, drifting up over the years.
    first = int(facts.first_day[facts.first_day >= 0].min(initial=base.today - 365))
    day = created.astype("datetime64[D]").astype(np.int64)
    trend = _DRIFT * ((day - first) / max(base.today - first, 1) - 0.5)
    late = _late_parcels(base, survey, order_id, created)
    z = facts.mood[customer] + trend + shift + rng.normal(0.0, 0.75, k)
    nps = np.clip(np.rint(_NPS_MEAN + _NPS_SCALE * (z - _LATE_NPS * late)), 0, 10)
    csat = np.rint(_CSAT_MEAN + z - _LATE_CSAT * late + rng.normal(0.0, 0.35, k))
    nps, csat = nps.astype(np.int64), np.clip(csat, 1, 5).astype(np.int64)
    dutch = facts.dutch[customer]
    rows = np.flatnonzero(answered)
    comment = np.full(k, "", dtype=S)
    comment[rows] = _comments(rng, survey[rows], nps[rows], csat[rows], friction[rows], dutch[rows])
    asks_nps = np.array([s[1] for s in SURVEYS])[survey]
    asks_csat = np.array([s[2] for s in SURVEYS])[survey]
    nps_given = np.where(asks_nps, nps, -1)
    csat_given = np.where(asks_csat, csat, -1)
    unhappy = rows[needs_follow_up(nps_given[rows], csat_given[rows])]
    tasks, task_of = follow_ups_draw(
        rng,
        Unhappy(
            customer=customer[unhappy],
            answered_at=answered_at[unhappy],
            survey=strings(list(names))[survey[unhappy]],
            nps=nps_given[unhappy],
            csat=csat_given[unhappy],
            comment=np.where(comment[unhappy] == "", "—", comment[unhappy]).astype(S),
            moment_id=moment_id[unhappy],
        ),
        customer_ids=base.customer_ids,
        owner=base.owner,
        rules=spec.rules,
        back_office=spec.back_office,
        first_id=spec.first_task_id,
        now=base.now,
        texts=spec.texts,
    )
    follow_up = np.zeros(k, dtype=np.int64)
    follow_up[unhappy] = task_of

    customer_id = base.customer_ids[customer]
    ids = np.arange(1, k + 1)
    # Handed over by whoever had the contact; the relationship survey e-mailed by marketing;
    # the others e-mailed by the help desk's and web shop's link to the API.
    staff = np.where(has_moment, base.moment_staff[np.maximum(moment, 0)], 0)
    staff = np.where(staff > 0, staff, spec.back_office)
    sent_by = np.select([handed, survey == RELATIONSHIP], [staff, spec.surveyor], 0)
    source = np.where(handed | (survey == RELATIONSHIP), "manual", "api").astype(S)
    mailed = np.flatnonzero(~handed)
    at = np.maximum(moment[mailed], 0)
    person = customer[mailed]
    messages, message_ids = messages_table(
        Mailed(
            customer=person,
            address=base.email[person],
            first_name=np.where(base.is_org[person], "", base.first_name[person]).astype(S),
            sent_at=created[mailed],
            expires=expires[mailed],
            moment_subject=np.where(has_moment[mailed], base.moment_subject[at], "").astype(S),
            order_number=_order_numbers(base, order_id[mailed]),
            sent_by=sent_by[mailed].astype(np.int64),
            has_moment=has_moment[mailed],
        ),
        customer_ids=base.customer_ids,
        first_id=spec.first_message_id,
        texts=spec.invitation_texts,
    )
    message_id = np.zeros(k, dtype=np.int64)
    message_id[mailed] = message_ids
    invitation_table = Table(
        "feedback.SurveyInvitation",
        {
            "id": Column("int", ids),
            "survey_id": Column("int", survey + 1),
            "customer_id": Column("int", customer_id),
            "token_hash": Column("str", token_hashes(rng, k)),
            "created_at": Column("datetime", created),
            "expires_at": Column("datetime", expires),
            "answered_at": Column("datetime", answered_at, ~answered),
            "touchpoint": Column("str", touchpoint),
            "channel": Column("str", channel),
            "contact_moment_id": Column("int", moment_id, ~has_moment),
            "order_id": Column("int", order_id, order_id == 0),
            "source": Column("str", source),
            "trigger_rule_id": Column("int", np.zeros(k, dtype=np.int64), np.ones(k, bool)),
            "message_id": Column("int", message_id, handed),
            "sent_by_id": Column("int", sent_by, sent_by == 0),
        },
    )
    by_time = rows[np.argsort(answered_at[rows], kind="stable")]
    m = len(by_time)
    response_table = Table(
        "feedback.SurveyResponse",
        {
            "id": Column("int", np.arange(1, m + 1)),
            "invitation_id": Column("int", ids[by_time]),
            "survey_id": Column("int", survey[by_time] + 1),
            "customer_id": Column("int", customer_id[by_time]),
            "answered_at": Column("datetime", answered_at[by_time]),
            "nps": Column("int", nps[by_time], ~asks_nps[by_time]),
            "csat": Column("int", csat[by_time], ~asks_csat[by_time]),
            "comment": Column("str", comment[by_time]),
            "touchpoint": Column("str", touchpoint[by_time]),
            "channel": Column("str", channel[by_time]),
            "contact_moment_id": Column("int", moment_id[by_time], ~has_moment[by_time]),
            "order_id": Column("int", order_id[by_time], order_id[by_time] == 0),
            "source": Column("str", np.full(m, "link", dtype=S)),
            "follow_up_task_id": Column("int", follow_up[by_time], follow_up[by_time] == 0),
            "external_id": Column("str", np.full(m, "", dtype=S)),
        },
    )
    began = created.min() if k else base.now
    survey_table = Table(
        "feedback.Survey",
        {
            "id": Column("int", np.arange(1, len(SURVEYS) + 1)),
            "name": Column("str", strings(list(names))),
            "asks_nps": Column("bool", np.array([s[1] for s in SURVEYS])),
            "asks_csat": Column("bool", np.array([s[2] for s in SURVEYS])),
            "asks_comment": Column("bool", np.array([s[3] for s in SURVEYS])),
            "nps_question": Column("str", np.full(3, "", dtype=S)),
            "csat_question": Column("str", np.full(3, "", dtype=S)),
            "comment_question": Column("str", np.full(3, "", dtype=S)),
            "touchpoint": Column("str", strings([s[4] for s in SURVEYS])),
            "valid_days": Column("int", np.array([s[5] for s in SURVEYS])),
            "active": Column("bool", np.ones(3, dtype=bool)),
            "created_by_id": Column(
                "int", np.full(3, spec.surveyor), np.full(3, spec.surveyor == 0)
            ),
            "created_at": Column(
                "datetime", np.full(3, began - np.timedelta64(7 * SECONDS_PER_DAY, "s"))
            ),
        },
    )
    return [survey_table, messages, invitation_table, tasks, response_table]


def _order_numbers(base: FeedbackBase, order_id: np.ndarray) -> np.ndarray:
    """The order number of each order id ("" for 0)."""
    linked = order_id > 0
    numbers = np.full(len(order_id), "", dtype=S)
    numbers[linked] = base.order_number[np.searchsorted(base.order_ids, order_id[linked])]
    return numbers
