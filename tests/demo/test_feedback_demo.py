"""Demo voice of the customer: frictions on the generated contact moments, the feedback
generator on its own (surveys, reviews, profiles), and `relata demo-feedback` against the
database."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import pytest
from django.core.management import call_command
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Lower
from numpy.random import default_rng

from relata.contacts.models import ContactMoment, Friction, Task, TaskKind, TaskStatus
from relata.customers.models import Consent, Customer
from relata.demo.feedback import DemoFeedbackError, demo_feedback_load, vlogger_ids
from relata.demo.generate import DemoData
from relata.demo.invitations import OptIns
from relata.demo.reviews import (
    VLOGGER_FOLLOWERS,
    BoughtLines,
    profiles_draw,
    reviewers_pick,
    reviews_draw,
    vloggers_pick,
)
from relata.demo.services import demo_data_load
from relata.demo.surveys import FeedbackBase, FeedbackSpec, customer_facts, surveys_draw
from relata.demo.tables import Table
from relata.engagement.models import OutboxMessage
from relata.feedback.models import Review, SocialProfile, Survey, SurveyInvitation, SurveyResponse
from relata.feedback.survey_services import SURVEY_CHANNEL, SURVEY_PURPOSE, _email_text
from relata.sales.models import OrderLine
from tests.demo.conftest import DEFAULT_RULES, NOW, TODAY

# --- frictions on the generated contact moments --------------------------------------------


def _moments(data: DemoData) -> dict[str, np.ndarray]:
    return {n: c.values for n, c in data.table("contacts.ContactMoment").columns.items()}


def test_frictions_hit_inbound_service_billing_and_delivery_contacts_most(
    work_data: DemoData,
) -> None:
    # given the generated contact moments
    moments = _moments(work_data)
    friction = moments["friction"]
    inbound = moments["direction"] == "inbound"
    service_side = np.isin(moments["touchpoint"], ["service", "billing", "delivery"])
    # then every friction is a valid choice, and about one in ten inbound service-side
    # contacts went wrong, far fewer outbound ones
    assert set(friction.tolist()) == {""} | set(Friction.values)
    assert 0.05 < np.mean(friction[inbound & service_side] != "") < 0.16
    assert np.mean(friction[~inbound] != "") < 0.05
    # and who called or wrote and got no answer mostly says so
    unanswered = inbound & (moments["outcome"] == "no_answer")
    said = friction[unanswered]
    assert np.mean(np.isin(said, ["no_answer", "not_reachable"])) > 0.4


def test_repeat_story_follows_a_recent_contact_on_another_channel(work_data: DemoData) -> None:
    # given the moments in time order per customer
    moments = _moments(work_data)
    order = np.lexsort((moments["occurred_at"], moments["customer_id"]))
    customer = moments["customer_id"][order]
    at = moments["occurred_at"][order]
    channel = moments["channel"][order]
    friction = moments["friction"][order]
    complaint = work_data.table("contacts.ContactMoment").columns["complaint_id"]
    assert complaint.null is not None
    registered = ~complaint.null[order]
    # when we look at the moments that say the story had to be told again
    rows = np.flatnonzero((friction == "repeat_story") & ~registered)
    rows = rows[rows > 0]
    # then (apart from registered complaints, which name their own cause) each came within
    # a few days of an earlier contact of the same customer on another channel
    assert len(rows) > 20
    assert np.all(customer[rows] == customer[rows - 1])
    assert np.all(channel[rows] != channel[rows - 1])
    assert np.all(at[rows] - at[rows - 1] <= np.timedelta64(4, "D"))


def test_customers_who_stop_buying_met_more_friction(work_data: DemoData) -> None:
    # given who stopped buying (no order in the last year) and who kept buying
    orders = work_data.table("sales.Order").columns
    n = work_data.table("customers.Customer").rows
    last = np.full(n + 1, np.datetime64("1970-01-01"), dtype="datetime64[D]")
    np.maximum.at(last, orders["customer_id"].values, orders["order_date"].values)
    buyer = np.zeros(n + 1, dtype=bool)
    buyer[orders["customer_id"].values] = True
    stopped = buyer & (last < np.datetime64(TODAY) - np.timedelta64(365, "D"))
    moments = _moments(work_data)
    owner = moments["customer_id"]
    went_wrong = moments["friction"] != ""
    # then their contacts went wrong clearly more often
    churned_rate = np.mean(went_wrong[stopped[owner]])
    kept_rate = np.mean(went_wrong[buyer[owner] & ~stopped[owner]])
    assert churned_rate > 1.5 * kept_rate


def test_a_registered_complaint_names_the_friction_it_is_about(work_data: DemoData) -> None:
    # given the complaints and the moments they were registered from
    moments = work_data.table("contacts.ContactMoment").columns
    causes = work_data.table("contacts.Complaint").columns["cause"].values
    link = moments["complaint_id"]
    assert link.null is not None
    rows = np.flatnonzero(~link.null)
    cause = causes[link.values[rows] - 1]
    friction = moments["friction"].values[rows]
    # then a complaint about being unreachable or having to repeat the story says so
    for complained, named in (("not_reachable", "not_reachable"), ("repeat_story", "repeat_story")):
        assert np.all(friction[cause == complained] == named)


# --- the feedback generator on its own ------------------------------------------------------

_NOW64 = np.datetime64(NOW, "s")


def _base(data: DemoData) -> FeedbackBase:
    """The generator's input as `relata.demo.feedback` reads it, from generated tables."""
    customers = data.table("customers.Customer").columns
    orders = data.table("sales.Order").columns
    moments = data.table("contacts.ContactMoment").columns
    n = len(customers["id"].values)
    owner = orders["customer_id"].values - 1
    live = orders["status"].values != "cancelled"
    day = orders["order_date"].values.astype(np.int64)
    total = orders["total_amount"].values
    year = live & (day > int(np.datetime64(TODAY).astype(np.int64)) - 365)
    touchpoints = ["service", "after_sales", "billing", "delivery"]
    keep = np.isin(moments["touchpoint"].values, touchpoints) | (moments["friction"].values != "")
    linked = moments["order_id"]
    staff = moments["staff_id"]
    consents = data.table("customers.Consent").columns
    surveys = (consents["channel"].values == "email") & (consents["purpose"].values == "surveys")
    return FeedbackBase(
        customer_ids=customers["id"].values,
        is_org=customers["kind"].values == "organisation",
        email=customers["email"].values,
        first_name=customers["first_name"].values,
        last_name=customers["last_name"].values,
        org_name=customers["organisation_name"].values,
        owner=np.zeros(n, dtype=np.int64),
        revenue=np.bincount(owner[live], total[live], minlength=n).astype(np.int64),
        revenue_year=np.bincount(owner[year], total[year], minlength=n).astype(np.int64),
        order_ids=orders["id"].values,
        order_customer=owner,
        order_day=day,
        order_channel=orders["channel"].values,
        order_status=orders["status"].values,
        order_number=orders["order_number"].values,
        moment_ids=moments["id"].values[keep],
        moment_customer=moments["customer_id"].values[keep] - 1,
        moment_at=moments["occurred_at"].values[keep],
        moment_touchpoint=moments["touchpoint"].values[keep],
        moment_channel=moments["channel"].values[keep],
        moment_outcome=moments["outcome"].values[keep],
        moment_friction=moments["friction"].values[keep],
        moment_order=np.where(linked.null[keep], 0, linked.values[keep])
        if linked.null is not None
        else linked.values[keep],
        moment_subject=moments["subject"].values[keep],
        moment_staff=np.where(staff.null[keep], 0, staff.values[keep])
        if staff.null is not None
        else staff.values[keep],
        opt_ins=OptIns.build(
            consents["customer_id"].values[surveys] - 1,
            consents["recorded_at"].values[surveys],
            consents["granted"].values[surveys],
        ),
        now=_NOW64,
    )


