"""Forms of the privacy pages: the erasure confirmation and the retention settings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from relata.customers.models import Customer
from relata.privacy.models import PrivacySettings
from relata.web.forms import BootstrapFormMixin


class ErasureForm(BootstrapFormMixin, forms.Form):
    """Erasure cannot be undone: the user types the customer number and gives a reason."""

    customer_number = forms.CharField(label=_("Type the customer number to confirm"), max_length=32)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For example: the customer's request of 12 May by e-mail. Kept in the audit "
            "trail, so write no personal data here."
        ),
    )

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.customer = customer

    def clean_customer_number(self) -> str:
        typed = str(self.cleaned_data["customer_number"]).strip()
        if typed.upper() != self.customer.customer_number.upper():
            raise forms.ValidationError(
                _("This is not the number of this customer (%(number)s)."),
                code="mismatch",
                params={"number": self.customer.customer_number},
            )
        return typed

    def clean_reason(self) -> str:
        reason = str(self.cleaned_data["reason"]).strip()
        if not reason:
            raise forms.ValidationError(_("Give the reason for the erasure."), code="required")
        return reason


class PrivacySettingsForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = PrivacySettings
        fields = [
            "erase_inactive_after_months",
            "blank_contact_notes_after_months",
            "blank_outbox_bodies_after_months",
        ]
