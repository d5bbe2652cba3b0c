"""Customers (persons and organisations), their contact persons and consents, and the
product catalogue."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.random import Generator

from relata.demo import vocab
from relata.demo.tables import Column, S, Table
from relata.demo.text import (
    SECONDS_PER_DAY,
    digits,
    display_names,
    email_safe,
    make_unique,
    numbered,
    search_texts,
    sort_names,
    strings,
    time_of_day,
    weights,
)


@dataclass
class CustomerDraws:
    n: int
    is_org: np.ndarray
    acq_day: np.ndarray  # day index in the window, 0 = first day, window_days = today
    kind_class: np.ndarray  # 0 suspect, 1 prospect, 2 buyer
    spend: np.ndarray  # quantity scale per customer
    premium: np.ndarray  # probability of choosing a dearer tier
    favourite: np.ndarray  # favourite category index
    org_domain: np.ndarray
    table: Table


WARRANTY_MONTHS = 24


def catalogue(rng: Generator) -> tuple[Table, Table, dict[str, np.ndarray]]:
    cats = vocab.CATEGORIES
    n_cat = len(cats)
    cat_ids = np.arange(1, n_cat + 1)
    categories = Table(
        "sales.ProductCategory",
        {
            "id": Column("int", cat_ids),
            "name": Column("str", strings([c[0] for c in cats])),
            "is_consumable": Column("bool", np.array([c[1] for c in cats])),
        },
    )
    skus: list[str] = []
    names: list[str] = []
    category: list[int] = []
    base_price: list[float] = []
    one_off: list[bool] = []
    for ci, (_name, _consumable, is_one_off, code, (low, high), bases, _pop) in enumerate(cats):
        for bi, base in enumerate(bases):
            for ti, (tier, factor) in enumerate(vocab.PRODUCT_TIERS):
                skus.append(f"{code}-{bi + 1}{ti + 1}")
                names.append(f"{base} {tier}")
                category.append(ci)
                base_price.append(low + (high - low) * (bi + 1) / (len(bases) + 1) * factor / 1.6)
                one_off.append(is_one_off)
    n_products = len(skus)
    price_eur = np.asarray(base_price) * rng.uniform(0.85, 1.15, n_products)
    # Prices end in .95 or .99 or whole euros, as shops do.
    ending = rng.choice(np.array([95, 99, 0]), n_products, p=[0.5, 0.3, 0.2])
    price = np.maximum(np.floor(price_eur).astype(np.int64), 1) * 100 + ending
    margin = rng.uniform(0.15, 0.60, n_products)
    unit_cost = np.round(price * (1 - margin)).astype(np.int64)
    product_ids = np.arange(1, n_products + 1)
    products = Table(
        "sales.Product",
        {
            "id": Column("int", product_ids),
            "sku": Column("str", strings(skus)),
            "name": Column("str", strings(names)),
            "category_id": Column("int", cat_ids[np.asarray(category)]),
            "price": Column("money", price),
            "unit_cost": Column("money", unit_cost),
            "is_one_off": Column("bool", np.asarray(one_off)),
            # One-off purchases (machines, furniture) come with a two-year warranty, so the
            # product-life-cycle trigger has terms ending to act on.
            "term_months": Column(
                "int", np.full(n_products, WARRANTY_MONTHS), ~np.asarray(one_off, dtype=bool)
            ),
            "active": Column("bool", np.ones(n_products, dtype=bool)),
        },
    )
    info = {
        "price": price,
        "unit_cost": unit_cost,
        "one_off": np.asarray(one_off),
        "consumable": np.array([c[1] for c in cats])[np.asarray(category)],
        "per_category": np.array([len(c[5]) * len(vocab.PRODUCT_TIERS) for c in cats]),
    }
    return categories, products, info


def customers_draw(
    rng: Generator, n: int, window_days: int, start: np.datetime64, now: np.datetime64
) -> CustomerDraws:
    ids = np.arange(1, n + 1)
    is_org = rng.random(n) < 0.15
    number = numbered("C", ids, 7)

    # Names
    gender_idx = rng.choice(3, n, p=[0.495, 0.495, 0.01])
    female = strings(vocab.FEMALE_FIRST_NAMES)
    male = strings(vocab.MALE_FIRST_NAMES)
    both = np.concatenate([female, male])
    female_i = rng.integers(0, len(female), n)
    male_i = rng.integers(0, len(male), n)
    both_i = rng.integers(0, len(both), n)
    first_i = np.where(
        gender_idx == 0, female_i, np.where(gender_idx == 1, len(female) + male_i, both_i)
    )
    first = both[first_i]
    first_mail = strings([email_safe(x) for x in both.tolist()])[first_i]
    last_i = rng.integers(0, len(vocab.LAST_NAMES), n)
    prefix = strings([p for p, _ in vocab.LAST_NAMES])[last_i]
    last = strings([ln for _, ln in vocab.LAST_NAMES])[last_i]
    last_mail = strings([email_safe(p + ln) for p, ln in vocab.LAST_NAMES])[last_i]
    full_surname = strings(
        [(p[:1].upper() + p[1:] + " " + ln).strip() for p, ln in vocab.LAST_NAMES]
    )

    # Organisations: "<surname or word> <trade><form>"
    trade_i = rng.integers(0, len(vocab.ORGANISATION_TRADES), n)
    trades = strings(vocab.ORGANISATION_TRADES)[trade_i]
    stem = np.where(
        rng.random(n) < 0.5,
        full_surname[rng.integers(0, len(full_surname), n)],
        strings(vocab.ORGANISATION_WORDS)[rng.integers(0, len(vocab.ORGANISATION_WORDS), n)],
    ).astype(S)
    stem = np.strings.add(np.strings.add(stem, " "), trades)
    forms = strings(vocab.ORGANISATION_FORMS)[rng.integers(0, len(vocab.ORGANISATION_FORMS), n)]
    org_name = np.where(is_org, np.strings.add(stem, forms), "").astype(S)
    slug = np.strings.lower(np.strings.replace(np.strings.replace(stem, " ", ""), "'", ""))
    org_domain = make_unique(slug, np.full(n, ".nl", dtype=S))

    first = np.where(is_org, "", first).astype(S)
    prefix = np.where(is_org, "", prefix).astype(S)
    last = np.where(is_org, "", last).astype(S)

    # Address: the postcode's four digits fall in the city's range.
    city_w = weights([c[4] for c in vocab.CITIES])
    city_i = rng.choice(len(vocab.CITIES), n, p=city_w)
    lo = np.array([c[1] for c in vocab.CITIES])[city_i]
    hi = np.array([c[2] for c in vocab.CITIES])[city_i]
    pc_digits = (lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(np.int64)).astype(S)
    letters = strings(list(vocab.POSTCODE_LETTERS))
    pc_letters = np.strings.add(
        letters[rng.integers(0, len(letters), n)], letters[rng.integers(0, len(letters), n)]
    )
    postcode = np.strings.add(np.strings.add(pc_digits, " "), pc_letters)
    street = strings(vocab.STREETS)[rng.integers(0, len(vocab.STREETS), n)]
    house = np.strings.add(
        rng.integers(1, 180, n).astype(S),
        strings(vocab.HOUSE_NUMBER_SUFFIXES)[rng.integers(0, len(vocab.HOUSE_NUMBER_SUFFIXES), n)],
    )
    city = strings([c[0] for c in vocab.CITIES])[city_i]
    has_address = rng.random(n) < np.where(is_org, 0.97, 0.86)
    has_city = has_address | (rng.random(n) < 0.4)
    street = np.where(has_address, street, "").astype(S)
    house = np.where(has_address, house, "").astype(S)
    postcode = np.where(has_address, postcode, "").astype(S)
    city = np.where(has_city, city, "").astype(S)

    # E-mail: persons at common domains in common formats, organisations at their own domain.
    fmt = rng.choice(5, n, p=[0.45, 0.2, 0.15, 0.1, 0.1])
    initial = np.strings.slice(first_mail, 0, 1)
    local = np.select(
        [fmt == 0, fmt == 1, fmt == 2, fmt == 3],
        [
            np.strings.add(np.strings.add(first_mail, "."), last_mail),
            np.strings.add(np.strings.add(initial, "."), last_mail),
            np.strings.add(first_mail, last_mail),
            np.strings.add(np.strings.add(first_mail, "_"), last_mail),
        ],
        np.strings.add(np.strings.add(last_mail, "."), first_mail),
    ).astype(S)
    domain_w = weights([d[1] for d in vocab.EMAIL_DOMAINS])
    domain = np.strings.add(
        "@", strings([d[0] for d in vocab.EMAIL_DOMAINS])[rng.choice(len(domain_w), n, p=domain_w)]
    )
    mailbox = strings(vocab.ORGANISATION_MAILBOXES)[
        rng.integers(0, len(vocab.ORGANISATION_MAILBOXES), n)
    ]
    local = np.where(is_org, np.strings.add(mailbox, "@"), local).astype(S)
    domain = np.where(is_org, org_domain, domain).astype(S)
    # Organisation addresses are unique through their domain; persons through a number.
    email = np.where(is_org, np.strings.add(local, domain), make_unique(local, domain)).astype(S)
    email = np.where(rng.random(n) < np.where(is_org, 0.95, 0.88), email, "").astype(S)

    # Phone: persons mostly mobile, organisations a landline in their city's area.
    area = strings([c[3] for c in vocab.CITIES])[city_i]
    mobile = rng.random(n) < np.where(is_org, 0.1, 0.85)
    landline_width = 10 - np.strings.str_len(area)
    landline_digits = np.strings.slice(digits(rng, n, 8), 0, landline_width)
    phone = np.where(
        mobile,
        np.strings.add("06-", np.strings.add(rng.integers(1, 10, n).astype(S), digits(rng, n, 7))),
        np.strings.add(np.strings.add(area, "-"), landline_digits),
    ).astype(S)
    phone = np.where(rng.random(n) < np.where(is_org, 0.9, 0.7), phone, "").astype(S)
    phone_digits = np.strings.replace(phone, "-", "")

    # Acquisition spread over the window, a little more in recent years (growth).
    acq_day = np.floor(window_days * rng.random(n) ** 0.8).astype(np.int64)
    created = (
        start + acq_day.astype("timedelta64[D]") + time_of_day(rng, n).astype("timedelta64[s]")
    )
    created = np.minimum(created, now)
    kind_class = rng.choice(3, n, p=[0.05, 0.10, 0.85])
    kind_class = np.where(is_org & (kind_class == 0), 2, kind_class)

    # Profile data, filled in partially so that completeness varies.
    person = ~is_org
    today = start + np.timedelta64(window_days, "D")
    has_birth = person & (rng.random(n) < 0.65)
    age_days = (rng.triangular(18, 40, 88, n) * 365.25).astype(np.int64)
    birth = today - age_days.astype("timedelta64[D]")
    gender_code = strings(["f", "m", "x"])[gender_idx]
    gender = np.where(person & (rng.random(n) < 0.85), gender_code, "").astype(S)
    occupation = np.where(
        person & (rng.random(n) < 0.4),
        strings(vocab.OCCUPATIONS)[rng.integers(0, len(vocab.OCCUPATIONS), n)],
        "",
    ).astype(S)
    education = np.where(
        person & (rng.random(n) < 0.35),
        strings(vocab.EDUCATION_LEVELS)[rng.choice(6, n, p=[0.12, 0.3, 0.1, 0.08, 0.25, 0.15])],
        "",
    ).astype(S)
    household = rng.choice(np.arange(1, 7), n, p=[0.38, 0.33, 0.12, 0.12, 0.04, 0.01])
    has_household = person & (rng.random(n) < 0.45)
    children = np.minimum(rng.choice(5, n, p=[0.5, 0.18, 0.22, 0.08, 0.02]), household - 1)
    has_children = person & (rng.random(n) < 0.4)
    income = np.where(
        person & (rng.random(n) < 0.35),
        strings(["low", "middle", "high"])[rng.choice(3, n, p=[0.3, 0.5, 0.2])],
        "",
    ).astype(S)
    interest_vocab = strings(vocab.INTERESTS)
    picks = np.argsort(rng.random((n, len(vocab.INTERESTS))), axis=1)[:, :3]
    n_interests = rng.integers(1, 4, n)
    interests = interest_vocab[picks[:, 0]]
    for k in (1, 2):
        more = np.strings.add(np.strings.add(interests, ", "), interest_vocab[picks[:, k]])
        interests = np.where(n_interests > k, more, interests).astype(S)
    interests = np.where(person & (rng.random(n) < 0.45), interests, "").astype(S)
    sector = np.where(
        is_org & (rng.random(n) < 0.9), strings(vocab.TRADE_SECTORS)[trade_i], ""
    ).astype(S)
    size_i = rng.choice(4, n, p=[0.45, 0.3, 0.17, 0.08])
    has_size = is_org & (rng.random(n) < 0.75)
    company_size = np.where(
        has_size, strings(["micro", "small", "medium", "large"])[size_i], ""
    ).astype(S)
    has_profile = (
        has_birth
        | (gender != "")
        | (occupation != "")
        | (education != "")
        | has_household
        | has_children
        | (income != "")
        | (interests != "")
        | (sector != "")
        | has_size
    )
    lag = (rng.random(n) * ((now - created) / np.timedelta64(1, "s"))).astype(np.int64)
    profile_updated = created + lag.astype("timedelta64[s]")

    source_w = weights([s[1] for s in vocab.ACQUISITION_SOURCES])
    source = np.where(
        rng.random(n) < 0.8,
        strings([s[0] for s in vocab.ACQUISITION_SOURCES])[
            rng.choice(len(source_w), n, p=source_w)
        ],
        "",
    ).astype(S)
    acq_cost = np.round(rng.lognormal(np.log(2500), 0.6, n)).astype(np.int64)
    acq_cost = np.where(is_org, acq_cost * 6, acq_cost)

    name = display_names(is_org, org_name, first, prefix, last)
    table = Table(
        "customers.Customer",
        {
            "id": Column("int", ids),
            "customer_number": Column("str", number),
            "kind": Column("str", np.where(is_org, "organisation", "person").astype(S)),
            "first_name": Column("str", first),
            "name_prefix": Column("str", prefix),
            "last_name": Column("str", last),
            "organisation_name": Column("str", org_name),
            "email": Column("str", email),
            "phone": Column("str", phone),
            "street": Column("str", street),
            "house_number": Column("str", house),
            "postcode": Column("str", postcode),
            "city": Column("str", city),
            "country": Column("str", np.full(n, "NL", dtype=S)),
            "birth_date": Column("date", birth, ~has_birth),
            "gender": Column("str", gender),
            "occupation": Column("str", occupation),
            "education": Column("str", education),
            "household_size": Column("int", household, ~has_household),
            "children": Column("int", children, ~has_children),
            "income_band": Column("str", income),
            "interests": Column("str", interests),
            "sector": Column("str", sector),
            "company_size": Column("str", company_size),
            "profile_updated_at": Column("datetime", profile_updated, ~has_profile),
            "account_owner_id": Column("int", np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool)),
            "acquisition_source": Column("str", source),
            "acquisition_cost": Column("money", acq_cost, rng.random(n) >= 0.3),
            "notes": Column("str", np.full(n, "", dtype=S)),
            "display_name_sort": Column("str", sort_names(is_org, org_name, last, first)),
            "search_text": Column(
                "str", search_texts(number, name, email, phone_digits, postcode, city)
            ),
            "created_at": Column("datetime", created),
            "updated_at": Column("datetime", np.maximum(created, profile_updated)),
            "version": Column("int", np.ones(n, dtype=np.int64)),
            "erased_at": Column("datetime", created, np.ones(n, dtype=bool)),
        },
    )
    # Heterogeneous spend: lognormal per customer; organisations scale with company size.
    z = rng.normal(0, 1, n)
    size_factor = np.array([1.0, 2.0, 4.0, 8.0])[size_i]
    spend = np.exp(0.9 * z) * np.where(is_org, 1.5 * size_factor, 0.6)
    premium = 0.15 + 0.7 / (1 + np.exp(-1.2 * z))
    n_cat = len(vocab.CATEGORIES)
    person_pop = weights([c[6] for c in vocab.CATEGORIES])
    org_pop = weights([12, 14, 24, 22, 3, 2, 8, 1, 4, 10][:n_cat])
    favourite = np.where(
        is_org, rng.choice(n_cat, n, p=org_pop), rng.choice(n_cat, n, p=person_pop)
    )
    return CustomerDraws(
        n, is_org, acq_day, kind_class, spend, premium, favourite, org_domain, table
    )


def contact_persons(rng: Generator, customers: CustomerDraws) -> Table:
    org_ids = np.flatnonzero(customers.is_org)
    count = 1 + rng.binomial(3, 0.35, len(org_ids))
    owner = np.repeat(org_ids, count)
    m = len(owner)
    position = np.arange(m) - np.repeat(np.cumsum(count) - count, count)
    primary = position == 0
    roles = strings(["decision_maker", "influencer", "buyer", "user"])
    role_i = np.where(primary, 0, rng.choice([1, 2, 3], m, p=[0.3, 0.4, 0.3]))
    role_i = np.where(~primary & (rng.random(m) < 0.1), 0, role_i)
    titles = [vocab.DMU_JOB_TITLES[r] for r in ("decision_maker", "influencer", "buyer", "user")]
    title_flat = strings([t for group in titles for t in group])
    title_start = np.cumsum([0] + [len(g) for g in titles])[:-1]
    title_len = np.array([len(g) for g in titles])
    title = title_flat[
        title_start[role_i] + np.floor(rng.random(m) * title_len[role_i]).astype(np.int64)
    ]
    firsts = strings(vocab.FEMALE_FIRST_NAMES + vocab.MALE_FIRST_NAMES)
    first_i = rng.integers(0, len(firsts), m)
    last_i = rng.integers(0, len(vocab.LAST_NAMES), m)
    first_mail = strings([email_safe(x) for x in firsts.tolist()])[first_i]
    last_mail = strings([email_safe(p + ln) for p, ln in vocab.LAST_NAMES])[last_i]
    email = np.strings.add(
        np.strings.add(np.strings.add(first_mail, "."), last_mail),
        np.strings.add("@", customers.org_domain[owner]),
    )
    phone = np.strings.add(
        "06-", np.strings.add(rng.integers(1, 10, m).astype(S), digits(rng, m, 7))
    )
    return Table(
        "customers.ContactPerson",
        {
            "id": Column("int", np.arange(1, m + 1)),
            "organisation_id": Column("int", owner + 1),
            "first_name": Column("str", firsts[first_i]),
            "name_prefix": Column("str", strings([p for p, _ in vocab.LAST_NAMES])[last_i]),
            "last_name": Column("str", strings([ln for _, ln in vocab.LAST_NAMES])[last_i]),
            "job_title": Column("str", title),
            "dmu_role": Column("str", roles[role_i]),
            "email": Column("str", np.where(rng.random(m) < 0.85, email, "").astype(S)),
            "phone": Column("str", np.where(rng.random(m) < 0.6, phone, "").astype(S)),
            "is_primary": Column("bool", primary),
        },
    )


# (channel, purpose, share of eligible customers with a recorded decision, needs)
_CONSENT_COMBOS = (
    ("email", "newsletter", 0.55, "email"),
    ("email", "marketing", 0.45, "email"),
    ("email", "surveys", 0.25, "email"),
    ("email", "profiling", 0.2, "email"),
    ("phone", "marketing", 0.15, "phone"),
    ("sms", "marketing", 0.12, "phone"),
    ("post", "marketing", 0.15, "address"),
)


def consents(rng: Generator, customers: Table, now: np.datetime64) -> Table:
    n = customers.rows
    cols = customers.columns
    eligible = {
        "email": cols["email"].values != "",
        "phone": cols["phone"].values != "",
        "address": cols["street"].values != "",
    }
    # Customers who ever gave consent decide on several channels; a third never do.
    engaged = rng.random(n) < 0.7
    has = np.stack(
        [
            engaged & eligible[need] & (rng.random(n) < share / 0.7)
            for _, _, share, need in _CONSENT_COMBOS
        ],
        axis=1,
    )
    cust, combo = np.nonzero(has)
    m = len(cust)
    created = cols["created_at"].values[cust]
    room = (now - created).astype("timedelta64[s]").astype(np.int64)
    first_at = created + np.minimum(rng.integers(0, 30 * SECONDS_PER_DAY, m), room).astype(
        "timedelta64[s]"
    )
    granted = rng.random(m) < 0.93
    withdrawn = granted & (rng.random(m) < 0.15)
    w_idx = np.flatnonzero(withdrawn)
    later = ((now - first_at[w_idx]) / np.timedelta64(1, "s")).astype(np.int64)
    withdraw_at = first_at[w_idx] + (rng.random(len(w_idx)) * later).astype(np.int64).astype(
        "timedelta64[s]"
    )

    all_cust = np.concatenate([cust, cust[w_idx]])
    all_combo = np.concatenate([combo, combo[w_idx]])
    all_at = np.concatenate([first_at, withdraw_at])
    all_granted = np.concatenate([granted, np.zeros(len(w_idx), dtype=bool)])
    sources = strings(vocab.CONSENT_SOURCES)
    source = sources[rng.integers(0, len(sources), len(all_cust))]
    order = np.lexsort((all_cust, all_at))
    total = len(all_cust)
    return Table(
        "customers.Consent",
        {
            "id": Column("int", np.arange(1, total + 1)),
            "customer_id": Column("int", all_cust[order] + 1),
            "channel": Column("str", strings([c[0] for c in _CONSENT_COMBOS])[all_combo[order]]),
            "purpose": Column("str", strings([c[1] for c in _CONSENT_COMBOS])[all_combo[order]]),
            "granted": Column("bool", all_granted[order]),
            "recorded_at": Column("datetime", all_at[order]),
            "source": Column("str", source),
            "recorded_by_id": Column(
                "int", np.zeros(total, dtype=np.int64), np.ones(total, dtype=bool)
            ),
        },
    )
