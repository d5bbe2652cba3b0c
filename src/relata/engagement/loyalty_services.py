"""Writes of the loyalty programme (DOMAIN.md §7, §18): settings, enrolment, points earned on
orders, redeemed and expired, and the catch-up that books what signals could not.

The points ledger (``PointsEntry``) is append-only; the balance is its sum. How expiry works,
without remembering which redemption used which points:

* A **lot** is a positive booking that can expire: the points an order earned (together with
  the adjustments of that order, which carry the same ``expires_on``), referral and welcome
  points, and positive manual adjustments.
* **Use** is what takes points away by choice: redemptions and negative manual adjustments.
  Use consumes lots first-in first-out, the lot that expires first going first (which, with
  one expiry term, is the oldest).
* Under that rule, what is left of the lots due by day *d* is
  ``due(d) − used(d) − expired``: the points of lots with ``expires_on ≤ d``, less all use
  booked by *d*, less what has expired already. When positive, that much expires now. The
  sum is one GROUP BY over the ledger, and running it twice books nothing the second time.

Redeeming first expires the customer's due points, so use never spends points that were
already due to expire.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.customers.models import Customer
from relata.engagement.loyalty_bulk import (
    EARNING_STATUSES,
    earn_missing,
    expire_replay,
    expiry_date,
    order_points,
    points_expire,
)
from relata.engagement.loyalty_selectors import points_balance
from relata.engagement.models import (
    LoyaltyMember,
    LoyaltyProgramme,
    PointsEntry,
    PointsKind,
    Referral,
    ReferralStatus,
)
from relata.sales.models import Order
from relata.web.forms import EARLIEST_YEAR

logger = logging.getLogger(__name__)

Actor = User | AnonymousUser | None

PROGRAMME_FIELDS = frozenset(
    {
        "name",
        "active",
        "points_per_euro",
        "reward_mode",
        "point_value",
        "minimum_redemption",
        "expiry_months",
        "referral_reward_points",
        "referred_welcome_points",
    }
)
MEMBER_NUMBER_ATTEMPTS = 5


def actor_user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) and actor.pk is not None else None


# --- the programme --------------------------------------------------------------------------


@transaction.atomic
def loyalty_programme_save(*, fields: Mapping[str, Any]) -> LoyaltyProgramme:
    """Change the programme's settings. A new rate or expiry term applies to points booked
    from now on; points already booked keep their number and expiry date."""
    unknown = set(fields) - PROGRAMME_FIELDS
    if unknown:
        raise ValidationError(
            _("These settings cannot be changed here: %(fields)s.")
            % {"fields": ", ".join(sorted(unknown))}
        )
    programme = LoyaltyProgramme.current()
    for name, value in fields.items():
        setattr(programme, name, value)
    programme.full_clean()
    programme.save()
    return programme


# --- members --------------------------------------------------------------------------------


def member_number_next() -> str:
    top = (
        LoyaltyMember.objects.filter(member_number__regex=r"^L[0-9]{8,}$")
        .order_by("-member_number")
        .values_list("member_number", flat=True)
        .first()
    )
    following = int(top[1:]) + 1 if top else 1
    return f"L{following:08d}"


@transaction.atomic
def member_enrol(
    *, customer: Customer, joined_on: date | None = None, actor: Actor = None
) -> LoyaltyMember:
    """Enrol a customer (or re-enrol one who left). A joining date in the past earns points
    for the orders since then at once; a referred customer gets the welcome points."""
    today = timezone.localdate()
    joined_on = joined_on or today
    if joined_on > today:
        raise ValidationError(
            {"joined_on": _("The joining date cannot be in the future.")}, code="future"
        )
    if joined_on.year < EARLIEST_YEAR:
        raise ValidationError(
            {"joined_on": _("Enter a date from %(year)s on.") % {"year": EARLIEST_YEAR}},
            code="too_early",
        )
    member = LoyaltyMember.objects.select_for_update().filter(customer=customer).first()
    if member is not None and member.left_on is None:
        raise ValidationError(
            _("%(name)s is already a member (number %(number)s, since %(date)s).")
            % {
                "name": customer.display_name,
                "number": member.member_number,
                "date": member.joined_on.isoformat(),
            },
            code="already_member",
        )
    if member is not None:
        member.joined_on = joined_on
        member.left_on = None
        member.full_clean()
        member.save(update_fields=["joined_on", "left_on"])
    else:
        member = _member_create(customer=customer, joined_on=joined_on)
    programme = LoyaltyProgramme.current()
    if programme.active:
        _entries, _points, earliest = earn_missing(programme=programme, customer_ids=[customer.pk])
        if earliest is not None and earliest <= today:
            expire_replay(earliest=earliest, today=today, customer_ids=[customer.pk])
        _welcome_points(customer=customer, programme=programme, actor=actor)
    return member


def _member_create(*, customer: Customer, joined_on: date) -> LoyaltyMember:
    for _attempt in range(MEMBER_NUMBER_ATTEMPTS):
        member = LoyaltyMember(
            customer=customer, member_number=member_number_next(), joined_on=joined_on
        )
        member.full_clean(validate_unique=False)
        try:
            with transaction.atomic():
                member.save()
        except IntegrityError:
            # Someone took the number (or enrolled the customer) at the same moment.
            if LoyaltyMember.objects.filter(customer=customer).exists():
                raise ValidationError(
                    _("%(name)s was enrolled at the same moment by someone else.")
                    % {"name": customer.display_name},
                    code="already_member",
                ) from None
            continue
        return member
    raise IntegrityError("no free member number after several attempts")


@transaction.atomic
def member_leave(*, member: LoyaltyMember, left_on: date | None = None) -> LoyaltyMember:
    """End a membership. Orders after leaving earn nothing; the balance stays redeemable
    until its points expire (leaving forfeits nothing)."""
    today = timezone.localdate()
    left_on = left_on or today
    if member.left_on is not None:
        raise ValidationError(
            _("This member already left on %(date)s.") % {"date": member.left_on.isoformat()},
            code="already_left",
        )
    if left_on > today:
        raise ValidationError(
            {"left_on": _("The leaving date cannot be in the future.")}, code="future"
        )
    if left_on < member.joined_on:
        raise ValidationError(
            {"left_on": _("The leaving date cannot be before the joining date.")},
            code="before_joining",
        )
    member.left_on = left_on
    member.save(update_fields=["left_on"])
    return member


def is_member_on(member: LoyaltyMember | None, day: date) -> bool:
    return (
        member is not None
        and member.joined_on <= day
        and (member.left_on is None or day <= member.left_on)
    )


# --- earning --------------------------------------------------------------------------------


@transaction.atomic
def points_earn_for_order(*, order: Order, today: date | None = None) -> list[PointsEntry]:
    """Book the points of an order: floor(total × points per euro) for a member's order
    placed on or after joining (and not after leaving) that is not cancelled or returned.

    Idempotent: an order earns once (a unique constraint on earned entries). An order saved
    again with another total, status, date or customer gets an ``adjusted`` entry for the
    difference, linked to the order and expiring with its points; the difference is valued
    at the current rate (a rate change alone does not touch booked orders). Points of an
    order whose expiry date has passed are not adjusted any more: they are gone already.
    Returns the entries booked (none when nothing changed)."""
    programme = LoyaltyProgramme.current()
    if not programme.active:
        return []
    today = today or timezone.localdate()
    booked = list(
        PointsEntry.objects.select_for_update()
        .filter(order=order, kind__in=[PointsKind.EARNED, PointsKind.ADJUSTED])
        .order_by("id")
    )
    earned = next((entry for entry in booked if entry.kind == PointsKind.EARNED), None)
    member = LoyaltyMember.objects.filter(customer_id=order.customer_id).first()
    target = 0
    if order.status in EARNING_STATUSES and is_member_on(member, order.order_date):
        target = order_points(order.total_amount, programme.points_per_euro)
    wanted = {order.customer_id: target}
    have: dict[int, int] = {}
    for entry in booked:
        have[entry.customer_id] = have.get(entry.customer_id, 0) + entry.points
    expires_on = earned.expires_on if earned else expiry_date(programme, order.order_date)
    if earned is not None and expires_on is not None and expires_on <= today:
        return []
    created: list[PointsEntry] = []
    for customer_id in sorted(set(wanted) | set(have)):
        delta = wanted.get(customer_id, 0) - have.get(customer_id, 0)
        if delta == 0:
            continue
        if earned is None and not booked and customer_id == order.customer_id and delta > 0:
            entry = _earned_entry(order=order, points=delta, expires_on=expires_on)
            try:
                with transaction.atomic():
                    entry.save()
            except IntegrityError:
                # Another process booked this order a moment ago; that booking stands.
                return created
        else:
            entry = PointsEntry.objects.create(
                customer_id=customer_id,
                kind=PointsKind.ADJUSTED,
                points=delta,
                order=order,
                booked_on=today,
                expires_on=expires_on,
                note=_adjust_note(order, target=wanted.get(customer_id, 0)),
            )
        created.append(entry)
    return created


def _earned_entry(*, order: Order, points: int, expires_on: date | None) -> PointsEntry:
    return PointsEntry(
        customer_id=order.customer_id,
        kind=PointsKind.EARNED,
        points=points,
        order=order,
        booked_on=order.order_date,
        expires_on=expires_on,
        note=_("Order %(number)s") % {"number": order.order_number},
    )


def _adjust_note(order: Order, *, target: int) -> str:
    if order.status not in EARNING_STATUSES:
        return _("Order %(number)s %(status)s") % {
            "number": order.order_number,
            "status": order.get_status_display().lower(),
        }
    if target == 0:
        return _("Order %(number)s no longer earns points") % {"number": order.order_number}
    return _("Order %(number)s changed: now %(points)s points") % {
        "number": order.order_number,
        "points": target,
    }


# --- welcome and referral points ------------------------------------------------------------


def welcome_booked(*, customer: Customer) -> bool:
    """Whether the customer has had the welcome points of being referred. Welcome points are
    the ``referral`` entries without an order; a referrer's reward carries the order of the
    referred customer's first purchase."""
    return PointsEntry.objects.filter(
        customer=customer, kind=PointsKind.REFERRAL, order__isnull=True
    ).exists()


