"""The message template form: merge fields are checked when the template is saved."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from relata.engagement.merge_fields import MERGE_FIELDS, unknown_merge_fields
from relata.engagement.models import MessageTemplate
from relata.web.forms import BootstrapFormMixin


def _known_fields() -> str:
    return ", ".join(f"{{{{ {name} }}}}" for name in MERGE_FIELDS)


class MessageTemplateForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ("name", "channel", "subject", "body")
        widgets = {"body": forms.Textarea(attrs={"rows": 12, "spellcheck": "true"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject"].help_text = _("For e-mail; letters and calls ignore it.")
        self.fields["body"].help_text = _(
            "Plain text. Web addresses (https://…) in an e-mail become tracked links."
        )

    def _check_merge_fields(self, name: str) -> str:
        text: str = self.cleaned_data.get(name) or ""
        unknown = unknown_merge_fields(text)
        if unknown:
            raise forms.ValidationError(
                ngettext(
                    "Unknown merge field %(names)s. Known fields: %(known)s.",
                    "Unknown merge fields %(names)s. Known fields: %(known)s.",
                    len(unknown),
                )
                % {
                    "names": ", ".join(f"{{{{ {n} }}}}" for n in unknown),
                    "known": _known_fields(),
                },
                code="unknown_merge_field",
            )
        return text

    def clean_subject(self) -> str:
        return self._check_merge_fields("subject")

    def clean_body(self) -> str:
        return self._check_merge_fields("body")


class PreviewForm(forms.Form):
    """What the live preview renders: the text being edited and an optional customer."""

    subject = forms.CharField(required=False, max_length=200)
    body = forms.CharField(required=False, max_length=20000)
    channel = forms.CharField(required=False, max_length=10)
    customer_number = forms.CharField(required=False, max_length=32)
