from __future__ import annotations

from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relata.contacts.models import Channel, ContactMoment, Office, Touchpoint
from relata.web.forms import BootstrapFormMixin


class ContactMomentForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = ContactMoment
        fields = (
            "channel",
            "direction",
            "touchpoint",
            "office",
            "subject",
            "outcome",
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