@pytest.fixture(scope="module")
def drawn(work_data: DemoData) -> dict[str, Table]:
    """Feedback drawn on the work data (6,000 customers): the tables by model."""
    base = _base(work_data)
    vlogger = vloggers_pick(default_rng(1), base)
    facts = customer_facts(default_rng(2), base, vlogger)
    spec = FeedbackSpec(rules=DEFAULT_RULES, surveyor=5, back_office=4, first_task_id=900)
    names = ("After a service contact", "After delivery", "Relationship NPS")
    tables = surveys_draw(default_rng(3), base, facts, spec, names)
    profiles = profiles_draw(default_rng(4), base, facts)
    items = reviewers_pick(default_rng(5), base, facts)
    lines = work_data.table("sales.OrderLine").columns
    order_day = base.order_day[lines["order_id"].values - 1]
    bought = BoughtLines(lines["customer_id"].values - 1, lines["product_id"].values, order_day)
    reviews = reviews_draw(default_rng(5), base, facts, items, bought, profiles)
    return {t.model: t for t in [*tables, profiles.table, reviews]}


def _cols(table: Table) -> dict[str, np.ndarray]:
    return {name: column.values for name, column in table.columns.items()}


def test_about_half_of_the_invitations_are_answered_and_tokens_are_unique(
    drawn: dict[str, Table],
) -> None:
    invitations = drawn["feedback.SurveyInvitation"]
    answered = invitations.columns["answered_at"]
    assert answered.null is not None
    # then about half answered (customers who asked for surveys, or were asked in person),
    # within the link's life and before now
    assert 0.4 < np.mean(~answered.null) < 0.6
    cols = _cols(invitations)
    done = ~answered.null
    assert np.all(cols["answered_at"][done] <= cols["expires_at"][done])
    assert np.all(cols["answered_at"][done] <= _NOW64) and np.all(cols["created_at"] <= _NOW64)
    # and every token hash is a distinct SHA-256 hex digest
    hashes = cols["token_hash"].tolist()
    assert len(set(hashes)) == len(hashes)
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes[:500])
    # and a response for every answered invitation, with its touchpoint and channel
    responses = _cols(drawn["feedback.SurveyResponse"])
    assert len(responses["id"]) == int(done.sum())
    invitation = responses["invitation_id"] - 1
    assert np.array_equal(responses["touchpoint"], cols["touchpoint"][invitation])
    assert np.array_equal(responses["channel"], cols["channel"][invitation])


