from __future__ import annotations

from datetime import date, datetime

import pytest
from django import forms

from relata.web.forms import BootstrapFormMixin


class _DatesForm(BootstrapFormMixin, forms.Form):
    day = forms.DateField(required=False)
    moment = forms.DateTimeField(required=False)


@pytest.mark.parametrize("field", ["day", "moment"])
@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1899-12-31", "2200-01-01"])
def test_a_date_far_outside_business_years_is_refused_with_the_field_named(
    field: str, value: str
) -> None:
    # given a form that uses the shared mixin
    form = _DatesForm({field: value})
    # when it is validated
    valid = form.is_valid()
    # then the field says which years are accepted, instead of failing later on an overflow
    assert not valid
    assert form.errors[field] == ["Enter a date between the years 1900 and 2199."]


def test_ordinary_dates_pass() -> None:
    # given
    form = _DatesForm({"day": "2026-11-26", "moment": "1900-01-01 00:00"})
    # when
    valid = form.is_valid()
    # then
    assert valid
    assert form.cleaned_data["day"] == date(2026, 11, 26)
    assert isinstance(form.cleaned_data["moment"], datetime)