def _welcome_points(
    *, customer: Customer, programme: LoyaltyProgramme, actor: Actor
) -> PointsEntry | None:
    """Welcome points for a referred customer who is a member, once."""
    referral = Referral.objects.filter(referred=customer).first()
    if (
        referral is None
        or referral.status == ReferralStatus.REJECTED
        or programme.referred_welcome_points <= 0
        or not is_member_on(
            LoyaltyMember.objects.filter(customer=customer).first(), timezone.localdate()
        )
        or welcome_booked(customer=customer)
    ):
        return None
    today = timezone.localdate()
    return PointsEntry.objects.create(
        customer=customer,
        kind=PointsKind.REFERRAL,
        points=programme.referred_welcome_points,
        booked_on=today,
        expires_on=expiry_date(programme, today),
        note=_("Welcome points: referred by %(name)s") % {"name": referral.referrer.display_name},
        created_by=actor_user(actor),
    )


def welcome_points_book(*, customer: Customer, actor: Actor = None) -> PointsEntry | None:
    """Book a referred member's welcome points if due (called when a referral is recorded)."""
    programme = LoyaltyProgramme.current()
    if not programme.active:
        return None
    return _welcome_points(customer=customer, programme=programme, actor=actor)


def referral_points_book(
    *, referral: Referral, order: Order | None, actor: Actor = None
) -> PointsEntry | None:
    """The referrer's reward points, if the referrer is a member and the programme active."""
    programme = LoyaltyProgramme.current()
    today = timezone.localdate()
    member = LoyaltyMember.objects.filter(customer_id=referral.referrer_id).first()
    if (
        not programme.active
        or programme.referral_reward_points <= 0
        or not is_member_on(member, today)
    ):
        return None
    return PointsEntry.objects.create(
        customer_id=referral.referrer_id,
        kind=PointsKind.REFERRAL,
        points=programme.referral_reward_points,
        order=order,
        booked_on=today,
        expires_on=expiry_date(programme, today),
        note=_("Referral reward: %(name)s bought") % {"name": referral.referred.display_name},
        created_by=actor_user(actor),
    )