def test_each_survey_asks_what_it_should(drawn: dict[str, Table]) -> None:
    responses = drawn["feedback.SurveyResponse"].columns
    survey = responses["survey_id"].values
    nps_missing, csat_missing = responses["nps"].null, responses["csat"].null
    assert nps_missing is not None and csat_missing is not None
    # service: CSAT only; delivery: CSAT and NPS; relationship: NPS only
    assert np.all(nps_missing[survey == 1]) and not np.any(csat_missing[survey == 1])
    assert not np.any(nps_missing[survey == 2]) and not np.any(csat_missing[survey == 2])
    assert not np.any(nps_missing[survey == 3]) and np.all(csat_missing[survey == 3])
    # and delivery answers ask no comment, the others often get one
    comment = responses["comment"].values
    assert np.all(comment[survey == 2] == "")
    assert 0.3 < np.mean(comment[survey == 3] != "") < 0.8


def test_nps_rises_over_the_years_and_web_deliveries_fall_lately(
    drawn: dict[str, Table],
) -> None:
    responses = _cols(drawn["feedback.SurveyResponse"])
    nps_missing = drawn["feedback.SurveyResponse"].columns["nps"].null
    assert nps_missing is not None
    at, nps = responses["answered_at"], responses["nps"]

    def net(rows: np.ndarray) -> float:
        scores = nps[rows & ~nps_missing]
        return float(100 * (np.mean(scores >= 9) - np.mean(scores <= 6)))

    year = np.timedelta64(365, "D")
    # then the NPS of the last year is clearly above that of the first
    assert net(at >= _NOW64 - year) > net(at < at.min() + year) + 15
    # and deliveries of web orders (the new carrier) score far worse in the last months
    # than before, and than deliveries of orders placed otherwise
    recent = at >= _NOW64 - np.timedelta64(110, "D")
    delivery = responses["touchpoint"] == "delivery"
    csat = responses["csat"]
    web = delivery & (responses["channel"] == "web")
    other = delivery & np.isin(responses["channel"], ["email", "visit"])
    assert (web & recent).sum() > 100
    assert csat[web & recent].mean() < csat[web & ~recent].mean() - 0.6
    assert csat[web & recent].mean() < csat[other & recent].mean() - 0.6
    assert np.mean(csat[web & recent] <= 2) > 2 * np.mean(csat[web & ~recent] <= 2)


