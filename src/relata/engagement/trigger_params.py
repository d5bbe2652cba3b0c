"""Settings of trigger events and actions: each a typed parameter with a default, limits and
a readable error, stored in the rule's ``event_params`` / ``action_params`` JSON.

The catalogue (which event and action has which parameters) is in
``relata.engagement.trigger_events``; this module only knows how one parameter is read,
checked and turned into a form field."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django_stubs_ext import StrOrPromise

from relata.web.forms import EARLIEST_YEAR, LATEST_YEAR

ParamKind = Literal["int", "bool", "date", "choice", "text"]
TRUE_WORDS = frozenset({"true", "1", "on", "yes"})
FALSE_WORDS = frozenset({"false", "0", "off", "no", ""})


@dataclass(frozen=True)
class Param:
    """One setting. ``default`` None and not ``required``: the setting may stay empty."""

    name: str
    label: StrOrPromise
    kind: ParamKind
    default: Any = None
    required: bool = False
    min_value: int | None = None
    max_value: int | None = None
    choices: Sequence[tuple[Any, StrOrPromise]] = ()
    help_text: StrOrPromise = ""
    max_length: int = 200

    def _error(self, message: str) -> ValidationError:
        return ValidationError(message, code="invalid")

    def clean(self, raw: Any) -> Any:
        """The value as stored in JSON (int, bool, ISO date string, choice, text), or the
        default for an empty value. Raises ``ValidationError`` with a message naming the
        setting."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if self.required and self.default is None:
                raise self._error(_("“%(label)s” is required.") % {"label": self.label})
            return self.default
        return getattr(self, f"_clean_{self.kind}")(raw)

    def _clean_int(self, raw: Any) -> int:
        if isinstance(raw, bool) or not isinstance(raw, int | str):
            raise self._error(_("“%(label)s” must be a whole number.") % {"label": self.label})
        text = str(raw).strip()
        digits = text[1:] if text.startswith("-") else text
        if not digits.isdecimal() or len(digits) > 9:
            raise self._error(_("“%(label)s” must be a whole number.") % {"label": self.label})
        value = int(text)
        low, high = self.min_value, self.max_value
        if (low is not None and value < low) or (high is not None and value > high):
            raise self._error(
                _("“%(label)s” must be between %(min)s and %(max)s.")
                % {"label": self.label, "min": low, "max": high}
            )
        return value

    def _clean_bool(self, raw: Any) -> bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        raise self._error(_("“%(label)s” must be yes or no.") % {"label": self.label})

    def _clean_date(self, raw: Any) -> str:
        if isinstance(raw, date):
            value = raw
        else:
            try:
                value = date.fromisoformat(str(raw).strip())
            except ValueError:
                raise self._error(
                    _("“%(label)s” must be a date (YYYY-MM-DD).") % {"label": self.label}
                ) from None
        if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
            raise self._error(
                _("“%(label)s” must be a date between the years %(first)s and %(last)s.")
                % {"label": self.label, "first": EARLIEST_YEAR, "last": LATEST_YEAR}
            )
        return value.isoformat()

    def _clean_choice(self, raw: Any) -> Any:
        for value, _label in self.choices:
            if str(value) == str(raw).strip():
                return value
        allowed = ", ".join(str(label) for _value, label in self.choices)
        raise self._error(
            _("“%(label)s” must be one of: %(allowed)s.")
            % {"label": self.label, "allowed": allowed}
        )

    def _clean_text(self, raw: Any) -> str:
        text = str(raw).strip()
        if "\x00" in text:
            raise self._error(
                _("“%(label)s” must not contain NUL characters.") % {"label": self.label}
            )
        if len(text) > self.max_length:
            raise self._error(
                _("“%(label)s” can be at most %(max)s characters.")
                % {"label": self.label, "max": self.max_length}
            )
        return text

    def form_field(self) -> forms.Field:
        """A form field for the setting; its cleaned value goes through ``clean`` again."""
        common: dict[str, Any] = {
            "label": self.label,
            "help_text": self.help_text,
            "required": self.required and self.default is None,
        }
        if self.kind == "bool":
            common["required"] = False
            return forms.BooleanField(**common)
        if self.kind == "choice":
            choices = [(str(v), label) for v, label in self.choices]
            if not common["required"]:
                choices = [("", "—"), *choices] if self.default is None else choices
            return forms.ChoiceField(choices=choices, **common)
        if self.kind == "date":
            return forms.CharField(
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common
            )
        if self.kind == "int":
            attrs: dict[str, Any] = {"inputmode": "numeric"}
            if self.default is not None:
                attrs["placeholder"] = str(self.default)
            return forms.CharField(widget=forms.TextInput(attrs=attrs), **common)
        return forms.CharField(max_length=self.max_length, **common)

    def initial(self, stored: Mapping[str, Any]) -> Any:
        value = stored.get(self.name, self.default)
        if self.kind == "choice" and value is not None:
            return str(value)
        return value


Check = Callable[[dict[str, Any]], dict[str, str]]


def params_clean(
    params: Sequence[Param],
    raw: Mapping[str, Any] | None,
    *,
    strict: bool = True,
    check: Check | None = None,
) -> dict[str, Any]:
    """Every parameter read from ``raw`` (defaults filled in). Raises ``ValidationError``
    keyed by parameter name. ``strict`` also refuses names that are not parameters (input
    from a form or the API); stored settings are read leniently."""
    raw = raw or {}
    if not isinstance(raw, Mapping):
        raise ValidationError(_("The settings must be a JSON object."), code="invalid")
    errors: dict[str, list[ValidationError]] = {}
    cleaned: dict[str, Any] = {}
    for param in params:
        try:
            cleaned[param.name] = param.clean(raw.get(param.name))
        except ValidationError as error:
            errors[param.name] = [error]
    if strict:
        known = {param.name for param in params}
        for name in raw:
            if name not in known:
                errors[str(name)] = [
                    ValidationError(
                        _("Unknown setting “%(name)s”.") % {"name": name}, code="unknown"
                    )
                ]
    if not errors and check is not None:
        for name, message in check(cleaned).items():
            errors[name] = [ValidationError(message, code="invalid")]
    if errors:
        raise ValidationError(errors)
    return cleaned


def params_stored(params: Sequence[Param], cleaned: Mapping[str, Any]) -> dict[str, Any]:
    """What to store: the values that are set (defaults are filled in when read)."""
    return {p.name: cleaned[p.name] for p in params if cleaned.get(p.name) is not None}
