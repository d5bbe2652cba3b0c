"""Writes of the referral programme, klant-werft-klant (DOMAIN.md §8, §18): codes, referred
customers linked to their referrer, rewards.

Rules (each refusal names the reason):

* A customer cannot refer themself, is referred at most once, and cannot refer the customer
  who referred them (no pairs referring each other).
* Only a *new* customer can be referred: one who had not bought more than
  ``REFERRAL_GRACE_DAYS`` before the referral was recorded. The grace lets a shop record the
  code a few days after the first purchase; an established customer is not "brought".
* The referrer is rewarded once, when the referred customer's first order (not cancelled or
  returned) arrives — at once if it already has. The referral is then *rewarded* whether or
  not the referrer is a loyalty member: the fact that the referral brought a buying customer
  is what influence value reads. Points (``referral_reward_points``) go only to a referrer
  who is a member of an active programme; ``reward_points`` records the points actually
  booked, 0 otherwise.
* A referred customer who is (or becomes) a member gets ``referred_welcome_points`` once.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.accounts.visibility import can_see_customer, visible_by_customer
from relata.customers.models import Customer
from relata.engagement.loyalty_bulk import BATCH, EARNING_STATUSES, expiry_date
from relata.engagement.loyalty_selectors import points_balance
from relata.engagement.loyalty_services import (
    Actor,
    actor_user,
    referral_points_book,
    welcome_points_book,
)
from relata.engagement.models import (
    LoyaltyMember,
    LoyaltyProgramme,
    PointsEntry,
    PointsKind,
    Referral,
    ReferralCode,
    ReferralStatus,
)
from relata.sales.models import Order
from relata.web.forms import EARLIEST_YEAR

# Letters and digits nobody confuses when reading a code aloud or typing it: no 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
CODE_ATTEMPTS = 10
REFERRAL_GRACE_DAYS = 30


def referral_code_normalise(text: str) -> str:
    """A code as typed ("abcd-2345 ") in its stored form ("ABCD2345")."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def referral_code_format(code: str) -> str:
    """A code as shown: two groups of four, easy to read out."""
    return f"{code[:4]}-{code[4:]}" if len(code) == CODE_LENGTH else code


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@transaction.atomic
def referral_code_issue(*, customer: Customer) -> ReferralCode:
    """The customer's referral code, created on first use (8 characters from an
    unambiguous alphabet; a collision draws again)."""
    existing = ReferralCode.objects.filter(customer=customer).first()
    if existing is not None:
        return existing
    for _attempt in range(CODE_ATTEMPTS):
        code = ReferralCode(customer=customer, code=_new_code())
        try:
            with transaction.atomic():
                code.save()
        except IntegrityError:
            # Either the code is taken (draw again) or the customer got one at the same
            # moment (use that one).
            existing = ReferralCode.objects.filter(customer=customer).first()
            if existing is not None:
                return existing
            continue
        return code
    raise IntegrityError("no free referral code after several attempts")


def _code_lookup(text: str, viewer: Any = None) -> ReferralCode:
    """The code; one of a customer the ``viewer`` may not see is "not found" like no code."""
    code = referral_code_normalise(text)
    codes: QuerySet[ReferralCode] = visible_by_customer(
        viewer, ReferralCode.objects.select_related("customer")
    )
    found = codes.filter(code=code).first()
    if found is None:
        raise ValidationError(
            {"code": _("No referral code %(code)s.") % {"code": text.strip() or "—"}},
            code="not_found",
        )
    return found


def _first_eligible_order(customer: Customer) -> Order | None:
    return (
        Order.objects.filter(customer=customer, status__in=EARNING_STATUSES)
        .order_by("order_date", "id")
        .first()
    )


