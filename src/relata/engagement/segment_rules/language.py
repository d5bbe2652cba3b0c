"""The rule language: field types, operators, the field catalogue and value parsing."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from relata.scoring.selectors import latest_run

# Limits that keep a tree readable and its SQL of reasonable size.
MAX_DEPTH = 4
MAX_CONDITIONS = 60
MAX_TEXT = 200
MAX_LIST = 500
MAX_DAYS = 100 * 366


# ---------------------------------------------------------------------------------------
# Groups, types and operators
# ---------------------------------------------------------------------------------------

GROUPS: tuple[tuple[str, StrOrPromise], ...] = (
    ("basic", gettext_lazy("Basic data")),
    ("profile", gettext_lazy("Profile")),
    ("behaviour", gettext_lazy("Behaviour")),
    ("value", gettext_lazy("Value (latest score run)")),
    ("consent", gettext_lazy("Consent")),
)
GROUP_LABELS = dict(GROUPS)

TEXT = "text"
CHOICE = "choice"
NUMBER = "number"
MONEY = "money"
DATE = "date"
RELATIVE_DATE = "relative-date"
BOOLEAN = "boolean"
MULTI_CHOICE = "multi-choice"
TYPES = (TEXT, CHOICE, NUMBER, MONEY, DATE, RELATIVE_DATE, BOOLEAN, MULTI_CHOICE)

OPS: dict[str, StrOrPromise] = {
    "eq": gettext_lazy("is"),
    "ne": gettext_lazy("is not"),
    "in": gettext_lazy("is any of"),
    "not_in": gettext_lazy("is none of"),
    "contains": gettext_lazy("contains"),
    "not_contains": gettext_lazy("does not contain"),
    "starts_with": gettext_lazy("starts with"),
    "gt": gettext_lazy("more than"),
    "gte": gettext_lazy("at least"),
    "lt": gettext_lazy("less than"),
    "lte": gettext_lazy("at most"),
    "between": gettext_lazy("between"),
    "within_last": gettext_lazy("in the last"),
    "not_within_last": gettext_lazy("not in the last"),
    "more_than_ago": gettext_lazy("longer ago than"),
    "before": gettext_lazy("before"),
    "after": gettext_lazy("on or after"),
    "any_of": gettext_lazy("any of"),
    "all_of": gettext_lazy("all of"),
    "none_of": gettext_lazy("none of"),
    "is_set": gettext_lazy("is known"),
    "is_not_set": gettext_lazy("is unknown"),
    "is_true": gettext_lazy("yes"),
    "is_false": gettext_lazy("no"),
}
# Operators that take no value.
NO_VALUE_OPS = frozenset({"is_set", "is_not_set", "is_true", "is_false"})
LIST_OPS = frozenset({"in", "not_in", "any_of", "all_of", "none_of"})
COMPARE_OPS = ("eq", "ne", "gt", "gte", "lt", "lte", "between")

UNITS: dict[str, StrOrPromise] = {
    "days": gettext_lazy("days"),
    "weeks": gettext_lazy("weeks"),
    "months": gettext_lazy("months"),
    "years": gettext_lazy("years"),
}

ChoiceList = list[tuple[Any, str]]


class RulesInvalid(ValueError):
    """A rules tree that cannot be evaluated; ``errors`` are readable sentences."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = list(errors)
        super().__init__(" ".join(self.errors))


# ---------------------------------------------------------------------------------------
# The evaluation context: today's date and the latest score run, looked up once per tree
# ---------------------------------------------------------------------------------------


@dataclass
class Context:
    today: date = field(default_factory=timezone.localdate)

    @cached_property
    def run_id(self) -> int | None:
        run = latest_run()
        return run.pk if run is not None else None


@dataclass(frozen=True)
class Condition:
    field: SegmentField
    op: str
    value: Any
    days: int | None
    position: str


Builder = Callable[[Condition, Context], Q]
# A condition on the latest snapshot as (test of a snapshot row, negated): the compiler
# merges the positive ones of a group into one EXISTS.
SnapshotTest = Callable[[Condition], tuple[Q, bool]]


