"""Forms of the loyalty pages: settings, enrolment, redemption, adjustment, leaving, and the
members list filter."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from relata.accounts.visibility import visible_customers
from relata.customers.models import Customer
from relata.engagement.models import LoyaltyProgramme
from relata.web.forms import BootstrapFormMixin

NOTE_LENGTH = 200
# Large enough for any real redemption, small enough for the ledger's integer column.
MAX_POINTS = 100_000_000


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProgrammeForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = LoyaltyProgramme
        fields = (
            "name",
            "active",
            "points_per_euro",
            "reward_mode",
            "point_value",
            "minimum_redemption",
            "expiry_months",
            "referral_reward_points",
            "referred_welcome_points",
        )
        help_texts = {
            "reward_mode": _(
                "Direct reward: points are worth money at the next purchase (financial "
                "bonding works best this way). Saving: customers save towards rewards at "
                "multiples of the minimum redemption."
            ),
            "minimum_redemption": _(
                "Also the reward levels in saving mode: 1×, 2×, 3× this number of points."
            ),
        }


class CustomerNumberField(forms.CharField):
    """A customer given by number; ``clean`` returns the customer. ``customers`` (default:
    all) are the ones it may find: a customer outside them is "not found"."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Customer number"))
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)
        self.customers: QuerySet[Customer] | None = None

    def clean(self, value: Any) -> Customer | None:
        number = super().clean(value)
        if not number:
            return None
        customers = self.customers if self.customers is not None else Customer.objects.all()
        customer = customers.filter(customer_number__iexact=number.strip()).first()
        if customer is None:
            raise forms.ValidationError(
                _("No customer with number %(number)s.") % {"number": number.strip()},
                code="not_found",
            )
        return customer


class EnrolForm(BootstrapFormMixin, forms.Form):
    customer = forms.IntegerField(widget=forms.HiddenInput, required=False)
    customer_number = CustomerNumberField(required=False)
    joined_on = forms.DateField(
        label=_("Joined on"),
        required=False,
        widget=_date_widget(),
        help_text=_("Empty: today. A date in the past earns points for the orders since then."),
    )
    next = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        """``user``: whose visible customers (``visible_customers``) may be enrolled."""
        super().__init__(*args, **kwargs)
        self.customers = visible_customers(user)
        cast(CustomerNumberField, self.fields["customer_number"]).customers = self.customers

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        customer = data.get("customer_number")
        if customer is None and data.get("customer"):
            customer = self.customers.filter(pk=data["customer"]).first()
        if customer is None and not self.errors:
            self.add_error("customer_number", _("Give the customer's number."))
        data["the_customer"] = customer
        return data


class RedeemForm(BootstrapFormMixin, forms.Form):
    points = forms.IntegerField(label=_("Points to redeem"), min_value=1, max_value=MAX_POINTS)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_LENGTH,
        help_text=_("Optional, e.g. the order or the reward it paid for."),
    )
    next = forms.CharField(widget=forms.HiddenInput, required=False)


class AdjustForm(BootstrapFormMixin, forms.Form):
    points = forms.IntegerField(
        label=_("Points (+ or −)"), min_value=-MAX_POINTS, max_value=MAX_POINTS
    )
    note = forms.CharField(label=_("Reason"), max_length=NOTE_LENGTH)


class LeaveForm(BootstrapFormMixin, forms.Form):
    left_on = forms.DateField(
        label=_("Left on"), required=False, widget=_date_widget(), help_text=_("Empty: today.")
    )


MEMBER_STATUS_CHOICES = (
    ("active", _("Active members")),
    ("left", _("Former members")),
    ("all", _("All")),
)


class MemberFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), choices=MEMBER_STATUS_CHOICES, required=False, initial="active"
    )
