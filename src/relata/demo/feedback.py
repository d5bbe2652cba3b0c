"""Demo voice of the customer (``relata demo-feedback``; ``make demo`` runs it after
``relata demo-users`` and before ``relata score``, so the snapshots carry NPS and influence):
three surveys with their invitations (e-mailed, with the outbox copy, only to customers with
an opt-in for surveys in force; otherwise handed over in person after a conversation),
answers and detractor follow-ups, reviews and comments, and social profiles with a few
vloggers.

The demo data already in the database is read into arrays (one query per table, no loop per
customer), `relata.demo.surveys` and `relata.demo.reviews` generate the rows, and the
columnar writer inserts them in one transaction (COPY on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from django.contrib.auth.models import User
from django.db.models import Max, Q, Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from numpy.random import PCG64, Generator, SeedSequence

from relata.contacts.models import ContactMoment, Task, Touchpoint
from relata.customers.models import Consent, Customer
from relata.demo.follow_ups import FollowUpTexts
from relata.demo.invitations import InvitationTexts, OptIns
from relata.demo.reviews import (
    VLOGGER_FOLLOWERS,
    BoughtLines,
    profiles_draw,
    reviewers_pick,
    reviews_draw,
    vloggers_pick,
)
from relata.demo.services import _routing_rules
from relata.demo.surveys import FeedbackBase, FeedbackSpec, customer_facts, surveys_draw
from relata.demo.tables import DemoData, S
from relata.demo.writer import demo_write
from relata.engagement.models import OutboxMessage
from relata.feedback.models import (
    Review,
    SocialProfile,
    Survey,
    SurveyInvitation,
    SurveyResponse,
)
from relata.feedback.survey_services import SURVEY_CHANNEL, SURVEY_PURPOSE, sender_name
from relata.sales.models import Order, OrderLine, OrderStatus

_FEEDBACK_MODELS = (Survey, SurveyInvitation, SurveyResponse, Review, SocialProfile)
_IDS_PER_QUERY = 2000


class DemoFeedbackError(Exception):
    """The demo feedback cannot be loaded; the message says why."""


@dataclass(frozen=True)
class DemoFeedbackResult:
    loaded: bool
    rows: dict[str, int] = field(default_factory=dict)
    vloggers: int = 0
    follow_up_tasks: int = 0


def demo_feedback_check(*, seed: int = 42, if_empty: bool = False) -> bool:
    """Whether the demo feedback should be loaded: False when feedback exists and `if_empty`
    is set. Raises DemoFeedbackError when the seed is out of range, there is no demo data
    to build on, or feedback exists without `if_empty`."""
    if seed < 0:
        raise DemoFeedbackError(_("--seed must be 0 or more, not %(value)s.") % {"value": seed})
    occupied = [
        str(model._meta.verbose_name_plural) for model in _FEEDBACK_MODELS if model.objects.exists()
    ]
    if occupied:
        if if_empty:
            return False
        raise DemoFeedbackError(
            _(
                "Demo feedback goes into empty tables only, but these hold data: %(tables)s. "
                "Use --if-empty to skip quietly."
            )
            % {"tables": ", ".join(occupied)}
        )
    if not Order.objects.exists():
        raise DemoFeedbackError(
            _("There are no orders to ask about; load the demo data first (relata demo-data).")
        )
    return True


def demo_feedback_load(
    *,
    seed: int = 42,
    if_empty: bool = False,
    now: datetime | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> DemoFeedbackResult:
    """Generate the demo feedback for `seed` on top of the demo data and insert it. Nothing
    lies after `now` (default: now)."""
    if not demo_feedback_check(seed=seed, if_empty=if_empty):
        return DemoFeedbackResult(loaded=False)
    moment = now or timezone.now()
    base = _base_read(moment)
    vlogger_rng, facts_rng, survey_rng, profile_rng, review_rng = (
        Generator(PCG64(child)) for child in SeedSequence(seed).spawn(5)
    )
    vlogger = vloggers_pick(vlogger_rng, base)
    facts = customer_facts(facts_rng, base, vlogger)
    surveyor = (
        User.objects.filter(username="marketing").first()
        or User.objects.filter(is_superuser=True).order_by("id").first()
    )
    back_office = User.objects.filter(username="backoffice").first()
    spec = FeedbackSpec(
        rules=_routing_rules(),
        surveyor=surveyor.pk if surveyor else 0,
        back_office=back_office.pk if back_office else 0,
        first_task_id=(Task.objects.aggregate(last=Max("id"))["last"] or 0) + 1,
        first_message_id=(OutboxMessage.objects.aggregate(last=Max("id"))["last"] or 0) + 1,
        # The survey service's own words (relata.feedback.survey_response_services).
        texts=FollowUpTexts(
            detractor=_("Detractor: NPS %(nps)s in “%(survey)s”"),
            dissatisfied=_("Dissatisfied: CSAT %(csat)s of 5 in “%(survey)s”"),
            nps=_("NPS: %(nps)s of 10"),
            csat=_("CSAT: %(csat)s of 5"),
            comment=_("Comment: %(comment)s"),
        ),
        # The invitation e-mail in the survey service's words (relata.feedback.survey_services).
        invitation_texts=InvitationTexts(
            subject=_("How did we do? A question of one minute"),
            greeting=_("Dear %(name)s,"),
            greeting_anonymous=_("Dear customer,"),
            about_contact=_(
                "You were in touch with us recently about “%(subject)s”. How did we do?"
            ),
            about_order=_("Thank you for your order %(number)s. How did we do?"),
            about_nothing=_("We would like to hear how we are doing."),
            answering=_("Answering takes less than a minute:"),
            link=_("[personal survey link]"),
            until=_("The link is personal and works once, until %(date)s."),
            thanks=_("Thank you!"),
            sender=sender_name(),
            day=_local_days(),
        ),
    )
    names = (_("After a service contact"), _("After delivery"), _("Relationship NPS"))
    survey_tables = surveys_draw(survey_rng, base, facts, spec, names)
    profiles = profiles_draw(profile_rng, base, facts)
    items = reviewers_pick(review_rng, base, facts)
    lines = _lines_read(base, items)
    reviews = reviews_draw(review_rng, base, facts, items, lines, profiles)
    data = DemoData([*survey_tables, profiles.table, reviews])
    demo_write(data, on_progress=on_progress)
    return DemoFeedbackResult(
        loaded=True,
        rows={table.model: table.rows for table in data.tables},
        vloggers=int(vlogger.sum()),
        follow_up_tasks=data.table("contacts.Task").rows,
    )


def _local_days() -> Callable[[datetime], str]:
    """A moment's local date as the survey e-mail writes it, formatted once per date."""
    written: dict[date, str] = {}

    def day(moment: datetime) -> str:
        local = timezone.localtime(moment).date()
        if local not in written:
            written[local] = date_format(local, "DATE_FORMAT")
        return written[local]

    return day


