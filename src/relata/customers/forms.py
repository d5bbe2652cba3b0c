from __future__ import annotations

from typing import cast

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from relata.customers.models import (
    ConsentChannel,
    ConsentPurpose,
    ContactPerson,
    Customer,
)
from relata.web.forms import BootstrapFormMixin

_ADDRESS = ("street", "house_number", "postcode", "city", "country")
_RELATION = ("account_owner", "acquisition_source", "acquisition_cost", "notes")


class CustomerFormBase(BootstrapFormMixin, forms.ModelForm):
    """What persons and organisations share: an optional number, one required name field."""

    name_field = ""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer_number"].required = False
        self.fields["customer_number"].help_text = _("Leave empty to number automatically.")
        self.fields[self.name_field].required = True
        owner = cast(forms.ModelChoiceField, self.fields["account_owner"])
        owner.queryset = User.objects.filter(is_active=True).order_by("username")

    def clean_customer_number(self) -> str:
        return (self.cleaned_data.get("customer_number") or "").strip()


class PersonForm(CustomerFormBase):
    class Meta:
        model = Customer
        fields = (
            "customer_number",
            "first_name",
            "name_prefix",
            "last_name",
            "email",
            "phone",
            *_ADDRESS,
            "birth_date",
            "gender",
            "occupation",
            "education",
            "household_size",
            "children",
            "income_band",
            "interests",
            *_RELATION,
        )
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    basic_fields = (
        "customer_number",
        "first_name",
        "name_prefix",
        "last_name",
        "email",
        "phone",
        *_ADDRESS,
    )
    profile_fields = (
        "birth_date",
        "gender",
        "occupation",
        "education",
        "household_size",
        "children",
        "income_band",
        "interests",
    )
    relation_fields = _RELATION
    name_field = "last_name"


class OrganisationForm(CustomerFormBase):
    class Meta:
        model = Customer
        fields = (
            "customer_number",
            "organisation_name",
            "email",
            "phone",
            *_ADDRESS,
            "sector",
            "company_size",
            "interests",
            *_RELATION,
        )
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    basic_fields = ("customer_number", "organisation_name", "email", "phone", *_ADDRESS)
    profile_fields = ("sector", "company_size", "interests")
    relation_fields = _RELATION
    name_field = "organisation_name"


class ContactPersonForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = ContactPerson
        fields = (
            "first_name",
            "name_prefix",
            "last_name",
            "job_title",
            "dmu_role",
            "email",
            "phone",
            "is_primary",
        )


class ConsentForm(forms.Form):
    channel = forms.ChoiceField(choices=ConsentChannel.choices)
    purpose = forms.ChoiceField(choices=ConsentPurpose.choices)
    granted = forms.TypedChoiceField(
        choices=(("1", _("Granted")), ("0", _("Withdrawn"))), coerce=lambda v: v == "1"
    )
    source = forms.CharField(max_length=100, required=False)
