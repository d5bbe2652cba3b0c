"""The compiler: a checked rules tree to one ``Q`` over ``Customer`` (columns, EXISTS and IN
subqueries; the database evaluates a segment in one statement)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.apps import apps
from django.db.models import Exists, OuterRef, Q, QuerySet

from relata.contacts.models import Complaint
from relata.contacts.models.complaints import OPEN_COMPLAINT_STATUSES
from relata.customers.selectors import consent_allowed_customer_ids, consent_latest
from relata.engagement.models import LoyaltyMember, Referral, ReferralStatus
from relata.engagement.segment_rules.check import rules_check
from relata.engagement.segment_rules.language import (
    CATALOGUE,
    Builder,
    Condition,
    Context,
    RulesInvalid,
    SnapshotTest,
    as_date,
    as_list,
    as_number,
    choice_values,
    choices_cached,
    months_back,
    relative_cutoff,
)
from relata.sales.models import Order, OrderLine, OrderStatus, Product
from relata.scoring.models import CustomerSnapshot

# ---------------------------------------------------------------------------------------
# The compiler
# ---------------------------------------------------------------------------------------


def rules_q(rules: dict[str, Any], *, today: date | None = None) -> Q:
    """The ``Q`` over ``Customer`` that selects the rules' customers. Raises ``RulesInvalid``
    for rules that ``rules_check`` rejects. An empty tree selects everyone."""
    with choices_cached():
        errors = rules_check(rules)
        if errors:
            raise RulesInvalid(errors)
        context = Context(today=today) if today is not None else Context()
        return _group_q(rules, "", context)


def _group_q(group: dict[str, Any], position: str, context: Context) -> Q:
    """A group's conditions joined by AND or OR. The positive conditions on the snapshot are
    merged into one EXISTS (a customer has one snapshot per run, so EXISTS(a) AND EXISTS(b)
    is EXISTS(a AND b), and the same for OR): one probe of the snapshot table, not one each."""
    parts: list[Q] = []
    snapshot_tests: list[Q] = []
    any_of = group.get("match") == "any"
    for index, item in enumerate(group.get("rules", []), start=1):
        where = f"{position}.{index}" if position else str(index)
        if "rules" in item or "match" in item:
            inner = group_has_conditions(item)
            if inner:
                parts.append(_group_q(item, where, context))
            continue
        segment_field = CATALOGUE[item["field"]]
        days = as_number(item.get("days")) if item.get("days") not in (None, "") else None
        condition = Condition(
            field=segment_field,
            op=item["op"],
            value=item.get("value"),
            days=int(days) if days is not None else None,
            position=where,
        )
        if segment_field.snapshot_test is not None:
            test, negated = segment_field.snapshot_test(condition)
            if not negated:
                snapshot_tests.append(test)
                continue
        parts.append(segment_field.build(condition, context))
    if snapshot_tests:
        merged = snapshot_tests[0]
        for test in snapshot_tests[1:]:
            merged = merged | test if any_of else merged & test
        parts.append(snapshot_exists(context, merged))
    if not parts:
        return Q()
    combined = parts[0]
    for part in parts[1:]:
        combined = combined | part if any_of else combined & part
    # Wrapped so that a caller's & or | keeps this group's own AND/OR together.
    return Q(combined)


def group_has_conditions(group: Any) -> bool:
    """Whether a group holds at least one condition (an empty group filters nothing)."""
    for item in group.get("rules", []) if isinstance(group, dict) else []:
        if isinstance(item, dict) and ("rules" in item or "match" in item):
            if group_has_conditions(item):
                return True
        elif isinstance(item, dict):
            return True
    return False


def _negate(op: str, positive: Q) -> Q:
    return ~positive if op in ("ne", "not_in", "none_of", "not_contains", "is_false") else positive


def _nobody() -> Q:
    return Q(pk__in=[])


# --- plain columns of Customer -----------------------------------------------------------


def text_column(column: str) -> Builder:
    def build(condition: Condition, context: Context) -> Q:
        op, value = condition.op, condition.value
        if op == "is_set":
            return ~Q(**{column: ""})
        if op == "is_not_set":
            return Q(**{column: ""})
        if op in ("in", "not_in", "starts_with"):
            values = as_list(value)
            lookup = "istartswith" if op == "starts_with" else "iexact"
            combined = Q()
            for item in values:
                combined |= Q(**{f"{column}__{lookup}": item})
            return _negate(op, combined)
        if op in ("contains", "not_contains"):
            return _negate(op, Q(**{f"{column}__icontains": str(value).strip()}))
        return _negate(op, Q(**{f"{column}__iexact": str(value).strip()}))

    return build


def choice_column(column: str, *, blank: Any = "") -> Builder:
    def build(condition: Condition, context: Context) -> Q:
        op = condition.op
        if op == "is_set":
            return ~Q(**{column: blank}) if blank is not None else Q(**{f"{column}__isnull": False})
        if op == "is_not_set":
            return Q(**{column: blank}) if blank is not None else Q(**{f"{column}__isnull": True})
        return _negate(op, Q(**{f"{column}__in": choice_values(condition)}))

    return build


def _compare(column: str, op: str, value: Any) -> Q:
    if op == "between":
        return Q(**{f"{column}__gte": as_number(value[0]), f"{column}__lte": as_number(value[1])})
    number = as_number(value)
    lookup = {"eq": "exact", "ne": "exact", "gt": "gt", "gte": "gte", "lt": "lt", "lte": "lte"}
    return _negate(op, Q(**{f"{column}__{lookup[op]}": number}))


def number_column(column: str) -> Builder:
    def build(condition: Condition, context: Context) -> Q:
        if condition.op == "is_set":
            return Q(**{f"{column}__isnull": False})
        if condition.op == "is_not_set":
            return Q(**{f"{column}__isnull": True})
        return _compare(column, condition.op, condition.value)

    return build


def relative_column(column: str) -> Builder:
    """A date(-time) column against relative dates (``within_last`` …) or fixed dates."""

    def build(condition: Condition, context: Context) -> Q:
        op, value = condition.op, condition.value
        if op in ("before", "after"):
            day = as_date(value)
            return Q(**{f"{column}__date__lt" if op == "before" else f"{column}__date__gte": day})
        cutoff = relative_cutoff(value, context.today)
        within = Q(**{f"{column}__date__gte": cutoff})
        if op == "within_last":
            return within
        if op == "not_within_last":
            return ~within
        return Q(**{f"{column}__date__lt": cutoff})  # more_than_ago

    return build


def age(condition: Condition, context: Context) -> Q:
    """Age in whole years from the birth date: age ≥ n ⇔ born on or before today − n years."""
    today = context.today
    op = condition.op
    if op == "is_set":
        return Q(birth_date__isnull=False)
    if op == "is_not_set":
        return Q(birth_date__isnull=True)

    def born_by(years: int) -> date:  # the last birth date of someone aged ``years`` today
        return months_back(today, 12 * years)

    def at_least(years: int) -> Q:
        return Q(birth_date__lte=born_by(years))

    def at_most(years: int) -> Q:
        return Q(birth_date__gt=born_by(years + 1))

    if op == "between":
        low, high = (int(as_number(v) or 0) for v in condition.value)
        return at_least(low) & at_most(high)
    years = int(as_number(condition.value) or 0)
    if op == "gte":
        return at_least(years)
    if op == "gt":
        return at_least(years + 1)
    if op == "lte":
        return at_most(years)
    if op == "lt":
        return Q(birth_date__gt=born_by(years))
    exact = at_least(years) & at_most(years)
    return ~exact if op == "ne" else exact


# --- orders ----------------------------------------------------------------------------


def _orders(context: Context, days: int | None = None) -> QuerySet[Order]:
    """Orders that count as purchases (cancelled ones do not), optionally the last N days."""
    orders = Order.objects.exclude(status=OrderStatus.CANCELLED)
    if days is not None:
        orders = orders.filter(order_date__gte=context.today - timedelta(days=days))
    return orders


def _has_orders(context: Context, **lookups: Any) -> Exists:
    return Exists(_orders(context).filter(customer_id=OuterRef("pk"), **lookups))


def last_order(condition: Condition, context: Context) -> Q:
    op, value = condition.op, condition.value
    if op == "is_set":
        return Q(_has_orders(context))
    if op == "is_not_set":
        return ~Q(_has_orders(context))
    if op in ("before", "after"):
        day = as_date(value)
        if op == "after":
            return Q(_has_orders(context, order_date__gte=day))
        return Q(_has_orders(context)) & ~Q(_has_orders(context, order_date__gte=day))
    cutoff = relative_cutoff(value, context.today)
    recent = Q(_has_orders(context, order_date__gte=cutoff))
    if op == "within_last":
        return recent
    if op == "not_within_last":
        return ~recent
    return Q(_has_orders(context, order_date__lt=cutoff)) & ~recent  # more_than_ago


def first_order(condition: Condition, context: Context) -> Q:
    op, value = condition.op, condition.value
    if op == "is_set":
        return Q(_has_orders(context))
    if op == "is_not_set":
        return ~Q(_has_orders(context))
    if op in ("before", "after"):
        day = as_date(value)
        earlier = Q(_has_orders(context, order_date__lt=day))
        if op == "before":
            return earlier
        return Q(_has_orders(context, order_date__gte=day)) & ~earlier
    cutoff = relative_cutoff(value, context.today)
    earlier = Q(_has_orders(context, order_date__lt=cutoff))
    first_within = Q(_has_orders(context, order_date__gte=cutoff)) & ~earlier
    if op == "within_last":
        return first_within
    if op == "not_within_last":
        return ~first_within
    return earlier  # more_than_ago


def aggregate(aggregate: Any) -> Builder:
    """A per-customer aggregate of orders compared with a number. Customers without orders
    have the aggregate 0: when 0 satisfies the comparison, the condition is written as "not
    among the customers whose aggregate fails it", so they are included."""

    def build(condition: Condition, context: Context) -> Q:
        per_customer = (
            _orders(context, condition.days)
            .order_by()
            .values("customer_id")
            .annotate(amount=aggregate)
        )
        return _amount_test(per_customer, condition)

    return build


