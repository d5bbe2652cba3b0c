"""Follow-up tasks for the demo's unhappy survey answers, as the survey service makes them
(`relata.feedback.survey_response_services`): a detractor (NPS 0–6) or a dissatisfied
customer (CSAT 1–2) gets a task of the detractor kind, high priority from NPS 3 down, due in
two days, routed through the routing rules like every other demo task. The older ones are
done, the recent ones partly still open. Pure NumPy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.random import Generator

from relata.demo.routing import RuleSpec, route
from relata.demo.tables import Column, S, Table
from relata.demo.text import SECONDS_PER_DAY, strings

_URGENT_NPS = 3
_DUE_DAYS = 2
_DONE_DAYS = 3.0  # median days to call back
# The back office is behind: this share of the follow-ups of the last weeks still waits.
_BACKLOG_DAYS, _BACKLOG = 45, 0.35


@dataclass(frozen=True)
class FollowUpTexts:
    """The task's words, with %(name)s placeholders (the survey service's own texts, so
    they come translated alike)."""

    detractor: str = "Detractor: NPS %(nps)s in “%(survey)s”"
    dissatisfied: str = "Dissatisfied: CSAT %(csat)s of 5 in “%(survey)s”"
    nps: str = "NPS: %(nps)s of 10"
    csat: str = "CSAT: %(csat)s of 5"
    comment: str = "Comment: %(comment)s"


@dataclass(frozen=True)
class Unhappy:
    """The answers that need a follow-up: customer position, time, survey name, NPS and
    CSAT (-1: not asked), comment, contact moment id (0: none)."""

    customer: np.ndarray
    answered_at: np.ndarray
    survey: np.ndarray
    nps: np.ndarray
    csat: np.ndarray
    comment: np.ndarray
    moment_id: np.ndarray


def needs_follow_up(nps: np.ndarray, csat: np.ndarray) -> np.ndarray:
    """A detractor or a dissatisfied customer (-1: not asked)."""
    result: np.ndarray = ((nps >= 0) & (nps <= 6)) | ((csat >= 1) & (csat <= 2))
    return result


def _filled(template: str, **values: np.ndarray) -> np.ndarray:
    text: np.ndarray = np.full(len(next(iter(values.values()))), template, dtype=S)
    for name, value in values.items():
        text = np.strings.replace(text, f"%({name})s", value.astype(S))
    return text


def follow_ups_draw(
    rng: Generator,
    answers: Unhappy,
    *,
    customer_ids: np.ndarray,
    owner: np.ndarray,
    rules: tuple[RuleSpec, ...],
    back_office: int,
    first_id: int,
    now: np.datetime64,
    texts: FollowUpTexts,
) -> tuple[Table, np.ndarray]:
    """The Task table, and each answer's task id. `owner` is the account owner's user id
    per customer position (0: none), `back_office` the user who finishes back-office work
    (0: nobody)."""
    t = len(answers.customer)
    created = answers.answered_at + rng.integers(60, 3 * 3600, t).astype("timedelta64[s]")
    created = np.minimum(created, now)
    kind = np.zeros(t, dtype=np.int64)
    no = np.zeros(t, dtype=bool)
    routed = route(rules, ("detractor",), kind, np.zeros(t, dtype=np.int64), no, no)
    done_after = _DONE_DAYS * SECONDS_PER_DAY * np.exp(0.8 * rng.standard_normal(t))
    completed = created + np.maximum(done_after, 900).astype(np.int64).astype("timedelta64[s]")
    recent = created >= now - np.timedelta64(_BACKLOG_DAYS * SECONDS_PER_DAY, "s")
    is_open = (completed > now) | (recent & (rng.random(t) < _BACKLOG))
    cancelled = ~is_open & (rng.random(t) < 0.04)
    open_status = strings(["open", "in_progress", "waiting"])[rng.choice(3, t, p=[0.6, 0.3, 0.1])]
    status = np.where(is_open, open_status, np.where(cancelled, "cancelled", "done")).astype(S)
    # The account owner's inbox, a named user, or the team's queue (back office: done by the
    # back-office user).
    assignee = np.select(
        [
            routed.destination == "account_owner",
            routed.destination == "user",
            (routed.destination == "back_office") & ~is_open,
        ],
        [owner[answers.customer], routed.assignee, np.full(t, back_office)],
        0,
    ).astype(np.int64)
    done = status == "done"
    detractor = (answers.nps >= 0) & (answers.nps <= 6)
    title = np.where(
        detractor,
        _filled(texts.detractor, nps=answers.nps, survey=answers.survey),
        _filled(texts.dissatisfied, csat=answers.csat, survey=answers.survey),
    ).astype(S)
    description = _filled(texts.comment, comment=answers.comment)
    csat_line = np.strings.add(_filled(texts.csat, csat=answers.csat), "\n")
    description = np.where(answers.csat > 0, np.strings.add(csat_line, description), description)
    nps_line = np.strings.add(_filled(texts.nps, nps=answers.nps), "\n")
    description = np.where(answers.nps >= 0, np.strings.add(nps_line, description), description)
    priority = np.where(detractor & (answers.nps <= _URGENT_NPS), 2, 3).astype(np.int64)

    c = np.argsort(created, kind="stable")
    ids = np.empty(t, dtype=np.int64)
    ids[c] = first_id + np.arange(t)
    due = created.astype("datetime64[D]") + np.timedelta64(_DUE_DAYS, "D")
    unfinished = ~done  # open or cancelled: no completion time
    zeros = np.zeros(t, dtype=np.int64)
    nobody = np.ones(t, dtype=bool)
    moment = answers.moment_id
    table = Table(
        "contacts.Task",
        {
            "id": Column("int", ids[c]),
            "customer_id": Column("int", customer_ids[answers.customer][c]),
            "title": Column("str", np.strings.slice(title, 0, 200)[c]),
            "description": Column("str", description[c]),
            "kind": Column("str", np.full(t, "detractor", dtype=S)),
            "value": Column("money", zeros, nobody),
            "team": Column("str", routed.team[c]),
            "assignee_id": Column("int", assignee[c], assignee[c] == 0),
            "status": Column("str", status[c]),
            "priority": Column("int", priority[c]),
            "due_date": Column("date", due[c]),
            "remind_at": Column("datetime", created[c], nobody),
            "routing": Column("str", routed.reason[c]),
            "routing_rule_id": Column("int", routed.rule_id[c], routed.rule_id[c] == 0),
            "contact_moment_id": Column("int", moment[c], moment[c] == 0),
            "deal_id": Column("int", zeros, nobody),
            "complaint_id": Column("int", zeros, nobody),
            "created_by_id": Column("int", zeros, nobody),
            "completed_at": Column(
                "datetime", np.where(unfinished, created, completed)[c], unfinished[c]
            ),
            "completed_by_id": Column("int", assignee[c], ~done[c] | (assignee[c] == 0)),
            "created_at": Column("datetime", created[c]),
            "updated_at": Column("datetime", np.where(is_open, created, completed)[c]),
            "version": Column("int", np.ones(t, dtype=np.int64)),
        },
    )
    return table, ids