# --- balance, redemption, adjustment, expiry ------------------------------------------------


def _lock_customer(customer: Customer) -> None:
    """Serialise writes to one customer's points (two redemptions at once would both see
    the same balance)."""
    Customer.objects.select_for_update().filter(pk=customer.pk).values_list("pk").first()


@transaction.atomic
def points_redeem(
    *,
    customer: Customer,
    points: int,
    note: str = "",
    actor: Actor = None,
    today: date | None = None,
) -> PointsEntry:
    """Redeem points: at least the programme's minimum, at most the balance. Due points
    expire first, so the redemption uses the oldest points still valid."""
    today = today or timezone.localdate()
    programme = LoyaltyProgramme.current()
    _lock_customer(customer)
    points_expire(today=today, customer_ids=[customer.pk])
    balance = points_balance(customer=customer)
    if points <= 0:
        raise ValidationError({"points": _("Redeem a positive number of points.")}, code="min")
    if points < programme.minimum_redemption:
        raise ValidationError(
            {
                "points": _("At least %(minimum)s points must be redeemed at once.")
                % {"minimum": programme.minimum_redemption}
            },
            code="below_minimum",
        )
    if points > balance:
        raise ValidationError(
            {
                "points": _("%(name)s has %(balance)s points; %(points)s cannot be redeemed.")
                % {"name": customer.display_name, "balance": balance, "points": points}
            },
            code="above_balance",
        )
    worth = (Decimal(points) * programme.point_value).quantize(Decimal("0.01"))
    entry = PointsEntry(
        customer=customer,
        kind=PointsKind.REDEEMED,
        points=-points,
        booked_on=today,
        note=note.strip() or _("Redeemed for € %(worth)s") % {"worth": worth},
        created_by=actor_user(actor),
    )
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def points_adjust(
    *,
    customer: Customer,
    points: int,
    note: str,
    actor: Actor = None,
    today: date | None = None,
) -> PointsEntry:
    """A correction by hand, with its reason. Points added expire like earned points; points
    taken away are used oldest first, and never below a zero balance."""
    today = today or timezone.localdate()
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Say why the points are adjusted.")}, code="required")
    if points == 0:
        raise ValidationError({"points": _("Adjust by a number other than 0.")}, code="zero")
    programme = LoyaltyProgramme.current()
    _lock_customer(customer)
    if points < 0:
        points_expire(today=today, customer_ids=[customer.pk])
        balance = points_balance(customer=customer)
        if -points > balance:
            raise ValidationError(
                {
                    "points": _(
                        "The balance is %(balance)s points; %(points)s cannot be taken off."
                    )
                    % {"balance": balance, "points": -points}
                },
                code="above_balance",
            )
    entry = PointsEntry(
        customer=customer,
        kind=PointsKind.ADJUSTED,
        points=points,
        booked_on=today,
        expires_on=expiry_date(programme, today) if points > 0 else None,
        note=note,
        created_by=actor_user(actor),
    )
    entry.full_clean()
    entry.save()
    return entry


