"""Complaints, registered from contact moments whose outcome was a complaint.

Part of those moments become a registered complaint (the rest were settled on the spot). The
cause follows the touchpoint (a delivery moment is mostly about the delivery), the channel
follows the cause (who could not reach us by phone writes instead), and the moment gets the
same channel and a link to the complaint. Most complaints are resolved within hours to weeks;
the recent ones are still open.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.random import Generator

from relata.demo.activity import CHANNELS, TOUCHPOINTS
from relata.demo.arrays import CustomerOrders, sample_rows
from relata.demo.tables import Column, S, Table
from relata.demo.text import SECONDS_PER_DAY, strings

CAUSES = (
    "unclear_info",
    "not_reachable",
    "no_answer",
    "repeat_story",
    "product",
    "delivery",
    "billing",
    "other",
)
# Share of complaint moments registered as a complaint, per touchpoint: service complaints
# (about us, not the goods) are registered more often.
_REGISTERED = np.array([0.2, 0.2, 0.4, 0.2, 0.25, 0.2])
# P(cause | touchpoint): rows follow TOUCHPOINTS, columns CAUSES.
_CAUSE_GIVEN_TOUCHPOINT = np.array(
    [
        [40, 10, 25, 10, 5, 0, 0, 10],
        [50, 0, 20, 0, 0, 0, 0, 30],
        [18, 20, 22, 25, 10, 0, 0, 5],
        [4, 4, 6, 8, 72, 4, 0, 2],
        [10, 3, 5, 7, 0, 0, 75, 0],
        [3, 4, 3, 5, 5, 80, 0, 0],
    ],
    dtype=float,
)
# P(channel | cause): columns follow CHANNELS (phone, email, visit, store, web, chat, social,
# letter). Who could not reach us by phone writes; who got no answer by e-mail calls.
_CHANNEL_GIVEN_CAUSE = np.array(
    [
        [35, 35, 0, 5, 10, 15, 0, 0],
        [0, 45, 0, 0, 15, 10, 20, 10],
        [50, 20, 0, 0, 0, 15, 15, 0],
        [55, 15, 0, 10, 0, 20, 0, 0],
        [30, 35, 0, 15, 10, 10, 0, 0],
        [35, 30, 0, 0, 15, 20, 0, 0],
        [35, 45, 0, 0, 5, 0, 0, 15],
        [40, 40, 0, 0, 0, 0, 10, 10],
    ],
    dtype=float,
)
# Median days to resolve, per cause: goods take longer than a missed call.
_RESOLVE_DAYS = np.array([2.0, 1.5, 1.5, 3.0, 7.0, 5.0, 4.0, 3.0])
_LONGEST_DAYS = 56
_REJECTED = 0.08

# (English, Dutch) per cause: three subjects, two resolutions.
_SUBJECTS = (
    (
        ("Unclear offer conditions", "Onduidelijke actievoorwaarden"),
        ("Confusing manual", "Onduidelijke handleiding"),
        ("Contradicting information", "Tegenstrijdige informatie"),
    ),
    (
        ("Could not get through by phone", "Telefonisch niet bereikbaar"),
        ("Chat always offline", "Chat steeds offline"),
        ("Nobody called back", "Niet teruggebeld"),
    ),
    (
        ("E-mail not answered", "E-mail niet beantwoord"),
        ("No reply to my question", "Geen reactie op mijn vraag"),
        ("Still waiting for an answer", "Wacht nog steeds op antwoord"),
    ),
    (
        ("Had to explain everything again", "Moest alles opnieuw uitleggen"),
        ("Passed from one colleague to another", "Van het kastje naar de muur gestuurd"),
        ("Nobody knew my history", "Niemand kende mijn voorgeschiedenis"),
    ),
    (
        ("Product broken", "Product defect"),
        ("Not as described", "Niet zoals beschreven"),
        ("Poor quality", "Slechte kwaliteit"),
    ),
    (
        ("Delivered late", "Te laat geleverd"),
        ("Parcel never arrived", "Pakket nooit aangekomen"),
        ("Damaged on delivery", "Beschadigd geleverd"),
    ),
    (
        ("Charged twice", "Dubbel afgeschreven"),
        ("Wrong amount on invoice", "Verkeerd bedrag op factuur"),
        ("Discount not applied", "Korting niet verrekend"),
    ),
    (
        ("Unfriendly staff", "Onvriendelijk personeel"),
        ("General complaint", "Algemene klacht"),
        ("Too much packaging", "Te veel verpakking"),
    ),
)
_RESOLUTIONS = (
    (
        (
            "Explained the conditions and clarified the text",
            "Voorwaarden uitgelegd, tekst verduidelijkt",
        ),
        ("Sent a clear explanation", "Duidelijke uitleg gestuurd"),
    ),
    (
        ("Called the customer back and apologised", "Klant teruggebeld, excuses aangeboden"),
        ("Helped by e-mail and gave a direct number", "Per e-mail geholpen, direct nummer gegeven"),
    ),
    (
        ("Answered and apologised for the delay", "Beantwoord, excuses voor de vertraging"),
        ("Answered by phone the same day", "Dezelfde dag telefonisch beantwoord"),
    ),
    (
        ("One contact person assigned", "Vaste contactpersoon toegewezen"),
        (
            "Apologised, history now in the customer file",
            "Excuses, historie nu in het klantdossier",
        ),
    ),
    (
        ("Replacement sent", "Vervangend product verstuurd"),
        ("Repaired under warranty", "Onder garantie gerepareerd"),
    ),
    (
        ("Delivered again", "Opnieuw geleverd"),
        ("Shipping costs refunded", "Verzendkosten terugbetaald"),
    ),
    (
        ("Credit note sent", "Creditnota verstuurd"),
        ("Invoice corrected", "Factuur gecorrigeerd"),
    ),
    (
        ("Apologised and passed on to the team", "Excuses aangeboden, doorgegeven aan het team"),
        ("Discussed with the customer", "Met de klant besproken"),
    ),
)
_NOT_UPHELD = ("Not upheld: handled as agreed", "Niet gegrond: afgehandeld zoals afgesproken")
# Causes about an order: the complaint links to the customer's latest order when the moment
# did not name one.
_ABOUT_ORDER = np.isin(np.array(CAUSES), ["product", "delivery", "billing"])


@dataclass(frozen=True)
class ComplaintInfo:
    """What the task generator needs per complaint (rows of the Complaint table)."""

    moment: np.ndarray  # row index in the ContactMoment table
    customer: np.ndarray  # customer index (id - 1)
    received: np.ndarray  # datetime64[s]
    resolved: np.ndarray  # datetime64[s], meaningless where open
    is_open: np.ndarray
    subject: np.ndarray
    dutch: np.ndarray


def _flat(pairs: tuple[tuple[tuple[str, str], ...], ...], dutch: bool) -> np.ndarray:
    return strings([pair[1 if dutch else 0] for group in pairs for pair in group])


def complaints_draw(
    rng: Generator,
    moments: Table,
    index: CustomerOrders,
    start: np.datetime64,
    now: np.datetime64,
) -> tuple[Table, Table, ComplaintInfo]:
    """The complaints, and the contact moments with their complaint links and channels."""
    cols = moments.columns
    touchpoint = cols["touchpoint"].values
    candidates = np.flatnonzero(cols["outcome"].values == "complaint")
    tp = np.zeros(len(candidates), dtype=np.int64)
    for code, name in enumerate(TOUCHPOINTS):
        tp[touchpoint[candidates] == name] = code
    chosen = rng.random(len(candidates)) < _REGISTERED[tp]
    rows, tp = candidates[chosen], tp[chosen]  # moments are in time order: so are complaints
    m = len(rows)

    cause = sample_rows(rng, _CAUSE_GIVEN_TOUCHPOINT, tp)
    channel = sample_rows(rng, _CHANNEL_GIVEN_CAUSE, cause)
    dutch = rng.random(m) < 0.7
    subject_i = cause * 3 + rng.integers(0, 3, m)
    subject = np.where(
        dutch, _flat(_SUBJECTS, True)[subject_i], _flat(_SUBJECTS, False)[subject_i]
    ).astype(S)
    resolution_i = cause * 2 + rng.integers(0, 2, m)
    resolution = np.where(
        dutch, _flat(_RESOLUTIONS, True)[resolution_i], _flat(_RESOLUTIONS, False)[resolution_i]
    ).astype(S)

    received = cols["occurred_at"].values[rows]
    customer = cols["customer_id"].values[rows] - 1
    seconds = _RESOLVE_DAYS[cause] * SECONDS_PER_DAY * np.exp(1.2 * rng.standard_normal(m))
    seconds = np.clip(seconds, 3600, _LONGEST_DAYS * SECONDS_PER_DAY)
    resolved = received + seconds.astype(np.int64).astype("timedelta64[s]")
    is_open = resolved > now
    rejected = ~is_open & (rng.random(m) < _REJECTED)
    status = np.select(
        [is_open & (rng.random(m) < 0.6), is_open, rejected],
        [strings(["in_progress"]), strings(["open"]), strings(["rejected"])],
        strings(["resolved"]),
    ).astype(S)
    resolution = np.where(
        rejected, np.where(dutch, _NOT_UPHELD[1], _NOT_UPHELD[0]), resolution
    ).astype(S)
    resolution = np.where(is_open, "", resolution).astype(S)

    # The order: the one the moment was about, else the latest order for order causes.
    moment_order = cols["order_id"]
    order_id = moment_order.values[rows]
    named = ~moment_order.null[rows] if moment_order.null is not None else np.ones(m, bool)
    day = ((received.astype("datetime64[D]") - start) / np.timedelta64(1, "D")).astype(np.int64)
    latest = index.last_on_or_before(customer, day)
    guess = _ABOUT_ORDER[cause] & (latest >= 0) & (rng.random(m) < 0.85)
    order_id = np.where(named, order_id, np.where(guess, latest + 1, 0))
    has_order = named | guess

    ids = np.arange(1, m + 1)
    complaints = Table(
        "contacts.Complaint",
        {
            "id": Column("int", ids),
            "customer_id": Column("int", customer + 1),
            "received_at": Column("datetime", received),
            "channel": Column("str", strings(CHANNELS)[channel]),
            "touchpoint": Column("str", strings(TOUCHPOINTS)[tp]),
            "cause": Column("str", strings(CAUSES)[cause]),
            "subject": Column("str", subject),
            "description": Column("str", np.full(m, "", dtype=S)),
            "status": Column("str", status),
            "owner_id": Column("int", np.zeros(m, dtype=np.int64), np.ones(m, dtype=bool)),
            "order_id": Column("int", order_id, ~has_order),
            "resolution": Column("str", resolution),
            "resolved_at": Column("datetime", np.where(is_open, received, resolved), is_open),
            "created_by_id": Column("int", np.zeros(m, dtype=np.int64), np.ones(m, dtype=bool)),
            "created_at": Column("datetime", received),
            "updated_at": Column("datetime", np.where(is_open, received, resolved)),
            "version": Column("int", np.ones(m, dtype=np.int64)),
        },
    )
    link = np.zeros(moments.rows, dtype=np.int64)
    link[rows] = ids
    moment_channel = cols["channel"].values.copy()
    moment_channel[rows] = strings(CHANNELS)[channel]
    columns = dict(cols)
    columns["channel"] = Column("str", moment_channel)
    columns["complaint_id"] = Column("int", link, link == 0)
    info = ComplaintInfo(rows, customer, received, resolved, is_open, subject, dutch)
    return complaints, Table(moments.model, columns), info
