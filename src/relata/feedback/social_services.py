"""Writes of social profiles: a customer's account on a platform with its follower count, the
reach that purchase-only scoring misses (DOMAIN.md §8).

Rules (each refusal names the field and the reason):

* A handle is stored without the leading '@' and surrounding spaces. A link to the profile
  is turned into the handle where the link says clearly whose profile it is
  (``instagram.com/anna.bakes`` → ``anna.bakes``, ``tiktok.com/@anna`` → ``anna``,
  ``youtube.com/@anna`` → ``anna``, ``linkedin.com/in/anna-smit`` → ``anna-smit``); a link
  to a post, a search or another platform is refused rather than guessed. For a blog or
  website the handle is the address without ``https://`` and ``www.``. The link is kept in
  ``url`` when that was empty.
* One handle per platform belongs to one customer (case does not matter: ``@Anna`` and
  ``@anna`` are one account); a clash names the customer who has it.
* Followers are a whole number ≥ 0, counted on a day that is not in the future.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.customers.models import Customer
from relata.feedback.models import Platform, SocialProfile
from relata.web.forms import EARLIEST_YEAR

# The largest count a PositiveIntegerField holds on every database.
MAX_COUNT = 2_147_483_647
HANDLE_LENGTH = 100
URL_LENGTH = 200

# The web addresses of each platform (subdomains such as www., m. or nl. included).
PLATFORM_HOSTS: dict[str, tuple[str, ...]] = {
    Platform.INSTAGRAM: ("instagram.com", "instagr.am"),
    Platform.TIKTOK: ("tiktok.com",),
    Platform.YOUTUBE: ("youtube.com",),
    Platform.X: ("x.com", "twitter.com"),
    Platform.FACEBOOK: ("facebook.com", "fb.com"),
    Platform.LINKEDIN: ("linkedin.com",),
    Platform.PINTEREST: ("pinterest.com",),
}
# Pinterest also lives on country domains: pinterest.nl, pinterest.co.uk, …
_PINTEREST_HOST = re.compile(r"(^|\.)pinterest\.[a-z.]+$")
# First path parts that are pages of the platform, not profiles.
_NOT_PROFILES: dict[str, frozenset[str]] = {
    Platform.INSTAGRAM: frozenset({"p", "reel", "reels", "stories", "explore", "tv", "accounts"}),
    Platform.X: frozenset(
        {"home", "i", "intent", "search", "hashtag", "share", "explore", "settings"}
    ),
    Platform.FACEBOOK: frozenset(
        {
            "groups",
            "events",
            "watch",
            "share",
            "sharer",
            "sharer.php",
            "photo",
            "photo.php",
            "story.php",
            "marketplace",
            "hashtag",
            "login",
        }
    ),
    Platform.PINTEREST: frozenset({"pin", "search", "ideas", "today"}),
}
_WEBSITES = (Platform.BLOG, Platform.OTHER)
_URL_START = re.compile(r"^(https?://|www\.)", re.IGNORECASE)
# Text before the first '/' that looks like a domain name: "instagram.com/anna".
_DOMAIN_PATH = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+/", re.IGNORECASE)
_BAD_HANDLE_CHARS = re.compile(r"[\s/@?#&]")


@dataclass(frozen=True)
class Handle:
    """A handle as stored, and the link it was read from (empty when typed as a handle)."""

    handle: str
    url: str = ""


def platform_of_host(host: str) -> str | None:
    """The platform a web address belongs to, or None for any other site."""
    host = host.lower().rstrip(".")
    for platform, domains in PLATFORM_HOSTS.items():
        if any(host == domain or host.endswith(f".{domain}") for domain in domains):
            return platform
    if _PINTEREST_HOST.search(host):
        return Platform.PINTEREST
    return None


def _looks_like_link(text: str) -> bool:
    return bool(_URL_START.match(text) or _DOMAIN_PATH.match(text))


def _platform_label(platform: str) -> str:
    return str(Platform(platform).label) if platform in Platform.values else platform


def _profile_part(platform: str, parts: list[str], query: str) -> str | None:
    """The handle in a profile link's path parts, or None when the link is not clearly one
    profile."""
    if not parts:
        return None
    first = parts[0]
    if platform == Platform.TIKTOK:
        return first[1:] if first.startswith("@") and len(first) > 1 else None
    if platform == Platform.YOUTUBE:
        if first.startswith("@") and len(first) > 1:
            return first[1:]
        if first in ("c", "user", "channel") and len(parts) > 1:
            return parts[1]
        return None
    if platform == Platform.LINKEDIN:
        if first in ("in", "company", "school", "showcase") and len(parts) > 1:
            return parts[1]
        return None
    if platform == Platform.FACEBOOK and first == "profile.php":
        ids = parse_qs(query).get("id", [])
        return ids[0] if ids and ids[0].isdigit() else None
    if first.lower() in _NOT_PROFILES.get(platform, frozenset()):
        return None
    return first[1:] if first.startswith("@") else first


def social_handle_normalise(*, platform: str, text: str) -> Handle:
    """The stored form of a handle typed or pasted for ``platform``: see the module's rules.
    Raises ``ValidationError`` on ``handle`` when no handle can be read from the text."""
    raw = text.strip()
    if not raw:
        raise ValidationError(
            {"handle": _("Give the handle or a link to the profile.")}, code="required"
        )
    if _looks_like_link(raw):
        return _handle_from_link(platform, raw)
    handle = raw.lstrip("@").strip()
    if platform in _WEBSITES:
        handle = handle.rstrip("/")
    elif _BAD_HANDLE_CHARS.search(handle):
        raise ValidationError(
            {
                "handle": _(
                    "“%(handle)s” is not a handle: a handle has no spaces, slashes or '@' inside."
                )
                % {"handle": raw[:60]}
            },
            code="invalid",
        )
    if not handle:
        raise ValidationError(
            {"handle": _("Give the handle or a link to the profile.")}, code="required"
        )
    if len(handle) > HANDLE_LENGTH:
        raise ValidationError(
            {
                "handle": _(
                    "The handle is %(length)s characters long; at most %(limit)s are allowed."
                )
                % {"length": len(handle), "limit": HANDLE_LENGTH}
            },
            code="max_length",
        )
    return Handle(handle=handle)


def _handle_from_link(platform: str, raw: str) -> Handle:
    link = raw if re.match(r"^https?://", raw, re.IGNORECASE) else f"https://{raw}"
    try:
        URLValidator()(link)
        parts = urlsplit(link)
    except (ValidationError, ValueError):
        raise ValidationError(
            {"handle": _("“%(link)s” is not a valid web address.") % {"link": raw[:80]}},
            code="invalid",
        ) from None
    host = (parts.hostname or "").lower()
    found = platform_of_host(host)
    path = [part for part in parts.path.split("/") if part]
    if platform in _WEBSITES:
        if found is not None:
            raise ValidationError(
                {
                    "handle": _("This is a link to %(found)s: choose %(found)s as the platform.")
                    % {"found": _platform_label(found)}
                },
                code="platform_mismatch",
            )
        site = host.removeprefix("www.")
        handle = "/".join([site, *path])
    else:
        if found is None:
            raise ValidationError(
                {
                    "handle": _("“%(link)s” is not a link to %(platform)s.")
                    % {"link": raw[:80], "platform": _platform_label(platform)}
                },
                code="platform_mismatch",
            )
        if found != platform:
            raise ValidationError(
                {
                    "handle": _("This is a link to %(found)s, not to %(platform)s.")
                    % {"found": _platform_label(found), "platform": _platform_label(platform)}
                },
                code="platform_mismatch",
            )
        part = _profile_part(platform, path, parts.query)
        if not part or _BAD_HANDLE_CHARS.search(part):
            raise ValidationError(
                {
                    "handle": _(
                        "This link does not point to one profile on %(platform)s (a post "
                        "or a search?); give the profile's link or the handle."
                    )
                    % {"platform": _platform_label(platform)}
                },
                code="not_a_profile",
            )
        handle = part
    if len(handle) > HANDLE_LENGTH:
        raise ValidationError(
            {
                "handle": _(
                    "The handle is %(length)s characters long; at most %(limit)s are allowed."
                )
                % {"length": len(handle), "limit": HANDLE_LENGTH}
            },
            code="max_length",
        )
    return Handle(handle=handle, url=link if len(link) <= URL_LENGTH else "")


def handle_shown(*, platform: str, handle: str) -> str:
    """'@anna' on a social platform; a website's address as it is."""
    return handle if platform in _WEBSITES else f"@{handle}"


