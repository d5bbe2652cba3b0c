"""The filters of the journey page, its CSV export (and the same rules as the API)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relata.feedback.journey_selectors import (
    DEFAULT_STEPS,
    DEFAULT_WINDOW_DAYS,
    GROUP_FIRST_CHANNEL,
    GROUP_SOURCE,
    NODE_CHANNEL,
    NODE_TOUCHPOINT,
    JourneyFilters,
    default_period,
)
from relata.web.forms import BootstrapFormMixin

MAX_STEPS = 6
MAX_WINDOW_DAYS = 365
MAX_YEARS = 10

NODE_CHOICES = [(NODE_TOUCHPOINT, _("Touchpoints")), (NODE_CHANNEL, _("Channels"))]
GROUPING_CHOICES = [
    (GROUP_SOURCE, _("Acquisition source")),
    (GROUP_FIRST_CHANNEL, _("Channel of the first contact")),
]


class JourneyFilterForm(BootstrapFormMixin, forms.Form):
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    node = forms.ChoiceField(
        label=_("Path steps"), choices=NODE_CHOICES, required=False, initial=NODE_TOUCHPOINT
    )
    steps = forms.IntegerField(
        label=_("Steps"), min_value=1, max_value=MAX_STEPS, required=False, initial=DEFAULT_STEPS
    )
    grouping = forms.ChoiceField(
        label=_("Cohorts by"), choices=GROUPING_CHOICES, required=False, initial=GROUP_SOURCE
    )
    window_days = forms.IntegerField(
        label=_("Switch window (days)"),
        min_value=1,
        max_value=MAX_WINDOW_DAYS,
        required=False,
        initial=DEFAULT_WINDOW_DAYS,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        date_to: date = data.get("date_to") or today
        if "date_to" not in self.errors and date_to > today:
            self.add_error("date_to", _("The period cannot end after today."))
        # Without a start: the 24 calendar months up to the end, its own month included.
        date_from: date = data.get("date_from") or default_period(date_to)[0]
        if "date_from" not in self.errors and date_from > date_to:
            self.add_error("date_from", _("The start must lie on or before the end."))
        elif date_to.year - date_from.year > MAX_YEARS:
            self.add_error(
                "date_from",
                _("Choose a period of at most %(years)d years.") % {"years": MAX_YEARS},
            )
        data["date_from"], data["date_to"] = date_from, date_to
        return data

    def filters(self) -> JourneyFilters:
        """The filters chosen, defaults for what was left empty (the form must be valid)."""
        data = self.cleaned_data
        return JourneyFilters(
            date_from=data["date_from"],
            date_to=data["date_to"],
            node=data.get("node") or NODE_TOUCHPOINT,
            steps=data.get("steps") or DEFAULT_STEPS,
            grouping=data.get("grouping") or GROUP_SOURCE,
            window_days=data.get("window_days") or DEFAULT_WINDOW_DAYS,
        )


def filter_form_showing(filters: JourneyFilters) -> JourneyFilterForm:
    """A form that shows the filters in effect (defaults filled in)."""
    form = JourneyFilterForm(
        data={
            "date_from": filters.date_from.isoformat(),
            "date_to": filters.date_to.isoformat(),
            "node": filters.node,
            "steps": filters.steps,
            "grouping": filters.grouping,
            "window_days": filters.window_days,
        }
    )
    form.is_valid()
    return form


def default_filters() -> JourneyFilters:
    date_from, date_to = default_period()
    return JourneyFilters(date_from=date_from, date_to=date_to)


def form_errors(form: forms.Form) -> str:
    """One sentence naming each field and what is wrong with it."""
    parts = []
    for name, errors in form.errors.get_json_data().items():
        messages = " ".join(error["message"] for error in errors)
        parts.append(f"{form.fields[name].label}: {messages}" if name in form.fields else messages)
    return " ".join(parts)
