from __future__ import annotations

from django import forms

from relata.accounts.models import AccessSettings


class AccessSettingsForm(forms.ModelForm):
    class Meta:
        model = AccessSettings
        fields = ["sales_own_accounts_only"]
        widgets = {
            "sales_own_accounts_only": forms.CheckboxInput(attrs={"class": "form-check-input"})
        }
