"""Reading ids and versions from query and form parameters."""

from __future__ import annotations

import pytest

from relata.web.http import int_param


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("42", 42),
        (" 7 ", 7),
        ("9" * 18, int("9" * 18)),
        ("9" * 19, None),  # beyond what a 64-bit column holds: no look-up, no overflow
        ("²", None),  # a digit to isdigit(), not to int()
        ("-1", None),
        ("1.5", None),
        ("abc", None),
        ("", None),
        (None, None),
    ],
)
def test_only_plain_digits_of_a_column_size_are_an_id(raw: object, expected: int | None) -> None:
    # when / then
    assert int_param(raw) == expected
