"""Vectorised string helpers, and the derived customer columns built exactly as
`relata.customers.models.sort_name` and `build_search_text` build them."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.random import Generator

from relata.demo.tables import S

SECONDS_PER_DAY = 86_400


def strings(values: tuple[str, ...] | list[str]) -> np.ndarray:
    return np.array(values, dtype=S)


def weights(values: Sequence[float] | np.ndarray) -> np.ndarray:
    w = np.asarray(values, dtype=float)
    normalised: np.ndarray = w / w.sum()
    return normalised


def numbered(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    return np.strings.add(prefix, np.strings.zfill(numbers.astype(S), width))


def join_nonempty(parts: list[np.ndarray], sep: str = " ") -> np.ndarray:
    """Vectorised `sep.join(p for p in parts if p)`."""
    result = parts[0]
    for part in parts[1:]:
        joined = np.strings.add(np.strings.add(result, sep), part)
        result = np.where(result == "", part, np.where(part == "", result, joined))
    return result.astype(S)


def rank_within_groups(keys: np.ndarray) -> np.ndarray:
    """0 for the first occurrence of each key, 1 for the second, … (order of appearance)."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.ones(len(keys), dtype=bool)
    starts[1:] = sorted_keys[1:] != sorted_keys[:-1]
    group_start = np.maximum.accumulate(np.where(starts, np.arange(len(keys)), 0))
    rank = np.empty(len(keys), dtype=np.int64)
    rank[order] = np.arange(len(keys)) - group_start
    return rank


def make_unique(local: np.ndarray, rest: np.ndarray) -> np.ndarray:
    """`local + rest`, with a number appended to `local` for repeats (local has no digits)."""
    full = np.strings.add(local, rest)
    rank = rank_within_groups(full)
    suffix = np.where(rank > 0, (rank + 1).astype(S), "").astype(S)
    return np.strings.add(np.strings.add(local, suffix), rest)


def money_text(cents: np.ndarray) -> np.ndarray:
    """Integer cents as decimal text with two places ("1234.50")."""
    euros = (cents // 100).astype(S)
    rest = np.strings.zfill((cents % 100).astype(S), 2)
    return np.strings.add(np.strings.add(euros, "."), rest)


def email_safe(name: str) -> str:
    table = str.maketrans("ëéèêïöüäàçñ", "eeeeiouaacn", " '-")
    return name.lower().translate(table)


def digits(rng: Generator, n: int, width: int) -> np.ndarray:
    return np.strings.zfill(rng.integers(0, 10**width, n).astype(S), width)


def time_of_day(rng: Generator, n: int) -> np.ndarray:
    """Seconds after midnight UTC within office hours (07:00–19:00 UTC)."""
    return rng.integers(7 * 3600, 19 * 3600, n)


# --- derived customer columns: identical to relata.customers.models ---------------------


def display_names(
    is_org: np.ndarray,
    org_name: np.ndarray,
    first: np.ndarray,
    prefix: np.ndarray,
    last: np.ndarray,
) -> np.ndarray:
    person = join_nonempty([first, prefix, last])
    return np.where(is_org, org_name, person).astype(S)


def sort_names(
    is_org: np.ndarray, org_name: np.ndarray, last: np.ndarray, first: np.ndarray
) -> np.ndarray:
    """Vectorised `relata.customers.models.sort_name`."""
    person = np.strings.strip(
        np.strings.lower(np.strings.add(np.strings.add(last, ", "), first)), ", "
    )
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
    joined = join_nonempty([number, name, email, phone_digits, postcode_flat, city])
    return np.strings.lower(joined)
