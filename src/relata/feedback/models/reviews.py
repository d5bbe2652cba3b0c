"""Reviews and comments customers write, and their social profiles: the reach and word of
mouth that purchase-only scoring misses (DOMAIN.md §8)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relata.customers.models import Customer
from relata.sales.models import Product


class ReviewKind(models.TextChoices):
    REVIEW = "review", _("Review")
    COMMENT = "comment", _("Comment")


class Review(models.Model):
    """A review (with a rating of 1–5) or a comment (rating optional) a customer wrote."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="reviews"
    )
    kind = models.CharField(
        _("kind"), max_length=8, choices=ReviewKind.choices, default=ReviewKind.REVIEW
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviews",
    )
    rating = models.PositiveSmallIntegerField(
        _("rating (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    text = models.TextField(_("text"), blank=True)
    written_on = models.DateField(_("written on"), default=timezone.localdate)
    helpful_votes = models.PositiveIntegerField(_("helpful votes"), default=0)
    unhelpful_votes = models.PositiveIntegerField(_("not helpful votes"), default=0)
    site = models.CharField(
        _("where"), max_length=80, blank=True, help_text=_("Web shop, Google, Trustpilot …")
    )
    url = models.URLField(_("link"), blank=True)
    external_id = models.CharField(
        _("external id"),
        max_length=64,
        blank=True,
        help_text=_("Identifier in the source system; re-importing the same id changes nothing."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-written_on", "-id"]
        indexes = [
            models.Index(fields=["customer", "-written_on"], name="review_customer_idx"),
            models.Index(fields=["product", "-written_on"], name="review_product_idx"),
            models.Index(fields=["-written_on", "-id"], name="review_time_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="review_rating_range",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="review") | models.Q(rating__isnull=False),
                name="review_has_rating",
            ),
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~models.Q(external_id=""),
                name="review_external_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.get_kind_display()} {self.pk}"


class Platform(models.TextChoices):
    INSTAGRAM = "instagram", "Instagram"
    TIKTOK = "tiktok", "TikTok"
    YOUTUBE = "youtube", "YouTube"
    X = "x", "X"
    FACEBOOK = "facebook", "Facebook"
    LINKEDIN = "linkedin", "LinkedIn"
    PINTEREST = "pinterest", "Pinterest"
    BLOG = "blog", _("Blog or website")
    OTHER = "other", _("Other")


class SocialProfile(models.Model):
    """A customer's account on a social platform and its follower count on a day. Handles are
    stored without '@', and one handle per platform belongs to one customer."""

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="social_profiles",
    )
    platform = models.CharField(_("platform"), max_length=10, choices=Platform.choices)
    handle = models.CharField(_("handle"), max_length=100)
    followers = models.PositiveIntegerField(_("followers"), default=0)
    url = models.URLField(_("link"), blank=True)
    counted_on = models.DateField(_("followers counted on"), default=timezone.localdate)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("social profile")
        verbose_name_plural = _("social profiles")
        ordering = ["-followers", "platform", "handle"]
        indexes = [models.Index(fields=["customer", "platform"], name="social_customer_idx")]
        constraints = [
            models.UniqueConstraint(
                "platform", Lower("handle"), name="social_platform_handle_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()}: @{self.handle}"