@dataclass(frozen=True)
class SegmentField:
    """One field of the rule builder. ``build`` turns a checked condition into a ``Q``;
    ``choices`` is a list or a callable (evaluated when a form or check needs it)."""

    key: str
    label: StrOrPromise
    group: str
    type: str
    ops: tuple[str, ...]
    build: Builder
    choices: ChoiceList | Callable[[], ChoiceList] | None = None
    help: StrOrPromise = ""
    # Orders in the last N days only ("days" on the condition).
    window: bool = False
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    integer: bool = False
    # Distinct values offered while typing a text value (a callable, evaluated on demand).
    suggestions: Callable[[], list[str]] | None = None
    # Set for fields on the latest snapshot (see SnapshotTest).
    snapshot_test: SnapshotTest | None = None

    def choice_list(self) -> ChoiceList:
        if self.choices is None:
            return []
        cache = _CHOICES_CACHE.get()
        if cache is not None and self.key in cache:
            return cache[self.key]
        values = list(self.choices() if callable(self.choices) else self.choices)
        if cache is not None:
            cache[self.key] = values
        return values


# Choices read from the database (products, categories, users) are read once per block of
# ``choices_cached``: a list page describing twenty segments, or one evaluation that checks
# and then compiles the same rules, would otherwise read them again for every condition.
_CHOICES_CACHE: ContextVar[dict[str, ChoiceList] | None] = ContextVar(
    "segment_choices", default=None
)


@contextmanager
def choices_cached() -> Iterator[None]:
    if _CHOICES_CACHE.get() is not None:  # already inside one: share it
        yield
        return
    token = _CHOICES_CACHE.set({})
    try:
        yield
    finally:
        _CHOICES_CACHE.reset(token)


CATALOGUE: dict[str, SegmentField] = {}


def field_register(segment_field: SegmentField) -> SegmentField:
    """Add (or replace) a field in the catalogue. Other apps call this at import time."""
    if segment_field.type not in TYPES:
        raise ValueError(f"unknown field type {segment_field.type!r}")
    unknown = set(segment_field.ops) - set(OPS)
    if unknown:
        raise ValueError(f"unknown operators {sorted(unknown)} for {segment_field.key}")
    CATALOGUE[segment_field.key] = segment_field
    return segment_field


def field_get(key: str) -> SegmentField | None:
    return CATALOGUE.get(key)


# ---------------------------------------------------------------------------------------
# Value helpers
# ---------------------------------------------------------------------------------------


def as_list(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list | tuple):
        return [v.strip() if isinstance(v, str) else v for v in value if v not in ("", None)]
    return [value]


def as_number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        value = value.strip().replace(",", ".")
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def months_back(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    # The same day of the month, or the month's last day (31 March - 1 month = 28/29 Feb).
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError("unreachable")  # pragma: no cover


def as_relative(value: Any) -> tuple[int, str] | None:
    """(amount, unit) from an int of days or ``{"amount": n, "unit": u}``."""
    if isinstance(value, dict):
        amount, unit = value.get("amount"), value.get("unit", "days")
    else:
        amount, unit = value, "days"
    number = as_number(amount)
    if number is None or number != number.to_integral_value() or unit not in UNITS:
        return None
    if number < 0 or number * DAYS_PER_UNIT[str(unit)] > MAX_DAYS:
        return None
    return int(number), str(unit)


# Upper bounds per unit, to keep a relative date within a century whatever the unit.
DAYS_PER_UNIT = {"days": 1, "weeks": 7, "months": 31, "years": 366}


def relative_cutoff(value: Any, today: date) -> date:
    """The date ``value`` (days, or amount + unit) before ``today``."""
    parsed = as_relative(value)
    if parsed is None:
        raise ValueError(f"not a relative date: {value!r}")
    amount, unit = parsed
    if unit == "days":
        return today - timedelta(days=amount)
    if unit == "weeks":
        return today - timedelta(weeks=amount)
    months = amount if unit == "months" else amount * 12
    return months_back(today, months)


def choice_map(segment_field: SegmentField) -> dict[str, Any]:
    return {str(value): value for value, _label in segment_field.choice_list()}


def choice_values(condition: Condition) -> list[Any]:
    """The condition's value(s) as the choice's own values (ints for tiers, ...)."""
    mapping = choice_map(condition.field)
    return [mapping[str(v)] for v in as_list(condition.value) if str(v) in mapping]