def vlogger_ids() -> set[int]:
    """The customers the demo made vloggers (a profile of VLOGGER_FOLLOWERS or more)."""
    return set(
        SocialProfile.objects.filter(followers__gte=VLOGGER_FOLLOWERS).values_list(
            "customer_id", flat=True
        )
    )


def _columns(rows: Iterable[Sequence[Any]], width: int) -> list[Sequence[Any]]:
    """Rows of a query as columns."""
    columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
    return columns or [() for _ in range(width)]


def _texts(values: Sequence[Any]) -> np.ndarray:
    return np.array(["" if v is None else v for v in values], dtype=S)


def _ints(values: Sequence[Any]) -> np.ndarray:
    return np.fromiter((0 if v is None else v for v in values), np.int64, len(values))


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _days(values: Sequence[date]) -> np.ndarray:
    """Dates as days since 1970-01-01 (much faster than NumPy's own conversion)."""
    ordinals = np.fromiter((v.toordinal() for v in values), np.int64, len(values))
    return ordinals - _EPOCH_ORDINAL


def _moments(values: Sequence[datetime]) -> np.ndarray:
    """Aware datetimes as datetime64[s] in UTC."""
    seconds = np.fromiter((v.timestamp() for v in values), np.float64, len(values))
    return np.floor(seconds).astype(np.int64).astype("datetime64[s]")


