"""Forms of the referral pages: record a referral by code, reject one, filter the list."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from relata.engagement.loyalty_forms import CustomerNumberField
from relata.engagement.models import ReferralStatus
from relata.web.forms import BootstrapFormMixin


class ReferralRecordForm(BootstrapFormMixin, forms.Form):
    code = forms.CharField(
        label=_("Referral code"),
        max_length=20,
        help_text=_("The code the new customer got from the referrer, e.g. ABCD-2345."),
    )
    referred = CustomerNumberField(label=_("Number of the new customer"))
    referred_on = forms.DateField(
        label=_("Referred on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Empty: today."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class ReferralRejectForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


STATUS_FILTER = (("", _("All statuses")), *ReferralStatus.choices)


class ReferralFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_FILTER, required=False)
