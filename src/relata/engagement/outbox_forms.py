"""The filters of the outbox page."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from relata.customers.models import ConsentChannel
from relata.engagement.models import Campaign, MessageStatus, TriggerRule
from relata.engagement.outbox_selectors import CAMPAIGN, OTHER, TRIGGER
from relata.web.forms import BootstrapFormMixin


class OutboxFilterForm(BootstrapFormMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *MessageStatus.choices]
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("Any channel")), *ConsentChannel.choices],
    )
    source = forms.ChoiceField(
        label=_("Made by"),
        required=False,
        choices=[
            ("", _("Anything")),
            (CAMPAIGN, _("A campaign")),
            (TRIGGER, _("A trigger")),
            (OTHER, _("Other")),
        ],
    )
    campaign = forms.ModelChoiceField(
        label=_("Campaign"),
        queryset=Campaign.objects.none(),
        required=False,
        empty_label=_("Any campaign"),
    )
    rule = forms.ModelChoiceField(
        label=_("Trigger rule"),
        queryset=TriggerRule.objects.none(),
        required=False,
        empty_label=_("Any trigger rule"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["campaign"]).queryset = Campaign.objects.order_by(
            "name"
        )
        cast(forms.ModelChoiceField, self.fields["rule"]).queryset = TriggerRule.objects.order_by(
            "name"
        )
