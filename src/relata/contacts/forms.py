from __future__ import annotations

from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relata.contacts.models import Channel, ContactMoment, Office, Touchpoint
from relata.contacts.task_services import FOLLOW_UP_ME, FOLLOW_UP_OWNER, FOLLOW_UP_ROUTE
from relata.web.forms import BootstrapFormMixin

FOLLOW_UP_FIELDS = ("follow_up_title", "follow_up_due", "follow_up_assign")


class ContactMomentForm(BootstrapFormMixin, forms.ModelForm):
    """A contact moment, optionally with a follow-up task (filled in when it has a title)."""

    follow_up_title = forms.CharField(
        label=_("Follow-up task"),
        max_length=200,
        required=False,
        help_text=_("Leave empty for no follow-up."),
    )
    follow_up_due = forms.DateField(
        label=_("Follow-up due"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    follow_up_assign = forms.ChoiceField(
        label=_("Follow-up for"),
        choices=[
            (FOLLOW_UP_ROUTE, _("Route by the rules")),
            (FOLLOW_UP_ME, _("Me")),
            (FOLLOW_UP_OWNER, _("The account owner")),
        ],
        initial=FOLLOW_UP_ROUTE,
        required=False,
    )

    class Meta:
        model = ContactMoment
        fields = (
            "channel",
            "direction",
            "touchpoint",
            "office",
            "subject",
            "outcome",
            "friction",
            "notes",
            "occurred_at",
        )
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 2}),
            "occurred_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["occurred_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        cast(forms.DateTimeField, self.fields["occurred_at"]).input_formats = [
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M",
            "%Y-%m-%d %H:%M:%S",
        ]
        self.fields["outcome"].required = False

    def moment_fields(self) -> dict[str, object]:
        return {k: v for k, v in self.cleaned_data.items() if k not in FOLLOW_UP_FIELDS}

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("follow_up_title"):
            for name in ("follow_up_due",):
                if data.get(name):
                    self.add_error("follow_up_title", _("Give the follow-up task a title."))
        return data


class ContactFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(required=False)
    channel = forms.ChoiceField(required=False, choices=[("", _("All channels")), *Channel.choices])
    touchpoint = forms.ChoiceField(
        required=False, choices=[("", _("All touchpoints")), *Touchpoint.choices]
    )
    office = forms.ChoiceField(
        required=False, choices=[("", _("Front and back office")), *Office.choices]
    )
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
