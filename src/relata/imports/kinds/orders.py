"""Orders: one row per order line, or one row per order with an amount.

Rows sharing an order number are one order; they must agree on customer, date, channel,
status and notes. A row with a product code (SKU) is a line. A row without one but with an
amount is a whole order: it becomes one line of the inactive product ``IMPORTED-AMOUNT``, so
the invariant "order totals are the sums of the lines" holds and editing such an order later
keeps its amount (docs/decisions/0100-import-orders.md).

Orders are matched on the order number: an existing order whose customer, header and lines
are the same is left alone, a different one is updated (its lines replaced). If any row of an
order is invalid, the whole order is rejected, so no order is imported half.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.imports.choices import choice_words
from relata.imports.kinds.common import resolve_customers
from relata.imports.parsing import choice_parser, clip, format_scaled, parse_date, parse_email
from relata.imports.validate import Context, Counts, money_parser
from relata.imports.writers import (
    allocate_ids,
    db_datetime,
    delete_where_in,
    insert_rows,
    lookup,
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
ONE = 100  # quantity 1.00, scaled by 100

# (sku, quantity, unit price, unit cost or None = the product's), all scaled by 100
Line = tuple[str, int, int, int | None]


@dataclass
class Draft:
    number: str
    customer_id: int
    order_date: object
    channel: str | None
    status: str | None
    notes: str | None
    lines: list[Line]
    existing_id: int | None = None


@dataclass
class OrdersPlan:
    counts: Counts
    # sku → (name, category, price, cost) of products the file creates
    new_products: dict[str, tuple[str, str, int, int]] = field(default_factory=dict)
    products: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    create: list[Draft] = field(default_factory=list)
    update: list[Draft] = field(default_factory=list)
    progress_total: int = 0

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
    none_column: list[None] = [None] * size
    result = OrdersPlan(counts=Counts())
    products = _product_table(skus, names, categories, prices, costs, ctx, result)
    ctx.progress.advance(1)

    # Group rows into orders, checking that rows of one order agree.
    head_columns = (
        ("customer_number" if customer_numbers is not None else "customer_email", customer_ids),
        ("order_date", dates),
        ("channel", channels or none_column),
        ("status", statuses or none_column),
        ("notes", notes or none_column),
    )
    heads = list(zip(*(column for _name, column in head_columns), strict=True))
    slot_of: dict[str, int] = {}
    first_row: list[int] = []
    order_rows: list[list[int]] = []
    order_lines: list[list[Line]] = []
    amount_row: dict[int, int] = {}
    seen_lines: dict[tuple[object, ...], int] = {}
    sku_column = skus or [""] * size
    qty_column = quantities or none_column
    price_column = prices or none_column
    cost_column = costs or none_column
    amount_column = amounts or none_column
    bad = ctx.bad
    for i, number in enumerate(numbers):
        if not number:
            continue
        slot = slot_of.get(number)
        if slot is None:
            slot = slot_of[number] = len(first_row)
            first_row.append(i)
            order_rows.append([i])
            order_lines.append([])
        else:
            order_rows[slot].append(i)
            first = first_row[slot]
            if heads[i] != heads[first]:
                for position, (name, _column) in enumerate(head_columns):
                    if heads[i][position] != heads[first][position] and first not in bad:
                        ctx.error(i, name, _("differs from row %(row)d of the same order")
                                  % {"row": ctx.table.row_numbers[first]})
        if i in bad:
            continue
        sku = sku_column[i]
        if sku:
            quantity = qty_column[i] or ONE
            price = price_column[i]
            if price is None:
                amount = amount_column[i]
                if amount is not None:
                    price = int(
                        (Decimal(amount) * ONE / quantity).quantize(Decimal(1), ROUND_HALF_EVEN)
                    )
                else:
                    price = products[sku][1]
            line: Line = (sku, quantity, price, cost_column[i])
            if slot in amount_row:
                ctx.error(i, "sku", _("row %(row)d gives this order as one amount; give either "
                                      "product lines or one amount row")
                          % {"row": ctx.table.row_numbers[amount_row[slot]]})
                continue
            key = (number, *line)
            earlier = seen_lines.get(key)
            if earlier is not None:
                ctx.row_error(i, _("duplicate of row %(row)d (same order, product, quantity "
                                   "and price)") % {"row": ctx.table.row_numbers[earlier]})
                continue
            seen_lines[key] = i
            order_lines[slot].append(line)
        elif (amount := amount_column[i]) is not None:
            if order_lines[slot] or slot in amount_row:
                earlier_row = amount_row.get(slot, first_row[slot])
                ctx.row_error(i, _("duplicate: order %(number)s is already given in row "
                                   "%(row)d") % {"number": clip(number),
                                                 "row": ctx.table.row_numbers[earlier_row]})
                continue
            amount_row[slot] = i
            order_lines[slot].append((GENERIC_SKU, ONE, amount, cost_column[i]))
        else:
            column = "sku" if skus is not None else "amount"
            ctx.error(i, column, _("give a product code (SKU) or an amount"))
    ctx.progress.advance(1)

    # An order with any invalid row is rejected whole.
    for rows in order_rows:
        bad_rows = [i for i in rows if i in bad]
        if not bad_rows:
            continue
        for i in rows:
            if i not in bad:
                ctx.row_error(i, _("not imported because row %(row)d of the same order is "
                                   "invalid") % {"row": ctx.table.row_numbers[bad_rows[0]]})
    drafts = [
        Draft(
            number=numbers[first_row[slot]],
            customer_id=customer_ids[first_row[slot]],  # type: ignore[arg-type]
            order_date=dates[first_row[slot]],
            channel=channels[first_row[slot]] if channels else None,
            status=statuses[first_row[slot]] if statuses else None,
            notes=notes[first_row[slot]] if notes is not None else None,
            lines=order_lines[slot],
        )
        for slot, rows in enumerate(order_rows)
        if not any(i in bad for i in rows)
    ]
    if amount_row and GENERIC_SKU not in products and any(
        line[0] == GENERIC_SKU for draft in drafts for line in draft.lines
    ):
        result.new_products[GENERIC_SKU] = ("", GENERIC_CATEGORY, 0, 0)
        products[GENERIC_SKU] = (0, 0, 0)
    result.products = products
    _match_existing(drafts, result, ctx)
    result.counts.rejected = len(ctx.bad)
    result.counts.extra["lines"] = sum(len(d.lines) for d in result.create + result.update)
    result.counts.extra["products created"] = len(result.new_products)
    ctx.progress.advance(1)
    return result


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
    if skus is None:
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


def _line_key(lines: list[Line], products: dict[str, tuple[int, int, int]], with_cost: bool
              ) -> list[tuple[object, ...]]:
    return sorted(
        (products[sku][0], q, p, (products[sku][2] if c is None else c) if with_cost else 0)
        for sku, q, p, c in lines
    )


def _match_existing(drafts: list[Draft], result: OrdersPlan, ctx: Context) -> None:
    existing = {
        row[0]: row[1:]
        for row in lookup(
            Order.objects.all(), "order_number", [d.number for d in drafts],
            "order_number", "id", "customer_id", "order_date", "channel", "status", "notes",
        )
    }
    if not existing:
        result.create = drafts
        result.counts.created = len(drafts)
        return
    old_lines: dict[int, list[tuple[object, ...]]] = {}
    for order_id, product_id, q, p, c in lookup(
        OrderLine.objects.all(), "order_id", [v[0] for v in existing.values()],
        "order_id", "product_id", "quantity", "unit_price", "unit_cost",
    ):
        old_lines.setdefault(order_id, []).append(
            (product_id, int(q * 100), int(p * 100), int(c * 100) if ctx.has("unit_cost") else 0)
        )
    for draft in drafts:
        found = existing.get(draft.number)
        if found is None:
            result.create.append(draft)
            continue
        order_id, customer_id, order_date, channel, status, notes = found
        draft.existing_id = order_id
        draft.channel = draft.channel or channel
        draft.status = draft.status or status
        draft.notes = notes if draft.notes is None else draft.notes
        same = (
            (draft.customer_id, draft.order_date, draft.channel, draft.status, draft.notes)
            == (customer_id, order_date, channel, status, notes)
            and _line_key(draft.lines, result.products, ctx.has("unit_cost"))
            == sorted(old_lines.get(order_id, []))
        )
        if same:
            result.counts.unchanged += 1
        else:
            result.update.append(draft)
    result.counts.created = len(result.create)
    result.counts.updated = len(result.update)


def _write(plan: OrdersPlan, ctx: Context) -> None:
    products = dict(plan.products)
    if plan.new_products:
        categories = {
            c.name: c
            for c in ProductCategory.objects.filter(
                name__in={v[1] for v in plan.new_products.values()}
            )
        }
        created = []
        for sku, (name, category_name, price, cost) in plan.new_products.items():
            category = categories.get(category_name)
            if category is None:
                category = categories[category_name] = ProductCategory.objects.create(
                    name=category_name
                )
            is_generic = sku == GENERIC_SKU
            created.append(
                Product(
                    sku=sku,
                    name=name or _("Imported order amount (no product detail)"),
                    category=category,
                    price=Decimal(price) / 100,
                    unit_cost=Decimal(cost) / 100,
                    active=not is_generic,
                )
            )
        for product in Product.objects.bulk_create(created):
            products[product.sku] = (
                product.pk, int(product.price * 100), int(product.unit_cost * 100)
            )
        if any(pk == 0 for pk, _p, _c in products.values()):
            for sku, pk, price, cost in lookup(
                Product.objects.all(), "sku", list(plan.new_products), "sku", "id", "price",
                "unit_cost",
            ):
                products[sku] = (pk, int(price * 100), int(cost * 100))
    now = db_datetime(timezone.now())
    total_lines = sum(len(d.lines) for d in plan.create) + sum(len(d.lines) for d in plan.update)
    ctx.progress.stage(_("Writing"), total_lines + len(plan.create) + len(plan.update))

    def totals(draft: Draft) -> tuple[str, str, list[tuple[int, str, str, str]]]:
        amount = cost_sum = 0
        rows: list[tuple[int, str, str, str]] = []
        for sku, q, p, c in draft.lines:
            pk, _price, product_cost = products[sku]
            cost = product_cost if c is None else c
            amount += q * p
            cost_sum += q * cost
            rows.append((pk, format_scaled(q), format_scaled(p), format_scaled(cost)))
        return _round_total(amount), _round_total(cost_sum), rows

    order_ids = allocate_ids(Order, len(plan.create))
    order_rows: list[tuple[object, ...]] = []
    line_rows: list[tuple[object, ...]] = []
    for order_id, draft in zip(order_ids, plan.create, strict=True):
        total, cost_text, lines = totals(draft)
        order_rows.append((
            order_id, draft.number, draft.customer_id, str(draft.order_date),
            draft.channel or SalesChannel.WEB.value, draft.status or OrderStatus.DELIVERED.value,
            total, cost_text, draft.notes or "", now,
        ))
        customer_id = draft.customer_id
        line_rows.extend([(order_id, customer_id, *line) for line in lines])
    insert_rows(
        Order,
        ("id", "order_number", "customer_id", "order_date", "channel", "status",
         "total_amount", "total_cost", "notes", "created_at"),
        order_rows,
        text_columns=(1, 8),
        progress=ctx.progress,
    )
    updates = []
    for draft in plan.update:
        total, cost_text, lines = totals(draft)
        assert draft.existing_id is not None
        updates.append((draft.customer_id, str(draft.order_date), draft.channel, draft.status,
                        draft.notes or "", total, cost_text, draft.existing_id))
        line_rows.extend([(draft.existing_id, draft.customer_id, *line) for line in lines])
    update_rows(
        Order,
        ("customer_id", "order_date", "channel", "status", "notes", "total_amount", "total_cost"),
        updates,
    )
    delete_where_in(OrderLine, "order_id", [d.existing_id for d in plan.update])  # type: ignore[misc]
    ctx.progress.advance(len(updates))
    insert_rows(
        OrderLine,
        ("order_id", "customer_id", "product_id", "quantity", "unit_price", "unit_cost"),
        line_rows,
        progress=ctx.progress,
    )


def _round_total(value: int) -> str:
    """A sum of quantity × price (scaled by 10,000) rounded half-even to cents, as text."""
    cents, remainder = divmod(value, 100)
    if remainder > 50 or (remainder == 50 and cents % 2 == 1):
        cents += 1
    return format_scaled(cents)
