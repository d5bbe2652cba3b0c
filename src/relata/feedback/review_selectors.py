"""Reads of reviews and comments: the filtered list, the rating summary per product (average,
count, distribution), the most helpful reviews, and a customer's reviews and reach for the
customer file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Avg, Count, F, Q, QuerySet, Sum
from django.db.models.expressions import OrderBy

from relata.customers.models import Customer
from relata.feedback.models import Review, ReviewKind, SocialProfile
from relata.sales.models import Product

STARS = (5, 4, 3, 2, 1)
TOP_PRODUCTS = 10
TOP_HELPFUL = 5
RECENT_REVIEWS = 3
SITE_CHOICES = 100

REVIEW_SORTS: dict[str, tuple[str | OrderBy, ...]] = {
    "date": ("written_on", "id"),
    "-date": ("-written_on", "-id"),
    "rating": (F("rating").asc(nulls_last=True), "-written_on", "-id"),
    "-rating": (F("rating").desc(nulls_last=True), "-written_on", "-id"),
    "helpful": ("helpful_votes", "-written_on", "-id"),
    "-helpful": ("-helpful_votes", "unhelpful_votes", "-written_on", "-id"),
    "customer": ("customer__display_name_sort", "-written_on", "-id"),
    "-customer": ("-customer__display_name_sort", "-written_on", "-id"),
}
DEFAULT_SORT = "-date"


def review_list(
    *,
    kind: str = "",
    product: str = "",
    rating: int | None = None,
    site: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    query: str = "",
    customer_id: int | None = None,
    sort: str = DEFAULT_SORT,
) -> QuerySet[Review]:
    """Reviews and comments matching every filter given. ``product`` is a SKU; ``query``
    searches the title and text, and finds a customer by number or name."""
    reviews = Review.objects.select_related("customer", "product")
    if kind in ReviewKind.values:
        reviews = reviews.filter(kind=kind)
    if product.strip():
        reviews = reviews.filter(product__sku__iexact=product.strip())
    if rating is not None:
        reviews = reviews.filter(rating=rating)
    if site.strip():
        reviews = reviews.filter(site__iexact=site.strip())
    if date_from is not None:
        reviews = reviews.filter(written_on__gte=date_from)
    if date_to is not None:
        reviews = reviews.filter(written_on__lte=date_to)
    if customer_id is not None:
        reviews = reviews.filter(customer_id=customer_id)
    query = query.strip()
    if query:
        reviews = reviews.filter(
            Q(title__icontains=query)
            | Q(text__icontains=query)
            | Q(customer__customer_number__iexact=query)
            | Q(customer__search_text__contains=query.lower())
        )
    return reviews.order_by(*REVIEW_SORTS.get(sort, REVIEW_SORTS[DEFAULT_SORT]))


def review_sites() -> list[str]:
    """The sites reviews came from, for the filter (the most common first)."""
    rows = (
        Review.objects.exclude(site="")
        .order_by()
        .values("site")
        .annotate(n=Count("id"))
        .order_by("-n", "site")[:SITE_CHOICES]
    )
    return [row["site"] for row in rows]


@dataclass(frozen=True)
class StarCount:
    stars: int
    count: int
    percent: int


@dataclass(frozen=True)
class RatingSummary:
    """Rated reviews of one product (``product`` None: all of them)."""

    product: Product | None
    count: int
    average: float | None
    distribution: list[StarCount] = field(default_factory=list)


def _summary(product: Product | None, counts: dict[int, int]) -> RatingSummary:
    total = sum(counts.values())
    average = sum(stars * n for stars, n in counts.items()) / total if total else None
    return RatingSummary(
        product=product,
        count=total,
        average=average,
        distribution=[
            StarCount(stars, counts.get(stars, 0), round(100 * counts.get(stars, 0) / total))
            if total
            else StarCount(stars, 0, 0)
            for stars in STARS
        ],
    )


@dataclass(frozen=True)
class ProductRatings:
    overall: RatingSummary
    products: list[RatingSummary]
    rated_products: int


def rating_summary(reviews: QuerySet[Review], *, limit: int = TOP_PRODUCTS) -> ProductRatings:
    """Average, count and star distribution of the rated reviews in ``reviews``: over all,
    and per product for the ``limit`` products with the most ratings. Three grouped queries
    whatever the number of reviews."""
    rated = reviews.filter(rating__isnull=False).order_by()
    overall: dict[int, int] = {
        stars: n
        for stars, n in rated.values("rating").annotate(n=Count("id")).values_list("rating", "n")
        if stars is not None
    }
    per_product = rated.filter(product__isnull=False).values("product_id").annotate(n=Count("id"))
    top = list(per_product.order_by("-n", "product_id")[:limit])
    ids = [row["product_id"] for row in top]
    counts: dict[int, dict[int, int]] = {pk: {} for pk in ids}
    for product_id, stars, n in (
        rated.filter(product_id__in=ids)
        .values("product_id", "rating")
        .annotate(n=Count("id"))
        .values_list("product_id", "rating", "n")
    ):
        if product_id is not None and stars is not None:
            counts[product_id][stars] = n
    products = Product.objects.in_bulk(ids)
    return ProductRatings(
        overall=_summary(None, overall),
        products=[_summary(products[pk], counts[pk]) for pk in ids if pk in products],
        rated_products=per_product.count() if len(top) == limit else len(top),
    )


def top_helpful(reviews: QuerySet[Review], *, limit: int = TOP_HELPFUL) -> list[Review]:
    """The reviews most readers found helpful (ties: fewer not-helpful votes, newer)."""
    return list(
        reviews.filter(helpful_votes__gt=0).order_by(
            "-helpful_votes", "unhelpful_votes", "-written_on", "-id"
        )[:limit]
    )


@dataclass(frozen=True)
class CustomerReviews:
    """What the customer file's "Reviews and reach" card shows."""

    reviews: int
    comments: int
    average_rating: float | None
    helpful_votes: int
    unhelpful_votes: int
    profiles: list[SocialProfile]
    reach: int
    recent: list[Review]

    @property
    def written(self) -> int:
        return self.reviews + self.comments


def customer_reviews(*, customer: Customer, recent: int = RECENT_REVIEWS) -> CustomerReviews:
    """Counts, average rating and votes of a customer's reviews, their profiles with the
    total reach (followers summed over the profiles), and the latest reviews."""
    totals = Review.objects.filter(customer=customer).aggregate(
        reviews=Count("id", filter=Q(kind=ReviewKind.REVIEW)),
        comments=Count("id", filter=Q(kind=ReviewKind.COMMENT)),
        average=Avg("rating"),
        helpful=Sum("helpful_votes"),
        unhelpful=Sum("unhelpful_votes"),
    )
    profiles = list(SocialProfile.objects.filter(customer=customer).order_by("-followers", "id"))
    return CustomerReviews(
        reviews=totals["reviews"],
        comments=totals["comments"],
        average_rating=float(totals["average"]) if totals["average"] is not None else None,
        helpful_votes=int(totals["helpful"] or 0),
        unhelpful_votes=int(totals["unhelpful"] or 0),
        profiles=profiles,
        reach=sum(profile.followers for profile in profiles),
        recent=list(
            Review.objects.filter(customer=customer)
            .select_related("product")
            .order_by("-written_on", "-id")[:recent]
        ),
    )
