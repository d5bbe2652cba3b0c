from __future__ import annotations

from typing import Any, cast

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
    """What persons and organisations share: an optional number, one required name field,
    and the version the form was loaded at (optimistic locking, relata.concurrency)."""

    name_field = ""
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["version"].initial = self.instance.version
            self.fields["version"].required = True
            self.fields["version"].error_messages["required"] = _(
                "The form lacks the version it was loaded at; reload the page and try again."
            )
        if self.instance.pk is None:
            self.fields["customer_number"].required = False
            self.fields["customer_number"].help_text = _("Leave empty to number automatically.")
        else:
            # Emptying it on edit would silently renumber a customer others refer to.
            self.fields["customer_number"].required = True
        self.fields[self.name_field].required = True
        owner = cast(forms.ModelChoiceField, self.fields["account_owner"])
        owner.queryset = User.objects.filter(is_active=True).order_by("username")
        owner.label_from_instance = _user_name  # type: ignore[method-assign, assignment]

    def clean_customer_number(self) -> str:
        return (self.cleaned_data.get("customer_number") or "").strip()


def _user_name(user: Any) -> str:
    return str(user.get_full_name() or user.get_username())


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


SOURCE_SUGGESTIONS = (
    _("phone call"),
    _("web form"),
    _("e-mail"),
    _("in store"),
    _("paper form"),
    _("customer service"),
)
KEEP, GRANT, WITHDRAW = "", "1", "0"


class ConsentMatrixForm(BootstrapFormMixin, forms.Form):
    """One choice per channel × purpose (leave as is, granted, withdrawn) and the source of
    the decisions, which is required: a consent without its source is no evidence."""

    source = forms.CharField(
        label=_("Source"),
        max_length=100,
        help_text=_("Where the customer gave or withdrew consent, e.g. “phone call”, “web form”."),
    )

    def __init__(self, *args: Any, in_force: dict[tuple[str, str], bool], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.in_force = in_force
        choices = ((KEEP, _("leave as is")), (GRANT, _("granted")), (WITHDRAW, _("withdrawn")))
        for channel, channel_label in ConsentChannel.choices:
            for purpose, purpose_label in ConsentPurpose.choices:
                self.fields[self.cell_name(channel, purpose)] = forms.ChoiceField(
                    label=f"{channel_label} / {purpose_label}",
                    choices=choices,
                    required=False,
                    widget=forms.RadioSelect,
                )
        self.fields["source"].widget.attrs["list"] = "consent-sources"

    @staticmethod
    def cell_name(channel: str, purpose: str) -> str:
        return f"{channel}__{purpose}"

    def changes(self) -> list[tuple[str, str, bool]]:
        """(channel, purpose, granted) for every cell set to differ from the one in force."""
        result = []
        for channel in ConsentChannel.values:
            for purpose in ConsentPurpose.values:
                choice = self.cleaned_data.get(self.cell_name(channel, purpose)) or KEEP
                if choice == KEEP:
                    continue
                granted = choice == GRANT
                if self.in_force.get((channel, purpose)) != granted:
                    result.append((channel, purpose, granted))
        return result

    def clean_source(self) -> str:
        source: str = self.cleaned_data["source"].strip()
        if not source:
            raise forms.ValidationError(_("Say where the decision came from."))
        return source

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if not self.errors and not self.changes():
            raise forms.ValidationError(
                _(
                    "Nothing to record: choose granted or withdrawn for a consent that differs "
                    "from the one in force."
                )
            )
        return cleaned
