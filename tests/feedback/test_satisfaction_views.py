"""The satisfaction page: figures per touchpoint and channel, the out-of-control badge,
escaped comments with their links, filters, permissions, empty states and the exports."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.test import Client
from openpyxl import load_workbook

from relata.contacts.models import Task
from tests.factories import CustomerFactory
from tests.feedback.satisfaction_support import LATEST, RANGE, Answers, at, delivery_out_of_control

pytestmark = pytest.mark.django_db

PAGE = "/satisfaction/"
QUERY = {key: value.isoformat() for key, value in RANGE.items()}


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def _client(role: str | None) -> Client:
    user = User.objects.create_user(f"user-{role}", password="a-long-test-password")
    if role:
        user.groups.add(Group.objects.get(name=role))
    client = Client()
    client.force_login(user)
    return client


def test_login_and_permission_are_required() -> None:
    # anonymous: to the login page; without the permission: 403, also for the export
    assert Client().get(PAGE).status_code == 302
    nobody = _client(None)
    assert nobody.get(PAGE).status_code == 403
    assert nobody.get(f"{PAGE}export/csv/").status_code == 403


@pytest.mark.parametrize("role", ["sales", "back_office", "marketing", "admin"])
def test_every_role_reads_the_page(role: str) -> None:
    assert _client(role).get(PAGE).status_code == 200


def test_table_shows_answers_per_touchpoint_and_the_out_of_control_badge(
    logged_in_client: Client,
) -> None:
    # given delivery by phone out of control in June, service in control
    delivery_out_of_control()
    # when the page is opened for the year up to June
    response = logged_in_client.get(PAGE, QUERY)
    # then
    assert response.status_code == 200
    table = response.context["table"]
    assert [row.touchpoint for row in table.rows] == ["service", "delivery"]
    delivery = table.rows[1]
    assert delivery.cells[0].csat.answers == 390 and delivery.total.status == "out_of_control"
    html = response.content.decode()
    assert 'id="control-row-delivery"' in html
    assert 'data-status="out_of_control"' in html
    assert "Out of control" in html
    assert response.context["out_of_control"] == 1
    # the chart islands name the cells the badges point at
    series = response.context["control_chart"]["series"]
    assert series[delivery.total.key]["status"] == "out_of_control"
    assert response.context["control_chart"]["initial"] == delivery.total.key
    assert f'data-series="{delivery.total.key}"' in html
    assert "control limits drawn from its own past" in html  # the help text


def test_comments_are_escaped_and_link_customer_and_follow_up_task(
    logged_in_client: Client,
) -> None:
    customer = CustomerFactory(first_name="Eva", last_name="Martens")
    task = Task.objects.create(customer=customer, title="Call Eva back", kind="detractor")
    answers = Answers(customer)
    answers.add(
        nps=2,
        comment="<script>alert('x')</script> & <b>late</b>",
        follow_up_task=task,
        answered_at=at(LATEST),
    ).save()
    response = logged_in_client.get(PAGE, QUERY)
    html = response.content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;late&lt;/b&gt;" in html
    assert f'href="/customers/{customer.pk}/"' in html
    assert f'href="/tasks/{task.pk}/"' in html
    assert "Call Eva back" in html and "Open" in html


def test_only_the_exceptions_spell_out_their_badge(logged_in_client: Client) -> None:
    # given delivery out of control and service in control
    delivery_out_of_control()
    # when the page is opened
    html = logged_in_client.get(PAGE, QUERY).content.decode()
    # then "out of control" is written out, "in control" is an icon named for screen readers
    badge = r'data-status="(\w+)"><i class="bi [\w-]+"></i>([^<]*<span[^>]*>[^<]*|[^<]*)'
    badges = dict(re.findall(badge, html))
    assert badges["out_of_control"] == " Out of control"
    assert badges["in_control"] == '<span class="visually-hidden"> In control'
    # and the legend shows each badge with its icon, so the bare icons can be read
    legend = html[html.index('id="control-legend"') :]
    assert legend.count('<i class="bi ') >= 4


def test_dutch_sparklines_keep_svg_numbers(logged_in_client: Client) -> None:
    # given answers to chart, and a Dutch user (decimal commas)
    delivery_out_of_control()
    logged_in_client.cookies["django_language"] = "nl"
    # when the page is opened
    html = logged_in_client.get(PAGE, QUERY).content.decode()
    # then the sparkline coordinates stay SVG numbers, with a point, not "24,0"
    assert "Touchpoints binnen de grenzen?" in html
    svgs = re.findall(r'<svg class="control-sparkline.*?</svg>', html, flags=re.DOTALL)
    assert svgs
    numbers = re.findall(r'(?:viewBox|x2|y1|y2|cx|cy)="([^"]*)"', "".join(svgs))
    assert numbers and all(re.fullmatch(r"[\d. ]+", value) for value in numbers), numbers


def test_filters_narrow_the_page(logged_in_client: Client) -> None:
    delivery_out_of_control()
    response = logged_in_client.get(PAGE, {**QUERY, "touchpoint": "service"})
    assert [row.touchpoint for row in response.context["table"].rows] == ["service"]
    quarter = logged_in_client.get(PAGE, {**QUERY, "granularity": "quarter"})
    assert quarter.context["nps"].periods[-1].label == "Q2 2026"


def test_bad_filters_are_named_and_the_default_range_shown(logged_in_client: Client) -> None:
    response = logged_in_client.get(
        PAGE, {"date_from": "2026-05-01", "date_to": "2026-04-01", "channel": "pigeon"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "date_to" in form.errors and "channel" in form.errors
    html = response.content.decode()
    assert "The end date lies before the start date." in html
    assert 'id="filter-errors"' in html


def test_empty_states(logged_in_client: Client) -> None:
    response = logged_in_client.get(PAGE)
    html = response.content.decode()
    assert "No survey answers yet" in html
    assert 'id="control-table"' not in html
    assert 'id="comments-empty"' in html
    # answers outside the range: a different hint
    Answers().add(nps=9, answered_at=at(LATEST)).save()
    html = logged_in_client.get(PAGE, {"date_from": "2020-01-01", "date_to": "2020-12-31"})
    assert "No survey answers match these filters" in html.content.decode()


def test_nps_only_answers_show_the_chart_but_no_table(logged_in_client: Client) -> None:
    Answers().add(nps=9, csat=None, answered_at=at(LATEST)).save()
    html = logged_in_client.get(PAGE, QUERY).content.decode()
    assert 'data-chart="nps"' in html
    assert 'id="control-empty"' in html


def test_csv_export_of_the_control_table(logged_in_client: Client) -> None:
    delivery_out_of_control()
    response = logged_in_client.get(f"{PAGE}export/csv/", QUERY)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Touchpoints under control?", "2025-06-01", "2026-06-30"]
    assert rows[1][:3] == ["Touchpoint", "Channel", "CSAT answers"]
    by_key = {(row[0], row[1]): row for row in rows[2:]}
    delivery = by_key[("Delivery", "Phone")]
    assert delivery[2] == "390"
    assert delivery[8] == "2026-06"
    assert delivery[10] == "40.0"  # dissatisfied in the latest period, %
    assert delivery[-1] == "Out of control"
    assert by_key[("Service", "All channels")][-1] == "In control"
    assert by_key[("All touchpoints", "All channels")][2] == "780"


def test_dutch_csv_uses_semicolons_and_decimal_commas(logged_in_client: Client) -> None:
    delivery_out_of_control()
    logged_in_client.cookies["django_language"] = "nl"
    response = logged_in_client.get(f"{PAGE}export/csv/", QUERY)
    line = response.content.decode("utf-8-sig").splitlines()[2]
    assert ";" in line and "40,0" in response.content.decode("utf-8-sig")


def test_xlsx_export(logged_in_client: Client) -> None:
    delivery_out_of_control()
    response = logged_in_client.get(f"{PAGE}export/xlsx/", QUERY)
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:2] == ("Touchpoint", "Channel")
    delivery = next(row for row in rows if row[:2] == ("Delivery", "Phone"))
    assert delivery[2] == 390 and delivery[-1] == "Out of control"


def test_export_with_bad_filters_goes_back_with_a_message(logged_in_client: Client) -> None:
    response = logged_in_client.get(
        f"{PAGE}export/csv/", {"date_from": "2026-05-01", "date_to": "2026-04-01"}
    )
    assert response.status_code == 302 and response["Location"].startswith(PAGE)
    assert logged_in_client.get(f"{PAGE}export/pdf/").status_code == 404