def _opt_in_at(work_data: DemoData) -> Callable[[int, np.datetime64], bool]:
    """Whether a customer (id) had an opt-in for surveys by e-mail in force at a moment,
    worked out row by row from the consent table: the latest decision (by time, then id)
    at or before the moment, none meaning no consent."""
    consents = _cols(work_data.table("customers.Consent"))
    decisions: dict[int, list[tuple[np.datetime64, int, bool]]] = {}
    for row in np.flatnonzero(
        (consents["channel"] == "email") & (consents["purpose"] == "surveys")
    ).tolist():
        decisions.setdefault(int(consents["customer_id"][row]), []).append(
            (consents["recorded_at"][row], int(consents["id"][row]), bool(consents["granted"][row]))
        )

    def in_force(customer_id: int, at: np.datetime64) -> bool:
        before = [d for d in decisions.get(customer_id, []) if d[0] <= at]
        return max(before, key=lambda d: (d[0], d[1]))[2] if before else False

    return in_force


def test_no_invitation_is_emailed_without_an_opt_in_in_force_at_that_time(
    work_data: DemoData, drawn: dict[str, Table]
) -> None:
    # given the drawn invitations and the consent decisions of the demo data
    invitations = _cols(drawn["feedback.SurveyInvitation"])
    message = drawn["feedback.SurveyInvitation"].columns["message_id"]
    assert message.null is not None
    emailed = np.flatnonzero(~message.null)
    in_force = _opt_in_at(work_data)
    # then every e-mailed invitation went to a customer whose latest decision at that
    # moment was an opt-in for surveys by e-mail
    opted = [
        in_force(int(invitations["customer_id"][i]), invitations["created_at"][i])
        for i in emailed.tolist()
    ]
    assert len(opted) > 1000 and all(opted)
    # and it is the opt-in at that time that counts: some got e-mails before they withdrew it
    now = np.datetime64(NOW, "s")
    withdrawn = [
        i for i in emailed.tolist() if not in_force(int(invitations["customer_id"][i]), now)
    ]
    assert withdrawn


