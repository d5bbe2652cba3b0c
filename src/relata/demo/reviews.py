"""Demo reviews, comments and social profiles (DOMAIN.md §8): the word of mouth and reach
that purchase-only scoring misses.

About 4% of customers have a social profile, with a heavy tail of followers (log-normal);
about 6% of buyers review products they bought, rated as satisfied as they are, with a heavy
tail of helpful votes. A handful of vloggers (20k–250k followers) buy little — a few small
orders in the last year — but review what they bought on their own channels, and
`relata demo-engagement` lets them bring in other customers: the "low spend, high
influence" customers. Pure NumPy, no Django.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from numpy.random import Generator

from relata.demo import feedback_vocab as vocab
from relata.demo.surveys import CustomerFacts, FeedbackBase, phrases
from relata.demo.tables import Column, S, Table
from relata.demo.text import email_safe, rank_within_groups, strings, weights

VLOGGER_FOLLOWERS = 20_000  # a profile this large makes its owner a vlogger in the demo
_CUSTOMERS_PER_VLOGGER, _MOST_VLOGGERS = 420, 60
_PROFILE_SHARE = {"person": 0.04, "organisation": 0.05}
_SECOND_PROFILE = 0.25
_REVIEWER_SHARE = {"person": 0.07, "organisation": 0.02}
_COMMENT_SHARE, _COMMENT_RATED = 0.2, 0.3
_PERSON_PLATFORMS = (
    ("instagram", 35),
    ("facebook", 25),
    ("tiktok", 12),
    ("x", 10),
    ("linkedin", 8),
    ("youtube", 4),
    ("pinterest", 4),
    ("blog", 2),
)
_ORG_PLATFORMS = (("linkedin", 55), ("facebook", 25), ("instagram", 15), ("x", 5))
_VLOGGER_PLATFORMS = (("youtube", 45), ("instagram", 35), ("tiktok", 20))
_PLATFORM_LABELS = {"youtube": "YouTube", "instagram": "Instagram", "tiktok": "TikTok"}
_URLS = {
    "instagram": "https://www.instagram.com/",
    "facebook": "https://www.facebook.com/",
    "tiktok": "https://www.tiktok.com/@",
    "x": "https://x.com/",
    "linkedin": "https://www.linkedin.com/in/",
    "youtube": "https://www.youtube.com/@",
    "pinterest": "https://www.pinterest.com/",
}
_MOST_FOLLOWERS = 15_000  # of a profile that is not a vlogger's


def vloggers_pick(rng: Generator, base: FeedbackBase) -> np.ndarray:
    """About one customer in 420 (at most 60): persons who have bought for a year or more,
    a few times, and spent little in the last year (below the 40th percentile of those who
    bought in it) and in all (below the median of buyers)."""
    n = base.n
    first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    live = base.order_status != "cancelled"
    np.minimum.at(first, base.order_customer[live], base.order_day[live])
    year, total = base.revenue_year, base.revenue
    low = np.quantile(year[year > 0], 0.4) if (year > 0).any() else 0
    median = np.median(total[total > 0]) if (total > 0).any() else 0
    orders = np.bincount(base.order_customer[live], minlength=n)
    eligible = np.flatnonzero(
        ~base.is_org
        & (year > 0)
        & (year <= low)
        & (total <= median)
        & (orders <= 5)
        & (first <= base.today - 365)
    )
    wanted = min(len(eligible), max(1, min(round(n / _CUSTOMERS_PER_VLOGGER), _MOST_VLOGGERS)))
    vlogger = np.zeros(n, dtype=bool)
    vlogger[rng.choice(eligible, wanted, replace=False)] = True
    return vlogger


_LEGAL_FORM = re.compile(r"b\.v\.|v\.o\.f\.|&\s*zn\.", re.IGNORECASE)


def _slug(values: np.ndarray, allowed: str = "a-z0-9._") -> np.ndarray:
    """Lower-case handles without accents, spaces or legal forms ("B.V.")."""
    unique, inverse = np.unique(values, return_inverse=True)
    slugs = [
        re.sub(f"[^{allowed}]", "", email_safe(_LEGAL_FORM.sub("", str(v))))
        for v in unique.tolist()
    ]
    return strings(slugs)[inverse]


def _categorical(rng: Generator, options: tuple[tuple[str, int], ...], count: int) -> np.ndarray:
    names = strings([name for name, _weight in options])
    return names[rng.choice(len(options), count, p=weights([w for _n, w in options]))]


@dataclass(frozen=True)
class Profiles:
    table: Table
    # Per customer: where a vlogger publishes (the label and link of the largest profile).
    site: np.ndarray
    url: np.ndarray


def profiles_draw(rng: Generator, base: FeedbackBase, facts: CustomerFacts) -> Profiles:
    n = base.n
    vlogger = facts.vlogger
    share = np.where(base.is_org, _PROFILE_SHARE["organisation"], _PROFILE_SHARE["person"])
    owners = np.flatnonzero((rng.random(n) < share) & ~vlogger)
    org = base.is_org[owners]
    platform = np.where(
        org,
        _categorical(rng, _ORG_PLATFORMS, len(owners)),
        _categorical(rng, _PERSON_PLATFORMS, len(owners)),
    ).astype(S)
    followers = np.where(
        org,
        rng.lognormal(np.log(900), 1.0, len(owners)),
        rng.lognormal(np.log(250), 1.3, len(owners)),
    )
    followers = np.minimum(followers, _MOST_FOLLOWERS)
    # A quarter are on a second platform, with an audience of their own.
    again = owners[rng.random(len(owners)) < _SECOND_PROFILE]
    second = np.where(
        base.is_org[again],
        _categorical(rng, _ORG_PLATFORMS, len(again)),
        _categorical(rng, _PERSON_PLATFORMS, len(again)),
    ).astype(S)
    first_of = dict(zip(owners.tolist(), platform.tolist(), strict=True))
    differs = np.array(
        [first_of[c] != p for c, p in zip(again.tolist(), second.tolist(), strict=True)], dtype=bool
    )
    again, second = again[differs], second[differs]
    second_followers = np.minimum(rng.lognormal(np.log(200), 1.2, len(again)), _MOST_FOLLOWERS)
    # Vloggers: one large channel, often a second one about a third the size.
    stars = np.flatnonzero(vlogger)
    star_platform = _categorical(rng, _VLOGGER_PLATFORMS, len(stars))
    star_followers = np.exp(rng.uniform(np.log(VLOGGER_FOLLOWERS), np.log(250_000), len(stars)))
    echo = rng.random(len(stars)) < 0.7
    echo_platform = np.where(star_platform == "instagram", "tiktok", "instagram").astype(S)[echo]
    echo_followers = star_followers[echo] * rng.uniform(0.15, 0.6, int(echo.sum()))

    customer = np.concatenate([owners, again, stars, stars[echo]])
    platforms = np.concatenate([platform, second, star_platform, echo_platform]).astype(S)
    counts = np.concatenate([followers, second_followers, star_followers, echo_followers])
    kinds = np.concatenate(
        [
            np.zeros(len(owners) + len(again), dtype=np.int64),
            np.ones(len(stars) + int(echo.sum()), dtype=np.int64),
        ]
    )
    handle = _handles(rng, base, customer, platforms, kinds == 1)
    url = np.where(
        platforms == "blog",
        np.strings.add(np.strings.add("https://", np.strings.replace(handle, "_", "-")), ".nl"),
        np.strings.add(_prefixes(platforms), handle),
    ).astype(S)
    m = len(customer)
    order = np.lexsort((platforms, customer))
    counted_on = base.now.astype("datetime64[D]") - rng.integers(0, 120, m).astype("timedelta64[D]")
    created = np.minimum(
        counted_on.astype("datetime64[s]")
        + rng.integers(7 * 3600, 19 * 3600, m).astype("timedelta64[s]"),
        base.now,
    )
    table = Table(
        "feedback.SocialProfile",
        {
            "id": Column("int", np.arange(1, m + 1)),
            "customer_id": Column("int", base.customer_ids[customer][order]),
            "platform": Column("str", platforms[order]),
            "handle": Column("str", handle[order]),
            "followers": Column("int", np.rint(counts).astype(np.int64)[order]),
            "url": Column("str", url[order]),
            "counted_on": Column("date", counted_on[order]),
            "created_at": Column("datetime", created[order]),
        },
    )
    site = np.full(n, "", dtype=S)
    site_url = np.full(n, "", dtype=S)
    labels = strings([_PLATFORM_LABELS[p] for p in star_platform.tolist()])
    site[stars] = labels
    star_rows = np.arange(len(owners) + len(again), len(owners) + len(again) + len(stars))
    site_url[stars] = url[star_rows]
    return Profiles(table, site, site_url)


def _prefixes(platforms: np.ndarray) -> np.ndarray:
    prefix = np.full(len(platforms), "", dtype=S)
    for platform, start in _URLS.items():
        prefix[platforms == platform] = start
    return prefix


def _handles(
    rng: Generator, base: FeedbackBase, customer: np.ndarray, platform: np.ndarray, star: np.ndarray
) -> np.ndarray:
    """first.last for persons, the organisation's name, the first name and their subject for
    vloggers; a number appended where a handle is taken on the same platform."""
    first = _slug(base.first_name[customer])
    person = np.strings.add(np.strings.add(first, "."), _slug(base.last_name[customer]))
    organisation = _slug(base.org_name[customer], allowed="a-z0-9")
    # A vlogger goes by the same name on every platform.
    topic = rng.integers(0, len(vocab.VLOGGER_HANDLES), base.n)[customer]
    suffix = strings(list(vocab.VLOGGER_HANDLES))[topic]
    handle = np.where(base.is_org[customer], organisation, person).astype(S)
    handle = np.where(star, np.strings.add(first, suffix), handle).astype(S)
    blank = np.strings.str_len(np.strings.strip(handle, "._")) == 0
    handle = np.where(blank, np.strings.add("klant", base.customer_ids[customer].astype(S)), handle)
    handle = np.strings.slice(handle.astype(S), 0, 90)
    rank = rank_within_groups(np.strings.add(np.strings.add(platform, ":"), handle))
    return np.where(rank > 0, np.strings.add(handle, (rank + 1).astype(S)), handle).astype(S)


def reviewers_pick(rng: Generator, base: FeedbackBase, facts: CustomerFacts) -> np.ndarray:
    """How many reviews and comments each customer writes (0 for most): about 6% of buying
    persons and 2% of organisations write one or a few, vloggers several."""
    share = np.where(base.is_org, _REVIEWER_SHARE["organisation"], _REVIEWER_SHARE["person"])
    writes = (facts.n_orders > 0) & (rng.random(base.n) < share)
    items = np.where(writes, 1 + rng.poisson(0.5, base.n), 0)
    stars = facts.vlogger & (facts.n_orders > 0)
    items = np.where(stars, 3 + rng.poisson(3.0, base.n), items)
    result: np.ndarray = items.astype(np.int64)
    return result


@dataclass(frozen=True)
class BoughtLines:
    """The order lines of the reviewers: customer position, product id, order day."""

    customer: np.ndarray
    product: np.ndarray
    day: np.ndarray


def _rated_phrases(
    rng: Generator,
    groups: tuple[tuple[vocab.Pair, ...], ...],
    rating: np.ndarray,
    dutch: np.ndarray,
) -> np.ndarray:
    english = [strings([pair[0] for pair in group]) for group in groups]
    dutch_text = [strings([pair[1] for pair in group]) for group in groups]
    text = np.full(len(rating), "", dtype=S)
    for stars, (en, nl) in enumerate(zip(english, dutch_text, strict=True), start=1):
        rows = np.flatnonzero(rating == stars)
        pick = rng.integers(0, len(en), len(rows))
        text[rows] = np.where(dutch[rows], nl[pick], en[pick])
    return text


def reviews_draw(
    rng: Generator,
    base: FeedbackBase,
    facts: CustomerFacts,
    items: np.ndarray,
    lines: BoughtLines,
    profiles: Profiles,
) -> Table:
    """Reviews and comments of products each reviewer bought (one per product at most)."""
    order = np.lexsort((lines.day, lines.customer))
    bought_customer, product, bought_day = (
        lines.customer[order],
        lines.product[order],
        lines.day[order],
    )
    count = np.bincount(bought_customer, minlength=base.n)
    start = np.cumsum(count) - count
    items = np.where(count > 0, items, 0)
    writer = np.repeat(np.arange(base.n), items)
    line = start[writer] + np.floor(rng.random(len(writer)) * count[writer]).astype(np.int64)
    # One review per product a customer bought, a few weeks after buying it; who bought
    # too recently has not written yet.
    key = writer.astype(np.int64) * (int(product.max(initial=0)) + 1) + product[line]
    _unique, first = np.unique(key, return_index=True)
    writer, line = writer[np.sort(first)], line[np.sort(first)]
    written = bought_day[line] + 3 + rng.exponential(20, len(writer)).astype(np.int64)
    keep = written <= base.today
    writer, line, written_on = writer[keep], line[keep], written[keep].astype("datetime64[D]")
    r = len(writer)
    star = facts.vlogger[writer]
    comment = rng.random(r) < np.where(star, 0.35, _COMMENT_SHARE)
    z = facts.mood[writer] + rng.normal(0.0, 0.8, r)
    rating = np.clip(np.rint(4.2 + 1.1 * z), 1, 5).astype(np.int64)
    rated = ~comment | (rng.random(r) < _COMMENT_RATED)
    helpful = np.floor(rng.lognormal(0.2, 1.25, r)).astype(np.int64)
    helpful = np.where(star, helpful * rng.integers(8, 31, r) + rng.integers(20, 80, r), helpful)
    unhelpful = rng.binomial(helpful + 1, np.where(rating <= 2, 0.3, 0.08))
    dutch = facts.dutch[writer]
    title = np.where(comment, "", _rated_phrases(rng, vocab.REVIEW_TITLES, rating, dutch)).astype(S)
    plain = np.where(
        star,
        phrases(rng, vocab.VLOGGER_COMMENTS, dutch),
        phrases(rng, vocab.COMMENTS, dutch),
    )
    text = np.where(comment, plain, _rated_phrases(rng, vocab.REVIEW_TEXTS, rating, dutch)).astype(
        S
    )
    sites = _categorical(rng, tuple((s, int(w * 100)) for s, w in vocab.SITES), r)
    site = np.where(star, profiles.site[writer], sites).astype(S)
    url = np.where(star, profiles.url[writer], "").astype(S)
    has_product = ~comment | (rng.random(r) < 0.7)
    created = np.minimum(
        written_on.astype("datetime64[s]")
        + rng.integers(7 * 3600, 22 * 3600, r).astype("timedelta64[s]"),
        base.now,
    )
    chrono = np.lexsort((writer, created))
    c = chrono
    return Table(
        "feedback.Review",
        {
            "id": Column("int", np.arange(1, r + 1)),
            "customer_id": Column("int", base.customer_ids[writer][c]),
            "kind": Column("str", np.where(comment, "comment", "review").astype(S)[c]),
            "product_id": Column("int", product[line][c], ~has_product[c]),
            "rating": Column("int", rating[c], ~rated[c]),
            "title": Column("str", title[c]),
            "text": Column("str", text[c]),
            "written_on": Column("date", written_on[c]),
            "helpful_votes": Column("int", helpful[c]),
            "unhelpful_votes": Column("int", unhelpful[c].astype(np.int64)),
            "site": Column("str", site[c]),
            "url": Column("str", url[c]),
            "external_id": Column("str", np.full(r, "", dtype=S)),
            "created_at": Column("datetime", created[c]),
        },
    )
