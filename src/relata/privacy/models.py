"""Privacy settings of the installation: the retention rules (one row, pk=1)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

# Ten years: anything longer is a typo (and overflows date arithmetic far sooner than 9999).
MAX_RETENTION_MONTHS = 120


def _months(label: StrOrPromise, help_text: StrOrPromise) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_RETENTION_MONTHS)],
        help_text=help_text,
    )


class PrivacySettings(models.Model):
    """How long personal data is kept. Every rule is off (empty) until an administrator sets
    it; ``relata retention --apply`` carries the rules out."""

    erase_inactive_after_months = _months(
        _("erase inactive customers after (months)"),
        _(
            "Customers with no order, contact moment or deal in this many months are erased "
            "(anonymised; their orders stay in the revenue totals). Never a customer with an "
            "open deal or an open order. Empty: off."
        ),
    )
    blank_contact_notes_after_months = _months(
        _("blank contact moment notes after (months)"),
        _(
            "The free-text notes of older contact moments are emptied; date, channel, "
            "touchpoint and outcome stay for the analyses. Empty: off."
        ),
    )
    blank_outbox_bodies_after_months = _months(
        _("blank sent message texts after (months)"),
        _(
            "The address, subject and text of outbox messages that were sent, refused or "
            "failed are emptied; status, channel and dates stay for campaign reports. "
            "Empty: off."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("privacy settings")
        verbose_name_plural = _("privacy settings")

    def __str__(self) -> str:
        return str(_("Privacy settings"))

    @classmethod
    def current(cls) -> PrivacySettings:
        settings, _created = cls.objects.get_or_create(pk=1)
        return settings
