"""Likely duplicates: normalised e-mail, phone, name + postcode; groups, scores, pages."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from relata.customers.duplicates import (
    EMAIL,
    NAME_POSTCODE,
    PHONE,
    duplicate_count,
    duplicate_groups,
    duplicate_key_list,
    normalised_phone,
)
from relata.customers.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _person(**fields: object) -> Customer:
    defaults: dict[str, object] = {"phone": "", "postcode": "", "email": ""}
    defaults.update(fields)
    return CustomerFactory(**defaults)


def _group_ids(match: str = "") -> list[tuple[str, set[int]]]:
    groups = duplicate_groups(duplicate_key_list(match=match))
    return [(g.match, {c.pk for c in g.customers}) for g in groups]


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("06-12345678", "31612345678"),
        ("06 1234 5678", "31612345678"),
        ("+31 6 12345678", "31612345678"),
        ("0031 (6) 12345678", "31612345678"),
        ("+32 470 12 34 56", "32470123456"),
    ],
)
def test_phone_numbers_are_written_with_the_country_code(typed: str, normalised: str) -> None:
    assert normalised_phone(typed) == normalised


def test_e_mail_match_ignores_case_and_spaces() -> None:
    # given two customers whose addresses differ only in case and spacing, and a third
    a = _person(email="Anna.Jansen@Example.nl")
    b = _person(email=" anna.jansen@example.nl ")
    _person(email="someone@example.nl")
    # when the duplicates are listed by e-mail
    groups = _group_ids(EMAIL)
    # then the two form one group
    assert groups == [(EMAIL, {a.pk, b.pk})]


def test_dutch_phone_forms_match_each_other() -> None:
    # given the same mobile number typed three ways, and short junk numbers
    a = _person(phone="06-12345678")
    b = _person(phone="+31 6 1234 5678")
    c = _person(phone="0031612345678")
    _person(phone="112")
    _person(phone="112")
    # when listed by phone
    groups = _group_ids(PHONE)
    # then the three are one group; the short numbers are ignored
    assert groups == [(PHONE, {a.pk, b.pk, c.pk})]


def test_name_and_postcode_match_needs_both() -> None:
    # given two with the same name and postcode written differently, and same name elsewhere
    a = _person(first_name="Piet", last_name="Smit", postcode="1234 ab")
    b = _person(first_name="piet", last_name="SMIT", postcode="1234AB")
    _person(first_name="Piet", last_name="Smit", postcode="9999 ZZ")
    _person(first_name="Piet", last_name="Smit", postcode="")
    # when listed by name and postcode
    groups = _group_ids(NAME_POSTCODE)
    # then only the two at the same postcode match
    assert groups == [(NAME_POSTCODE, {a.pk, b.pk})]


def test_all_matches_list_every_type_with_reasons_and_score() -> None:
    # given a pair sharing e-mail and phone, and a pair sharing only name + postcode
    a = _person(email="x@example.nl", phone="0612345678")
    b = _person(email="X@example.nl", phone="+31612345678")
    c = _person(first_name="Els", last_name="Bos", postcode="1000 AA")
    d = _person(first_name="Els", last_name="Bos", postcode="1000AA")
    # when all matches are listed
    groups = duplicate_groups(duplicate_key_list())
    # then each match type appears, and the pair matching twice scores higher
    found = {(g.match, frozenset(c.pk for c in g.customers)) for g in groups}
    assert found == {
        (EMAIL, frozenset({a.pk, b.pk})),
        (PHONE, frozenset({a.pk, b.pk})),
        (NAME_POSTCODE, frozenset({c.pk, d.pk})),
    }
    email_group = next(g for g in groups if g.match == EMAIL)
    name_group = next(g for g in groups if g.match == NAME_POSTCODE)
    assert email_group.shared == [EMAIL, PHONE]
    assert email_group.score > name_group.score
    assert "Same phone number" in email_group.reasons


def test_duplicates_within_a_set_of_customers() -> None:
    # given an old customer, a new one duplicating it, and an unrelated old pair
    old = _person(email="dup@example.nl")
    new = _person(email="DUP@example.nl")
    _person(email="pair@example.nl")
    _person(email="pair@example.nl")
    within = Customer.objects.filter(pk=new.pk)
    # when looking only at groups with the new customer
    groups = duplicate_groups(duplicate_key_list(within=within))
    # then only its group is found, with both members, and one of the set is a duplicate
    assert [{c.pk for c in g.customers} for g in groups] == [{old.pk, new.pk}]
    assert duplicate_count(within=within) == 1


def _merger() -> Client:
    user = User.objects.create_user("bo", password="a-long-test-password")
    user.groups.add(Group.objects.get(name="back_office"))
    client = Client()
    client.force_login(user)
    return client


def test_duplicates_page_lists_groups_filtered_by_match(logged_in_client: Client) -> None:
    # given a pair by e-mail and a pair by phone
    _person(email="same@example.nl", last_name="Een")
    _person(email="same@example.nl", last_name="Twee")
    _person(phone="0611111111", last_name="Drie")
    _person(phone="0611111111", last_name="Vier")
    client = _merger()
    # when the page is opened, all and filtered by phone
    everything = client.get("/customers/duplicates/")
    by_phone = client.get("/customers/duplicates/", {"match": "phone"})
    # then the groups and a merge link are shown
    assert everything.status_code == 200
    assert len(everything.context["groups"]) == 2
    assert "Compare and merge" in everything.content.decode()
    assert [g.match for g in by_phone.context["groups"]] == [PHONE]
    # and the HTMX request gets only the results
    fragment = client.get("/customers/duplicates/", {"page": "1"}, headers={"HX-Request": "true"})
    assert b"<html" not in fragment.content


def test_duplicates_page_needs_the_merge_permission(logged_in_client: Client) -> None:
    # a sales user may not merge
    assert logged_in_client.get("/customers/duplicates/").status_code == 403


def test_merge_page_with_superscript_digits_asks_to_choose_two_customers() -> None:
    # given two customers and a user who may merge
    _person(email="same@example.nl", last_name="Een")
    client = _merger()
    # when the merge page gets ids int() cannot read
    response = client.get("/customers/merge/", {"keep": "²", "merge": "³", "import": "²"})
    # then it sends the user back to the duplicates list
    assert response.status_code == 302
    assert response["Location"] == "/customers/duplicates/"
