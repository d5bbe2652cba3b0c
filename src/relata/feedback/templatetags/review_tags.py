"""Template helpers of the review and social profile pages, and the "Reviews and reach" card
on the customer file."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from relata.feedback.models import SocialProfile
from relata.feedback.review_selectors import customer_reviews
from relata.feedback.social_selectors import PLATFORM_ICONS
from relata.feedback.social_services import handle_shown, profile_link

register = template.Library()


@register.filter
def stars(rating: float | int | None) -> SafeString:
    """A rating as five star icons (half stars for averages), with the number for screen
    readers; nothing for no rating."""
    if rating is None:
        return format_html('<span class="text-body-secondary">{}</span>', "—")
    value = max(0.0, min(5.0, float(rating)))
    halves = round(value * 2)
    icons = []
    for position in range(1, 6):
        if halves >= position * 2:
            icons.append(("bi-star-fill",))
        elif halves == position * 2 - 1:
            icons.append(("bi-star-half",))
        else:
            icons.append(("bi-star",))
    digits = 0 if value == int(value) else 1
    label = _("%(rating)s of 5 stars") % {"rating": number_format(value, digits)}
    return format_html(
        '<span class="review-stars text-warning text-nowrap" role="img" aria-label="{}" '
        'title="{}">{}</span>',
        label,
        label,
        format_html_join("", '<i class="bi {}"></i>', icons),
    )


@register.filter
def platform_icon(platform: str) -> str:
    return PLATFORM_ICONS.get(platform, "bi-share")


@register.filter
def at_handle(profile: SocialProfile) -> str:
    """The handle as people write it: '@anna' on a platform, the address of a website."""
    return handle_shown(platform=profile.platform, handle=profile.handle)


@register.filter
def profile_href(profile: SocialProfile) -> str:
    """The profile's link as stored, else the one its platform's address pattern gives."""
    return profile.url or profile_link(platform=profile.platform, handle=profile.handle)


@register.filter
def followers(value: int) -> str:
    """A follower count as people read it: 950, 12.3k, 1.2M (grouped below 10,000)."""
    if value >= 1_000_000:
        return f"{number_format(value / 1_000_000, 1)}M"
    if value >= 10_000:
        return f"{number_format(value / 1_000, 1)}k"
    return number_format(value, 0, force_grouping=True)


@register.inclusion_tag("feedback/reviews/_customer_card.html", takes_context=True)
def customer_reviews_card(context: template.Context, customer: Any) -> dict[str, Any]:
    """Reviews written, average rating, helpful votes, social profiles and reach of a
    customer, with buttons to add a review or a profile."""
    request = context.get("request")
    return {
        "customer": customer,
        "summary": customer_reviews(customer=customer),
        "perms": context.get("perms"),
        "request": request,
        "next": request.get_full_path() if request is not None else "",
    }


@register.simple_tag(takes_context=True)
def sort_link(context: template.Context, field: str, default: str = "") -> str:
    """The query string sorting by ``field``: descending first (the newest, the best rated,
    the most helpful), ascending when it already sorts descending by it."""
    current = context["request"].GET.get("sort", "") or default
    wanted = field if current == f"-{field}" else f"-{field}"
    params = context["request"].GET.copy()
    params["sort"] = wanted
    params.pop("page", None)
    return f"?{params.urlencode()}"


@register.simple_tag(takes_context=True)
def sort_mark(context: template.Context, field: str, default: str = "") -> str:
    """An arrow after the heading the list is sorted by."""
    current = context["request"].GET.get("sort", "") or default
    if current == field:
        return "▲"
    if current == f"-{field}":
        return "▼"
    return ""
