"""Trigger actions another app carries out.

The catalogue (``relata.engagement.trigger_events``) knows every action's settings, but an
action such as sending a survey is done by another app (``relata.feedback``), which
engagement must not import: a module-level import would make engagement depend on an app
that itself depends on engagement's models. That app registers, when it is ready, how the
action runs and where the choices of its settings come from; engagement calls it through
this registry. Without a registration the action is skipped with a reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from django_stubs_ext import StrOrPromise

from relata.customers.models import Customer
from relata.engagement.models import TriggerFiring, TriggerRule
from relata.engagement.trigger_scanners import Occurrence

# (rule, firing, customer, occurrence) → (outcome, detail), like the built-in actions.
ActionRun = Callable[[TriggerRule, TriggerFiring, Customer, Occurrence], tuple[str, str]]
ChoicesSource = Callable[[], Sequence[tuple[Any, StrOrPromise]]]


@dataclass(frozen=True)
class ActionProvider:
    run: ActionRun
    choices: Mapping[str, ChoicesSource] = field(default_factory=dict)


ACTION_PROVIDERS: dict[str, ActionProvider] = {}


def action_provider_register(action: str, provider: ActionProvider) -> ActionProvider:
    """Say how ``action`` runs and where its settings' choices come from (from an app's
    ``ready``; registering again replaces)."""
    ACTION_PROVIDERS[action] = provider
    return provider


class ProvidedChoices(Sequence[tuple[Any, StrOrPromise]]):
    """The choices of a setting, read from the registered provider each time they are used
    (a form, a check, a summary), so they follow the data (the active surveys). Nothing is
    read when the catalogue is built."""

    def __init__(self, action: str, name: str) -> None:
        self.action, self.name = action, name

    def _current(self) -> list[tuple[Any, StrOrPromise]]:
        provider = ACTION_PROVIDERS.get(self.action)
        source = provider.choices.get(self.name) if provider is not None else None
        return list(source()) if source is not None else []

    @overload
    def __getitem__(self, index: int) -> tuple[Any, StrOrPromise]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[tuple[Any, StrOrPromise]]: ...

    def __getitem__(
        self, index: int | slice
    ) -> tuple[Any, StrOrPromise] | Sequence[tuple[Any, StrOrPromise]]:
        return self._current()[index]

    def __iter__(self) -> Iterator[tuple[Any, StrOrPromise]]:
        return iter(self._current())

    def __len__(self) -> int:
        return len(self._current())