def _amount_test(per_customer: QuerySet[Any], condition: Condition) -> Q:
    """Customers whose per-customer ``amount`` passes the condition, 0 for customers without
    rows."""
    test = _compare("amount", condition.op, condition.value)
    if _zero_satisfies(condition.op, condition.value):
        return ~Q(pk__in=per_customer.filter(~test).values("customer_id"))
    return Q(pk__in=per_customer.filter(test).values("customer_id"))


def feedback_total(model_name: str, amount: Any) -> Builder:
    """A per-customer total over a table of the feedback app (social profiles, reviews)
    compared with a number, 0 for customers without rows. The model is looked up by name
    when a condition is compiled: the feedback app builds on engagement, so engagement does
    not import it."""

    def build(condition: Condition, context: Context) -> Q:
        rows = apps.get_model("feedback", model_name).objects.order_by()
        return _amount_test(rows.values("customer_id").annotate(amount=amount), condition)

    return build


def _zero_satisfies(op: str, value: Any) -> bool:
    if op == "between":
        low, high = as_number(value[0]), as_number(value[1])
        return low is not None and high is not None and low <= 0 <= high
    number = as_number(value)
    assert number is not None
    return {
        "eq": number == 0,
        "ne": number != 0,
        "gt": number < 0,
        "gte": number <= 0,
        "lt": number > 0,
        "lte": number >= 0,
    }[op]


