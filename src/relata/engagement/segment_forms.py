"""Forms of the segment pages: the segment with its rules (JSON written by the builder, or
typed by hand without JavaScript) and the persona's name and story."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from relata.engagement.models import Segment
from relata.engagement.segment_rules import rules_check
from relata.web.forms import BootstrapFormMixin

MAX_RULES_JSON = 100_000
# Far above any real rule set (a condition holds two brackets), far below Python's
# recursion limit when parsing nested JSON.
MAX_BRACKETS = 2_000


def rules_parse(text: str) -> tuple[dict[str, Any] | None, list[str]]:
    """(rules, errors) from the builder's JSON text: a readable message for text that is not
    JSON or not a group, then the rules check's messages."""
    text = (text or "").strip() or '{"match": "all", "rules": []}'
    if len(text) > MAX_RULES_JSON:
        return None, [str(_("The rules are too long."))]
    if text.count("[") + text.count("{") > MAX_BRACKETS:
        return None, [str(_("The rules nest too deeply."))]
    try:
        rules = json.loads(text)
    except RecursionError:
        return None, [str(_("The rules nest too deeply."))]
    except ValueError as error:
        return None, [
            str(_("The rules are not valid JSON (line %(line)s, column %(column)s)."))
            % {"line": getattr(error, "lineno", "?"), "column": getattr(error, "colno", "?")}
        ]
    errors = rules_check(rules)
    return (rules if not errors else None), errors


class RulesField(forms.CharField):
    """A rules tree as JSON text; cleans to the checked dict."""

    widget = forms.Textarea(attrs={"rows": 6, "class": "font-monospace", "spellcheck": "false"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return json.dumps(value, ensure_ascii=False, indent=1)
        return value

    def to_python(self, value: Any) -> Any:
        if isinstance(value, dict):
            return value
        rules, errors = rules_parse(str(value or ""))
        if errors:
            raise ValidationError(errors)
        return rules


class SegmentForm(BootstrapFormMixin, forms.ModelForm):
    rules = RulesField(
        label=_("Rules"),
        required=False,
        help_text=_('A group: {"match": "all" or "any", "rules": [conditions or groups]}.'),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Segment
        fields = ["name", "description", "rules"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class PersonaForm(BootstrapFormMixin, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Segment
        fields = ["persona_name", "persona_story"]
        widgets = {"persona_story": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "persona_name": _("A name for the typical customer, e.g. “Loyal Lotte”."),
            "persona_story": _("Who they are, what they want, how to approach them."),
        }


class SegmentDeleteForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
