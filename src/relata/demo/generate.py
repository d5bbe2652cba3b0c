"""Deterministic, vectorised demo data: columnar NumPy arrays, no loop per customer or line.

`demo_generate` returns a `DemoData` of `Table`s whose column names are the Django field
attnames; `relata.demo.writer` puts them into the database (COPY on PostgreSQL). This module
imports no Django, so it can be used (and tested) on its own.

The purchase model follows the BG/NBD story (Fader, Hardie & Lee 2005): each buyer has a
Poisson purchase rate drawn from a gamma distribution (so a few buy very often and many buy
once), and after every purchase drops out with a probability drawn from a beta
distribution (so some customers lapse). Spend per customer is lognormal, organisations buy
more. Together these give the familiar 80/20 concentration of revenue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

import numpy as np
from numpy.random import PCG64, Generator

from relata.demo import vocab

S = np.dtypes.StringDType()
ColumnKind = Literal["int", "str", "bool", "date", "datetime", "money"]

SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class Column:
    """One column of values. `money` holds integer cents, `date` datetime64[D], `datetime`
    datetime64[s] in UTC; `null` marks SQL NULLs (None: no NULLs)."""

    kind: ColumnKind
    values: np.ndarray
    null: np.ndarray | None = None

    def take(self, index: slice | np.ndarray) -> Column:
        null = None if self.null is None else self.null[index]
        return Column(self.kind, self.values[index], null)


@dataclass(frozen=True)
class Table:
    """Rows for one model, as `{field attname: Column}`; `model` is an `app_label.Model`."""

    model: str
    columns: dict[str, Column]

    @property
    def rows(self) -> int:
        first = next(iter(self.columns.values()))
        return len(first.values)

    def take(self, index: slice | np.ndarray) -> Table:
        return Table(self.model, {name: col.take(index) for name, col in self.columns.items()})


@dataclass(frozen=True)
class DemoSpec:
    customers: int
    years: int
    seed: int
    today: date
    # The moment "now" as naive UTC; nothing generated lies after it.
    now: datetime

    def __post_init__(self) -> None:
        if self.customers < 1:
            raise ValueError("customers must be at least 1")
        if not 1 <= self.years <= 30:
            raise ValueError("years must be between 1 and 30")


@dataclass(frozen=True)
class DemoData:
    """Tables in insertion order (parents before children)."""

    tables: list[Table]

    def table(self, model: str) -> Table:
        for table in self.tables:
            if table.model == model:
                return table
        raise KeyError(model)

    @property
    def total_rows(self) -> int:
        return sum(t.rows for t in self.tables)


# --- small helpers ----------------------------------------------------------------------

def _strings(values: tuple[str, ...] | list[str]) -> np.ndarray:
    return np.array(values, dtype=S)


def _weights(values: tuple[float, ...] | list[float] | np.ndarray) -> np.ndarray:
    w = np.asarray(values, dtype=float)
    return w / w.sum()


def _numbered(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    return np.strings.add(prefix, np.strings.zfill(numbers.astype(S), width))


def _join_nonempty(parts: list[np.ndarray], sep: str = " ") -> np.ndarray:
    """Vectorised `sep.join(p for p in parts if p)`."""
    result = parts[0]
    for part in parts[1:]:
        joined = np.strings.add(np.strings.add(result, sep), part)
        result = np.where(result == "", part, np.where(part == "", result, joined))
    return result.astype(S)


def _rank_within_groups(keys: np.ndarray) -> np.ndarray:
    """0 for the first occurrence of each key, 1 for the second, … (order of appearance)."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.ones(len(keys), dtype=bool)
    starts[1:] = sorted_keys[1:] != sorted_keys[:-1]
    group_start = np.maximum.accumulate(np.where(starts, np.arange(len(keys)), 0))
    rank = np.empty(len(keys), dtype=np.int64)
    rank[order] = np.arange(len(keys)) - group_start
    return rank


def _make_unique(local: np.ndarray, rest: np.ndarray) -> np.ndarray:
    """`local + rest`, with a number appended to `local` for repeats (local has no digits)."""
    full = np.strings.add(local, rest)
    rank = _rank_within_groups(full)
    suffix = np.where(rank > 0, (rank + 1).astype(S), "").astype(S)
    return np.strings.add(np.strings.add(local, suffix), rest)


def _email_safe(name: str) -> str:
    table = str.maketrans("ëéèêïöüäàçñ", "eeeeiouaacn", " '-")
    return name.lower().translate(table)


def _digits(rng: Generator, n: int, width: int) -> np.ndarray:
    return np.strings.zfill(rng.integers(0, 10**width, n).astype(S), width)