@transaction.atomic
def referral_record(
    *,
    referred: Customer,
    code: str = "",
    referrer: Customer | None = None,
    referred_on: date | None = None,
    note: str = "",
    actor: Actor = None,
    viewer: Any = None,
) -> Referral:
    """Record that ``referred`` was brought by the owner of ``code`` (or by ``referrer``).
    Refuses with a message naming the rule; rewards at once when the referred customer has
    already bought (within the grace period). With a ``viewer`` (who records it), the code
    or referrer of a customer they may not see is unknown, and an earlier referral by such
    a customer does not name them."""
    today = timezone.localdate()
    referred_on = referred_on or today
    code_row: ReferralCode | None = None
    if code.strip():
        code_row = _code_lookup(code, viewer)
        if referrer is not None and referrer.pk != code_row.customer_id:
            raise ValidationError(
                {
                    "code": _("This code belongs to %(name)s, not to the referrer given.")
                    % {"name": code_row.customer.display_name}
                },
                code="code_mismatch",
            )
        referrer = code_row.customer
    elif referrer is not None and not can_see_customer(viewer, referrer.pk):
        raise ValidationError({"referrer": _("No such customer.")}, code="not_found")
    if referrer is None:
        raise ValidationError(
            {"code": _("Give the referral code or the referring customer.")}, code="required"
        )
    if referred_on > today:
        raise ValidationError(
            {"referred_on": _("The referral date cannot be in the future.")}, code="future"
        )
    if referred_on.year < EARLIEST_YEAR:
        raise ValidationError(
            {"referred_on": _("Enter a date from %(year)s on.") % {"year": EARLIEST_YEAR}},
            code="too_early",
        )
    if referrer.pk == referred.pk:
        raise ValidationError(
            _("%(name)s cannot refer themself.") % {"name": referred.display_name},
            code="self_referral",
        )
    earlier = Referral.objects.select_related("referrer").filter(referred=referred).first()
    if earlier is not None:
        earlier_referrer = (
            earlier.referrer.display_name
            if can_see_customer(viewer, earlier.referrer_id)
            else _("another customer")
        )
        raise ValidationError(
            _("%(name)s was already referred by %(referrer)s on %(date)s.")
            % {
                "name": referred.display_name,
                "referrer": earlier_referrer,
                "date": earlier.referred_on.isoformat(),
            },
            code="already_referred",
        )
    if Referral.objects.filter(referrer=referred, referred=referrer).exists():
        raise ValidationError(
            _("%(referrer)s was referred by %(name)s; they cannot refer each other.")
            % {"referrer": referrer.display_name, "name": referred.display_name},
            code="mutual",
        )
    first = _first_eligible_order(referred)
    if first is not None and first.order_date < referred_on - timedelta(days=REFERRAL_GRACE_DAYS):
        raise ValidationError(
            _(
                "%(name)s already bought on %(date)s, before the referral: only new customers "
                "can be referred (first purchase at most %(days)s days before)."
            )
            % {
                "name": referred.display_name,
                "date": first.order_date.isoformat(),
                "days": REFERRAL_GRACE_DAYS,
            },
            code="not_new",
        )
    referral = Referral(
        referrer=referrer,
        referred=referred,
        code=code_row,
        referred_on=referred_on,
        note=note.strip(),
    )
    referral.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            referral.save()
    except IntegrityError:
        raise ValidationError(
            _("%(name)s was referred by someone else at the same moment.")
            % {"name": referred.display_name},
            code="already_referred",
        ) from None
    welcome_points_book(customer=referred, actor=actor)
    if first is not None:
        referral_reward(referral=referral, order=first, actor=actor)
    return referral


@transaction.atomic
def referral_reward(
    *, referral: Referral, order: Order | None = None, actor: Actor = None
) -> Referral:
    """Reward a pending referral: points for the referrer if a member (see the module's
    rules), the referral marked rewarded either way."""
    referral = (
        Referral.objects.select_for_update()
        .select_related("referrer", "referred")
        .get(pk=referral.pk)
    )
    if referral.status != ReferralStatus.PENDING:
        raise ValidationError(
            _("This referral is %(status)s; only a pending referral can be rewarded.")
            % {"status": referral.get_status_display().lower()},
            code="not_pending",
        )
    entry = referral_points_book(referral=referral, order=order, actor=actor)
    referral.status = ReferralStatus.REWARDED
    referral.rewarded_on = timezone.localdate()
    referral.reward_points = entry.points if entry is not None else 0
    if entry is None and not referral.note:
        referral.note = _("No points: the referrer is not a loyalty member.")
    referral.save(update_fields=["status", "rewarded_on", "reward_points", "note"])
    return referral