# --- the catch-up ---------------------------------------------------------------------------


def _reverse_ineligible(*, today: date) -> tuple[int, int]:
    """Give back the points of orders cancelled or returned since they earned (an import
    changes a status without a signal). Orders whose points have expired are left alone."""
    rows = (
        PointsEntry.objects.filter(
            kind__in=[PointsKind.EARNED, PointsKind.ADJUSTED], order__isnull=False
        )
        .exclude(order__status__in=EARNING_STATUSES)
        .order_by()
        .values("order_id")
        .annotate(net=Sum("points"))
    )
    entries = 0
    points = 0
    for row in rows.filter(net__gt=0):
        order = Order.objects.filter(pk=row["order_id"]).first()
        if order is None:
            continue
        for entry in points_earn_for_order(order=order, today=today):
            entries += 1
            points += entry.points
    return entries, points


@dataclass(frozen=True)
class CatchUpResult:
    earned_entries: int
    earned_points: int
    reversed_entries: int
    reversed_points: int
    referrals_rewarded: int
    expired_customers: int  # expiry bookings: a customer counts once per month replayed
    expired_points: int


def loyalty_catch_up(*, since: date | None = None, today: date | None = None) -> CatchUpResult:
    """Book what the order signal did not (imports send none): points for members' orders
    not booked yet (from ``since`` on, or all), the points of orders cancelled or returned
    since they earned, rewards of referrals whose referred customer has bought, and expiry.
    Points booked now for orders long past expire at the ends of the months they were due
    in, so the ledger reads as if the programme had booked them on time. Idempotent."""
    from relata.engagement.referral_services import referrals_reward_bought

    today = today or timezone.localdate()
    programme = LoyaltyProgramme.current()
    earned_entries = earned_points = reversed_entries = reversed_points = 0
    earliest: date | None = None
    if programme.active:
        with transaction.atomic():
            earned_entries, earned_points, earliest = earn_missing(programme=programme, since=since)
        with transaction.atomic():
            reversed_entries, reversed_points = _reverse_ineligible(today=today)
    rewarded = referrals_reward_bought(today=today)
    expired_customers, expired_points = expire_replay(earliest=earliest, today=today)
    return CatchUpResult(
        earned_entries=earned_entries,
        earned_points=earned_points,
        reversed_entries=reversed_entries,
        reversed_points=reversed_points,
        referrals_rewarded=rewarded,
        expired_customers=expired_customers,
        expired_points=expired_points,
    )