def _time_of_day(rng: Generator, n: int) -> np.ndarray:
    """Seconds after midnight UTC within office hours (07:00–19:00 UTC)."""
    return rng.integers(7 * 3600, 19 * 3600, n)


# --- derived customer columns: identical to relata.customers.models ---------------------

def display_names(
    is_org: np.ndarray, org_name: np.ndarray, first: np.ndarray, prefix: np.ndarray, last: np.ndarray
) -> np.ndarray:
    person = _join_nonempty([first, prefix, last])
    return np.where(is_org, org_name, person).astype(S)


def sort_names(
    is_org: np.ndarray, org_name: np.ndarray, last: np.ndarray, first: np.ndarray
) -> np.ndarray:
    """Vectorised `relata.customers.models.sort_name`."""
    person = np.strings.strip(np.strings.lower(np.strings.add(np.strings.add(last, ", "), first)), ", ")
    org = np.strings.lower(org_name)
    return np.strings.slice(np.where(is_org, org, person).astype(S), 0, 260)


def search_texts(
    number: np.ndarray,
    name: np.ndarray,
    email: np.ndarray,
    phone_digits: np.ndarray,
    postcode: np.ndarray,
    city: np.ndarray,
) -> np.ndarray:
    """Vectorised `relata.customers.models.build_search_text` (phone already digits only)."""
    postcode_flat = np.strings.upper(np.strings.replace(postcode, " ", ""))
    joined = _join_nonempty([number, name, email, phone_digits, postcode_flat, city])
    return np.strings.lower(joined)


# --- the generator ------------------------------------------------------------------------

@dataclass
class _Customers:
    n: int
    is_org: np.ndarray
    acq_day: np.ndarray  # day index in the window, 0 = first day, window_days = today
    kind_class: np.ndarray  # 0 suspect, 1 prospect, 2 buyer
    spend: np.ndarray  # quantity scale per customer
    premium: np.ndarray  # probability of choosing a dearer tier
    favourite: np.ndarray  # favourite category index
    org_domain: np.ndarray
    table: Table


def demo_generate(spec: DemoSpec) -> DemoData:
    rng = Generator(PCG64(spec.seed))
    window_days = spec.years * 365
    start = np.datetime64(spec.today, "D") - np.timedelta64(window_days, "D")
    now = np.datetime64(spec.now.replace(tzinfo=None), "s")

    categories, products, product_info = _catalogue(rng)
    customers = _customers(rng, spec.customers, window_days, start, now)
    contact_persons = _contact_persons(rng, customers)
    orders, lines, order_info = _orders(rng, customers, product_info, window_days, start, now)
    moments = _contact_moments(rng, customers, order_info, window_days, start, now)
    consents = _consents(rng, customers.table, now)
    return DemoData(
        [categories, products, customers.table, contact_persons, consents, orders, lines, moments]
    )


