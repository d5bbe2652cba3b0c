"""The journey page and its cohort CSV: access, filters, sections and bad input."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.feedback.journey_support import ago, five_journeys

pytestmark = pytest.mark.django_db
URL = "/journeys/"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def test_url_names() -> None:
    assert reverse("journeys:overview") == URL
    assert reverse("journeys:cohorts_csv") == "/journeys/cohorts.csv"


def test_page_shows_every_section_with_its_chart_data(logged_in_client: Client) -> None:
    # given the five hand-checked journeys
    five_journeys()
    # when a sales user opens the page
    response = logged_in_client.get(URL)
    # then every tab is there, with the chart data and the tables
    assert response.status_code == 200
    html = response.content.decode()
    for part in (
        'id="journey-data"',
        'data-chart="first_purchase"',
        'data-chart="churn"',
        'data-chart="switching"',
        'data-chart="drop_off"',
        'data-chart="conversion"',
        'data-chart="cohorts"',
        'id="cohort-table"',
        'id="friction-conversion"',
        'id="friction-churn"',
        "How to read this, and what to do",
    ):
        assert part in html, part
    assert "Step 4: Sales" in html
    # and the filter form shows the period in effect
    assert f'value="{timezone.localdate().isoformat()}"' in html
    assert 'id="sample-note"' not in html


def test_filters_change_the_analysis(logged_in_client: Client) -> None:
    five_journeys()
    response = logged_in_client.get(URL, {"node": "channel", "steps": "2", "window_days": "7"})
    html = response.content.decode()
    assert "Step 2: Phone" in html
    assert "Step 4:" not in html
    assert "within 7 days" in html


def test_bad_filters_are_named_and_the_defaults_used(logged_in_client: Client) -> None:
    five_journeys()
    # when the period ends after today and the steps are out of range
    tomorrow = ago(-1).isoformat()
    response = logged_in_client.get(URL, {"date_to": tomorrow, "steps": "12"})
    # then the page still works, and says which fields were wrong and why
    assert response.status_code == 200
    html = response.content.decode()
    assert "The period cannot end after today." in html
    assert "Steps:" in html
    assert "Step 4: Sales" in html


def test_start_after_end_is_refused(logged_in_client: Client) -> None:
    response = logged_in_client.get(
        URL, {"date_from": ago(5).isoformat(), "date_to": ago(10).isoformat()}
    )
    assert "The start must lie on or before the end." in response.content.decode()


def test_cohort_csv(logged_in_client: Client) -> None:
    five_journeys()
    response = logged_in_client.get("/journeys/cohorts.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("Group,Cohort (first purchase),Customers,M0,M1")
    assert any(line.startswith("All customers,") for line in lines)
    assert any(line.startswith("web,") for line in lines)


def test_cohort_csv_in_dutch_uses_semicolons_and_decimal_commas(
    logged_in_client: Client,
) -> None:
    five_journeys()
    response = logged_in_client.get("/journeys/cohorts.csv", headers={"accept-language": "nl"})
    lines = response.content.decode("utf-8-sig").splitlines()
    assert ";" in lines[0] and "," not in lines[0]
    assert any(";1;" in line for line in lines[1:])  # M0 is 1 (a whole number)


def test_cohort_csv_with_bad_filters_says_why(logged_in_client: Client) -> None:
    response = logged_in_client.get("/journeys/cohorts.csv", {"steps": "zero"})
    assert response.status_code == 400
    assert "Steps" in response.content.decode()


def test_login_and_permission_are_required(client: Client) -> None:
    # anonymous: to the login page
    assert client.get(URL).status_code == 302
    # a user without the permission to view contact moments: forbidden
    user = User.objects.create_user("nobody", password="a-long-test-password")
    client.force_login(user)
    assert client.get(URL).status_code == 403
    assert client.get("/journeys/cohorts.csv").status_code == 403


@pytest.mark.parametrize("role", ["marketing", "back_office", "admin"])
def test_every_role_may_see_the_page(client: Client, role: str) -> None:
    from django.contrib.auth.models import Group

    user = User.objects.create_user(f"user-{role}", password="a-long-test-password")
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    assert client.get(URL).status_code == 200


def test_large_installations_are_sampled_and_say_so(
    logged_in_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given five customers and a cap of two
    five_journeys()
    from relata.feedback import journey_selectors

    original = journey_selectors.journey_input

    def capped(filters, *, cap=2):  # type: ignore[no-untyped-def]
        return original(filters, cap=cap)

    monkeypatch.setattr("relata.feedback.journey_report.journey_input", capped)
    # then the page says it analysed a sample
    html = logged_in_client.get(URL).content.decode()
    assert 'id="sample-note"' in html
    assert "fixed sample" in html
