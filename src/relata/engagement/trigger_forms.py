"""Forms of the trigger pages: a rule with the settings of its event and action (the fields
change with the chosen kinds), and the filters of the firing log."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from relata.engagement.models import (
    Campaign,
    CampaignStatus,
    FiringOutcome,
    MessageTemplate,
    Segment,
    TriggerAction,
    TriggerEvent,
    TriggerRule,
)
from relata.engagement.trigger_events import (
    ACTIONS,
    EVENTS,
    ActionDefinition,
    EventDefinition,
)
from relata.engagement.trigger_params import Param
from relata.web.forms import BootstrapFormMixin

EVENT_PREFIX, ACTION_PREFIX = "event__", "action__"


def _bootstrap(field: forms.Field) -> forms.Field:
    widget = field.widget
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.Select):
        css = "form-select"
    else:
        css = "form-control"
    widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
    return field


def _chosen(value: Any, allowed: list[str], fallback: str) -> str:
    return str(value) if str(value) in allowed else fallback


def _suggested(kinds: Mapping[str, Any], prefix: str, params: tuple[Param, ...]) -> dict[str, Any]:
    """Settings suggested in the query string; only names the definition knows."""
    return {p.name: kinds[prefix + p.name] for p in params if kinds.get(prefix + p.name)}


class TriggerRuleForm(BootstrapFormMixin, forms.ModelForm):
    """The rule's own fields, then one field per setting of the chosen event and action,
    named ``event__<setting>`` and ``action__<setting>``."""

    class Meta:
        model = TriggerRule
        fields = (
            "name",
            "description",
            "event",
            "segment",
            "action",
            "campaign",
            "template",
            "active",
        )
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, kinds: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rule: TriggerRule = self.instance
        source: Mapping[str, Any] = self.data if self.is_bound else (kinds or {})
        self.event = _chosen(
            source.get("event") or rule.event, TriggerEvent.values, TriggerEvent.BIRTHDAY
        )
        self.action = _chosen(
            source.get("action") or rule.action, TriggerAction.values, TriggerAction.TASK
        )
        self.initial.update({"event": self.event, "action": self.action})
        self.event_definition: EventDefinition = EVENTS[self.event]
        self.action_definition: ActionDefinition = ACTIONS[self.action]
        stored_event = (rule.event_params if rule.event == self.event else {}) or {}
        stored_action = (rule.action_params if rule.action == self.action else {}) or {}
        if not self.is_bound and rule.pk is None and kinds:
            # A new rule started from an example link (?event=…&event__touchpoint=…).
            stored_event = _suggested(kinds, EVENT_PREFIX, self.event_definition.params)
            stored_action = _suggested(kinds, ACTION_PREFIX, self.action_definition.params)
            if kinds.get("name"):
                self.initial["name"] = str(kinds["name"])[:160]
        self._add(EVENT_PREFIX, self.event_definition.params, stored_event)
        self._add(ACTION_PREFIX, self.action_definition.params, stored_action)
        self.fields["segment"].queryset = Segment.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["campaign"].queryset = Campaign.objects.exclude(  # type: ignore[attr-defined]
            status=CampaignStatus.FINISHED
        ).order_by("name")
        self.fields["template"].queryset = MessageTemplate.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["event"].label = _("Event")
        self.fields["action"].label = _("Action")
        self.fields["segment"].help_text = _(
            "Only customers in this segment fire; empty: everybody."
        )
        self.fields["campaign"].help_text = _(
            "A running campaign with a template; its channel and consent apply."
        )
        self.fields["template"].help_text = _(
            "Its channel is the message's channel; merge fields are filled in."
        )
        # The settings follow the chosen kinds: htmx swaps in the fields of the new choice.
        for kind, other in (("event", "action"), ("action", "event")):
            self.fields[kind].widget.attrs.update(
                {
                    "hx-get": f"?part={kind}",
                    "hx-target": f"#{kind}-settings",
                    "hx-swap": "outerHTML",
                    "hx-include": f"#id_{other}",
                }
            )
        self.event_params: dict[str, Any] = {}
        self.action_params: dict[str, Any] = {}

    def _add(self, prefix: str, params: tuple[Param, ...], stored: Mapping[str, Any]) -> None:
        for param in params:
            field = _bootstrap(param.form_field())
            if not self.is_bound:
                field.initial = param.initial(stored)
            self.fields[prefix + param.name] = field

    def event_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(EVENT_PREFIX)]

    def action_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(ACTION_PREFIX)]

    def _clean_params(
        self, prefix: str, definition: EventDefinition | ActionDefinition, data: dict[str, Any]
    ) -> dict[str, Any]:
        raw = {p.name: data.get(prefix + p.name) for p in definition.params}
        try:
            return definition.clean(raw)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                field = prefix + name
                self.add_error(field if field in self.fields else None, messages)
            return {}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("event") != self.event or data.get("action") != self.action:
            return data  # an unknown kind: its own field says so
        self.event_params = self._clean_params(EVENT_PREFIX, self.event_definition, data)
        self.action_params = self._clean_params(ACTION_PREFIX, self.action_definition, data)
        if self.event_definition.needs_segment and not data.get("segment"):
            self.add_error("segment", _("This event needs a segment: its customers fire."))
        if self.action_definition.needs_campaign and not data.get("campaign"):
            self.add_error("campaign", _("Choose the campaign to enrol customers in."))
        if self.action_definition.needs_template and not data.get("template"):
            self.add_error("template", _("Choose the message template."))
        return data

    def rule(self) -> TriggerRule:
        """The rule with the form's values (not saved: the service saves it)."""
        rule = cast(TriggerRule, self.save(commit=False))
        rule.event_params = self.event_params
        rule.action_params = self.action_params
        return rule


class FiringFilterForm(BootstrapFormMixin, forms.Form):
    outcome = forms.ChoiceField(
        required=False, choices=[("", _("Any outcome")), *FiringOutcome.choices]
    )
    event = forms.ChoiceField(required=False, choices=[("", _("Any event")), *TriggerEvent.choices])
