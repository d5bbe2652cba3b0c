"""The filters of the audit trail page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from relata.audit.capture import REGISTRY
from relata.audit.models import AuditAction, AuditSource
from relata.audit.presentation import model_of, type_label
from relata.audit.selectors import AuditFilters

# Objects whose entries are written by their own features rather than by capture.
RECORDED_ELSEWHERE = ("accounts.accesssettings", "accounts.apitoken")


def object_type_choices() -> list[tuple[str, Any]]:
    labels = [*REGISTRY, *RECORDED_ELSEWHERE]
    installed = [label for label in labels if model_of(label) is not None]
    choices = sorted(((label, type_label(label)) for label in installed), key=lambda c: c[1])
    return [("", _("Any object")), *choices]


class AuditFilterForm(forms.Form):
    who = forms.CharField(label=_("Who"), max_length=150, required=False)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("Any action")), *AuditAction.choices]
    )
    object_type = forms.ChoiceField(label=_("Object"), required=False)
    source = forms.ChoiceField(
        label=_("From"), required=False, choices=[("", _("Anywhere")), *AuditSource.choices]
    )
    date_from = forms.DateField(
        label=_("From date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    customer = forms.CharField(label=_("Customer number"), max_length=32, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = object_type_choices()  # type: ignore[attr-defined]
        for bound in self.fields.values():
            css = "form-select form-select-sm"
            if not isinstance(bound, forms.ChoiceField):
                css = "form-control form-control-sm"
            bound.widget.attrs.setdefault("class", css)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return cleaned

    def filters(self) -> AuditFilters:
        """The filters to apply; call after ``is_valid()``."""
        data = self.cleaned_data
        return AuditFilters(
            who=data.get("who", "").strip(),
            action=data.get("action", ""),
            object_type=data.get("object_type", ""),
            source=data.get("source", ""),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            customer_number=data.get("customer", "").strip(),
        )
