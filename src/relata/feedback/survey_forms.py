"""Forms of the survey pages: a survey's questions and settings, sending a survey to a
customer, the customer's answer form on the public page, and the filters of the answers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from relata.contacts.models import Channel, ContactMoment, Touchpoint
from relata.feedback.models import ResponseSource, Survey
from relata.feedback.survey_response_services import COMMENT_MAX
from relata.feedback.survey_selectors import InvitationState
from relata.sales.models import Order
from relata.web.forms import BootstrapFormMixin

DEFAULT_NPS_QUESTION = _("How likely is it that you would recommend us to a friend?")
DEFAULT_CSAT_QUESTION = _("How satisfied are you with how we helped you?")
DEFAULT_COMMENT_QUESTION = _("What is the main reason for your answer?")
CSAT_LABELS = (
    (1, _("Very dissatisfied")),
    (2, _("Dissatisfied")),
    (3, _("Neutral")),
    (4, _("Satisfied")),
    (5, _("Very satisfied")),
)


def nps_question(survey: Survey) -> str:
    return survey.nps_question or str(DEFAULT_NPS_QUESTION)


def csat_question(survey: Survey) -> str:
    return survey.csat_question or str(DEFAULT_CSAT_QUESTION)


def comment_question(survey: Survey) -> str:
    return survey.comment_question or str(DEFAULT_COMMENT_QUESTION)


class SurveyForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Survey
        fields = (
            "name",
            "touchpoint",
            "valid_days",
            "asks_nps",
            "nps_question",
            "asks_csat",
            "csat_question",
            "asks_comment",
            "comment_question",
            "active",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, default in (
            ("nps_question", DEFAULT_NPS_QUESTION),
            ("csat_question", DEFAULT_CSAT_QUESTION),
            ("comment_question", DEFAULT_COMMENT_QUESTION),
        ):
            self.fields[name].widget.attrs["placeholder"] = str(default)
        self.fields["touchpoint"].help_text = _(
            "The touchpoint answers count for when the contact moment or order does not tell "
            "(reports per touchpoint)."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("asks_nps") or data.get("asks_csat") or data.get("asks_comment")):
            raise forms.ValidationError(
                _("Ask at least one question: NPS, CSAT or a comment."), code="asks_nothing"
            )
        return data


HOW_EMAIL, HOW_LINK = "email", "link"
HOW_CHOICES = (
    (HOW_EMAIL, _("E-mail the personal link (needs the customer's e-mail opt-in for surveys)")),
    (HOW_LINK, _("Show the link to hand over now — by phone, in the store (no e-mail)")),
)


def _moment_label(moment: ContactMoment) -> str:
    return str(
        _("Contact moment %(date)s: %(subject)s (%(touchpoint)s, %(channel)s)")
        % {
            "date": date_format(timezone.localtime(moment.occurred_at), "SHORT_DATE_FORMAT"),
            "subject": moment.subject,
            "touchpoint": moment.get_touchpoint_display(),
            "channel": moment.get_channel_display(),
        }
    )


def _order_label(order: Order) -> str:
    return str(
        _("Order %(number)s of %(date)s (%(status)s)")
        % {
            "number": order.order_number,
            "date": date_format(order.order_date, "SHORT_DATE_FORMAT"),
            "status": order.get_status_display(),
        }
    )


class SurveySendForm(BootstrapFormMixin, forms.Form):
    """Which survey, what it is about (one of the customer's latest contact moments or
    orders) and how the link reaches the customer."""

    survey = forms.ModelChoiceField(
        label=_("Survey"),
        queryset=Survey.objects.filter(active=True).order_by("name", "pk"),
        empty_label=_("Choose a survey"),
    )
    about = forms.ChoiceField(label=_("About"), required=False)
    how = forms.ChoiceField(
        label=_("How"), choices=HOW_CHOICES, initial=HOW_EMAIL, widget=forms.RadioSelect
    )

    def __init__(
        self,
        *args: Any,
        moments: list[ContactMoment] | None = None,
        orders: list[Order] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.moments = {str(m.pk): m for m in moments or []}
        self.orders = {str(o.pk): o for o in orders or []}
        choices: list[tuple[str, str]] = [("", str(_("Nothing in particular")))]
        choices += [(f"contact:{pk}", _moment_label(m)) for pk, m in self.moments.items()]
        choices += [(f"order:{pk}", _order_label(o)) for pk, o in self.orders.items()]
        self.fields["about"].choices = choices  # type: ignore[attr-defined]
        self.fields["about"].help_text = _(
            "The answer counts for its touchpoint and channel in the reports."
        )
        self.fields["how"].widget.attrs["class"] = "form-check-input"

    def cause(self) -> tuple[ContactMoment | None, Order | None]:
        kind, _sep, pk = (self.cleaned_data.get("about") or "").partition(":")
        if kind == "contact":
            return self.moments.get(pk), None
        if kind == "order":
            return None, self.orders.get(pk)
        return None, None


class SurveyAnswerForm(forms.Form):
    """The customer's answer. The fields follow the survey's questions; the service checks
    the answers again (the API goes through it too)."""

    nps = forms.TypedChoiceField(
        coerce=int,
        choices=[(n, str(n)) for n in range(11)],
        widget=forms.RadioSelect,
        required=False,
    )
    csat = forms.TypedChoiceField(
        coerce=int, choices=CSAT_LABELS, widget=forms.RadioSelect, required=False
    )
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
        required=False,
        max_length=COMMENT_MAX,
    )

    def __init__(self, *args: Any, survey: Survey, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.survey = survey
        if survey.asks_nps:
            self.fields["nps"].label = nps_question(survey)
        else:
            del self.fields["nps"]
        if survey.asks_csat:
            self.fields["csat"].label = csat_question(survey)
        else:
            del self.fields["csat"]
        if survey.asks_comment:
            self.fields["comment"].label = comment_question(survey)
        else:
            del self.fields["comment"]


SOURCE_FILTER = (("", _("Any source")), *ResponseSource.choices)
STATE_FILTER = (
    ("", _("Any state")),
    (InvitationState.OPEN, _("Waiting for an answer")),
    (InvitationState.ANSWERED, _("Answered")),
    (InvitationState.EXPIRED, _("Expired")),
    (InvitationState.NOT_SENT, _("Not sent (no consent or address)")),
)


class AnswerFilterForm(BootstrapFormMixin, forms.Form):
    survey = forms.ModelChoiceField(
        label=_("Survey"),
        queryset=Survey.objects.order_by("name", "pk"),
        required=False,
        empty_label=_("Any survey"),
    )
    touchpoint = forms.ChoiceField(
        label=_("Touchpoint"),
        choices=[("", _("Any touchpoint")), *Touchpoint.choices],
        required=False,
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("Any channel")), *Channel.choices], required=False
    )
    since = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    until = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    source = forms.ChoiceField(label=_("Source"), choices=SOURCE_FILTER, required=False)
    detractors = forms.BooleanField(label=_("Only unhappy (NPS 0–6, CSAT 1–2)"), required=False)
    customer = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end date must not be before the start date."))
        return data
