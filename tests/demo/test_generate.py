"""The generator on its own: determinism, shapes, and the properties the demo relies on."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pytest

from relata.customers.models import build_search_text, sort_name
from relata.demo import vocab
from relata.demo.generate import DemoData, DemoSpec, demo_generate

TODAY = date(2025, 6, 2)
NOW = datetime(2025, 6, 2, 10, 30)


def generate(customers: int = 3000, seed: int = 7, years: int = 4) -> DemoData:
    return demo_generate(
        DemoSpec(customers=customers, years=years, seed=seed, today=TODAY, now=NOW)
    )


@pytest.fixture(scope="module")
def data() -> DemoData:
    return generate()


def test_same_seed_gives_identical_data(data: DemoData) -> None:
    # given the data for seed 7
    # when it is generated again
    again = generate()
    # then every column of every table is identical
    for first, second in zip(data.tables, again.tables, strict=True):
        assert first.model == second.model
        for name, column in first.columns.items():
            assert np.array_equal(column.values, second.columns[name].values), name


def test_another_seed_gives_other_data(data: DemoData) -> None:
    # given / when
    other = generate(seed=8)
    # then names and orders differ
    assert not np.array_equal(
        data.table("customers.Customer").columns["search_text"].values,
        other.table("customers.Customer").columns["search_text"].values,
    )
    assert data.table("sales.OrderLine").rows != other.table("sales.OrderLine").rows


def test_counts_and_catalogue(data: DemoData) -> None:
    # given / when the data for 3,000 customers
    customers = data.table("customers.Customer")
    products = data.table("sales.Product")
    # then
    assert customers.rows == 3000
    assert data.table("sales.ProductCategory").rows == len(vocab.CATEGORIES)
    assert products.rows == 150
    kinds = customers.columns["kind"].values
    assert 0.1 < np.mean(kinds == "organisation") < 0.2
    price = products.columns["price"].values
    margin = 1 - products.columns["unit_cost"].values / price
    assert margin.min() >= 0.14 and margin.max() <= 0.61
    # roughly ten order lines per customer over four years
    assert 6 < data.table("sales.OrderLine").rows / customers.rows < 14


def test_numbers_follow_the_default_schemes(data: DemoData) -> None:
    numbers = data.table("customers.Customer").columns["customer_number"].values
    orders = data.table("sales.Order").columns["order_number"].values
    assert numbers[0] == "C0000001" and numbers[-1] == "C0003000"
    assert orders[0] == "O00000001"
    assert len(np.unique(orders)) == len(orders)


def test_order_totals_are_the_sum_of_their_lines(data: DemoData) -> None:
    # given
    orders = data.table("sales.Order").columns
    lines = data.table("sales.OrderLine").columns
    order_index = lines["order_id"].values - 1
    # when
    amount = np.bincount(
        order_index, lines["quantity"].values * lines["unit_price"].values, len(orders["id"].values)
    )
    cost = np.bincount(
        order_index, lines["quantity"].values * lines["unit_cost"].values, len(orders["id"].values)
    )
    # then
    assert np.array_equal(np.rint(amount).astype(np.int64), orders["total_amount"].values)
    assert np.array_equal(np.rint(cost).astype(np.int64), orders["total_cost"].values)
    assert np.array_equal(lines["customer_id"].values, orders["customer_id"].values[order_index])
    assert lines["quantity"].values.min() >= 1
    per_order = np.bincount(order_index)
    assert per_order.min() >= 1 and per_order.max() <= 5


def test_revenue_is_concentrated_about_80_20(data: DemoData) -> None:
    # given the revenue per buying customer
    orders = data.table("sales.Order").columns
    revenue = np.bincount(orders["customer_id"].values, orders["total_amount"].values)
    revenue = np.sort(revenue[revenue > 0])[::-1]
    # when
    top_share = revenue[: len(revenue) // 5].sum() / revenue.sum()
    # then the top 20% bring most of the revenue
    assert 0.65 <= top_share <= 0.88


def test_many_one_off_buyers_and_some_lapsed(data: DemoData) -> None:
    orders = data.table("sales.Order").columns
    per_customer = np.bincount(orders["customer_id"].values)
    buyers = per_customer[per_customer > 0]
    assert 0.25 < np.mean(buyers == 1) < 0.6
    assert buyers.max() >= 20
    last = np.full(3001, np.datetime64("1970-01-01"), dtype="datetime64[D]")
    np.maximum.at(last, orders["customer_id"].values, orders["order_date"].values)
    repeaters = np.flatnonzero(per_customer >= 3)
    lapsed = last[repeaters] < np.datetime64(TODAY) - np.timedelta64(365, "D")
    assert 0.05 < np.mean(lapsed) < 0.7


def test_nothing_lies_in_the_future_or_before_the_window(data: DemoData) -> None:
    start = np.datetime64(TODAY) - np.timedelta64(4 * 365, "D")
    now = np.datetime64(NOW, "s")
    order_date = data.table("sales.Order").columns["order_date"].values
    assert order_date.min() >= start and order_date.max() <= np.datetime64(TODAY)
    for table in data.tables:
        for name, column in table.columns.items():
            if column.kind == "datetime":
                assert column.values.max() <= now, (table.model, name)


def test_derived_columns_match_the_model_functions(data: DemoData) -> None:
    # given a sample of persons and organisations
    columns = data.table("customers.Customer").columns
    rng = np.random.default_rng(0)
    for i in rng.choice(3000, 300, replace=False).tolist():
        row = {name: column.values[i] for name, column in columns.items()}
        is_org = row["kind"] == "organisation"
        display = (
            row["organisation_name"]
            if is_org
            else " ".join(p for p in (row["first_name"], row["name_prefix"], row["last_name"]) if p)
        )
        # when / then
        assert row["display_name_sort"] == sort_name(
            kind=row["kind"],
            organisation_name=row["organisation_name"],
            last_name=row["last_name"],
            first_name=row["first_name"],
        )
        assert row["search_text"] == build_search_text(
            row["customer_number"],
            display,
            row["email"],
            row["phone"],
            row["postcode"],
            row["city"],
        )


def test_persons_look_dutch_and_e_mail_is_unique(data: DemoData) -> None:
    columns = data.table("customers.Customer").columns
    email = columns["email"].values
    filled = email[email != ""]
    assert len(np.unique(filled)) == len(filled)
    assert 0.8 < len(filled) / len(email) < 0.95
    prefixes = set(columns["name_prefix"].values.tolist())
    assert {"van", "de", "van der"} <= prefixes
    postcode = columns["postcode"].values
    city = columns["city"].values
    ranges = {c[0]: (c[1], c[2]) for c in vocab.CITIES}
    for code, place in zip(postcode[:500].tolist(), city[:500].tolist(), strict=True):
        if code:
            digits, letters = code.split(" ")
            low, high = ranges[place]
            assert low <= int(digits) <= high and len(letters) == 2 and letters.isupper()
    phone = columns["phone"].values
    persons = columns["kind"].values == "person"
    assert np.mean(np.strings.startswith(phone[persons & (phone != "")], "06-")) > 0.7


def test_profile_completeness_varies(data: DemoData) -> None:
    columns = data.table("customers.Customer").columns
    persons = columns["kind"].values == "person"
    filled = sum(
        (columns[name].values[persons] != "").astype(int)
        for name in ("gender", "occupation", "education", "income_band", "interests")
    )
    assert filled.min() == 0 and filled.max() == 5


def test_contact_moments_and_consents_cover_the_choices(data: DemoData) -> None:
    moments = data.table("contacts.ContactMoment").columns
    assert set(moments["channel"].values.tolist()) == {
        "phone",
        "email",
        "visit",
        "store",
        "web",
        "chat",
        "social",
        "letter",
    }
    assert set(moments["touchpoint"].values.tolist()) == {
        "sales",
        "marketing",
        "service",
        "after_sales",
        "billing",
        "delivery",
    }
    assert set(moments["office"].values.tolist()) == {"front", "back"}
    assert set(moments["direction"].values.tolist()) == {"inbound", "outbound"}
    linked = moments["order_id"].null
    assert linked is not None and 0 < np.mean(~linked) < 1
    consents = data.table("customers.Consent").columns
    customers_with_consent = len(np.unique(consents["customer_id"].values))
    assert customers_with_consent > 0.5 * 3000
    assert 0 < np.mean(~consents["granted"].values) < 0.3