@transaction.atomic
def referrals_reward_bought(*, today: date | None = None) -> int:
    """Reward, in bulk, every pending referral whose referred customer has bought (imported
    orders send no signal): the same outcome as ``referral_reward`` per referral, in a few
    statements whatever their number. Returns the number rewarded."""
    today = today or timezone.localdate()
    programme = LoyaltyProgramme.current()
    first_order = (
        Order.objects.filter(customer_id=OuterRef("referred_id"), status__in=EARNING_STATUSES)
        .order_by("order_date", "id")
        .values("pk")[:1]
    )
    pending = list(
        Referral.objects.select_for_update(of=("self",))
        .select_related("referred")
        .filter(status=ReferralStatus.PENDING)
        .annotate(first_order=Subquery(first_order))
        .filter(first_order__isnull=False)
    )
    if not pending:
        return 0
    points = programme.referral_reward_points if programme.active else 0
    members: set[int] = set()
    if points > 0:
        members = set(
            LoyaltyMember.objects.filter(
                customer_id__in={referral.referrer_id for referral in pending},
                joined_on__lte=today,
            )
            .filter(Q(left_on__isnull=True) | Q(left_on__gte=today))
            .values_list("customer_id", flat=True)
        )
    entries = []
    expires_on = expiry_date(programme, today)
    no_points = _("No points: the referrer is not a loyalty member.")
    for referral in pending:
        booked = referral.referrer_id in members
        if booked:
            entries.append(
                PointsEntry(
                    customer_id=referral.referrer_id,
                    kind=PointsKind.REFERRAL,
                    points=points,
                    order_id=referral.first_order,
                    booked_on=today,
                    expires_on=expires_on,
                    note=_("Referral reward: %(name)s bought")
                    % {"name": referral.referred.display_name},
                )
            )
        referral.status = ReferralStatus.REWARDED
        referral.rewarded_on = today
        referral.reward_points = points if booked else 0
        if not booked and not referral.note:
            referral.note = no_points
    PointsEntry.objects.bulk_create(entries, batch_size=BATCH)
    Referral.objects.bulk_update(
        pending, ["status", "rewarded_on", "reward_points", "note"], batch_size=BATCH
    )
    return len(pending)


@transaction.atomic
def referral_reject(*, referral: Referral, reason: str, actor: Actor = None) -> Referral:
    """Reject a referral (a mistake or abuse). A reward already booked is taken back, as far
    as the referrer's balance allows; the referred customer stays linked, so the same
    customer cannot be claimed again."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the referral is rejected.")}, code="required")
    referral = (
        Referral.objects.select_for_update()
        .select_related("referrer", "referred")
        .get(pk=referral.pk)
    )
    if referral.status == ReferralStatus.REJECTED:
        raise ValidationError(_("This referral was rejected already."), code="rejected")
    if referral.status == ReferralStatus.REWARDED and referral.reward_points > 0:
        taken = min(referral.reward_points, max(points_balance(customer=referral.referrer_id), 0))
        if taken > 0:
            PointsEntry.objects.create(
                customer_id=referral.referrer_id,
                kind=PointsKind.ADJUSTED,
                points=-taken,
                booked_on=timezone.localdate(),
                note=(
                    _("Referral of %(name)s rejected: %(reason)s")
                    % {"name": referral.referred.display_name, "reason": reason}
                )[:200],
                created_by=actor_user(actor),
            )
    referral.status = ReferralStatus.REJECTED
    referral.note = reason[:200]
    referral.save(update_fields=["status", "note"])
    return referral
