"""Forms of the social profile pages: add or edit a profile, and filter the list."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from relata.engagement.loyalty_forms import CustomerNumberField
from relata.feedback.models import Platform, SocialProfile
from relata.feedback.social_selectors import PROFILE_SORTS
from relata.feedback.social_services import MAX_COUNT
from relata.web.forms import BootstrapFormMixin


class SocialProfileForm(BootstrapFormMixin, forms.Form):
    customer = CustomerNumberField(required=True)
    platform = forms.ChoiceField(label=_("Platform"), choices=Platform.choices)
    handle = forms.CharField(
        label=_("Handle or link"),
        max_length=300,
        help_text=_("@anna.bakes, or paste the profile's link: the handle is read from it."),
    )
    followers = forms.IntegerField(
        label=_("Followers"), min_value=0, max_value=MAX_COUNT, initial=0
    )
    counted_on = forms.DateField(
        label=_("Followers counted on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Empty: today."),
    )
    url = forms.URLField(label=_("Link"), max_length=200, required=False, assume_scheme="https")
    next = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, with_customer: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_customer:
            del self.fields["customer"]

    @classmethod
    def initial_from(cls, profile: SocialProfile) -> dict[str, Any]:
        return {
            "platform": profile.platform,
            "handle": profile.handle,
            "followers": profile.followers,
            "counted_on": profile.counted_on,
            "url": profile.url,
        }

    def profile_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            name: data[name] for name in ("platform", "handle", "followers", "counted_on", "url")
        }


class SocialFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    platform = forms.ChoiceField(
        label=_("Platform"), required=False, choices=[("", _("All platforms")), *Platform.choices]
    )
    min_followers = forms.IntegerField(
        label=_("At least … followers"), required=False, min_value=0, max_value=MAX_COUNT
    )
    sort = forms.ChoiceField(
        required=False, choices=[(key, key) for key in PROFILE_SORTS], widget=forms.HiddenInput
    )

    def filters(self) -> dict[str, Any]:
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            ("query" if name == "q" else name): value
            for name, value in data.items()
            if value not in (None, "") and name not in self.errors
        }
