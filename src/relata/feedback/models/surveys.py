"""Surveys (what is asked), invitations (a personal link sent to one customer) and the
answers, each linked to the touchpoint, channel and contact moment or order that caused it."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relata.contacts.models import Channel, ContactMoment, Task, Touchpoint
from relata.customers.models import Customer
from relata.engagement.models import OutboxMessage, TriggerRule
from relata.sales.models import Order


class Survey(models.Model):
    """A questionnaire: NPS (0–10), CSAT (1–5) and a free-text question, any of them."""

    name = models.CharField(_("name"), max_length=120)
    asks_nps = models.BooleanField(_("ask NPS (0–10)"), default=True)
    asks_csat = models.BooleanField(_("ask CSAT (1–5)"), default=True)
    asks_comment = models.BooleanField(_("ask for a comment"), default=True)
    nps_question = models.CharField(
        _("NPS question"),
        max_length=300,
        blank=True,
        help_text=_("Empty: 'How likely is it that you would recommend us to a friend?'"),
    )
    csat_question = models.CharField(
        _("CSAT question"),
        max_length=300,
        blank=True,
        help_text=_("Empty: 'How satisfied are you with how we helped you?'"),
    )
    comment_question = models.CharField(
        _("comment question"),
        max_length=300,
        blank=True,
        help_text=_("Empty: 'What is the main reason for your answer?'"),
    )
    touchpoint = models.CharField(
        _("touchpoint"),
        max_length=12,
        choices=Touchpoint.choices,
        blank=True,
        help_text=_("The touchpoint answers count for when the cause does not tell."),
    )
    valid_days = models.PositiveSmallIntegerField(
        _("link valid for (days)"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(asks_nps=True)
                | models.Q(asks_csat=True)
                | models.Q(asks_comment=True),
                name="survey_asks_something",
            )
        ]

    def __str__(self) -> str:
        return self.name


class InvitationSource(models.TextChoices):
    MANUAL = "manual", _("Sent by hand")
    TRIGGER = "trigger", _("Trigger rule")
    API = "api", _("API")


class SurveyInvitation(models.Model):
    """One personal survey link. Only the SHA-256 of the link's random token is stored, so
    the links cannot be read back from the database; a link answers once, until it expires."""

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="invitations"
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="survey_invitations",
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    touchpoint = models.CharField(
        _("touchpoint"), max_length=12, choices=Touchpoint.choices, blank=True
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, blank=True)
    contact_moment = models.ForeignKey(
        ContactMoment,
        verbose_name=_("contact moment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_invitations",
    )
    order = models.ForeignKey(
        Order,
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_invitations",
    )
    source = models.CharField(
        _("sent by"),
        max_length=8,
        choices=InvitationSource.choices,
        default=InvitationSource.MANUAL,
    )
    trigger_rule = models.ForeignKey(
        TriggerRule,
        verbose_name=_("trigger rule"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_invitations",
    )
    message = models.ForeignKey(
        OutboxMessage,
        verbose_name=_("message"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_invitations",
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="invitation_customer_idx"),
            models.Index(fields=["survey", "-created_at"], name="invitation_survey_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}/{self.customer_id}"


class ResponseSource(models.TextChoices):
    LINK = "link", _("Survey link")
    API = "api", _("API")
    IMPORT = "import", _("Import")
    STAFF = "staff", _("Recorded by staff")


class SurveyResponse(models.Model):
    """An answer: NPS, CSAT and comment as far as asked and given. The touchpoint, channel and
    cause are copied from the invitation, so reports need no join and survive its deletion."""

    invitation = models.OneToOneField(
        SurveyInvitation,
        verbose_name=_("invitation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="response",
    )
    survey = models.ForeignKey(
        Survey,
        verbose_name=_("survey"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responses",
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="survey_responses",
    )
    answered_at = models.DateTimeField(_("answered"), default=timezone.now)
    nps = models.PositiveSmallIntegerField(
        _("NPS answer (0–10)"), null=True, blank=True, validators=[MaxValueValidator(10)]
    )
    csat = models.PositiveSmallIntegerField(
        _("CSAT answer (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    comment = models.TextField(_("comment"), blank=True)
    touchpoint = models.CharField(
        _("touchpoint"), max_length=12, choices=Touchpoint.choices, blank=True
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, blank=True)
    contact_moment = models.ForeignKey(
        ContactMoment,
        verbose_name=_("contact moment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_responses",
    )
    order = models.ForeignKey(
        Order,
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_responses",
    )
    source = models.CharField(
        _("source"), max_length=6, choices=ResponseSource.choices, default=ResponseSource.LINK
    )
    follow_up_task = models.ForeignKey(
        Task,
        verbose_name=_("follow-up task"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_responses",
    )
    external_id = models.CharField(
        _("external id"),
        max_length=64,
        blank=True,
        help_text=_("Identifier in the source system; re-importing the same id changes nothing."),
    )

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-answered_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-answered_at"], name="response_customer_idx"),
            models.Index(fields=["-answered_at"], name="response_time_idx"),
            models.Index(fields=["touchpoint", "channel", "-answered_at"], name="response_tp_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(nps__isnull=True) | models.Q(nps__lte=10),
                name="response_nps_range",
            ),
            models.CheckConstraint(
                condition=models.Q(csat__isnull=True) | models.Q(csat__gte=1, csat__lte=5),
                name="response_csat_range",
            ),
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~models.Q(external_id=""),
                name="response_external_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} @ {self.answered_at:%Y-%m-%d}"

    @property
    def is_detractor(self) -> bool:
        return self.nps is not None and self.nps <= 6
