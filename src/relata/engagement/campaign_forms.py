"""Forms of the campaign pages."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from relata.customers.models import ConsentChannel
from relata.engagement.campaign_report import (
    DEFAULT_VARIABLES,
    VARIABLE_LABELS,
    VARIABLES,
    Outcome,
)
from relata.engagement.campaign_services import LOCKED_AFTER_LAUNCH
from relata.engagement.models import (
    Campaign,
    CampaignStatus,
    ContactGroup,
    MessageTemplate,
    Segment,
)
from relata.sales.models import Product
from relata.web.forms import BootstrapFormMixin

CAMPAIGN_FIELDS = (
    "name",
    "description",
    "segment",
    "channel",
    "purpose",
    "template",
    "offer_kind",
    "offer_product",
    "offer_text",
    "discount_percent",
    "starts_on",
    "ends_on",
    "attribution_days",
    "control_percent",
    "fixed_cost",
    "cost_per_contact",
)


class TemplateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_channel_display()})"


class CampaignForm(BootstrapFormMixin, forms.ModelForm):
    """Create or edit a campaign; ``version`` is the version the editor loaded. Once the
    campaign is launched, who is approached with what can no longer change."""

    version = forms.IntegerField(widget=forms.HiddenInput(), required=False, min_value=1)

    class Meta:
        model = Campaign
        fields = CAMPAIGN_FIELDS
        field_classes = {"template": TemplateChoiceField}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        segment = cast(forms.ModelChoiceField, self.fields["segment"])
        segment.queryset = Segment.objects.order_by("name")
        segment.help_text = _(
            "Who is approached at launch. Leave empty for a campaign that only customers "
            "enrolled by triggers receive."
        )
        template = cast(forms.ModelChoiceField, self.fields["template"])
        template.queryset = MessageTemplate.objects.order_by("name")
        template.required = True
        product = cast(forms.ModelChoiceField, self.fields["offer_product"])
        product.queryset = Product.objects.order_by("name")
        product.help_text = _(
            "For “a product”; with “next best offer” it is the fallback for customers "
            "without an offer of their own."
        )
        self.fields["discount_percent"].help_text = _("For “discount”: the {{ discount }} field.")
        self.fields["offer_text"].help_text = _("The {{ offer }} merge field.")
        self.fields["cost_per_contact"].help_text = _("Per message sent (print, postage, SMS).")
        # The live segment size under the select follows segment, channel and purpose.
        for name in ("segment", "channel", "purpose"):
            self.fields[name].widget.attrs.update(
                {
                    "hx-get": reverse_lazy("campaigns:segment_reach"),
                    "hx-include": "#id_segment, #id_channel, #id_purpose",
                    "hx-target": "#segment-reach",
                    "hx-swap": "outerHTML",
                    "hx-trigger": "change",
                }
            )
        if not self.instance.pk and not self.initial.get("channel"):
            self.initial["channel"] = ConsentChannel.EMAIL
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            if self.instance.status != CampaignStatus.DRAFT:
                for name in LOCKED_AFTER_LAUNCH:
                    if name in self.fields:
                        self.fields[name].disabled = True
                        self.fields[name].help_text = _("Fixed once the campaign is launched.")


class CampaignFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(required=False, label=_("Name contains"))
    status = forms.ChoiceField(
        required=False,
        label=_("Status"),
        choices=[("", _("Any status")), *CampaignStatus.choices],
    )


STATE_CHOICES = [
    ("", _("Any state")),
    ("sent", _("Sent")),
    ("refused", _("Not sent (no consent or address)")),
    ("opened", _("Opened")),
    ("clicked", _("Clicked")),
    ("responded", _("Responded")),
    ("converted", _("Converted")),
    ("not_converted", _("Not converted")),
]


class ContactFilterForm(BootstrapFormMixin, forms.Form):
    group = forms.ChoiceField(
        required=False, label=_("Group"), choices=[("", _("Both groups")), *ContactGroup.choices]
    )
    state = forms.ChoiceField(required=False, label=_("State"), choices=STATE_CHOICES)


class RespondForm(BootstrapFormMixin, forms.Form):
    note = forms.CharField(
        required=False,
        label=_("Note"),
        max_length=2000,
        widget=forms.TextInput(attrs={"placeholder": _("What did the customer say? (optional)")}),
    )


class AnalysisForm(forms.Form):
    outcome = forms.ChoiceField(
        required=False, label=_("Explain"), choices=Outcome.CHOICES, initial=Outcome.RESPONDED
    )
    variables = forms.MultipleChoiceField(
        required=False,
        label=_("Variables"),
        choices=[(name, VARIABLE_LABELS[name]) for name in VARIABLES],
        widget=forms.CheckboxSelectMultiple,
    )
    # Present when the variable choice was submitted (so that none ticked is not "default").
    chosen = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def outcome_and_variables(self) -> tuple[str, tuple[str, ...]]:
        data = self.cleaned_data if self.is_valid() else {}
        outcome = data.get("outcome") or Outcome.RESPONDED
        variables = tuple(data.get("variables") or ()) if data.get("chosen") else DEFAULT_VARIABLES
        return outcome, variables


class SegmentReachForm(forms.Form):
    segment = forms.ModelChoiceField(queryset=Segment.objects.all(), required=False)
    channel = forms.ChoiceField(choices=ConsentChannel.choices, required=False)
    purpose = forms.CharField(required=False, max_length=12)
