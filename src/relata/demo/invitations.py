"""How the demo's survey invitations reach the customer: the way the survey service sends
them (`relata.feedback.survey_services`, docs/decisions/0900-survey-links.md).

- By e-mail only with the customer's opt-in for surveys by e-mail in force at that moment
  (of the recorded decisions the latest wins; none at all is no consent). Each e-mail keeps
  its copy in the outbox (purpose surveys, sent, the link blanked out), linked from the
  invitation, so the customer's timeline shows it as it shows a real one.
- Without that opt-in only in person: after a conversation by phone, in the store or on a
  visit, the member of staff hands the link over (source manual, no outbox message, sent by
  that member of staff), whoever the customer is.

Pure NumPy: `relata.demo.feedback` reads the consents and passes the service's words.
"""

from __future__ import annotations

import binascii
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from numpy.random import Generator

from relata.demo.tables import Column, S, Table

# Contact channels where the customer is spoken to, so a link can be handed over.
HAND_OVER_CHANNELS = ("phone", "store", "visit")
_KEY_SHIFT = 32  # seconds since 1970 fit in 32 bits until 2106


def _iso_day(moment: datetime) -> str:
    return moment.date().isoformat()


@dataclass(frozen=True)
class OptIns:
    """The recorded decisions on surveys by e-mail: customer position, time (datetime64[s],
    UTC) and whether granted, sorted by customer and time (ties in the order recorded)."""

    customer: np.ndarray
    at: np.ndarray
    granted: np.ndarray

    @classmethod
    def build(cls, customer: np.ndarray, at: np.ndarray, granted: np.ndarray) -> OptIns:
        """From decisions in the order they were recorded (ids ascending)."""
        order = np.lexsort((at, customer))  # stable: ties keep the recorded order
        return cls(
            customer=np.asarray(customer, dtype=np.int64)[order],
            at=np.asarray(at).astype("datetime64[s]")[order],
            granted=np.asarray(granted, dtype=bool)[order],
        )

    @classmethod
    def empty(cls) -> OptIns:
        return cls.build(
            np.zeros(0, dtype=np.int64), np.zeros(0, "datetime64[s]"), np.zeros(0, bool)
        )

    @staticmethod
    def _keys(customer: np.ndarray, at: np.ndarray) -> np.ndarray:
        seconds = at.astype("datetime64[s]").astype(np.int64)
        keys: np.ndarray = (customer.astype(np.int64) << _KEY_SHIFT) + seconds
        return keys

    def in_force(self, customer: np.ndarray, at: np.ndarray) -> np.ndarray:
        """Whether each customer's latest decision at or before `at` is an opt-in."""
        if len(self.customer) == 0:
            return np.zeros(len(customer), dtype=bool)
        found = np.searchsorted(
            self._keys(self.customer, self.at), self._keys(customer, at), "right"
        )
        position = np.maximum(found - 1, 0)
        result: np.ndarray = (
            (found > 0) & (self.customer[position] == customer) & self.granted[position]
        )
        return result


@dataclass(frozen=True)
class InvitationTexts:
    """The invitation e-mail in the survey service's own words (so they come translated
    alike), with its %(name)s placeholders; `day` writes the link's last day."""

    subject: str = "How did we do? A question of one minute"
    greeting: str = "Dear %(name)s,"
    greeting_anonymous: str = "Dear customer,"
    about_contact: str = "You were in touch with us recently about “%(subject)s”. How did we do?"
    about_order: str = "Thank you for your order %(number)s. How did we do?"
    about_nothing: str = "We would like to hear how we are doing."
    answering: str = "Answering takes less than a minute:"
    link: str = "[personal survey link]"
    until: str = "The link is personal and works once, until %(date)s."
    thanks: str = "Thank you!"
    sender: str = ""
    day: Callable[[datetime], str] = field(default=_iso_day)


def token_hashes(rng: Generator, count: int) -> np.ndarray:
    """SHA-256-sized random hex digests, for invitations whose links nobody holds. Sorted,
    so that given out in id order they load into the unique index in order (on SQLite,
    random keys into a large index are most of the load time)."""
    hexed = np.sort(np.frombuffer(binascii.hexlify(rng.bytes(32 * count)), dtype="S64"))
    if count > 1 and np.any(hexed[1:] == hexed[:-1]):  # pragma: no cover - 2^-256 per pair
        raise ValueError("token hashes collide")
    values: np.ndarray = hexed.astype(S)
    return values


