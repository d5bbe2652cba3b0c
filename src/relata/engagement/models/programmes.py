"""The loyalty programme (points per euro, direct reward or saving, expiry) and the
referral programme, klant-werft-klant (DOMAIN.md §18)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relata.customers.models import Customer
from relata.sales.models import Order


class RewardMode(models.TextChoices):
    DIRECT = "direct", _("Direct reward (points redeemed at the next purchase)")
    SAVING = "saving", _("Saving (points saved towards rewards)")


class LoyaltyProgramme(models.Model):
    """The programme's settings; one row (``LoyaltyProgramme.current()``)."""

    name = models.CharField(_("name"), max_length=120, default="Relata Rewards")
    active = models.BooleanField(_("active"), default=True)
    points_per_euro = models.DecimalField(
        _("points per euro"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal(0))],
    )
    reward_mode = models.CharField(
        _("reward mode"), max_length=8, choices=RewardMode.choices, default=RewardMode.SAVING
    )
    point_value = models.DecimalField(
        _("value of one point (€)"),
        max_digits=8,
        decimal_places=4,
        default=Decimal("0.01"),
        validators=[MinValueValidator(Decimal(0))],
    )
    minimum_redemption = models.PositiveIntegerField(_("minimum points to redeem"), default=0)
    expiry_months = models.PositiveSmallIntegerField(
        _("points expire after (months)"),
        null=True,
        blank=True,
        help_text=_("Empty: points never expire."),
    )
    referral_reward_points = models.PositiveIntegerField(
        _("referral reward (points for the referrer)"), default=500
    )
    referred_welcome_points = models.PositiveIntegerField(
        _("welcome points for a referred customer"), default=250
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("loyalty programme")
        verbose_name_plural = _("loyalty programme")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> LoyaltyProgramme:
        programme = cls.objects.order_by("id").first()
        return programme if programme is not None else cls.objects.create()


class LoyaltyMember(models.Model):
    customer = models.OneToOneField(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="loyalty_membership",
    )
    member_number = models.CharField(_("member number"), max_length=32, unique=True)
    joined_on = models.DateField(_("joined on"), default=timezone.localdate)
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        verbose_name = _("loyalty member")
        verbose_name_plural = _("loyalty members")
        ordering = ["-joined_on", "-id"]
        indexes = [models.Index(fields=["joined_on"], name="loyalty_member_joined_idx")]

    def __str__(self) -> str:
        return self.member_number


class PointsKind(models.TextChoices):
    EARNED = "earned", _("Earned")
    REDEEMED = "redeemed", _("Redeemed")
    EXPIRED = "expired", _("Expired")
    REFERRAL = "referral", _("Referral reward")
    ADJUSTED = "adjusted", _("Adjusted")


class PointsEntry(models.Model):
    """The points ledger: the balance is the sum of ``points`` (earned positive, redeemed and
    expired negative). Earned points remember when they expire."""

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="points_entries",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=PointsKind.choices)
    points = models.IntegerField(_("points"))
    order = models.ForeignKey(
        Order,
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="points_entries",
    )
    booked_on = models.DateField(_("booked on"), default=timezone.localdate)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("booked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        ordering = ["-booked_on", "-id"]
        constraints = [
            # An order earns points once, however often the order is saved or re-imported.
            models.UniqueConstraint(
                fields=["order"],
                condition=models.Q(kind="earned"),
                name="points_earned_once_per_order",
            )
        ]
        indexes = [
            models.Index(fields=["customer", "-booked_on"], name="points_customer_idx"),
            models.Index(fields=["kind", "expires_on"], name="points_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.points:+d}"


class ReferralCode(models.Model):
    customer = models.OneToOneField(
        Customer,
        verbose_name=_("referrer"),
        on_delete=models.CASCADE,
        related_name="referral_code",
    )
    code = models.CharField(_("code"), max_length=16, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("referral code")
        verbose_name_plural = _("referral codes")

    def __str__(self) -> str:
        return self.code


class ReferralStatus(models.TextChoices):
    PENDING = "pending", _("Pending: no purchase yet")
    REWARDED = "rewarded", _("Rewarded")
    REJECTED = "rejected", _("Rejected")


class Referral(models.Model):
    """A customer brought by another. A customer is referred at most once; the referrer is
    rewarded when the referred customer first buys. Influence value reads these."""

    referrer = models.ForeignKey(
        Customer,
        verbose_name=_("referrer"),
        on_delete=models.CASCADE,
        related_name="referrals_made",
    )
    referred = models.OneToOneField(
        Customer,
        verbose_name=_("referred customer"),
        on_delete=models.CASCADE,
        related_name="referred_by",
    )
    code = models.ForeignKey(
        ReferralCode,
        verbose_name=_("code"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
    )
    referred_on = models.DateField(_("referred on"), default=timezone.localdate)
    status = models.CharField(
        _("status"), max_length=8, choices=ReferralStatus.choices, default=ReferralStatus.PENDING
    )
    rewarded_on = models.DateField(_("rewarded on"), null=True, blank=True)
    reward_points = models.PositiveIntegerField(_("reward points"), default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-referred_on", "-id"]
        indexes = [models.Index(fields=["referrer", "-referred_on"], name="referral_referrer_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(referrer=models.F("referred")), name="referral_not_self"
            )
        ]

    def __str__(self) -> str:
        return f"{self.referrer_id} → {self.referred_id}"
