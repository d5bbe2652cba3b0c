"""Orders: one row per order line, or one row per order with an amount.

Rows sharing an order number are one order; they must agree on customer, date, channel,
status and notes. A row with a product code (SKU) is a line. A row without one but with an
amount is a whole order: it becomes one line of the inactive product ``IMPORTED-AMOUNT``, so
the invariant "order totals are the sums of the lines" holds and editing such an order later
keeps its amount (docs/decisions/0100-import-orders.md).

Orders are matched on the order number: an existing order whose customer, header and lines
are the same is left alone, a different one is updated (its lines replaced). If any row of an
order is invalid, the whole order is rejected, so no order is imported half.

This is the import that must handle millions of lines, so it works on whole columns (lists,
sets, dicts and NumPy arrays) and only loops row by row over rows that have a problem.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from functools import partial
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from relata.imports.choices import choice_words
from relata.imports.headers import ImportFileError
from relata.imports.kinds.common import resolve_customers
from relata.imports.parsing import choice_parser, clip, format_scaled, parse_date, parse_email
from relata.imports.validate import Context, Counts, money_parser
from relata.imports.writers import (
    allocate_ids,
    bulk_load,
    copy_scaled,
    db_datetime,
    delete_where_in,
    insert_columns,
    is_postgres,
    lookup,
    table_rows_estimate,
    update_rows,
)
from relata.sales.models import (
    Order,
    OrderLine,
    OrderStatus,
    Product,
    ProductCategory,
    SalesChannel,
)

GENERIC_SKU = "IMPORTED-AMOUNT"
GENERIC_CATEGORY = "Imported"
# Stored in the database, so a fixed English name (like the category), not the importing
# user's language; marked so the Dutch catalogue carries it should a page translate it.
GENERIC_PRODUCT_NAME = gettext_noop("Imported order amount (no product detail)")
ONE = 100  # quantity 1.00, scaled by 100
# Imports adding at least this many lines, and at least as many as the table holds, load
# PostgreSQL tables without their secondary indexes and foreign keys, then rebuild them.
BULK_LOAD_FROM = 100_000
HEAD_FIELDS = ("customer", "order_date", "channel", "status", "notes")


@dataclass
class OrdersPlan:
    counts: Counts
    # sku → (name, category, price, cost) of products the file creates
    new_products: dict[str, tuple[str, str, int, int]] = field(default_factory=dict)
    # sku → (product id, price, cost); id 0 until a new product is written
    products: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    # Per order (slot): the values of its first row.
    numbers: list[str] = field(default_factory=list)
    customers: list[int] = field(default_factory=list)
    dates: list[Any] = field(default_factory=list)
    channels: list[str | None] = field(default_factory=list)
    statuses: list[str | None] = field(default_factory=list)
    notes: list[str | None] = field(default_factory=list)
    create: list[int] = field(default_factory=list)  # slots
    update: dict[int, int] = field(default_factory=dict)  # slot → existing order id
    # Per valid line: order slot, sku, quantity, unit price, unit cost (None: the product's).
    line_slot: list[int] = field(default_factory=list)
    line_sku: list[str] = field(default_factory=list)
    line_quantity: list[int] = field(default_factory=list)
    line_price: list[int] = field(default_factory=list)
    line_cost: list[int | None] = field(default_factory=list)
    # The same lines' products as codes into sku_list (for NumPy).
    line_sku_code: np.ndarray[Any, Any] = field(default_factory=lambda: np.zeros(0, np.int64))
    sku_list: list[str] = field(default_factory=list)

    def write(self, ctx: Context) -> None:
        with transaction.atomic():
            _write(self, ctx)


def plan(ctx: Context) -> OrdersPlan:
    style, dayfirst = ctx.settings.decimal, ctx.settings.dayfirst
    ctx.progress.stage(_("Checking"), 6)
    numbers = ctx.text("order_number", 40, required=True)
    assert numbers is not None
    customer_numbers = ctx.text("customer_number", 32)
    emails = ctx.parsed("customer_email", parse_email)
    dates = ctx.parsed("order_date", partial(parse_date, dayfirst=dayfirst), required=True)
    assert dates is not None
    channels = ctx.parsed("channel", choice_parser(choice_words(SalesChannel)))
    statuses = ctx.parsed("status", choice_parser(choice_words(OrderStatus)))
    ctx.progress.advance(1)
    skus = ctx.text("sku", 40)
    names = ctx.text("product_name", 200)
    categories = ctx.text("category", 100)
    quantities = ctx.parsed(
        "quantity", money_parser(style, minimum=0, exclusive=True, digits=10)
    )
    prices = ctx.parsed("unit_price", money_parser(style, digits=12))
    costs = ctx.parsed("unit_cost", money_parser(style, digits=12))
    amounts = ctx.parsed("amount", money_parser(style, digits=12))
    notes = ctx.text("notes")
    ctx.progress.advance(1)
    customer_ids = resolve_customers(ctx, customer_numbers, emails)
    ctx.progress.advance(1)

    size = ctx.size
    nothing: list[Any] = [None] * size
    result = OrdersPlan(counts=Counts())
    products = _product_table(skus, names, categories, prices, costs, ctx, result)
    row_numbers = ctx.table.row_numbers
    customer_column = "customer_number" if customer_numbers is not None else "customer_email"

    # Orders: a slot per distinct order number, in order of first appearance.
    distinct = list(dict.fromkeys(numbers))
    slot_of = dict(zip(distinct, range(len(distinct)), strict=True))
    slots = list(map(slot_of.__getitem__, numbers))
    # Filled from the end, so each order number keeps the index of its first row.
    first_of = dict(zip(reversed(numbers), range(size - 1, -1, -1), strict=True))
    first_row = list(map(first_of.__getitem__, distinct))
    # Rows of one order must agree: per column, the value each order number maps to (the
    # last one seen) must be every row's value — checked without a loop in Python.
    head_columns = [column for column in (customer_ids, dates, channels, statuses, notes)
                    if column is not None]
    slot_array = np.asarray(slots, dtype=np.int64)
    same_order = slot_array[1:] == slot_array[:-1]
    contiguous = bool(np.all(np.diff(slot_array) >= 0))
    for column in head_columns:
        if contiguous:  # the usual layout: compare each row with the row above it
            equal = np.fromiter(map(operator.eq, column[1:], column[:-1]), dtype=bool,
                                count=size - 1)
            agree = not np.any(same_order & ~equal)
        else:
            last = dict(zip(numbers, column, strict=True))
            agree = list(map(last.__getitem__, numbers)) == column
        if not agree:
            heads: list[tuple[object, ...]] = list(zip(
                customer_ids, dates, channels or nothing, statuses or nothing,
                notes or nothing, strict=True,
            ))
            _report_conflicts(ctx, slots, heads, first_row, customer_column)
            break

    # Lines and amount rows.
    sku_column: list[str] = list(skus) if skus is not None else [""] * size
    amount_column: list[int | None] = amounts or nothing
    quantity = quantities or [ONE] * size
    if None in quantity:
        quantity = [ONE if q is None else q for q in quantity]
    price: list[int | None] = list(prices) if prices is not None else list(nothing)
    cost: list[int | None] = costs or nothing
    if not all(sku_column) or None in price:
        for i, sku in enumerate(sku_column):
            if sku:
                if price[i] is None:
                    amount = amount_column[i]
                    if amount is not None:  # a line amount: unit price = amount / quantity
                        price[i] = int((Decimal(amount) * ONE / quantity[i]).quantize(
                            Decimal(1), ROUND_HALF_EVEN))
                    elif sku in products:
                        price[i] = products[sku][1]
            elif (amount := amount_column[i]) is not None:
                sku_column[i] = GENERIC_SKU
                quantity[i] = ONE
                price[i] = amount
            elif i not in ctx.bad:
                ctx.error(i, "sku" if skus is not None else "amount",
                          _("give a product code (SKU) or an amount"))
        _check_amount_rows(ctx, skus, sku_column, slots, numbers, first_row)
    # Two identical lines need the same order and product: look for those first, in NumPy.
    sku_ids = {sku: number for number, sku in enumerate(dict.fromkeys(sku_column))}
    sku_codes = np.fromiter(map(sku_ids.__getitem__, sku_column), dtype=np.int64, count=size)
    pairs = slot_array * len(sku_ids) + sku_codes
    pairs.sort()
    if size > 1 and not np.all(pairs[1:] != pairs[:-1]):
        keys = list(zip(slots, sku_column, quantity, price, cost, strict=True))
        seen: dict[tuple[object, ...], int] = {}
        for i, key in enumerate(keys):
            earlier = seen.setdefault(key, i)
            if earlier != i and key[1] != GENERIC_SKU and i not in ctx.bad:
                ctx.row_error(i, _("duplicate of row %(row)d (same order, product, quantity "
                                   "and price)") % {"row": row_numbers[earlier]})

    # An order with any invalid row is rejected whole.
    bad = ctx.bad
    bad_slots = {slots[i] for i in bad}
    if bad_slots:
        first_bad: dict[int, int] = {}
        for i in sorted(bad):
            first_bad.setdefault(slots[i], i)
        for i, slot in enumerate(slots):
            if slot in bad_slots and i not in bad:
                ctx.row_error(i, _("not imported because row %(row)d of the same order is "
                                   "invalid") % {"row": row_numbers[first_bad[slot]]})
        good = [i for i, slot in enumerate(slots) if slot not in bad_slots]
        good_slots = [slot for slot in range(len(slot_of)) if slot not in bad_slots]
    else:
        good = list(range(size))
        good_slots = list(range(len(slot_of)))

    if GENERIC_SKU not in products and GENERIC_SKU in sku_column and any(
        sku_column[i] == GENERIC_SKU for i in good
    ):
        result.new_products[GENERIC_SKU] = ("", GENERIC_CATEGORY, 0, 0)
        products[GENERIC_SKU] = (0, 0, 0)
    result.products = products
    result.sku_list = list(sku_ids)
    result.line_sku_code = (
        sku_codes if len(good) == size else sku_codes[np.asarray(good, dtype=np.int64)]
    )
    _fill(result, good, slots, sku_column, quantity, price, cost, first_row, numbers,
          customer_ids, dates, channels, statuses, notes)
    _match_existing(result, good_slots, ctx)
    result.counts.rejected = len(ctx.bad)
    written = set(result.create) | set(result.update)
    result.counts.extra["lines"] = (
        len(result.line_slot) if len(written) == len(good_slots)
        else sum(1 for slot in result.line_slot if slot in written)
    )
    result.counts.extra["products created"] = len(result.new_products)
    ctx.progress.advance(3)
    return result


def _report_conflicts(
    ctx: Context, slots: list[int], heads: list[tuple[object, ...]], first_row: list[int],
    customer_column: str,
) -> None:
    columns = (customer_column, "order_date", "channel", "status", "notes")
    for i, slot in enumerate(slots):
        first = first_row[slot]
        if heads[i] != heads[first] and first not in ctx.bad and i not in ctx.bad:
            for position, name in enumerate(columns):
                if heads[i][position] != heads[first][position]:
                    ctx.error(i, name, _("differs from row %(row)d of the same order")
                              % {"row": ctx.table.row_numbers[first]})


def _check_amount_rows(
    ctx: Context, skus: list[str] | None, sku_column: list[str], slots: list[int],
    numbers: list[str], first_row: list[int],
) -> None:
    """An order is either product lines or a single amount row."""
    amount_rows = [i for i, sku in enumerate(sku_column) if sku == GENERIC_SKU
                   and not (skus is not None and skus[i])]
    if not amount_rows:
        return
    line_slots = {slots[i] for i, sku in enumerate(sku_column) if sku and sku != GENERIC_SKU}
    given: dict[int, int] = {}
    for i in amount_rows:
        slot = slots[i]
        earlier = given.setdefault(slot, i)
        if earlier != i:
            ctx.row_error(i, _("duplicate: order %(number)s is already given in row %(row)d")
                          % {"number": clip(numbers[i]),
                             "row": ctx.table.row_numbers[earlier]})
        elif slot in line_slots:
            ctx.row_error(i, _("this order has product lines (row %(row)d); give either "
                               "product lines or one amount row")
                          % {"row": ctx.table.row_numbers[first_row[slot]]})


def _fill(
    result: OrdersPlan, good: list[int], slots: list[int], sku: list[str], quantity: list[int],
    price: list[int | None], cost: list[int | None], first_row: list[int], numbers: list[str],
    customers: list[int | None], dates: list[Any], channels: Sequence[Any] | None,
    statuses: Sequence[Any] | None, notes: Sequence[Any] | None,
) -> None:
    if len(good) == len(slots):
        result.line_slot, result.line_sku, result.line_quantity = slots, sku, quantity
        result.line_price, result.line_cost = price, cost  # type: ignore[assignment]
    else:
        pick = partial(_pick, good)
        result.line_slot, result.line_sku = pick(slots), pick(sku)
        result.line_quantity, result.line_price = pick(quantity), pick(price)
        result.line_cost = pick(cost)
    result.numbers = _pick(first_row, numbers)
    result.customers = _pick(first_row, customers)
    result.dates = _pick(first_row, dates)
    result.channels = _pick(first_row, channels) if channels else [None] * len(first_row)
    result.statuses = _pick(first_row, statuses) if statuses else [None] * len(first_row)
    result.notes = _pick(first_row, notes) if notes is not None else [None] * len(first_row)


def _pick(indices: Iterable[Any], values: Sequence[Any] | Mapping[Any, Any]) -> list[Any]:
    return list(map(values.__getitem__, indices))


def _product_table(
    skus: list[str] | None,
    names: list[str] | None,
    categories: list[str] | None,
    prices: list[int | None] | None,
    costs: list[int | None] | None,
    ctx: Context,
    result: OrdersPlan,
) -> dict[str, tuple[int, int, int]]:
    """sku → (product id, price, cost); id 0 for products this file creates."""
    products: dict[str, tuple[int, int, int]] = {}
    wanted = set(skus or ())
    wanted.add(GENERIC_SKU)
    for sku, pk, price, cost in lookup(
        Product.objects.all(), "sku", wanted, "sku", "id", "price", "unit_cost"
    ):
        products[sku] = (pk, int(price * 100), int(cost * 100))
    if skus is None or not (wanted - set(products) - {""}):
        return products
    for i, sku in enumerate(skus):
        if not sku or sku in products or sku in result.new_products or i in ctx.bad:
            continue
        name = names[i] if names is not None else ""
        price = prices[i] if prices is not None else None
        if name and price is not None:
            cost = costs[i] if costs is not None else None
            category = (categories[i] if categories is not None else "") or GENERIC_CATEGORY
            result.new_products[sku] = (name, category, price, cost or 0)
    for sku, (_name, _category, price, cost) in result.new_products.items():
        products[sku] = (0, price, cost)
    for i, sku in enumerate(skus):
        if sku and sku not in products and i not in ctx.bad:
            ctx.error(i, "sku", _("unknown product “%(sku)s”; give a product name and unit "
                                  "price to create it") % {"sku": clip(sku)})
    return products


def _match_existing(result: OrdersPlan, good_slots: list[int], ctx: Context) -> None:
    existing = {
        row[0]: row[1:]
        for row in lookup(
            Order.objects.all(), "order_number", [result.numbers[s] for s in good_slots],
            "order_number", "id", "customer_id", "order_date", "channel", "status", "notes",
        )
    } if Order.objects.exists() else {}
    if not existing:
        result.create = good_slots
        result.counts.created = len(good_slots)
        return
    with_cost = ctx.has("unit_cost")
    old_lines: dict[int, list[tuple[int, int, int, int]]] = {}
    for order_id, product_id, q, p, c in lookup(
        OrderLine.objects.all(), "order_id", [v[0] for v in existing.values()],
        "order_id", "product_id", "quantity", "unit_price", "unit_cost",
    ):
        old_lines.setdefault(order_id, []).append(
            (product_id, int(q * 100), int(p * 100), int(c * 100) if with_cost else 0)
        )
    slot_of_existing = {
        slot: existing[result.numbers[slot]] for slot in good_slots
        if result.numbers[slot] in existing
    }
    new_lines: dict[int, list[tuple[int, int, int, int]]] = {}
    products = result.products
    for slot, sku, q, p, c in zip(result.line_slot, result.line_sku, result.line_quantity,
                                  result.line_price, result.line_cost, strict=True):
        if slot in slot_of_existing:
            cost = (products[sku][2] if c is None else c) if with_cost else 0
            new_lines.setdefault(slot, []).append((products[sku][0], q, p, cost))
    for slot in good_slots:
        found = slot_of_existing.get(slot)
        if found is None:
            result.create.append(slot)
            continue
        order_id, customer_id, order_date, channel, status, notes = found
        result.channels[slot] = result.channels[slot] or channel
        result.statuses[slot] = result.statuses[slot] or status
        if result.notes[slot] is None:
            result.notes[slot] = notes
        same = (
            (result.customers[slot], result.dates[slot], result.channels[slot],
             result.statuses[slot], result.notes[slot])
            == (customer_id, order_date, channel, status, notes)
            and sorted(new_lines.get(slot, [])) == sorted(old_lines.get(order_id, []))
        )
        if same:
            result.counts.unchanged += 1
        else:
            result.update[slot] = order_id
    result.counts.created = len(result.create)
    result.counts.updated = len(result.update)


def _create_products(plan: OrdersPlan) -> dict[str, tuple[int, int, int]]:
    products = dict(plan.products)
    if not plan.new_products:
        return products
    names = {v[1] for v in plan.new_products.values()}
    categories = {c.name: c for c in ProductCategory.objects.filter(name__in=names)}
    created = []
    for sku, (name, category_name, price, cost) in plan.new_products.items():
        category = categories.get(category_name)
        if category is None:
            category = categories[category_name] = ProductCategory.objects.create(
                name=category_name
            )
        created.append(
            Product(
                sku=sku,
                name=name or GENERIC_PRODUCT_NAME,
                category=category,
                price=Decimal(price) / 100,
                unit_cost=Decimal(cost) / 100,
                active=sku != GENERIC_SKU,
            )
        )
    Product.objects.bulk_create(created)
    for sku, pk, price, cost in lookup(
        Product.objects.all(), "sku", list(plan.new_products), "sku", "id", "price", "unit_cost"
    ):
        products[sku] = (pk, int(price * 100), int(cost * 100))
    return products


def _formatted(values: Sequence[int]) -> list[str]:
    """Scaled integers as decimal text, each distinct value formatted once."""
    text = {value: format_scaled(value) for value in set(values)}
    return list(map(text.__getitem__, values))


def _order_totals(
    slots: Sequence[int], quantity: Sequence[int], price: Sequence[int], cost: Sequence[int],
    orders: int,
) -> tuple[list[int], list[int]]:
    """Per order: Σ quantity × price and Σ quantity × cost, rounded half-even to cents."""
    top = max(max(quantity, default=0), 1) * max(max(price, default=0), max(cost, default=0), 1)
    if top * max(len(slots), 1) < 2**62:
        slot_array = np.asarray(slots, dtype=np.int64)
        q = np.asarray(quantity, dtype=np.int64)
        sums = []
        for values in (price, cost):
            total = np.zeros(orders, dtype=np.int64)
            np.add.at(total, slot_array, q * np.asarray(values, dtype=np.int64))
            cents, remainder = np.divmod(total, 100)
            cents += (remainder > 50) | ((remainder == 50) & (cents % 2 == 1))
            sums.append(cents.tolist())
        return sums[0], sums[1]
    amount_sum, cost_sum = [0] * orders, [0] * orders  # huge values: exact Python integers
    for slot, units, unit_price, unit_cost in zip(slots, quantity, price, cost, strict=True):
        amount_sum[slot] += units * unit_price
        cost_sum[slot] += units * unit_cost

    def rounded(value: int) -> int:
        whole, rest = divmod(value, 100)
        return whole + (rest > 50 or (rest == 50 and whole % 2 == 1))

    return [rounded(v) for v in amount_sum], [rounded(v) for v in cost_sum]


def _write(plan: OrdersPlan, ctx: Context) -> None:
    products = _create_products(plan)
    orders = len(plan.numbers)
    ctx.progress.stage(_("Writing"), len(plan.line_slot) + len(plan.create) + len(plan.update))
    cost = plan.line_cost
    if None in cost:
        cost = [products[s][2] if c is None else c for s, c in zip(plan.line_sku, cost,
                                                                    strict=True)]
    filled_cost: list[int] = cost  # type: ignore[assignment]
    amount_total, cost_total = _order_totals(
        plan.line_slot, plan.line_quantity, plan.line_price, filled_cost, orders
    )
    written = set(plan.create) | set(plan.update)
    for slot, total in enumerate(amount_total):
        if total >= 10**12 and slot in written:  # total_amount has 14 digits, 2 decimals
            raise ImportFileError(
                _("The total of order %(number)s, %(total)s, is too large.")
                % {"number": plan.numbers[slot], "total": format_scaled(total)}
            )
    order_id: list[int | None] = [None] * orders
    for slot, pk in zip(plan.create, allocate_ids(Order, len(plan.create)), strict=True):
        order_id[slot] = pk
    for slot, pk in plan.update.items():
        order_id[slot] = pk
    lines: Sequence[int] = range(len(plan.line_slot))
    if len(plan.create) + len(plan.update) < orders:
        lines = [i for i, slot in enumerate(plan.line_slot) if order_id[slot] is not None]
    line_count = len(lines)
    bulk = (
        not plan.update
        and line_count >= BULK_LOAD_FROM
        and line_count >= table_rows_estimate(OrderLine)
    )
    with bulk_load((Order, OrderLine), enabled=bulk):
        if plan.create:
            now = db_datetime(timezone.now())
            created = plan.create
            date_text = {d: str(d) for d in set(plan.dates)}
            insert_columns(
                Order,
                ("id", "order_number", "customer_id", "order_date", "channel", "status",
                 "total_amount", "total_cost", "notes", "created_at"),
                [
                    _pick(created, order_id),
                    _pick(created, plan.numbers),
                    _pick(created, plan.customers),
                    [date_text[plan.dates[s]] for s in created],
                    [plan.channels[s] or SalesChannel.WEB.value for s in created],
                    [plan.statuses[s] or OrderStatus.DELIVERED.value for s in created],
                    [f"{amount_total[s] // 100}.{amount_total[s] % 100:02d}" for s in created],
                    [f"{cost_total[s] // 100}.{cost_total[s] % 100:02d}" for s in created],
                    [plan.notes[s] or "" for s in created],
                    [now] * len(created),
                ],
                text_columns=(1, 8),
                progress=ctx.progress,
            )
        if plan.update:
            update_rows(
                Order,
                ("customer_id", "order_date", "channel", "status", "notes", "total_amount",
                 "total_cost"),
                [
                    (plan.customers[s], str(plan.dates[s]), plan.channels[s], plan.statuses[s],
                     plan.notes[s] or "", format_scaled(amount_total[s]),
                     format_scaled(cost_total[s]), pk)
                    for s, pk in plan.update.items()
                ],
            )
            delete_where_in(OrderLine, "order_id", list(plan.update.values()))
            ctx.progress.advance(len(plan.update))
        product_id = {sku: value[0] for sku, value in products.items()}
        slots = _pick(lines, plan.line_slot) if line_count < len(plan.line_slot) else (
            plan.line_slot
        )
        if is_postgres():
            # All six columns are integers (money scaled by 100): binary COPY from NumPy.
            slot_array = np.asarray(slots, dtype=np.int64)
            if None in order_id:  # unchanged orders write no lines
                order_id = [pk or 0 for pk in order_id]
            copy_scaled(
                OrderLine,
                {
                    "order_id": np.asarray(order_id, dtype=np.int64)[slot_array],
                    "customer_id": np.asarray(plan.customers, dtype=np.int64)[slot_array],
                    "product_id": np.asarray(
                        [product_id.get(sku, 0) for sku in plan.sku_list], dtype=np.int64
                    )[plan.line_sku_code if isinstance(lines, range)
                      else plan.line_sku_code[np.asarray(lines, dtype=np.int64)]],
                },
                {
                    "quantity": np.asarray(_sub(lines, plan.line_quantity), dtype=np.int64),
                    "unit_price": np.asarray(_sub(lines, plan.line_price), dtype=np.int64),
                    "unit_cost": np.asarray(_sub(lines, filled_cost), dtype=np.int64),
                },
                progress=ctx.progress,
            )
            return
        insert_columns(
            OrderLine,
            ("order_id", "customer_id", "product_id", "quantity", "unit_price", "unit_cost"),
            [
                _pick(slots, order_id),
                _pick(slots, plan.customers),
                _pick(_sub(lines, plan.line_sku), product_id),
                _formatted(_sub(lines, plan.line_quantity)),
                _formatted(_sub(lines, plan.line_price)),
                _formatted(_sub(lines, filled_cost)),
            ],
            progress=ctx.progress,
        )


def _sub(lines: Sequence[int], values: list[Any]) -> list[Any]:
    return values if isinstance(lines, range) and len(lines) == len(values) else _pick(
        lines, values
    )