def test_emailed_invitations_have_their_outbox_copy_and_handed_links_none(
    work_data: DemoData, drawn: dict[str, Table]
) -> None:
    # given the drawn invitations, outbox messages, customers and contact moments
    table = drawn["feedback.SurveyInvitation"]
    invitations = _cols(table)
    messages = _cols(drawn["engagement.OutboxMessage"])
    customers = _cols(work_data.table("customers.Customer"))
    moments = _moments(work_data)
    message, sent_by, moment = (
        table.columns[name].null for name in ("message_id", "sent_by_id", "contact_moment_id")
    )
    assert message is not None and sent_by is not None and moment is not None
    emailed = ~message
    # then each e-mailed invitation has its own message: to the customer's address, sent
    # when the invitation was made, purpose surveys, and without a working link
    by_id = {int(m): i for i, m in enumerate(messages["id"].tolist())}
    rows = [by_id[int(m)] for m in invitations["message_id"][emailed].tolist()]
    assert len(set(rows)) == len(rows) == len(messages["id"])
    customer = invitations["customer_id"][emailed]
    assert np.array_equal(messages["customer_id"][rows], customer)
    assert np.array_equal(messages["to_address"][rows], customers["email"][customer - 1])
    assert np.array_equal(messages["created_at"][rows], invitations["created_at"][emailed])
    assert np.array_equal(messages["sent_at"][rows], invitations["created_at"][emailed])
    assert set(messages["purpose"].tolist()) == {"surveys"}
    assert set(messages["channel"].tolist()) == {"email"}
    assert set(messages["status"].tolist()) == {"sent"}
    bodies = messages["body"].tolist()
    assert all("[personal survey link]" in b and "/s/" not in b for b in bodies)
    # and it names what it is about, as the survey service writes it
    first = int(np.flatnonzero(emailed & ~moment)[0])
    subject = moments["subject"][invitations["contact_moment_id"][first] - 1]
    assert f"about “{subject}”" in bodies[by_id[int(invitations["message_id"][first])]]
    # and a handed-over link has no message: it was made by hand (source manual) by whoever
    # spoke to the customer by phone, in the store or on a visit
    handed = ~emailed
    assert handed.sum() > 500
    assert set(invitations["source"][handed].tolist()) == {"manual"}
    assert not np.any(moment[handed])
    spoken = invitations["contact_moment_id"][handed] - 1
    assert set(moments["channel"][spoken].tolist()) <= {"phone", "store", "visit"}
    during = invitations["created_at"][handed] - moments["occurred_at"][spoken]
    assert np.all((during >= np.timedelta64(0, "s")) & (during < np.timedelta64(1, "h")))
    staff = moments["staff_id"][spoken]
    assert np.array_equal(invitations["sent_by_id"][handed], np.where(staff > 0, staff, 4))
    # and handed over to any customer: also without an opt-in, or an e-mail address
    in_force = _opt_in_at(work_data)
    handed_to = invitations["customer_id"][handed]
    assert not all(
        in_force(int(c), t)
        for c, t in zip(handed_to.tolist(), invitations["created_at"][handed], strict=True)
    )
    assert np.any(customers["email"][handed_to - 1] == "")
    # and the e-mailed ones came from the API (help desk, web shop) or, the relationship
    # survey, from the marketing user
    wave = invitations["survey_id"] == 3
    assert np.all(emailed[wave])
    assert set(invitations["source"][emailed & ~wave].tolist()) == {"api"}
    assert np.all(sent_by[emailed & ~wave])
    assert set(invitations["sent_by_id"][wave].tolist()) == {5}


def test_an_opt_in_counts_from_when_it_was_given_until_it_is_withdrawn() -> None:
    # given customer 0 who opted in on day 10 and withdrew on day 20, customer 1 who said
    # no and then yes at the same second (recorded in that order), and customer 2 who never
    # decided
    day = np.datetime64("2025-01-01T00:00:00")

    def on(days: int) -> np.datetime64:
        return day + np.timedelta64(days * 86_400, "s")

    opt_ins = OptIns.build(
        np.array([1, 0, 0, 1]),
        np.array([on(5), on(10), on(20), on(5)]),
        np.array([False, True, False, True]),
    )
    # when asked at several moments
    customer = np.array([0, 0, 0, 0, 1, 1, 2])
    at = np.array([on(9), on(10), on(19), on(21), on(4), on(5), on(30)])
    # then only the opt-in in force then counts; the later of two same-second decisions wins
    assert opt_ins.in_force(customer, at).tolist() == [
        False,
        True,
        True,
        False,
        False,
        True,
        False,
    ]
    assert not OptIns.empty().in_force(np.array([0]), np.array([on(1)])).any()


def test_answers_are_worse_after_a_contact_that_went_wrong(
    work_data: DemoData, drawn: dict[str, Table]
) -> None:
    responses = drawn["feedback.SurveyResponse"].columns
    moment = responses["contact_moment_id"]
    assert moment.null is not None
    service = (responses["survey_id"].values == 1) & ~moment.null
    friction = _moments(work_data)["friction"][moment.values[service] - 1]
    csat = responses["csat"].values[service]
    assert csat[friction != ""].mean() < csat[friction == ""].mean() - 0.8