def profile_link(*, platform: str, handle: str) -> str:
    """The address of a profile, derived from the handle where the platform has one form."""
    templates = {
        Platform.INSTAGRAM: "https://www.instagram.com/{}/",
        Platform.TIKTOK: "https://www.tiktok.com/@{}",
        Platform.YOUTUBE: "https://www.youtube.com/@{}",
        Platform.X: "https://x.com/{}",
        Platform.FACEBOOK: "https://www.facebook.com/{}",
        Platform.PINTEREST: "https://www.pinterest.com/{}/",
        Platform.BLOG: "https://{}",
    }
    template = templates.get(platform)  # type: ignore[call-overload]
    return template.format(handle) if template and handle else ""


def handle_owner(*, platform: str, handle: str, exclude_pk: int | None = None) -> Customer | None:
    """The customer who already has this handle on the platform (case-insensitive)."""
    profiles = SocialProfile.objects.select_related("customer").filter(
        platform=platform, handle__iexact=handle
    )
    if exclude_pk is not None:
        profiles = profiles.exclude(pk=exclude_pk)
    found = profiles.first()
    return found.customer if found is not None else None


def handle_taken_message(*, platform: str, handle: str, owner: Customer) -> str:
    return _("%(handle)s on %(platform)s already belongs to %(name)s (%(number)s).") % {
        "handle": handle_shown(platform=platform, handle=handle),
        "platform": _platform_label(platform),
        "name": owner.display_name,
        "number": owner.customer_number,
    }


