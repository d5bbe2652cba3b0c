"""The segment rule language: the field catalogue, the check, and the compiler to SQL.

A rules tree is a group ``{"match": "all"|"any", "rules": [item, ...]}`` whose items are
groups again or conditions ``{"field": key, "op": op, "value": ...}``. Conditions on order
aggregates, categories and products take an optional ``"days"``: only orders in the last N
days count (``{"field": "revenue", "op": "gte", "value": 500, "days": 365}``).

Values by field type:

* text: a string; ``in``/``not_in``/``starts_with`` take a list or a comma-separated string;
* choice / multi-choice: a choice value or a list of them (see ``choices`` in the catalogue);
* number / money: a number (``between``: ``[low, high]``, both ends included);
* date: an ISO date ``"2025-01-31"``;
* relative-date: a whole number of days, or ``{"amount": 3, "unit": "months"}``; it is
  resolved against today's date when the segment is evaluated, so "in the last 90 days"
  keeps moving;
* boolean: no value (the operator says yes or no).

Negative operators (``ne``, ``not_in``, ``none_of``, ``not_contains``, ``not_within_last``,
``is_false``) are the complement of their positive form: they include customers whose value
is unknown (no birth date, no snapshot yet, never ordered).

Everything compiles to one ``Q`` over ``Customer`` made of column tests and ``EXISTS`` /
``IN`` subqueries, so the database evaluates a segment in one statement, never a Python loop
over customers. Value fields read the snapshot of the latest complete score run; without
one, conditions on them match nobody.

Adding a field: ``field_register(SegmentField(...))`` (see ``catalogue.py``). Influence
and loyalty (DOMAIN.md §7, §8) are snapshot fields like the value fields; followers and
reviews are live totals over the feedback app's tables.
"""

from relata.engagement.segment_rules.builders import group_has_conditions, rules_q
from relata.engagement.segment_rules.catalogue import catalogue_for_builder, rules_describe
from relata.engagement.segment_rules.check import rules_check
from relata.engagement.segment_rules.language import (
    BOOLEAN,
    CATALOGUE,
    CHOICE,
    DATE,
    GROUP_LABELS,
    GROUPS,
    MONEY,
    MULTI_CHOICE,
    NO_VALUE_OPS,
    NUMBER,
    OPS,
    RELATIVE_DATE,
    TEXT,
    TYPES,
    UNITS,
    Condition,
    Context,
    RulesInvalid,
    SegmentField,
    choices_cached,
    field_get,
    field_register,
    relative_cutoff,
)

__all__ = [
    "BOOLEAN",
    "CATALOGUE",
    "CHOICE",
    "DATE",
    "GROUPS",
    "GROUP_LABELS",
    "MONEY",
    "MULTI_CHOICE",
    "NO_VALUE_OPS",
    "NUMBER",
    "OPS",
    "RELATIVE_DATE",
    "TEXT",
    "TYPES",
    "UNITS",
    "Condition",
    "Context",
    "RulesInvalid",
    "SegmentField",
    "catalogue_for_builder",
    "choices_cached",
    "field_get",
    "field_register",
    "group_has_conditions",
    "relative_cutoff",
    "rules_check",
    "rules_describe",
    "rules_q",
]
