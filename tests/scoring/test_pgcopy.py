from datetime import date
from decimal import Decimal

import numpy as np
import pytest
from django.db import connection

from relata.scoring import pgcopy

pytestmark = pytest.mark.django_db

TABLE = "pgcopy_check"


@pytest.fixture
def table(db: None) -> str:
    if connection.vendor != "postgresql":
        pytest.skip("binary COPY is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE {TABLE} (k bigint, amount numeric(14, 2), day date, "
            "code smallint, flag boolean, share double precision, days integer)"
        )
    return TABLE


def _columns(**overrides: object) -> list[pgcopy.Column]:
    values = {
        "k": np.array([1, 2, 3, 4], np.int64),
        "amount": np.array([1234567.891, -0.07, -42.5, 999_999_999_999.99]),
        "day": np.array([0, 20_000, -1, 10_957], np.int64),
        "code": np.array([0, 7, 32_767, 1], np.int64),
        "flag": np.array([True, False, True, False]),
        "share": np.array([0.1 + 0.2, np.nan, 1e-300, -2.5]),
        "days": np.array([5, 0, 7, 9], np.int64),
    }
    types = {
        "k": "bigint",
        "amount": "numeric(14, 2)",
        "day": "date",
        "code": "smallint",
        "flag": "boolean",
        "share": "double precision",
        "days": "integer",
    }
    nulls = {"days": np.array([False, True, False, True])}
    values.update(overrides)  # type: ignore[arg-type]
    return [pgcopy.Column(name, types[name], values[name], nulls.get(name)) for name in values]


def test_binary_copy_stores_every_type_nulls_and_signs(table: str) -> None:
    # when rows with negative amounts, NULLs, NaN, dates on both sides of 2000 are copied
    pgcopy.copy_binary(table, _columns(), batch=3)
    # then they read back as they were given
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} ORDER BY k")  # noqa: S608 (test constant)
        rows = cursor.fetchall()
    assert rows[0] == (1, Decimal("1234567.89"), date(1970, 1, 1), 0, True, 0.1 + 0.2, 5)
    assert rows[1][:5] == (2, Decimal("-0.07"), date(2024, 10, 4), 7, False)
    assert rows[1][5] != rows[1][5] and rows[1][6] is None  # NaN, NULL
    assert rows[2] == (3, Decimal("-42.50"), date(1969, 12, 31), 32_767, True, 1e-300, 7)
    assert rows[3] == (4, Decimal("999999999999.99"), date(2000, 1, 1), 1, False, -2.5, None)


def test_a_nan_amount_is_stored_as_numeric_nan(table: str) -> None:
    pgcopy.copy_binary(table, _columns(amount=np.array([np.nan, 1.0, np.nan, 2.0])))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT amount::text FROM {table} ORDER BY k")  # noqa: S608
        assert [r[0] for r in cursor.fetchall()] == ["NaN", "1.00", "NaN", "2.00"]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"amount": np.array([1.0, 1e12, 0.0, 0.0])}, "amount: an amount of 10\\*\\*12"),
        ({"amount": np.array([1.0, np.inf, 0.0, 0.0])}, "amount: an infinite amount"),
        ({"code": np.array([0, 40_000, 0, 0], np.int64)}, "code: a value out of range"),
    ],
)
def test_values_the_column_cannot_hold_are_refused_by_name(
    table: str, override: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        pgcopy.copy_binary(table, _columns(**override))