def _lines(condition: Condition, context: Context, **lookups: Any) -> Exists:
    lines = OrderLine.objects.filter(customer_id=OuterRef("pk"), **lookups).exclude(
        order__status=OrderStatus.CANCELLED
    )
    if condition.days is not None:
        lines = lines.filter(order__order_date__gte=context.today - timedelta(days=condition.days))
    return Exists(lines)


def _category_products(category_ids: list[Any]) -> list[int]:
    """The products of the categories, looked up once while compiling (a handful of rows),
    so the order lines are tested on product_id and the (customer, product) index serves."""
    return list(Product.objects.filter(category_id__in=category_ids).values_list("pk", flat=True))


def bought(*, categories: bool) -> Builder:
    """Bought any / all / none of the chosen categories or products (cancelled orders do not
    count; with "days", only orders in the last N days)."""

    def products_of(values: list[Any]) -> list[Any]:
        return _category_products(values) if categories else values

    def build(condition: Condition, context: Context) -> Q:
        values = choice_values(condition)
        if condition.op == "all_of":
            combined = Q()
            for value in values:
                combined &= Q(_lines(condition, context, product_id__in=products_of([value])))
            return combined
        positive = Q(_lines(condition, context, product_id__in=products_of(values)))
        return _negate(condition.op, positive)

    return build