def ways_draw(
    rng: Generator,
    *,
    opted: np.ndarray,
    has_email: np.ndarray,
    channel: np.ndarray,
    email_rate: float,
    hand_rate: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Which candidates are invited, and which of those get the link handed over: an
    opt-in in force and an address → e-mail (a share `email_rate` of them); otherwise a
    share `hand_rate` of those spoken to by phone, in the store or on a visit."""
    count = len(opted)
    draw = rng.random(count)
    mailable = opted & has_email
    spoken = np.isin(channel, np.array(HAND_OVER_CHANNELS, dtype=S))
    handed = ~mailable & spoken & (draw < hand_rate)
    invited = (mailable & (draw < email_rate)) | handed
    return invited, handed


def _filled(template: str, name: str, values: np.ndarray) -> np.ndarray:
    text: np.ndarray = np.full(len(values), template, dtype=S)
    filled: np.ndarray = np.strings.replace(text, f"%({name})s", values.astype(S))
    return filled


@dataclass(frozen=True)
class Mailed:
    """The e-mailed invitations, in id order: customer position, e-mail address, first name
    (blank for organisations), when sent and until when the link works, the contact
    moment's subject ("" without one), the order number ("" without one), and who sent it
    (user id, 0: nobody)."""

    customer: np.ndarray
    address: np.ndarray
    first_name: np.ndarray
    sent_at: np.ndarray
    expires: np.ndarray
    moment_subject: np.ndarray
    order_number: np.ndarray
    sent_by: np.ndarray
    has_moment: np.ndarray


def _days_written(expires: np.ndarray, texts: InvitationTexts) -> np.ndarray:
    """`texts.day` of every expiry, called once per distinct minute (time zones differ
    from UTC by whole minutes)."""
    if len(expires) == 0:
        return np.zeros(0, dtype=S)
    distinct, back = np.unique(expires.astype("datetime64[m]"), return_inverse=True)
    seconds = distinct.astype("datetime64[s]").astype(np.int64).tolist()
    written = [texts.day(datetime.fromtimestamp(second, UTC)) for second in seconds]
    days: np.ndarray = np.array(written, dtype=S)[back]
    return days


def messages_table(
    mailed: Mailed, *, customer_ids: np.ndarray, first_id: int, texts: InvitationTexts
) -> tuple[Table, np.ndarray]:
    """The outbox copies of the e-mailed invitations (as `survey_send` leaves them: sent at
    once, the link blanked out), and each one's message id."""
    m = len(mailed.customer)
    ids = first_id + np.arange(m, dtype=np.int64)
    named = mailed.first_name != ""
    greeting = np.where(
        named, _filled(texts.greeting, "name", mailed.first_name), texts.greeting_anonymous
    )
    about = np.where(
        mailed.has_moment,
        _filled(texts.about_contact, "subject", mailed.moment_subject),
        np.where(
            mailed.order_number != "",
            _filled(texts.about_order, "number", mailed.order_number),
            texts.about_nothing,
        ),
    )
    until = _filled(texts.until, "date", _days_written(mailed.expires, texts))
    closing = "\n".join([texts.thanks, texts.sender]).strip() + "\n"
    body = greeting.astype(S)
    for part in ("\n\n", about, f" {texts.answering}\n\n{texts.link}\n\n", until, "\n\n"):
        body = np.strings.add(body, part)
    body = np.strings.add(np.strings.lstrip(body), closing)
    nobody = np.ones(m, dtype=bool)
    zeros = np.zeros(m, dtype=np.int64)
    table = Table(
        "engagement.OutboxMessage",
        {
            "id": Column("int", ids),
            "customer_id": Column("int", customer_ids[mailed.customer]),
            "channel": Column("str", np.full(m, "email", dtype=S)),
            "purpose": Column("str", np.full(m, "surveys", dtype=S)),
            "to_address": Column("str", mailed.address.astype(S)),
            "subject": Column("str", np.full(m, texts.subject[:200], dtype=S)),
            "body": Column("str", body),
            "status": Column("str", np.full(m, "sent", dtype=S)),
            "status_reason": Column("str", np.full(m, "", dtype=S)),
            "template_id": Column("int", zeros, nobody),
            "campaign_contact_id": Column("int", zeros, nobody),
            "trigger_firing_id": Column("int", zeros, nobody),
            "created_by_id": Column("int", mailed.sent_by, mailed.sent_by == 0),
            "created_at": Column("datetime", mailed.sent_at),
            "sent_at": Column("datetime", mailed.sent_at),
        },
    )
    return table, ids
