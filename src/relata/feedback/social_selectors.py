"""Reads of social profiles: the filtered list and the reach per platform."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum

from relata.feedback.models import Platform, SocialProfile

PROFILE_SORTS: dict[str, tuple[str, ...]] = {
    "followers": ("followers", "platform", "handle"),
    "-followers": ("-followers", "platform", "handle"),
    "handle": ("handle", "platform"),
    "-handle": ("-handle", "platform"),
    "platform": ("platform", "-followers", "handle"),
    "-platform": ("-platform", "-followers", "handle"),
    "counted": ("counted_on", "id"),
    "-counted": ("-counted_on", "-id"),
    "customer": ("customer__display_name_sort", "-followers"),
    "-customer": ("-customer__display_name_sort", "-followers"),
}
DEFAULT_SORT = "-followers"

PLATFORM_ICONS: dict[str, str] = {
    Platform.INSTAGRAM: "bi-instagram",
    Platform.TIKTOK: "bi-tiktok",
    Platform.YOUTUBE: "bi-youtube",
    Platform.X: "bi-twitter-x",
    Platform.FACEBOOK: "bi-facebook",
    Platform.LINKEDIN: "bi-linkedin",
    Platform.PINTEREST: "bi-pinterest",
    Platform.BLOG: "bi-globe",
    Platform.OTHER: "bi-share",
}


def social_profile_list(
    *,
    platform: str = "",
    min_followers: int | None = None,
    query: str = "",
    customer_id: int | None = None,
    sort: str = DEFAULT_SORT,
) -> QuerySet[SocialProfile]:
    """Profiles matching every filter given; ``query`` finds a handle (with or without '@')
    or a customer by number or name."""
    profiles = SocialProfile.objects.select_related("customer")
    if platform in Platform.values:
        profiles = profiles.filter(platform=platform)
    if min_followers is not None:
        profiles = profiles.filter(followers__gte=min_followers)
    if customer_id is not None:
        profiles = profiles.filter(customer_id=customer_id)
    query = query.strip()
    if query:
        profiles = profiles.filter(
            Q(handle__icontains=query.lstrip("@"))
            | Q(customer__customer_number__iexact=query)
            | Q(customer__search_text__contains=query.lower())
        )
    return profiles.order_by(*PROFILE_SORTS.get(sort, PROFILE_SORTS[DEFAULT_SORT]))


@dataclass(frozen=True)
class PlatformReach:
    platform: str
    label: str
    icon: str
    profiles: int
    followers: int


@dataclass(frozen=True)
class ReachTotals:
    profiles: int
    customers: int
    followers: int
    platforms: list[PlatformReach]


def reach_totals(profiles: QuerySet[SocialProfile] | None = None) -> ReachTotals:
    """Profiles and followers per platform (largest reach first), and the totals; two
    grouped queries."""
    base = (SocialProfile.objects.all() if profiles is None else profiles).order_by()
    rows = base.values("platform").annotate(n=Count("id"), followers=Sum("followers"))
    labels = dict(Platform.choices)
    platforms = sorted(
        (
            PlatformReach(
                platform=row["platform"],
                label=str(labels.get(row["platform"], row["platform"])),
                icon=PLATFORM_ICONS.get(row["platform"], "bi-share"),
                profiles=row["n"],
                followers=int(row["followers"] or 0),
            )
            for row in rows
        ),
        key=lambda reach: (-reach.followers, reach.label),
    )
    return ReachTotals(
        profiles=sum(p.profiles for p in platforms),
        customers=base.values("customer_id").distinct().count(),
        followers=sum(p.followers for p in platforms),
        platforms=platforms,
    )