def test_every_detractor_and_dissatisfied_customer_has_a_routed_follow_up_task(
    drawn: dict[str, Table],
) -> None:
    responses = drawn["feedback.SurveyResponse"].columns
    tasks = _cols(drawn["contacts.Task"])
    nps, csat, task = responses["nps"], responses["csat"], responses["follow_up_task_id"]
    assert nps.null is not None and csat.null is not None and task.null is not None
    detractor = ~nps.null & (nps.values <= 6)
    dissatisfied = ~csat.null & (csat.values <= 2)
    # then detractors and dissatisfied customers, and only they, have a task of the
    # detractor kind, titled as the survey service titles it
    assert np.array_equal(~task.null, detractor | dissatisfied)
    assert set(tasks["kind"].tolist()) == {"detractor"}
    assert sorted(task.values[~task.null].tolist()) == tasks["id"].tolist()
    assert tasks["id"][0] == 900
    by_id = dict(zip(tasks["id"].tolist(), tasks["title"].tolist(), strict=True))
    first = int(np.flatnonzero(detractor)[0])
    assert by_id[int(task.values[first])].startswith(f"Detractor: NPS {nps.values[first]} in")
    only_csat = int(np.flatnonzero(dissatisfied & ~detractor)[0])
    assert by_id[int(task.values[only_csat])].startswith("Dissatisfied: CSAT")
    owners = dict(zip(tasks["id"].tolist(), tasks["customer_id"].tolist(), strict=True))
    linked = ~task.null
    assert [owners[t] for t in task.values[linked].tolist()] == (
        responses["customer_id"].values[linked].tolist()
    )
    # and the default rules send them to the back office: most done, the recent ones open
    assert set(tasks["team"].tolist()) == {"back_office"}
    status = tasks["status"]
    assert np.mean(status == "done") > 0.8
    assert np.isin(status, ["open", "in_progress", "waiting"]).any()
    assert set(tasks["priority"].tolist()) == {2, 3}


def test_vloggers_spend_little_and_reach_many(work_data: DemoData, drawn: dict[str, Table]) -> None:
    profiles = _cols(drawn["feedback.SocialProfile"])
    customers = work_data.table("customers.Customer").rows
    owners = np.unique(profiles["customer_id"])
    # then about 4% of customers have a profile, and a dozen or so are vloggers
    assert 0.03 < len(owners) / customers < 0.06
    big = np.unique(profiles["customer_id"][profiles["followers"] >= VLOGGER_FOLLOWERS])
    assert 10 <= len(big) <= 20
    assert profiles["followers"].max() <= 250_000
    # and the vloggers bought less than the typical buyer
    orders = work_data.table("sales.Order").columns
    spend = np.bincount(orders["customer_id"].values, orders["total_amount"].values)
    assert np.all(spend[big] <= np.median(spend[spend > 0]))
    # and they review what they bought, with many helpful votes
    reviews = _cols(drawn["feedback.Review"])
    by_vloggers = np.isin(reviews["customer_id"], big)
    assert by_vloggers.sum() >= 2 * len(big)
    assert np.median(reviews["helpful_votes"][by_vloggers]) > 10 * max(
        np.median(reviews["helpful_votes"][~by_vloggers]), 1
    )
    # and a handle is unique per platform
    keys = [
        f"{p}:{h.lower()}" for p, h in zip(profiles["platform"], profiles["handle"], strict=True)
    ]
    assert len(set(keys)) == len(keys)


def test_reviews_are_of_bought_products_and_rated_as_satisfied(
    work_data: DemoData, drawn: dict[str, Table]
) -> None:
    table = drawn["feedback.Review"]
    reviews = _cols(table)
    rating = table.columns["rating"]
    assert rating.null is not None
    buyers = np.unique(work_data.table("sales.Order").columns["customer_id"].values)
    # then about 6% of buyers write something
    assert 0.04 < len(np.unique(reviews["customer_id"])) / len(buyers) < 0.09
    # and reviews have a rating, mostly good, some comments have none
    is_review = reviews["kind"] == "review"
    assert not np.any(rating.null[is_review]) and np.any(rating.null[~is_review])
    assert 3.5 < rating.values[is_review].mean() < 4.6
    assert set(reviews["site"].tolist()) >= {"Webshop", "Google", "Trustpilot"}
    # and each reviewed product is one the writer bought
    lines = work_data.table("sales.OrderLine").columns
    bought = set(
        zip(lines["customer_id"].values.tolist(), lines["product_id"].values.tolist(), strict=True)
    )
    product = table.columns["product_id"]
    assert product.null is not None
    named = ~product.null
    pairs = zip(reviews["customer_id"][named].tolist(), product.values[named].tolist(), strict=True)
    assert all(pair in bought for pair in pairs)


