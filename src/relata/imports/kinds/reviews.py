"""Reviews and comments: matched on the external id when the file gives one, otherwise on
(customer, date, product, title, text). A matched review is updated only where the file
differs (new votes, a corrected rating), so importing the same file again changes nothing.

Without a kind, a row with a rating is a review and one without a comment. Ratings are whole
stars from 1 to 5 ("4", "4/5", "4 sterren", "★★★★"); votes are whole numbers ≥ 0, an empty cell
is 0; the date may not lie in the future (empty: today).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.feedback.models import Review, ReviewKind
from relata.feedback.review_services import rating_errors
from relata.feedback.social_services import MAX_COUNT
from relata.imports.choices import choice_words
from relata.imports.kinds.common import bulk_write, resolve_customers
from relata.imports.parsing import (
    Parsed,
    choice_parser,
    clip,
    parse_date,
    parse_email,
    parse_integer,
)
from relata.imports.validate import Context, Counts
from relata.imports.writers import chunked, lookup
from relata.sales.models import Product
from relata.web.forms import EARLIEST_YEAR

KIND_SYNONYMS = {
    "review": ("recensie", "beoordeling", "productreview", "rating", "waardering"),
    "comment": (
        "reactie",
        "opmerking",
        "commentaar",
        "comments",
        "vraag",
        "question",
        "post",
        "bericht",
    ),
}
TEXT_COLUMNS = ("title", "text", "site", "url", "external_id")
COMPARED = (
    "kind",
    "rating",
    "product_id",
    "title",
    "text",
    "written_on",
    "helpful_votes",
    "unhelpful_votes",
    "site",
    "url",
)
_STARS = re.compile(
    r"^(\d+)\s*(?:/\s*5|(?:van|of|uit)\s*5)?\s*(?:sterren|ster|stars?|\*)?$", re.IGNORECASE
)


@dataclass
class ReviewsPlan:
    counts: Counts
    create: list[Review] = field(default_factory=list)
    update: list[Review] = field(default_factory=list)
    update_fields: set[str] = field(default_factory=set)

    def write(self, ctx: Context) -> None:
        bulk_write(
            ctx, Review, create=self.create, update=self.update, update_fields=self.update_fields
        )


def kind_words() -> dict[str, str]:
    return choice_words(ReviewKind, extra=tuple(KIND_SYNONYMS.items()))


def parse_rating(text: str) -> Parsed:
    """Whole stars from 1 to 5: '4', '4,0', '4/5', '4 sterren', '★★★★☆'."""
    s = text.strip()
    if not s:
        return None, None
    if set(s) <= {"★", "☆", " "}:
        value: int | None = s.count("★")
    else:
        match = _STARS.match(s)
        value = int(match.group(1)) if match else None
        if value is None:
            value, error = parse_integer(s)
            if error is not None:
                return None, _("“%(value)s” is not a rating: give whole stars from 1 to 5") % {
                    "value": clip(s)
                }
    if value is None or not 1 <= value <= 5:
        return None, _("the rating is 1 to 5 stars, not “%(value)s”") % {"value": clip(s)}
    return value, None


def parse_votes(text: str) -> Parsed:
    value, error = parse_integer(text)
    if error is not None or value is None:
        return value, error
    if value < 0:
        return None, _("votes cannot be negative, not %(value)s") % {"value": text.strip()}
    if value > MAX_COUNT:
        return None, _("%(value)s is too large") % {"value": text.strip()}
    return value, None


def parse_past_date(dayfirst: bool, text: str) -> Parsed:
    value, error = parse_date(text, dayfirst)
    if isinstance(value, date):
        if value > timezone.localdate():
            return None, _("%(date)s lies in the future") % {"date": value.isoformat()}
        if value.year < EARLIEST_YEAR:
            return None, _("enter a date from %(year)s on") % {"year": EARLIEST_YEAR}
    return value, error


def parse_url(text: str) -> Parsed:
    s = text.strip()
    if not s:
        return "", None
    link = s if re.match(r"^[a-z][a-z0-9+.-]*://", s, re.IGNORECASE) else f"https://{s}"
    try:
        URLValidator(schemes=["http", "https"])(link)
    except ValidationError:
        return None, _("“%(value)s” is not a web address") % {"value": clip(s)}
    if len(link) > 200:
        return None, _("the link is longer than 200 characters")
    return link, None


def _max_length(name: str) -> int | None:
    return Review._meta.get_field(name).max_length  # type: ignore[union-attr]


def _resolve_products(ctx: Context, skus: list[str] | None) -> list[int | None] | None:
    if skus is None:
        return None
    upper = {sku.upper() for sku in skus if sku}
    products = dict(
        lookup(
            Product.objects.annotate(sku_upper=Upper("sku")), "sku_upper", upper, "sku_upper", "id"
        )
    )
    ids: list[int | None] = []
    for i, sku in enumerate(skus):
        found = products.get(sku.upper()) if sku else None
        if sku and found is None:
            ctx.error(i, "sku", _("no product has the SKU “%(sku)s”") % {"sku": clip(sku)})
        ids.append(found)
    return ids


def plan(ctx: Context) -> ReviewsPlan:
    ctx.progress.stage(_("Checking"), 3)
    size = ctx.size
    external_ids = ctx.text("external_id", _max_length("external_id"))
    numbers = ctx.text("customer_number", 32)
    emails = ctx.parsed("customer_email", parse_email)
    kinds = ctx.parsed("kind", choice_parser(kind_words()))
    ratings = ctx.parsed("rating", parse_rating)
    skus = ctx.text("sku", 40)
    columns: dict[str, list[Any]] = {}
    for name in ("title", "text", "site"):
        cells = ctx.text(name, _max_length(name))
        if cells is not None:
            columns[name] = cells
    urls = ctx.parsed("url", parse_url)
    if urls is not None:
        columns["url"] = urls
    dates = ctx.parsed("written_on", partial(parse_past_date, ctx.settings.dayfirst))
    for name in ("helpful_votes", "unhelpful_votes"):
        votes = ctx.parsed(name, parse_votes)
        if votes is not None:
            columns[name] = votes
    ctx.progress.advance(1)
    customer_ids = resolve_customers(ctx, numbers, emails)
    product_ids = _resolve_products(ctx, skus)
    ctx.progress.advance(1)

    today = timezone.localdate()
    rating_cells = ctx.table.columns[ctx.mapping.columns["rating"]] if ctx.has("rating") else None
    external_column = external_ids or [""] * size
    seen: dict[object, int] = {}
    rows: list[dict[str, Any]] = []
    for i in range(size):
        rating = ratings[i] if ratings is not None else None
        kind = kinds[i] if kinds is not None else None
        if kind is None:
            kind = ReviewKind.REVIEW if rating is not None else ReviewKind.COMMENT
        if not (rating is None and rating_cells is not None and rating_cells[i].strip()):
            problem = rating_errors(kind, rating)  # (an unreadable rating is reported already)
            if problem:
                ctx.error(i, "rating" if ctx.has("rating") else "kind", problem)
        values: dict[str, Any] = {
            "customer_id": customer_ids[i],
            "kind": kind,
            "rating": rating,
            "written_on": (dates[i] if dates is not None else None) or today,
        }
        if product_ids is not None:
            values["product_id"] = product_ids[i]
        for name, column in columns.items():
            values[name] = (
                column[i] if column[i] is not None else (0 if name.endswith("votes") else "")
            )
        if not any(values.get(name) for name in ("rating", "title", "text")) and i not in ctx.bad:
            ctx.row_error(i, _("the row has no rating, title or text"))
        external = external_column[i]
        key: object = external or _natural_key(values)
        earlier = seen.setdefault(key, i)
        if earlier != i:
            row = {"row": ctx.table.row_numbers[earlier]}
            if external:
                ctx.error(i, "external_id", _("duplicate of row %(row)d") % row)
            else:
                ctx.row_error(
                    i,
                    _("duplicate of row %(row)d (same customer, date, product, title and text)")
                    % row,
                )
        if i in ctx.bad:
            continue
        values["external_id"] = external
        values["_index"] = i
        rows.append(values)

    # Columns the file lacks leave a matched review's value as it is.
    present = {
        "kind": ctx.has("kind") or ctx.has("rating"),
        "rating": ctx.has("rating"),
        "written_on": ctx.has("written_on"),
    }
    existing = _existing(rows)
    result = ReviewsPlan(counts=Counts())
    now = timezone.now()
    for values in rows:
        i = values.pop("_index")
        key = values["external_id"] or _natural_key(values)
        review = existing.get(key)
        if review is None:
            result.create.append(Review(created_at=now, **values))
            continue
        if review.customer_id != values["customer_id"]:
            ctx.error(
                i,
                "external_id",
                _("external id %(id)s belongs to a review by customer %(number)s")
                % {"id": clip(values["external_id"]), "number": review.customer.customer_number},
            )
            continue
        changed = {
            name
            for name in COMPARED
            if name in values and present.get(name, True) and getattr(review, name) != values[name]
        }
        problem = rating_errors(
            values["kind"] if "kind" in changed else review.kind,
            values["rating"] if "rating" in changed else review.rating,
        )
        if changed and problem:
            ctx.error(i, "rating" if ctx.has("rating") else "kind", problem)
            continue
        if changed:
            for name in changed:
                setattr(review, name, values[name])
            result.update.append(review)
            result.update_fields |= changed
        else:
            result.counts.unchanged += 1
    result.counts.created = len(result.create)
    result.counts.updated = len(result.update)
    result.counts.rejected = len(ctx.bad)
    ctx.progress.advance(1)
    return result


def _natural_key(values: dict[str, Any]) -> tuple[Any, ...]:
    return (
        values["customer_id"],
        values["written_on"],
        values.get("product_id"),
        values.get("title", ""),
        values.get("text", ""),
    )


def _existing(rows: list[dict[str, Any]]) -> dict[object, Review]:
    found: dict[object, Review] = {}
    externals = sorted({values["external_id"] for values in rows if values["external_id"]})
    for chunk in chunked(externals, 2000):
        for review in Review.objects.select_related("customer").filter(external_id__in=chunk):
            found[review.external_id] = review
    keyed = [values for values in rows if not values["external_id"]]
    if keyed:
        customers = sorted({v["customer_id"] for v in keyed})
        first = min(v["written_on"] for v in keyed)
        last = max(v["written_on"] for v in keyed)
        for chunk in chunked(customers, 2000):
            for review in Review.objects.select_related("customer").filter(
                customer_id__in=chunk, written_on__gte=first, written_on__lte=last
            ):
                key = (
                    review.customer_id,
                    review.written_on,
                    review.product_id,
                    review.title,
                    review.text,
                )
                found.setdefault(key, review)
    return found