def _base_read(moment: datetime) -> FeedbackBase:
    opt_in_cols = _columns(
        Consent.objects.filter(channel=SURVEY_CHANNEL, purpose=SURVEY_PURPOSE)
        .order_by("customer_id", "recorded_at", "id")
        .values_list("customer_id", "recorded_at", "granted"),
        3,
    )
    customer_cols = _columns(
        Customer.objects.order_by("id").values_list(
            "id",
            "kind",
            "email",
            "first_name",
            "last_name",
            "organisation_name",
            "account_owner_id",
        ),
        7,
    )
    customer_ids = _ints(customer_cols[0])

    def position(ids: np.ndarray) -> np.ndarray:
        return np.searchsorted(customer_ids, ids)

    today = timezone.localdate(moment)
    revenue = np.zeros(len(customer_ids), dtype=np.int64)
    revenue_year = np.zeros(len(customer_ids), dtype=np.int64)
    totals = (
        Order.objects.exclude(status=OrderStatus.CANCELLED)
        .values("customer_id")
        .annotate(
            total=Sum("total_amount"),
            year=Sum("total_amount", filter=Q(order_date__gt=today - timedelta(days=365))),
        )
        .order_by()
        .values_list("customer_id", "total", "year")
    )
    total_cols = _columns(totals, 3)
    if total_cols[0]:
        at = position(_ints(total_cols[0]))
        revenue[at] = [int((v or 0) * 100) for v in total_cols[1]]
        revenue_year[at] = [int((v or 0) * 100) for v in total_cols[2]]
    order_cols = _columns(
        Order.objects.order_by("id").values_list(
            "id", "customer_id", "order_date", "channel", "status", "order_number"
        ),
        6,
    )
    moment_cols = _columns(
        ContactMoment.objects.filter(
            Q(
                touchpoint__in=[
                    Touchpoint.SERVICE,
                    Touchpoint.AFTER_SALES,
                    Touchpoint.BILLING,
                    Touchpoint.DELIVERY,
                ]
            )
            | ~Q(friction="")
        )
        .order_by("id")
        .values_list(
            "id",
            "customer_id",
            "occurred_at",
            "touchpoint",
            "channel",
            "outcome",
            "friction",
            "order_id",
            "subject",
            "staff_id",
        ),
        10,
    )
    return FeedbackBase(
        customer_ids=customer_ids,
        is_org=_texts(customer_cols[1]) == "organisation",
        email=_texts(customer_cols[2]),
        first_name=_texts(customer_cols[3]),
        last_name=_texts(customer_cols[4]),
        org_name=_texts(customer_cols[5]),
        owner=_ints(customer_cols[6]),
        revenue=revenue,
        revenue_year=revenue_year,
        order_ids=_ints(order_cols[0]),
        order_customer=position(_ints(order_cols[1])),
        order_day=_days(order_cols[2]),
        order_channel=_texts(order_cols[3]),
        order_status=_texts(order_cols[4]),
        order_number=_texts(order_cols[5]),
        moment_ids=_ints(moment_cols[0]),
        moment_customer=position(_ints(moment_cols[1])),
        moment_at=_moments(moment_cols[2]),
        moment_touchpoint=_texts(moment_cols[3]),
        moment_channel=_texts(moment_cols[4]),
        moment_outcome=_texts(moment_cols[5]),
        moment_friction=_texts(moment_cols[6]),
        moment_order=_ints(moment_cols[7]),
        moment_subject=_texts(moment_cols[8]),
        moment_staff=_ints(moment_cols[9]),
        opt_ins=OptIns.build(
            position(_ints(opt_in_cols[0])),
            _moments(opt_in_cols[1]),
            np.array(opt_in_cols[2], dtype=bool),
        ),
        now=np.datetime64(moment.astimezone(UTC).replace(tzinfo=None), "s"),
    )


def _lines_read(base: FeedbackBase, items: np.ndarray) -> BoughtLines:
    """The order lines (not cancelled) of the customers who write something."""
    writers = base.customer_ids[items > 0].tolist()
    rows: list[tuple[int, int, Any]] = []
    for start in range(0, len(writers), _IDS_PER_QUERY):
        rows.extend(
            OrderLine.objects.filter(customer_id__in=writers[start : start + _IDS_PER_QUERY])
            .exclude(order__status=OrderStatus.CANCELLED)
            .values_list("customer_id", "product_id", "order__order_date")
        )
    cols = _columns(rows, 3)
    return BoughtLines(
        customer=np.searchsorted(base.customer_ids, _ints(cols[0])),
        product=_ints(cols[1]),
        day=_days(cols[2]),
    )