# --- relata demo-feedback against the database ----------------------------------------------

_DB_NOW = datetime(2025, 6, 2, 16, 0, tzinfo=UTC)


def _small_demo(customers: int = 800) -> None:
    demo_data_load(customers=customers, years=3, seed=11, today=TODAY, now=_DB_NOW)
    call_command("demo_users", verbosity=0)


@pytest.mark.django_db
def test_demo_feedback_fills_the_feedback_tables_once() -> None:
    # given a small demo with its users
    _small_demo()
    moments_before = ContactMoment.objects.count()
    # when the demo feedback is loaded
    result = demo_feedback_load(seed=5, now=_DB_NOW)
    # then three surveys with invitations, answers, reviews and profiles exist
    assert result.loaded
    assert Survey.objects.count() == 3
    assert SurveyInvitation.objects.count() == result.rows["feedback.SurveyInvitation"] > 0
    assert SurveyResponse.objects.count() == result.rows["feedback.SurveyResponse"] > 0
    assert Review.objects.exists() and SocialProfile.objects.exists()
    assert ContactMoment.objects.count() == moments_before
    # and answered invitations are the answered ones, tokens unique
    answered = SurveyInvitation.objects.filter(answered_at__isnull=False)
    assert answered.count() == SurveyResponse.objects.count()
    hashes = list(SurveyInvitation.objects.values_list("token_hash", flat=True))
    assert len(set(hashes)) == len(hashes)
    # and invitations point at what caused them, with its touchpoint
    service = SurveyInvitation.objects.filter(survey__touchpoint="service")
    service_side = ["service", "after_sales", "billing"]
    assert not service.exclude(contact_moment__touchpoint__in=service_side).exists()
    assert not service.exclude(touchpoint=F("contact_moment__touchpoint")).exists()
    assert not service.exclude(channel=F("contact_moment__channel")).exists()
    assert SurveyInvitation.objects.filter(
        survey__touchpoint="delivery", order__isnull=False
    ).exists()
    # and every detractor or dissatisfied customer has a follow-up task of their own
    unhappy = SurveyResponse.objects.filter(Q(nps__lte=6) | Q(csat__lte=2))
    assert unhappy.filter(nps__lte=6).exists()
    assert not unhappy.filter(follow_up_task__isnull=True).exists()
    assert not unhappy.exclude(follow_up_task__customer=F("customer")).exists()
    tasks = Task.objects.filter(kind=TaskKind.DETRACTOR)
    assert tasks.count() == unhappy.count() == result.follow_up_tasks
    assert tasks.filter(status=TaskStatus.DONE, completed_at__isnull=False).exists()
    happy = SurveyResponse.objects.exclude(Q(nps__lte=6) | Q(csat__lte=2))
    assert happy.exists() and not happy.filter(follow_up_task__isnull=False).exists()
    # and handles are unique per platform, vloggers are there
    handles = SocialProfile.objects.values("platform", lowered=Lower("handle"))
    assert not handles.annotate(n=Count("id")).filter(n__gt=1).exists()
    assert vlogger_ids() and len(vlogger_ids()) == result.vloggers
    # and a review names a product its writer bought
    review = Review.objects.filter(product__isnull=False).first()
    assert review is not None
    assert OrderLine.objects.filter(customer=review.customer, product=review.product).exists()
    # and new rows get fresh ids after the load
    customer = Customer.objects.order_by("id").first()
    assert customer is not None
    task = Task.objects.create(customer=customer, title="After the demo")
    assert task.pk > max(tasks.values_list("id", flat=True))

    # when it runs again with --if-empty, nothing changes; without, it refuses
    counts = (SurveyInvitation.objects.count(), Review.objects.count(), Task.objects.count())
    call_command("demo_feedback", if_empty=True, verbosity=0)
    again = demo_feedback_load(seed=5, if_empty=True, now=_DB_NOW)
    assert not again.loaded
    assert counts == (
        SurveyInvitation.objects.count(),
        Review.objects.count(),
        Task.objects.count(),
    )
    with pytest.raises(DemoFeedbackError):
        demo_feedback_load(seed=5, now=_DB_NOW)


