"""Social profiles: matched on (platform, handle), case-insensitive. A handle belongs to one
customer, so a row giving another customer's handle is refused, naming that customer.

Handles are read as the pages read them: '@' and spaces dropped, a profile link turned into
the handle (see ``relata.feedback.social_services``). Platforms are read in common spellings
("Insta", "IG", "Twitter" → X, "FB", "YT"); an empty platform cell is taken from the link
when the link says it. Followers are whole numbers ≥ 0 and may be written "12.300", "12,3k"
or "1.2M"; an empty count is 0.

A matched profile is updated only where the file differs, and an older count never replaces
a newer one: a row counted before the stored count leaves the followers as they are. A new
count without a date is dated today; the same count again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from relata.feedback.models import Platform, SocialProfile
from relata.feedback.social_services import (
    MAX_COUNT,
    handle_taken_message,
    platform_of_host,
    social_handle_normalise,
)
from relata.imports.choices import choice_words
from relata.imports.kinds.common import bulk_write, resolve_customers
from relata.imports.kinds.reviews import parse_past_date, parse_url
from relata.imports.parsing import (
    COMMA,
    POINT,
    Parsed,
    choice_parser,
    clip,
    parse_email,
    parse_integer,
    parse_scaled,
)
from relata.imports.validate import Context, Counts
from relata.imports.writers import chunked, lookup

PLATFORM_SYNONYMS = {
    "instagram": ("insta", "ig", "instagr.am"),
    "tiktok": ("tik tok", "tt"),
    "youtube": ("yt", "you tube"),
    "x": ("twitter", "x (twitter)", "twitter (x)", "x.com", "x/twitter", "tweets"),
    "facebook": ("fb", "face book", "meta"),
    "linkedin": ("linked in", "li"),
    "pinterest": ("pin",),
    "blog": ("weblog", "website", "site", "web", "blogger", "vlog website"),
    "other": ("anders", "overig", "overige", "andere"),
}
_SUFFIXES = (("mln", 1_000_000), ("m", 1_000_000), ("k", 1_000), ("dzd", 1_000))


@dataclass
class SocialPlan:
    counts: Counts
    create: list[SocialProfile] = field(default_factory=list)
    update: list[SocialProfile] = field(default_factory=list)
    update_fields: set[str] = field(default_factory=set)

    def write(self, ctx: Context) -> None:
        bulk_write(
            ctx,
            SocialProfile,
            create=self.create,
            update=self.update,
            update_fields=self.update_fields,
        )


def platform_words() -> dict[str, str]:
    return choice_words(Platform, extra=tuple(PLATFORM_SYNONYMS.items()))


def parse_followers(style: str, text: str) -> Parsed:
    """A whole number of followers: '12300', '12.300', '12,3k', '1.2M', '2 mln'."""
    s = text.strip().replace(" ", "").replace("\u00a0", "")
    if not s:
        return None, None
    factor = 1
    for suffix, multiplier in _SUFFIXES:
        if s.lower().endswith(suffix) and len(s) > len(suffix):
            s, factor = s[: -len(suffix)], multiplier
            break
    if factor == 1:
        value, error = parse_integer(s)
        if error is not None or value is None:
            return None, _("“%(value)s” is not a number of followers") % {"value": clip(text)}
    else:
        # With a suffix the number is short ('12,3k'): either decimal mark is unambiguous.
        scaled, error = parse_scaled(s, style)
        if error is not None:
            scaled, error = parse_scaled(s, POINT if style == COMMA else COMMA)
        if error is not None or scaled is None:
            return None, _("“%(value)s” is not a number of followers") % {"value": clip(text)}
        value = round(scaled * factor / 100)
    if value < 0:
        return None, _("followers cannot be negative, not %(value)s") % {"value": text.strip()}
    if value > MAX_COUNT:
        return None, _("%(value)s is too large") % {"value": text.strip()}
    return value, None


def _link_platform(text: str) -> str | None:
    if not text:
        return None
    link = text if "://" in text else f"https://{text}"
    try:
        host = urlsplit(link).hostname or ""
    except ValueError:
        return None
    return platform_of_host(host)


def plan(ctx: Context) -> SocialPlan:
    ctx.progress.stage(_("Checking"), 3)
    size = ctx.size
    numbers = ctx.text("customer_number", 32)
    emails = ctx.parsed("customer_email", parse_email)
    platforms = ctx.parsed("platform", choice_parser(platform_words()))
    handles = ctx.text("handle", 300)
    urls = ctx.parsed("url", parse_url)
    url_cells = (
        [cell.strip() for cell in ctx.table.columns[ctx.mapping.columns["url"]]]
        if ctx.has("url")
        else None
    )
    followers = ctx.parsed("followers", partial(parse_followers, ctx.settings.decimal))
    counted = ctx.parsed("counted_on", partial(parse_past_date, ctx.settings.dayfirst))
    ctx.progress.advance(1)
    customer_ids = resolve_customers(ctx, numbers, emails)
    ctx.progress.advance(1)

    platform_cells = (
        ctx.table.columns[ctx.mapping.columns["platform"]] if ctx.has("platform") else None
    )
    seen: dict[tuple[str, str], int] = {}
    rows: list[dict[str, Any]] = []
    for i in range(size):
        handle_text = handles[i] if handles is not None else ""
        url_text = url_cells[i] if url_cells is not None else ""
        platform = platforms[i] if platforms is not None else None
        if platform is None:
            if platform_cells is not None and platform_cells[i].strip():
                continue  # an unknown platform, reported by the parser
            platform = _link_platform(handle_text) or _link_platform(url_text)
            if platform is None:
                ctx.error(i, "platform", _("the platform is missing, and the link does not say it"))
                continue
        source = "handle" if handle_text else "url"
        try:
            normalised = social_handle_normalise(platform=platform, text=handle_text or url_text)
        except ValidationError as error:
            ctx.error(i, source, " ".join(error.message_dict.get("handle", error.messages)))
            continue
        key = (platform, normalised.handle.lower())
        earlier = seen.setdefault(key, i)
        if earlier != i:
            ctx.error(
                i,
                source,
                _("duplicate of row %(row)d (same platform and handle)")
                % {"row": ctx.table.row_numbers[earlier]},
            )
            continue
        if i in ctx.bad:
            continue
        url = (urls[i] if urls is not None else None) or normalised.url
        rows.append(
            {
                "_index": i,
                "customer_id": customer_ids[i],
                "platform": platform,
                "handle": normalised.handle,
                "url": url or "",
                "followers": followers[i] if followers is not None else None,
                "counted_on": counted[i] if counted is not None else None,
            }
        )

    existing = _existing(rows)
    today = timezone.localdate()
    result = SocialPlan(counts=Counts())
    now = timezone.now()
    for values in rows:
        i = values.pop("_index")
        profile = existing.get((values["platform"], values["handle"].lower()))
        if profile is None:
            result.create.append(
                SocialProfile(
                    customer_id=values["customer_id"],
                    platform=values["platform"],
                    handle=values["handle"],
                    url=values["url"],
                    followers=values["followers"] or 0,
                    counted_on=values["counted_on"] or today,
                    created_at=now,
                )
            )
            continue
        if profile.customer_id != values["customer_id"]:
            ctx.error(
                i,
                "handle" if ctx.has("handle") else "url",
                handle_taken_message(
                    platform=profile.platform, handle=profile.handle, owner=profile.customer
                ),
            )
            continue
        changed = _changes(profile, values, today)
        if changed:
            result.update.append(profile)
            result.update_fields |= changed
        else:
            result.counts.unchanged += 1
    result.counts.created = len(result.create)
    result.counts.updated = len(result.update)
    result.counts.rejected = len(ctx.bad)
    ctx.progress.advance(1)
    return result


def _changes(profile: SocialProfile, values: dict[str, Any], today: date) -> set[str]:
    """Apply the row to the matched profile; the names of the fields it changed."""
    changed: set[str] = set()
    if values["url"] and values["url"] != profile.url:
        profile.url = values["url"]
        changed.add("url")
    count, day = values["followers"], values["counted_on"]
    if count is None:
        return changed
    if day is None:
        if count != profile.followers:
            profile.followers, profile.counted_on = count, today
            changed |= {"followers", "counted_on"}
        return changed
    if day < profile.counted_on:
        return changed  # an older count than the one stored
    if count != profile.followers:
        profile.followers = count
        changed.add("followers")
    if day != profile.counted_on:
        profile.counted_on = day
        changed.add("counted_on")
    return changed


def _existing(rows: list[dict[str, Any]]) -> dict[tuple[str, str], SocialProfile]:
    handles = {values["handle"].lower() for values in rows}
    wanted = {(values["platform"], values["handle"].lower()) for values in rows}
    ids = [
        pk
        for platform, handle, pk in lookup(
            SocialProfile.objects.annotate(handle_lower=Lower("handle")),
            "handle_lower",
            handles,
            "platform",
            "handle_lower",
            "id",
        )
        if (platform, handle) in wanted
    ]
    found: dict[tuple[str, str], SocialProfile] = {}
    for chunk in chunked(ids, 2000):
        for profile in SocialProfile.objects.select_related("customer").filter(pk__in=chunk):
            found[(profile.platform, profile.handle.lower())] = profile
    return found
