"""Reads of segments: their customers (one SQL statement per segment), counts, and the
segment list with where each segment is used."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models import CharField, Count, F, QuerySet, Value
from django.db.models.functions import Concat

from relata.customers.models import Customer
from relata.engagement.models import Segment
from relata.engagement.segment_rules import RulesInvalid, rules_check, rules_q


def rules_customers(rules: dict[str, Any], *, today: date | None = None) -> QuerySet[Customer]:
    """The customers the rules select, as a lazy queryset (filter, count, page or export it).
    Raises ``RulesInvalid`` (a ``ValueError`` whose ``errors`` are the ``rules_check``
    messages) for rules that cannot be evaluated."""
    return Customer.objects.filter(rules_q(rules, today=today))


def segment_customers(segment: Segment, *, today: date | None = None) -> QuerySet[Customer]:
    """The segment's members now (rules are evaluated live; relative dates against today)."""
    return rules_customers(segment.rules, today=today)


# PostgreSQL settings for evaluating a segment (constants, set with SET LOCAL): hash tables
# of customer ids for order aggregates (IN / NOT IN over GROUP BY … HAVING) fit in memory
# instead of spilling to disk, and JIT compilation, which costs more than it saves on these
# short statements, stays off.
_PG_SETTINGS = ("SET LOCAL work_mem = '64MB'", "SET LOCAL jit = off")


@contextmanager
def segment_evaluation() -> Iterator[None]:
    """Run segment queries inside this block (a transaction) to give PostgreSQL the settings
    above; elsewhere it is just a transaction."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for statement in _PG_SETTINGS:
                    cursor.execute(statement)
        yield


def segment_count(segment_or_rules: Segment | dict[str, Any]) -> int:
    """How many customers a segment (or a rules tree) selects now."""
    rules = segment_or_rules.rules if isinstance(segment_or_rules, Segment) else segment_or_rules
    members = rules_customers(rules).order_by()
    with segment_evaluation():
        return members.count()


# Up to this many members the preview sorts them all by name; above it, it walks the name
# index (many members: the first twenty come early in the walk).
SORT_MEMBERS_UP_TO = 50_000


def members_by_name(members: QuerySet[Customer], *, count: int) -> QuerySet[Customer]:
    """``members`` (``count`` of them) by name, for showing the first few. PostgreSQL would
    walk the name index and test every customer on the way until it has enough members:
    slow when members are rare. For a small segment the order is given as an expression no
    index serves, so it fetches the members (as fast as counting them) and sorts those."""
    if count <= SORT_MEMBERS_UP_TO:
        by_name = Concat(F("display_name_sort"), Value(""), output_field=CharField())
        return members.order_by(by_name, "id")
    return members.order_by("display_name_sort", "id")


def segment_contains(segment: Segment, *, customer_id: int) -> bool:
    """Whether one customer is in the segment now (an indexed look-up, not a count)."""
    return segment_customers(segment).filter(pk=customer_id).exists()


def segment_errors(segment: Segment) -> list[str]:
    """Why the saved rules cannot be evaluated (a field removed since, …); empty when fine."""
    return rules_check(segment.rules)


def segment_list(*, query: str = "") -> QuerySet[Segment]:
    """Saved segments by name, with the number of campaigns and trigger rules using each."""
    segments = Segment.objects.annotate(
        campaign_count=Count("campaigns", distinct=True),
        trigger_count=Count("trigger_rules", distinct=True),
    ).select_related("created_by")
    query = query.replace("\x00", "").strip()
    if query:
        segments = segments.filter(name__icontains=query)
    return segments.order_by("name")


def segment_usage(segment: Segment) -> dict[str, list[Any]]:
    """The campaigns and trigger rules that use the segment (they block its deletion)."""
    return {
        "campaigns": list(segment.campaigns.order_by("name")),
        "trigger_rules": list(segment.trigger_rules.order_by("name")),
    }


__all__ = [
    "RulesInvalid",
    "members_by_name",
    "rules_customers",
    "segment_contains",
    "segment_count",
    "segment_customers",
    "segment_errors",
    "segment_evaluation",
    "segment_list",
    "segment_usage",
]