@pytest.mark.django_db
def test_demo_feedback_e_mails_invitations_only_with_an_opt_in_in_force() -> None:
    # given a small demo with its users, and a message already in the outbox
    _small_demo()
    earlier = OutboxMessage.objects.create(
        customer=Customer.objects.order_by("id").first(), channel="email", subject="Earlier"
    )
    # when the demo feedback is loaded
    result = demo_feedback_load(seed=5, now=_DB_NOW)
    # then every e-mailed invitation went to a customer whose latest decision on surveys by
    # e-mail at that moment was an opt-in
    decision = Consent.objects.filter(
        customer=OuterRef("customer"),
        channel=SURVEY_CHANNEL,
        purpose=SURVEY_PURPOSE,
        recorded_at__lte=OuterRef("created_at"),
    ).order_by("-recorded_at", "-id")
    emailed = SurveyInvitation.objects.filter(message__isnull=False).annotate(
        opt_in=Subquery(decision.values("granted")[:1])
    )
    assert emailed.exists()
    assert not emailed.filter(Q(opt_in=False) | Q(opt_in__isnull=True)).exists()
    # and each has its own copy in the outbox, sent then, without the link, the rest of the
    # outbox untouched
    messages = OutboxMessage.objects.exclude(pk=earlier.pk)
    assert messages.count() == emailed.count() == result.rows["engagement.OutboxMessage"]
    assert not emailed.exclude(message__customer=F("customer")).exists()
    assert not emailed.exclude(message__sent_at=F("created_at")).exists()
    assert set(messages.values_list("purpose", "status").distinct()) == {("surveys", "sent")}
    assert min(messages.values_list("id", flat=True)) > earlier.pk
    # and the text is the one the survey service sends, link blanked out as it does
    invitation = emailed.select_related("message", "customer", "contact_moment", "order").first()
    assert invitation is not None and invitation.message is not None
    subject, body = _email_text(
        customer=invitation.customer,
        contact_moment=invitation.contact_moment,
        order=invitation.order,
        link="LINK",
        expires_at=invitation.expires_at,
    )
    assert invitation.message.subject == subject
    assert invitation.message.body == body.replace("LINK", "[personal survey link]")
    # and the links handed over in person have no message, and were made by hand after a
    # conversation by phone, in the store or on a visit
    handed = SurveyInvitation.objects.filter(message__isnull=True)
    assert handed.exists()
    assert set(handed.values_list("source", flat=True).distinct()) == {"manual"}
    spoken = set(handed.values_list("contact_moment__channel", flat=True).distinct())
    assert spoken <= {"phone", "store", "visit"}
    # and a message written after the load gets a fresh id
    loaded = max(messages.values_list("id", flat=True))
    later = OutboxMessage.objects.create(customer=invitation.customer, channel="email")
    assert later.pk > loaded


@pytest.mark.django_db
def test_demo_feedback_needs_demo_data_first() -> None:
    # given an empty database
    # when / then
    with pytest.raises(DemoFeedbackError, match="demo-data"):
        demo_feedback_load(now=_DB_NOW)


@pytest.mark.django_db
def test_demo_feedback_is_the_same_for_the_same_seed() -> None:
    # given a small demo loaded with feedback for seed 5
    _small_demo(customers=300)
    demo_feedback_load(seed=5, now=_DB_NOW)
    first = list(SurveyResponse.objects.order_by("id").values_list("customer_id", "nps", "csat"))
    # when the feedback is removed and loaded again with the same seed
    SurveyResponse.objects.all().delete()
    SurveyInvitation.objects.all().delete()
    Survey.objects.all().delete()
    Review.objects.all().delete()
    SocialProfile.objects.all().delete()
    Task.objects.filter(kind=TaskKind.DETRACTOR).delete()
    demo_feedback_load(seed=5, now=_DB_NOW)
    # then the answers are the same
    again = list(SurveyResponse.objects.order_by("id").values_list("customer_id", "nps", "csat"))
    assert again == first