def _catalogue(rng: Generator) -> tuple[Table, Table, dict[str, np.ndarray]]:
    cats = vocab.CATEGORIES
    n_cat = len(cats)
    cat_ids = np.arange(1, n_cat + 1)
    categories = Table(
        "sales.ProductCategory",
        {
            "id": Column("int", cat_ids),
            "name": Column("str", _strings([c[0] for c in cats])),
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
            "sku": Column("str", _strings(skus)),
            "name": Column("str", _strings(names)),
            "category_id": Column("int", cat_ids[np.asarray(category)]),
            "price": Column("money", price),
            "unit_cost": Column("money", unit_cost),
            "is_one_off": Column("bool", np.asarray(one_off)),
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


def _customers(
    rng: Generator, n: int, window_days: int, start: np.datetime64, now: np.datetime64
) -> _Customers:
    ids = np.arange(1, n + 1)
    is_org = rng.random(n) < 0.15
    number = _numbered("C", ids, 7)

    # Names
    gender_idx = rng.choice(3, n, p=[0.495, 0.495, 0.01])
    female = _strings(vocab.FEMALE_FIRST_NAMES)
    male = _strings(vocab.MALE_FIRST_NAMES)
    both = np.concatenate([female, male])
    female_i = rng.integers(0, len(female), n)
    male_i = rng.integers(0, len(male), n)
    both_i = rng.integers(0, len(both), n)
    first_i = np.where(gender_idx == 0, female_i, np.where(gender_idx == 1, len(female) + male_i, both_i))
    first = both[first_i]
    first_mail = _strings([_email_safe(x) for x in both.tolist()])[first_i]
    last_i = rng.integers(0, len(vocab.LAST_NAMES), n)
    prefix = _strings([p for p, _ in vocab.LAST_NAMES])[last_i]
    last = _strings([ln for _, ln in vocab.LAST_NAMES])[last_i]
    last_mail = _strings([_email_safe(p + ln) for p, ln in vocab.LAST_NAMES])[last_i]
    full_surname = _strings([(p[:1].upper() + p[1:] + " " + ln).strip() for p, ln in vocab.LAST_NAMES])

    # Organisations: "<surname or word> <trade><form>"
    trade_i = rng.integers(0, len(vocab.ORGANISATION_TRADES), n)
    trades = _strings(vocab.ORGANISATION_TRADES)[trade_i]
    stem = np.where(
        rng.random(n) < 0.5,
        full_surname[rng.integers(0, len(full_surname), n)],
        _strings(vocab.ORGANISATION_WORDS)[rng.integers(0, len(vocab.ORGANISATION_WORDS), n)],
    ).astype(S)
    stem = np.strings.add(np.strings.add(stem, " "), trades)
    forms = _strings(vocab.ORGANISATION_FORMS)[rng.integers(0, len(vocab.ORGANISATION_FORMS), n)]
    org_name = np.where(is_org, np.strings.add(stem, forms), "").astype(S)
    slug = np.strings.lower(np.strings.replace(np.strings.replace(stem, " ", ""), "'", ""))
    org_domain = _make_unique(slug, np.full(n, ".nl", dtype=S))

    first = np.where(is_org, "", first).astype(S)
    prefix = np.where(is_org, "", prefix).astype(S)
    last = np.where(is_org, "", last).astype(S)

    # Address: the postcode's four digits fall in the city's range.
    city_w = _weights([c[4] for c in vocab.CITIES])
    city_i = rng.choice(len(vocab.CITIES), n, p=city_w)
    lo = np.array([c[1] for c in vocab.CITIES])[city_i]
    hi = np.array([c[2] for c in vocab.CITIES])[city_i]
    pc_digits = (lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(np.int64)).astype(S)
    letters = _strings(list(vocab.POSTCODE_LETTERS))
    pc_letters = np.strings.add(
        letters[rng.integers(0, len(letters), n)], letters[rng.integers(0, len(letters), n)]
    )
    postcode = np.strings.add(np.strings.add(pc_digits, " "), pc_letters)
    street = _strings(vocab.STREETS)[rng.integers(0, len(vocab.STREETS), n)]
    house = np.strings.add(
        rng.integers(1, 180, n).astype(S),
        _strings(vocab.HOUSE_NUMBER_SUFFIXES)[rng.integers(0, len(vocab.HOUSE_NUMBER_SUFFIXES), n)],
    )
    city = _strings([c[0] for c in vocab.CITIES])[city_i]
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
    domain_w = _weights([d[1] for d in vocab.EMAIL_DOMAINS])
    domain = np.strings.add(
        "@", _strings([d[0] for d in vocab.EMAIL_DOMAINS])[rng.choice(len(domain_w), n, p=domain_w)]
    )
    mailbox = _strings(vocab.ORGANISATION_MAILBOXES)[rng.integers(0, len(vocab.ORGANISATION_MAILBOXES), n)]
    local = np.where(is_org, np.strings.add(mailbox, "@"), local).astype(S)
    domain = np.where(is_org, org_domain, domain).astype(S)
    # Organisation addresses are unique through their domain; persons through a number.
    email = np.where(is_org, np.strings.add(local, domain), _make_unique(local, domain)).astype(S)
    email = np.where(rng.random(n) < np.where(is_org, 0.95, 0.88), email, "").astype(S)

    # Phone: persons mostly mobile, organisations a landline in their city's area.
    area = _strings([c[3] for c in vocab.CITIES])[city_i]
    mobile = rng.random(n) < np.where(is_org, 0.1, 0.85)
    landline_width = 10 - np.strings.str_len(area)
    landline_digits = np.strings.slice(_digits(rng, n, 8), 0, landline_width)
    phone = np.where(
        mobile,
        np.strings.add("06-", np.strings.add(rng.integers(1, 10, n).astype(S), _digits(rng, n, 7))),
        np.strings.add(np.strings.add(area, "-"), landline_digits),
    ).astype(S)
    phone = np.where(rng.random(n) < np.where(is_org, 0.9, 0.7), phone, "").astype(S)
    phone_digits = np.strings.replace(phone, "-", "")

    # Acquisition spread over the window, a little more in recent years (growth).
    acq_day = np.floor(window_days * rng.random(n) ** 0.8).astype(np.int64)
    created = start + acq_day.astype("timedelta64[D]") + _time_of_day(rng, n).astype("timedelta64[s]")
    created = np.minimum(created, now)
    kind_class = rng.choice(3, n, p=[0.05, 0.10, 0.85])
    kind_class = np.where(is_org & (kind_class == 0), 2, kind_class)

    # Profile data, filled in partially so that completeness varies.
    person = ~is_org
    today = start + np.timedelta64(window_days, "D")
    has_birth = person & (rng.random(n) < 0.65)
    age_days = (rng.triangular(18, 40, 88, n) * 365.25).astype(np.int64)
    birth = today - age_days.astype("timedelta64[D]")
    gender_code = _strings(["f", "m", "x"])[gender_idx]
    gender = np.where(person & (rng.random(n) < 0.85), gender_code, "").astype(S)
    occupation = np.where(
        person & (rng.random(n) < 0.4),
        _strings(vocab.OCCUPATIONS)[rng.integers(0, len(vocab.OCCUPATIONS), n)],
        "",
    ).astype(S)
    education = np.where(
        person & (rng.random(n) < 0.35),
        _strings(vocab.EDUCATION_LEVELS)[rng.choice(6, n, p=[0.12, 0.3, 0.1, 0.08, 0.25, 0.15])],
        "",
    ).astype(S)
    household = rng.choice(np.arange(1, 7), n, p=[0.38, 0.33, 0.12, 0.12, 0.04, 0.01])
    has_household = person & (rng.random(n) < 0.45)
    children = np.minimum(rng.choice(5, n, p=[0.5, 0.18, 0.22, 0.08, 0.02]), household - 1)
    has_children = person & (rng.random(n) < 0.4)
    income = np.where(
        person & (rng.random(n) < 0.35),
        _strings(["low", "middle", "high"])[rng.choice(3, n, p=[0.3, 0.5, 0.2])],
        "",
    ).astype(S)
    interest_vocab = _strings(vocab.INTERESTS)
    picks = np.argsort(rng.random((n, len(vocab.INTERESTS))), axis=1)[:, :3]
    n_interests = rng.integers(1, 4, n)
    interests = interest_vocab[picks[:, 0]]
    for k in (1, 2):
        more = np.strings.add(np.strings.add(interests, ", "), interest_vocab[picks[:, k]])
        interests = np.where(n_interests > k, more, interests).astype(S)
    interests = np.where(person & (rng.random(n) < 0.45), interests, "").astype(S)
    sector = np.where(
        is_org & (rng.random(n) < 0.9), _strings(vocab.TRADE_SECTORS)[trade_i], ""
    ).astype(S)
    size_i = rng.choice(4, n, p=[0.45, 0.3, 0.17, 0.08])
    has_size = is_org & (rng.random(n) < 0.75)
    company_size = np.where(
        has_size, _strings(["micro", "small", "medium", "large"])[size_i], ""
    ).astype(S)
    has_profile = (
        has_birth | (gender != "") | (occupation != "") | (education != "") | has_household
        | has_children | (income != "") | (interests != "") | (sector != "") | has_size
    )
    lag = (rng.random(n) * ((now - created) / np.timedelta64(1, "s"))).astype(np.int64)
    profile_updated = created + lag.astype("timedelta64[s]")

    source_w = _weights([s[1] for s in vocab.ACQUISITION_SOURCES])
    source = np.where(
        rng.random(n) < 0.8,
        _strings([s[0] for s in vocab.ACQUISITION_SOURCES])[rng.choice(len(source_w), n, p=source_w)],
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
        },
    )
    # Heterogeneous spend: lognormal per customer; organisations scale with company size.
    z = rng.normal(0, 1, n)
    size_factor = np.array([1.0, 2.0, 4.0, 8.0])[size_i]
    spend = np.exp(0.9 * z) * np.where(is_org, 1.5 * size_factor, 0.6)
    premium = 0.15 + 0.7 / (1 + np.exp(-1.2 * z))
    n_cat = len(vocab.CATEGORIES)
    person_pop = _weights([c[6] for c in vocab.CATEGORIES])
    org_pop = _weights([12, 14, 24, 22, 3, 2, 8, 1, 4, 10][:n_cat])
    favourite = np.where(
        is_org, rng.choice(n_cat, n, p=org_pop), rng.choice(n_cat, n, p=person_pop)
    )
    return _Customers(
        n, is_org, acq_day, kind_class, spend, premium, favourite, org_domain, table
    )


def _contact_persons(rng: Generator, customers: _Customers) -> Table:
    org_ids = np.flatnonzero(customers.is_org)
    count = 1 + rng.binomial(3, 0.35, len(org_ids))
    owner = np.repeat(org_ids, count)
    m = len(owner)
    position = np.arange(m) - np.repeat(np.cumsum(count) - count, count)
    primary = position == 0
    roles = _strings(["decision_maker", "influencer", "buyer", "user"])
    role_i = np.where(primary, 0, rng.choice([1, 2, 3], m, p=[0.3, 0.4, 0.3]))
    role_i = np.where(~primary & (rng.random(m) < 0.1), 0, role_i)
    titles = [vocab.DMU_JOB_TITLES[r] for r in ("decision_maker", "influencer", "buyer", "user")]
    title_flat = _strings([t for group in titles for t in group])
    title_start = np.cumsum([0] + [len(g) for g in titles])[:-1]
    title_len = np.array([len(g) for g in titles])
    title = title_flat[title_start[role_i] + np.floor(rng.random(m) * title_len[role_i]).astype(np.int64)]
    firsts = _strings(vocab.FEMALE_FIRST_NAMES + vocab.MALE_FIRST_NAMES)
    first_i = rng.integers(0, len(firsts), m)
    last_i = rng.integers(0, len(vocab.LAST_NAMES), m)
    first_mail = _strings([_email_safe(x) for x in firsts.tolist()])[first_i]
    last_mail = _strings([_email_safe(p + ln) for p, ln in vocab.LAST_NAMES])[last_i]
    email = np.strings.add(
        np.strings.add(np.strings.add(first_mail, "."), last_mail),
        np.strings.add("@", customers.org_domain[owner]),
    )
    phone = np.strings.add("06-", np.strings.add(rng.integers(1, 10, m).astype(S), _digits(rng, m, 7)))
    return Table(
        "customers.ContactPerson",
        {
            "id": Column("int", np.arange(1, m + 1)),
            "organisation_id": Column("int", owner + 1),
            "first_name": Column("str", firsts[first_i]),
            "name_prefix": Column("str", _strings([p for p, _ in vocab.LAST_NAMES])[last_i]),
            "last_name": Column("str", _strings([ln for _, ln in vocab.LAST_NAMES])[last_i]),
            "job_title": Column("str", title),
            "dmu_role": Column("str", roles[role_i]),
            "email": Column("str", np.where(rng.random(m) < 0.85, email, "").astype(S)),
            "phone": Column("str", np.where(rng.random(m) < 0.6, phone, "").astype(S)),
            "is_primary": Column("bool", primary),
        },
    )


def _orders(
    rng: Generator,
    customers: _Customers,
    product_info: dict[str, np.ndarray],
    window_days: int,
    start: np.datetime64,
    now: np.datetime64,
) -> tuple[Table, Table, dict[str, np.ndarray]]:
    n = customers.n
    is_org = customers.is_org
    buyer = customers.kind_class == 2
    first_day = np.minimum(customers.acq_day + rng.exponential(10, n).astype(np.int64), window_days)
    # BG/NBD-like: purchase rate per year ~ gamma, dropout probability per purchase ~ beta.
    rate = rng.gamma(0.6, np.where(is_org, 7.0, 3.9) / 0.6)
    p_drop = rng.beta(0.9, 6.0, n)
    transactions_alive = rng.geometric(np.maximum(p_drop, 1e-6))
    years_open = (window_days - first_day) / 365.0
    repeats_offered = rng.poisson(rate * years_open)
    repeats = np.where(buyer, np.minimum(repeats_offered, transactions_alive - 1), 0)
    n_orders = np.where(buyer, 1 + repeats, 0)

    # Repeat purchase days: the first `repeats` of `repeats_offered` uniform times.
    offered_owner = np.repeat(np.arange(n), np.where(buyer, repeats_offered, 0))
    span = (window_days - first_day)[offered_owner]
    offered_day = first_day[offered_owner] + np.ceil(rng.random(len(offered_owner)) * span).astype(np.int64)
    order = np.lexsort((offered_day, offered_owner))
    offered_owner, offered_day = offered_owner[order], offered_day[order]
    group_start = np.cumsum(np.where(buyer, repeats_offered, 0)) - np.where(buyer, repeats_offered, 0)
    rank = np.arange(len(offered_owner)) - group_start[offered_owner]
    keep = rank < repeats[offered_owner]
    buyers = np.flatnonzero(buyer)
    owner = np.concatenate([buyers, offered_owner[keep]])
    day = np.concatenate([first_day[buyers], offered_day[keep]])
    order = np.lexsort((owner, day))  # chronological order numbers
    owner, day = owner[order], day[order]
    m = len(owner)

    order_ids = np.arange(1, m + 1)
    order_date = start + day.astype("timedelta64[D]")
    created = np.minimum(
        order_date.astype("datetime64[s]") + _time_of_day(rng, m).astype("timedelta64[s]"), now
    )
    owner_org = is_org[owner]
    channels = _strings(["web", "store", "phone", "sales_rep", "email"])
    channel_i = np.where(
        owner_org,
        rng.choice(5, m, p=[0.3, 0.05, 0.2, 0.25, 0.2]),
        rng.choice(5, m, p=[0.58, 0.27, 0.08, 0.02, 0.05]),
    )
    recent = day >= window_days - 7
    status_roll = rng.random(m)
    status = np.select(
        [recent & (status_roll < 0.6), status_roll < 0.03, status_roll < 0.05],
        [_strings(["open"]), _strings(["cancelled"]), _strings(["returned"])],
        _strings(["delivered"]),
    ).astype(S)

    # Lines: 1–5 per order, organisations more.
    n_lines = 1 + np.where(owner_org, rng.binomial(4, 0.55, m), rng.binomial(4, 0.33, m))
    line_order = np.repeat(np.arange(m), n_lines)
    k = len(line_order)
    line_owner = owner[line_order]
    n_cat = len(vocab.CATEGORIES)
    person_pop = _weights([c[6] for c in vocab.CATEGORIES])
    org_pop = _weights([12, 14, 24, 22, 3, 2, 8, 1, 4, 10][:n_cat])
    line_org = is_org[line_owner]
    random_cat = np.where(line_org, rng.choice(n_cat, k, p=org_pop), rng.choice(n_cat, k, p=person_pop))
    category = np.where(rng.random(k) < 0.5, customers.favourite[line_owner], random_cat)
    per_cat = product_info["per_category"]
    cat_start = np.cumsum(per_cat) - per_cat
    tiers = len(vocab.PRODUCT_TIERS)
    base = np.floor(rng.random(k) * (per_cat[category] // tiers)).astype(np.int64)
    tier = rng.binomial(tiers - 1, customers.premium[line_owner])
    product = cat_start[category] + base * tiers + tier
    spend = customers.spend[line_owner]
    one_off = product_info["one_off"][product]
    quantity = np.where(
        one_off,
        np.where(line_org, 1 + rng.poisson(spend / 4), 1),
        1 + rng.poisson(spend),
    ).astype(np.int64)
    discount = rng.random(k) < 0.12
    unit_price = np.where(
        discount,
        np.round(product_info["price"][product] * 0.9).astype(np.int64),
        product_info["price"][product],
    )
    unit_cost = product_info["unit_cost"][product]
    total = np.rint(np.bincount(line_order, quantity * unit_price, minlength=m)).astype(np.int64)
    cost = np.rint(np.bincount(line_order, quantity * unit_cost, minlength=m)).astype(np.int64)

    orders = Table(
        "sales.Order",
        {
            "id": Column("int", order_ids),
            "order_number": Column("str", _numbered("O", order_ids, 8)),
            "customer_id": Column("int", owner + 1),
            "order_date": Column("date", order_date),
            "channel": Column("str", channels[channel_i]),
            "status": Column("str", status),
            "total_amount": Column("money", total),
            "total_cost": Column("money", cost),
            "notes": Column("str", np.full(m, "", dtype=S)),
            "created_at": Column("datetime", created),
        },
    )
    lines = Table(
        "sales.OrderLine",
        {
            "id": Column("int", np.arange(1, k + 1)),
            "order_id": Column("int", line_order + 1),
            "customer_id": Column("int", line_owner + 1),
            "product_id": Column("int", product + 1),
            "quantity": Column("int", quantity),
            "unit_price": Column("money", unit_price),
            "unit_cost": Column("money", unit_cost),
        },
    )
    last_day = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last_day, owner, day)
    info = {
        "owner": owner,
        "day": day,
        "channel": channel_i,
        "n_orders": n_orders,
        "last_day": last_day,
        "first_day": first_day,
        "created": created,
        "status": status,
    }
    return orders, lines, info


_TOUCHPOINTS = ("sales", "marketing", "service", "after_sales", "billing", "delivery")
_CHANNELS = ("phone", "email", "visit", "store", "web", "chat", "social", "letter")
# P(channel | touchpoint), rows follow _TOUCHPOINTS, columns _CHANNELS.
_CHANNEL_GIVEN_TOUCHPOINT = np.array(
    [
        [0.35, 0.25, 0.15, 0.1, 0.05, 0.05, 0.03, 0.02],
        [0.1, 0.45, 0.0, 0.05, 0.1, 0.0, 0.2, 0.1],
        [0.3, 0.25, 0.0, 0.1, 0.1, 0.2, 0.05, 0.0],
        [0.4, 0.25, 0.15, 0.05, 0.05, 0.1, 0.0, 0.0],
        [0.3, 0.45, 0.0, 0.0, 0.1, 0.05, 0.0, 0.1],
        [0.35, 0.3, 0.0, 0.0, 0.15, 0.2, 0.0, 0.0],
    ]
)
_OUTCOMES = (
    "resolved", "follow_up", "information", "quote_requested", "order_placed", "no_answer",
    "complaint",
)
# P(outcome | touchpoint)
_OUTCOME_GIVEN_TOUCHPOINT = np.array(
    [
        [0.1, 0.25, 0.25, 0.25, 0.05, 0.1, 0.0],
        [0.05, 0.1, 0.6, 0.05, 0.0, 0.2, 0.0],
        [0.55, 0.15, 0.2, 0.0, 0.0, 0.05, 0.05],
        [0.45, 0.2, 0.1, 0.0, 0.0, 0.1, 0.15],
        [0.6, 0.2, 0.1, 0.0, 0.0, 0.05, 0.05],
        [0.55, 0.15, 0.1, 0.0, 0.0, 0.05, 0.15],
    ]
)
# P(inbound | touchpoint) and P(back office | touchpoint)
_INBOUND = np.array([0.5, 0.1, 0.9, 0.5, 0.6, 0.8])
_BACK_OFFICE = np.array([0.1, 0.2, 0.5, 0.5, 0.95, 0.9])


def _sample_rows(rng: Generator, probabilities: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One category per element, from the probability row `rows[i]` of the matrix."""
    cumulative = np.cumsum(probabilities, axis=1)
    cumulative /= cumulative[:, -1:]
    u = rng.random(len(rows))
    return np.minimum((u[:, None] > cumulative[rows]).sum(axis=1), probabilities.shape[1] - 1)


def _contact_moments(
    rng: Generator,
    customers: _Customers,
    order_info: dict[str, np.ndarray],
    window_days: int,
    start: np.datetime64,
    now: np.datetime64,
) -> Table:
    n = customers.n
    kind_class = customers.kind_class
    n_orders = order_info["n_orders"]
    # Free contact moments: prospects are in contact, buyers more when they buy more.
    free = np.select(
        [kind_class == 0, kind_class == 1],
        [np.zeros(n, dtype=np.int64), 1 + rng.poisson(1.0, n)],
        rng.poisson(0.4 + 0.35 * np.minimum(n_orders, 40)),
    )
    free_owner = np.repeat(np.arange(n), free)
    f = len(free_owner)
    # Contacts fall in the active period: from acquisition to a while after the last order.
    active_end = np.where(
        order_info["last_day"] >= 0,
        np.minimum(order_info["last_day"] + 90, window_days),
        window_days,
    )
    begin = np.maximum(customers.acq_day - np.where(kind_class == 1, 30, 0), 0)
    span = np.maximum(active_end - begin, 0)[free_owner]
    free_day = begin[free_owner] + np.floor(rng.random(f) * (span + 1)).astype(np.int64)
    tp_free = rng.choice(6, f, p=[0.25, 0.2, 0.25, 0.1, 0.1, 0.1])
    tp_free = np.where(kind_class[free_owner] == 1, np.where(rng.random(f) < 0.7, 0, 1), tp_free)

    # Contacts caused by an order: placed by phone/e-mail/rep, or a delivery/after-sales follow-up.
    owner = order_info["owner"]
    o_channel = order_info["channel"]
    placed = np.isin(o_channel, [2, 3, 4])
    followed = rng.random(len(owner)) < 0.05
    placed_idx = np.flatnonzero(placed)
    follow_idx = np.flatnonzero(followed)
    order_idx = np.concatenate([placed_idx, follow_idx])
    p = len(placed_idx)
    o = len(order_idx)
    o_day = order_info["day"][order_idx] + np.concatenate(
        [np.zeros(p, dtype=np.int64), 1 + rng.integers(0, 20, o - p)]
    )
    o_day = np.minimum(o_day, window_days)
    tp_order = np.concatenate([np.zeros(p, dtype=np.int64), rng.choice([3, 5], o - p)])
    # order channel phone → phone, sales_rep → visit, email → e-mail
    placed_channel = np.array([0, 0, 0, 2, 1])[o_channel[placed_idx]]

    all_owner = np.concatenate([free_owner, owner[order_idx]])
    all_day = np.concatenate([free_day, o_day])
    tp = np.concatenate([tp_free, tp_order])
    total = len(all_owner)
    channel = _sample_rows(rng, _CHANNEL_GIVEN_TOUCHPOINT, tp)
    channel[f : f + p] = placed_channel
    outcome = _sample_rows(rng, _OUTCOME_GIVEN_TOUCHPOINT, tp)
    outcome[f : f + p] = 4  # order placed
    complaint_follow = rng.random(o - p) < 0.4
    outcome[f + p :] = np.where(complaint_follow, 6, outcome[f + p :])
    inbound = rng.random(total) < _INBOUND[tp]
    inbound[f : f + p] = o_channel[placed_idx] != 3
    back = rng.random(total) < _BACK_OFFICE[tp]

    # Subjects: per touchpoint, in Dutch (70%) or English.
    subject_lists = [vocab.SUBJECTS[t] for t in _TOUCHPOINTS]
    flat_en = [s[0] for group in subject_lists for s in group]
    flat_nl = [s[1] for group in subject_lists for s in group]
    sub_len = np.array([len(g) for g in subject_lists])
    sub_start = np.cumsum(sub_len) - sub_len
    sub_i = sub_start[tp] + np.floor(rng.random(total) * sub_len[tp]).astype(np.int64)
    order_placed_i = flat_en.index("Order placed")
    sub_i[f : f + p] = order_placed_i
    dutch = rng.random(total) < 0.7
    subject = np.where(dutch, _strings(flat_nl)[sub_i], _strings(flat_en)[sub_i]).astype(S)

    occurred = start.astype("datetime64[s]") + (all_day * SECONDS_PER_DAY).astype("timedelta64[s]")
    occurred = occurred + _time_of_day(rng, total).astype("timedelta64[s]")
    occurred = np.where(occurred > now, occurred - np.timedelta64(SECONDS_PER_DAY, "s"), occurred)
    sort = np.lexsort((all_owner, occurred))
    linked_order = np.concatenate([np.zeros(f, dtype=np.int64), order_idx + 1])
    return Table(
        "contacts.ContactMoment",
        {
            "id": Column("int", np.arange(1, total + 1)),
            "customer_id": Column("int", all_owner[sort] + 1),
            "occurred_at": Column("datetime", occurred[sort]),
            "channel": Column("str", _strings(_CHANNELS)[channel[sort]]),
            "direction": Column("str", np.where(inbound, "inbound", "outbound").astype(S)[sort]),
            "touchpoint": Column("str", _strings(_TOUCHPOINTS)[tp[sort]]),
            "office": Column("str", np.where(back, "back", "front").astype(S)[sort]),
            "staff_id": Column("int", np.zeros(total, dtype=np.int64), np.ones(total, dtype=bool)),
            "subject": Column("str", subject[sort]),
            "outcome": Column("str", _strings(_OUTCOMES)[outcome[sort]]),
            "notes": Column("str", np.full(total, "", dtype=S)),
            "order_id": Column("int", linked_order[sort], linked_order[sort] == 0),
            "external_id": Column("str", np.full(total, "", dtype=S)),
            "created_at": Column("datetime", occurred[sort]),
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


def _consents(rng: Generator, customers: Table, now: np.datetime64) -> Table:
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
        [engaged & eligible[need] & (rng.random(n) < share / 0.7) for _, _, share, need in _CONSENT_COMBOS],
        axis=1,
    )
    cust, combo = np.nonzero(has)
    m = len(cust)
    created = cols["created_at"].values[cust]
    room = ((now - created) / np.timedelta64(1, "s")).astype(np.int64)
    first_at = created + np.minimum(rng.integers(0, 30 * SECONDS_PER_DAY, m), room).astype("timedelta64[s]")
    granted = rng.random(m) < 0.93
    withdrawn = granted & (rng.random(m) < 0.15)
    w_idx = np.flatnonzero(withdrawn)
    later = ((now - first_at[w_idx]) / np.timedelta64(1, "s")).astype(np.int64)
    withdraw_at = first_at[w_idx] + (rng.random(len(w_idx)) * later).astype(np.int64).astype("timedelta64[s]")

    all_cust = np.concatenate([cust, cust[w_idx]])
    all_combo = np.concatenate([combo, combo[w_idx]])
    all_at = np.concatenate([first_at, withdraw_at])
    all_granted = np.concatenate([granted, np.zeros(len(w_idx), dtype=bool)])
    sources = _strings(vocab.CONSENT_SOURCES)
    source = sources[rng.integers(0, len(sources), len(all_cust))]
    order = np.lexsort((all_cust, all_at))
    total = len(all_cust)
    return Table(
        "customers.Consent",
        {
            "id": Column("int", np.arange(1, total + 1)),
            "customer_id": Column("int", all_cust[order] + 1),
            "channel": Column("str", _strings([c[0] for c in _CONSENT_COMBOS])[all_combo[order]]),
            "purpose": Column("str", _strings([c[1] for c in _CONSENT_COMBOS])[all_combo[order]]),
            "granted": Column("bool", all_granted[order]),
            "recorded_at": Column("datetime", all_at[order]),
            "source": Column("str", source),
            "recorded_by_id": Column("int", np.zeros(total, dtype=np.int64), np.ones(total, dtype=bool)),
        },
    )