# --- the latest snapshot ----------------------------------------------------------------


def snapshot_exists(context: Context, test: Q) -> Q:
    """Customers whose snapshot in the latest complete run passes ``test`` (nobody without a
    run). A correlated EXISTS on the (run, customer) index: a semi-join among AND-ed
    conditions, an index probe per remaining customer under OR."""
    if context.run_id is None:
        return _nobody()
    snapshots = CustomerSnapshot.objects.filter(run_id=context.run_id, customer_id=OuterRef("pk"))
    return Q(Exists(snapshots.filter(test)))


def snapshot_choice_test(column: str) -> SnapshotTest:
    def test(condition: Condition) -> tuple[Q, bool]:
        values = choice_values(condition)
        return Q(**{f"{column}__in": values}), condition.op in ("ne", "not_in")

    return test


def snapshot_number_test(column: str) -> SnapshotTest:
    def test(condition: Condition) -> tuple[Q, bool]:
        op = condition.op
        return _compare(column, "eq" if op == "ne" else op, condition.value), op == "ne"

    return test


def snapshot_known_number_test(column: str) -> SnapshotTest:
    """A number column that is NULL where unknown (the latest NPS answer, attitudinal
    loyalty): comparisons as ``snapshot_number_test``, plus is known / is unknown."""

    def test(condition: Condition) -> tuple[Q, bool]:
        op = condition.op
        if op in ("is_set", "is_not_set"):
            return Q(**{f"{column}__isnull": False}), op == "is_not_set"
        return _compare(column, "eq" if op == "ne" else op, condition.value), op == "ne"

    return test


def snapshot_flag_test(column: str) -> SnapshotTest:
    def test(condition: Condition) -> tuple[Q, bool]:
        return Q(**{column: True}), condition.op == "is_false"

    return test


def snapshot(test: SnapshotTest) -> Builder:
    """A condition on the latest snapshot; a negative one is the complement (customers
    without a snapshot included), except that without any run nothing matches."""

    def build(condition: Condition, context: Context) -> Q:
        positive_test, negated = test(condition)
        positive = snapshot_exists(context, positive_test)
        return ~positive if negated and context.run_id is not None else positive

    return build


# --- consent, complaints, programmes ----------------------------------------------------


def _opted_in(cells: list[list[str]]) -> Q:
    """Customers whose latest decision for any of the (channel, purpose) cells is an opt-in,
    as one correlated EXISTS (a probe of the consent_latest index per customer, also under
    OR). One cell reads ``consent_allowed_customer_ids``; several, the same decisions in
    force (``consent_latest``) restricted to those cells."""
    if len(cells) == 1:
        decisions = consent_allowed_customer_ids(channel=cells[0][0], purpose=cells[0][1])
    else:
        which = Q()
        for channel, purpose in cells:
            which |= Q(channel=channel, purpose=purpose)
        decisions = consent_latest(granted=True).filter(which).values_list("customer_id", flat=True)
    return Q(Exists(decisions.filter(customer_id=OuterRef("pk"))))


def consent(condition: Condition, context: Context) -> Q:
    cells = [str(v).split(":", 1) for v in choice_values(condition)]
    if condition.op == "all_of":
        combined = Q()
        for cell in cells:
            combined &= _opted_in([cell])
        return combined
    return _negate(condition.op, _opted_in(cells))


def exists_flag(queryset: Callable[[Context], QuerySet[Any]]) -> Builder:
    def build(condition: Condition, context: Context) -> Q:
        return _negate(condition.op, Q(Exists(queryset(context))))

    return build


def open_complaints(context: Context) -> QuerySet[Complaint]:
    return Complaint.objects.filter(customer_id=OuterRef("pk"), status__in=OPEN_COMPLAINT_STATUSES)


def loyalty_members(context: Context) -> QuerySet[LoyaltyMember]:
    return LoyaltyMember.objects.filter(
        customer_id=OuterRef("pk"), joined_on__lte=context.today
    ).filter(Q(left_on__isnull=True) | Q(left_on__gt=context.today))


def referrals(context: Context) -> QuerySet[Referral]:
    return Referral.objects.filter(referrer_id=OuterRef("pk")).exclude(
        status=ReferralStatus.REJECTED
    )
