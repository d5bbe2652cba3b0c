"""The check of a rules tree: readable errors naming the condition, never an exception."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django_stubs_ext import StrOrPromise

from relata.engagement.segment_rules.language import (
    CATALOGUE,
    CHOICE,
    DATE,
    LIST_OPS,
    MAX_CONDITIONS,
    MAX_DAYS,
    MAX_DEPTH,
    MAX_LIST,
    MAX_TEXT,
    MONEY,
    MULTI_CHOICE,
    NO_VALUE_OPS,
    NUMBER,
    RELATIVE_DATE,
    TEXT,
    SegmentField,
    as_date,
    as_list,
    as_number,
    as_relative,
    choice_map,
)

# ---------------------------------------------------------------------------------------
# The check: readable errors, never an exception
# ---------------------------------------------------------------------------------------


def _describe(position: str, label: StrOrPromise, reason: str) -> str:
    if label:
        return _("Condition %(position)s (%(field)s): %(reason)s") % {
            "position": position,
            "field": label,
            "reason": reason,
        }
    return _("Condition %(position)s: %(reason)s") % {"position": position, "reason": reason}


def _check_value(segment_field: SegmentField, op: str, value: Any) -> str | None:
    """Why ``value`` does not fit ``op`` on ``segment_field``, or None when it does."""
    kind = segment_field.type
    if op in NO_VALUE_OPS:
        return None
    if kind in (CHOICE, MULTI_CHOICE):
        values = as_list(value) if op in LIST_OPS else [value]
        if not values or values == [None] or values == [""]:
            return _("choose at least one value.") if op in LIST_OPS else _("choose a value.")
        if len(values) > MAX_LIST:
            return _("at most %(n)s values.") % {"n": MAX_LIST}
        known = choice_map(segment_field)
        unknown = [str(v) for v in values if str(v) not in known]
        if unknown:
            return _("unknown value %(values)s.") % {"values": ", ".join(repr(v) for v in unknown)}
        return None
    if kind == TEXT:
        values = as_list(value) if op in ("in", "not_in", "starts_with") else [value]
        if not values or any(not isinstance(v, str) or not v.strip() for v in values):
            return _("enter a text.")
        if any(len(v) > MAX_TEXT for v in values):
            return _("texts are limited to %(n)s characters.") % {"n": MAX_TEXT}
        if any("\x00" in v or not _encodable(v) for v in values):
            return _("the text holds characters that cannot be stored.")
        if len(values) > MAX_LIST:
            return _("at most %(n)s values.") % {"n": MAX_LIST}
        return None
    if kind in (NUMBER, MONEY):
        if op == "between":
            if not isinstance(value, list | tuple) or len(value) != 2:
                return _("enter two numbers, the lowest first.")
            low, high = as_number(value[0]), as_number(value[1])
            if low is None or high is None:
                return _("enter two numbers, the lowest first.")
            if low > high:
                return _("the first number must not be larger than the second.")
            return _check_range(segment_field, low) or _check_range(segment_field, high)
        number = as_number(value)
        if number is None:
            return _("enter a number.")
        return _check_range(segment_field, number)
    if kind in (DATE, RELATIVE_DATE) and op in ("before", "after"):
        if as_date(value) is None:
            return _("enter a date as YYYY-MM-DD.")
        return None
    if kind == RELATIVE_DATE:
        if as_relative(value) is None:
            return _("enter a whole number of days, weeks, months or years (0 or more).")
        return None
    return None


def _check_range(segment_field: SegmentField, number: Decimal) -> str | None:
    if segment_field.integer and number != number.to_integral_value():
        return _("enter a whole number.")
    if segment_field.minimum is not None and number < segment_field.minimum:
        return _("enter %(n)s or more.") % {"n": segment_field.minimum}
    if segment_field.maximum is not None and number > segment_field.maximum:
        return _("enter %(n)s or less.") % {"n": segment_field.maximum}
    if abs(number) >= Decimal("1e12"):
        return _("the number is too large.")
    return None


def _encodable(text: str) -> bool:
    """False for text a database cannot store (a lone surrogate from a JSON escape)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_days(segment_field: SegmentField, days: Any) -> str | None:
    if days in (None, ""):
        return None
    if not segment_field.window:
        return _("this field takes no period in days.")
    number = as_number(days)
    if number is None or number != number.to_integral_value() or not 1 <= number <= MAX_DAYS:
        return _("the period must be a whole number of days, 1 or more.")
    return None


def _check_item(
    item: Any, position: str, depth: int, errors: list[str], counter: list[int]
) -> None:
    if not isinstance(item, dict):
        errors.append(_describe(position, "", _("a condition or a group is expected.")))
        return
    if "rules" in item or "match" in item:
        _check_group(item, position, depth + 1, errors, counter)
        return
    counter[0] += 1
    key = item.get("field")
    segment_field = CATALOGUE.get(key) if isinstance(key, str) else None
    if segment_field is None:
        reason = (
            _("choose a field.")
            if key in (None, "")
            else _("unknown field %(field)r.") % {"field": str(key)}
        )
        errors.append(_describe(position, "", reason))
        return
    op = item.get("op")
    if op not in segment_field.ops:
        reason = (
            _("choose an operator.")
            if op in (None, "")
            else _("the operator %(op)r does not apply to this field.") % {"op": str(op)}
        )
        errors.append(_describe(position, segment_field.label, reason))
        return
    problem = _check_value(segment_field, op, item.get("value")) or _check_days(
        segment_field, item.get("days")
    )
    if problem is not None:
        errors.append(_describe(position, segment_field.label, problem))


def _check_group(
    group: Any, position: str, depth: int, errors: list[str], counter: list[int]
) -> None:
    where = position or _("the rules")
    if not isinstance(group, dict):
        errors.append(_("Group %(position)s: a group is expected.") % {"position": where})
        return
    if depth > MAX_DEPTH:
        errors.append(
            _("Group %(position)s: groups nest at most %(n)s deep.")
            % {"position": where, "n": MAX_DEPTH}
        )
        return
    if group.get("match", "all") not in ("all", "any"):
        errors.append(_("Group %(position)s: match must be “all” or “any”.") % {"position": where})
    items = group.get("rules", [])
    if not isinstance(items, list):
        errors.append(_("Group %(position)s: rules must be a list.") % {"position": where})
        return
    for index, item in enumerate(items, start=1):
        _check_item(item, f"{position}.{index}" if position else str(index), depth, errors, counter)


def rules_check(rules: Any) -> list[str]:
    """Readable errors in ``rules`` (empty when it can be evaluated). Each names the
    condition by its position (``2.1`` is the first item of the second item's group), the
    field and the reason."""
    errors: list[str] = []
    counter = [0]
    if not isinstance(rules, dict):
        return [_('The rules must be a group: {"match": "all", "rules": [...]}.')]
    _check_group(rules, "", 1, errors, counter)
    if counter[0] > MAX_CONDITIONS:
        errors.append(
            _("A segment has at most %(n)s conditions; this one has %(count)s.")
            % {"n": MAX_CONDITIONS, "count": counter[0]}
        )
    return errors
