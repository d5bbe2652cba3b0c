"""The filters of the satisfaction page: date range, survey, touchpoint, channel and the
period granularity."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from relata.contacts.models import Channel, Touchpoint
from relata.feedback.models import Survey
from relata.feedback.satisfaction_selectors import (
    GRANULARITIES,
    MAX_YEARS,
    MONTH,
    SatisfactionFilters,
    satisfaction_filters,
)
from relata.web.forms import BootstrapFormMixin


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SatisfactionFilterForm(BootstrapFormMixin, forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=_date_widget())
    date_to = forms.DateField(label=_("To"), required=False, widget=_date_widget())
    survey = forms.ModelChoiceField(
        label=_("Survey"),
        queryset=Survey.objects.order_by("name", "id"),
        required=False,
        empty_label=_("All surveys"),
    )
    touchpoint = forms.ChoiceField(
        label=_("Touchpoint"),
        required=False,
        choices=[("", _("All touchpoints")), *Touchpoint.choices],
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("All channels")), *Channel.choices]
    )
    granularity = forms.ChoiceField(
        label=_("Per"), required=False, choices=GRANULARITIES, initial=MONTH
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date lies before the start date."))
        elif start and end and (end - start).days > MAX_YEARS * 366:
            self.add_error(
                "date_from",
                _("Choose a range of at most %(years)s years.") % {"years": MAX_YEARS},
            )
        return cleaned

    def filters(self) -> SatisfactionFilters:
        """The filters of a valid form, with defaults for what is left empty; the defaults
        alone for an unbound or invalid form."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        survey = data.get("survey")
        try:
            return satisfaction_filters(
                date_from=data.get("date_from"),
                date_to=data.get("date_to"),
                granularity=data.get("granularity") or MONTH,
                survey_id=survey.pk if survey is not None else None,
                touchpoint=data.get("touchpoint") or "",
                channel=data.get("channel") or "",
            )
        except ValueError as error:
            # Only a date_from after a default date_to (today) gets here.
            self.add_error("date_from", str(error))
            return satisfaction_filters()