def _check_count(name: str, value: int, errors: dict[str, str]) -> None:
    if value < 0:
        errors[name] = _("Cannot be negative.")
    elif value > MAX_COUNT:
        errors[name] = _("At most %(limit)s.") % {"limit": f"{MAX_COUNT:,}"}


def _check_counted_on(counted_on: date, errors: dict[str, str]) -> None:
    if counted_on > timezone.localdate():
        errors["counted_on"] = _("The followers cannot be counted on a day in the future.")
    elif counted_on.year < EARLIEST_YEAR:
        errors["counted_on"] = _("Enter a date from %(year)s on.") % {"year": EARLIEST_YEAR}


def _validated(profile: SocialProfile, handle_text: str) -> SocialProfile:
    """Normalise the handle, check every rule, and report all problems at once."""
    errors: dict[str, str] = {}
    if profile.platform not in Platform.values:
        errors["platform"] = _("“%(value)s” is not a platform; choose one of: %(choices)s.") % {
            "value": profile.platform,
            "choices": ", ".join(Platform.values),
        }
    else:
        try:
            normalised = social_handle_normalise(platform=profile.platform, text=handle_text)
        except ValidationError as error:
            errors.update({k: " ".join(v) for k, v in error.message_dict.items()})
        else:
            profile.handle = normalised.handle
            if normalised.url and not profile.url:
                profile.url = normalised.url
            owner = handle_owner(
                platform=profile.platform, handle=profile.handle, exclude_pk=profile.pk
            )
            if owner is not None:
                errors["handle"] = handle_taken_message(
                    platform=profile.platform, handle=profile.handle, owner=owner
                )
    _check_count("followers", profile.followers, errors)
    _check_counted_on(profile.counted_on, errors)
    if errors:
        raise ValidationError(errors)
    profile.url = profile.url.strip()
    profile.full_clean(validate_unique=False, validate_constraints=False)
    return profile


def _save(profile: SocialProfile) -> SocialProfile:
    try:
        with transaction.atomic():
            profile.save()
    except IntegrityError:
        owner = handle_owner(
            platform=profile.platform, handle=profile.handle, exclude_pk=profile.pk
        )
        if owner is None:
            raise
        raise ValidationError(
            {
                "handle": handle_taken_message(
                    platform=profile.platform, handle=profile.handle, owner=owner
                )
            },
            code="unique",
        ) from None
    return profile


@transaction.atomic
def social_profile_create(
    *,
    customer: Customer,
    platform: str,
    handle: str,
    followers: int = 0,
    url: str = "",
    counted_on: date | None = None,
) -> SocialProfile:
    """Add a profile to a customer (see the module's rules)."""
    profile = SocialProfile(
        customer=customer,
        platform=platform,
        handle=handle,
        followers=followers,
        url=url.strip(),
        counted_on=counted_on or timezone.localdate(),
    )
    return _save(_validated(profile, handle))


PROFILE_FIELDS = ("platform", "handle", "followers", "url", "counted_on")


@transaction.atomic
def social_profile_update(*, profile: SocialProfile, fields: Mapping[str, Any]) -> SocialProfile:
    """Change the given fields of a profile (``PROFILE_FIELDS``); the customer stays. A new
    follower count without a date is counted today."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    profile = (
        SocialProfile.objects.select_for_update().select_related("customer").get(pk=profile.pk)
    )
    if (
        "followers" in fields
        and "counted_on" not in fields
        and fields["followers"] != profile.followers
    ):
        profile.counted_on = timezone.localdate()
    before = (profile.platform, profile.handle.lower(), profile.url)
    for name, value in fields.items():
        if name == "counted_on" and value is None:
            value = timezone.localdate()
        if name == "url" and value is None:
            value = ""
        setattr(profile, name, value.strip() if isinstance(value, str) else value)
    if "handle" in fields and "url" not in fields:
        profile.url = ""  # the old link belongs to the old handle; a new link fills it
    profile = _validated(profile, str(fields.get("handle", profile.handle)))
    if (
        not profile.url
        and "url" not in fields
        and before[:2]
        == (
            profile.platform,
            profile.handle.lower(),
        )
    ):
        profile.url = before[2]  # the same account: keep its link
    return _save(profile)


@transaction.atomic
def social_profile_delete(*, profile: SocialProfile) -> None:
    SocialProfile.objects.filter(pk=profile.pk).delete()
