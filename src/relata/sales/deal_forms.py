from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.forms import inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relata.sales.deal_selectors import SORTABLE
from relata.sales.models import (
    OPEN_DEAL_STAGES,
    Deal,
    DealLine,
    DealSource,
    DealStage,
    LostReason,
    Product,
)
from relata.web.forms import BootstrapFormMixin
from relata.web.http import int_param


def _active_users() -> Any:
    return get_user_model().objects.filter(is_active=True).order_by("first_name", "username")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.get_username())


class DealForm(BootstrapFormMixin, forms.ModelForm):
    """Create or edit a deal. ``version`` is the version the editor loaded (optimistic
    locking); the stage is chosen only when creating, later it moves on the board."""

    version = forms.IntegerField(widget=forms.HiddenInput(), required=False, min_value=1)
    owner = UserChoiceField(queryset=_active_users(), required=False, label=_("Owner"))

    class Meta:
        model = Deal
        fields = (
            "customer",
            "title",
            "stage",
            "owner",
            "source",
            "expected_close_date",
            "probability",
            "value",
            "lost_reason",
            "lost_note",
            "notes",
        )
        widgets = {
            "customer": forms.HiddenInput(),
            "expected_close_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = _active_users()
        self.fields["value"].required = False
        self.fields["value"].help_text = _("Filled in from the products when you list them.")
        self.fields["probability"].required = False
        self.fields["probability"].help_text = _("Empty: the usual chance for the stage.")
        if self.instance.pk:
            del self.fields["stage"]
            self.fields["version"].initial = self.instance.version
            if self.instance.stage != DealStage.LOST:
                del self.fields["lost_reason"]
                del self.fields["lost_note"]
            else:
                self.fields["lost_reason"].required = True
        else:
            del self.fields["lost_reason"]
            del self.fields["lost_note"]
            stage = cast(forms.ChoiceField, self.fields["stage"])
            stage.choices = [(s.value, s.label) for s in OPEN_DEAL_STAGES]

    def clean_value(self) -> Any:
        value = self.cleaned_data.get("value")
        return value if value is not None else 0

    def clean_probability(self) -> Any:
        return self.cleaned_data.get("probability")


class DealLineForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = DealLine
        fields = ("product", "quantity", "unit_price")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        product = cast(forms.ModelChoiceField, self.fields["product"])
        product.queryset = Product.objects.filter(active=True).select_related("category")
        self.fields["unit_price"].required = False
        self.fields["unit_price"].help_text = _("Empty: the product's price.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        product = data.get("product")
        if product is not None and data.get("unit_price") is None:
            data["unit_price"] = product.price
            self.instance.unit_price = product.price
        return data


MAX_DEAL_LINES = 100
# The largest id a database column holds; a larger one in a filter overflows SQLite.
MAX_ID = 2**63 - 1

# absolute_max bounds what a tampered TOTAL_FORMS can make the page build and render
# (Django's default allows 2,000 forms, each with the whole product list).
DealLineFormSet = inlineformset_factory(
    Deal,
    DealLine,
    form=DealLineForm,
    extra=3,
    can_delete=True,
    min_num=0,
    max_num=MAX_DEAL_LINES,
    absolute_max=MAX_DEAL_LINES,
    validate_max=True,
)


class DealMoveForm(BootstrapFormMixin, forms.Form):
    stage = forms.ChoiceField(label=_("stage"), choices=DealStage.choices)
    version = forms.IntegerField(widget=forms.HiddenInput(), min_value=1)
    lost_reason = forms.ChoiceField(
        label=_("lost reason"), choices=[("", "—"), *LostReason.choices], required=False
    )
    lost_note = forms.CharField(label=_("lost note"), max_length=300, required=False)


class DealFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(required=False, max_length=200)
    stage = forms.ChoiceField(
        required=False, choices=[("", _("All stages")), ("open", _("Open")), *DealStage.choices]
    )
    owner = forms.CharField(required=False, max_length=20)
    source = forms.ChoiceField(
        required=False, choices=[("", _("All sources")), *DealSource.choices]
    )
    customer = forms.IntegerField(
        required=False, widget=forms.HiddenInput(), min_value=1, max_value=MAX_ID
    )
    sort = forms.ChoiceField(required=False, choices=[(key, key) for key in SORTABLE])

    def owner_id(self, user: Any) -> int | None:
        """'me' is the current user, a number a user id, anything else nobody in particular."""
        owner = self.cleaned_data.get("owner", "") if hasattr(self, "cleaned_data") else ""
        if owner == "me":
            return int(user.pk)
        return int_param(owner)


class FunnelForm(BootstrapFormMixin, forms.Form):
    date_from = forms.DateField(
        label=_("Deals created from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        data["date_to"] = data.get("date_to") or today
        data["date_from"] = data.get("date_from") or data["date_to"] - timedelta(days=365)
        if data["date_from"] > data["date_to"]:
            self.add_error("date_from", _("The start date must be on or before the end date."))
        return data
