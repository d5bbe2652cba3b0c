"""CSV and XLSX export of the customer lists behind the dashboard."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from relata.customers.models import Customer, CustomerKind
from relata.scoring.choices import QuadrantChoice
from relata.scoring.models import CustomerSnapshot
from relata.scoring.services import score_run_create
from tests.scoring.pages_support import TODAY, sales_client, scored_demo

FORMULAS = ('=HYPERLINK("http://evil")', "+31 6 1234", "-2+3", "@SUM(A1:A9)")


def _formula_names() -> dict[str, str]:
    """Give four customers names a spreadsheet would run as formulas; returns their numbers."""
    named: dict[str, str] = {}
    customers = Customer.objects.filter(kind=CustomerKind.PERSON).order_by("pk")[:4]
    for customer, text in zip(customers, FORMULAS, strict=True):
        Customer.objects.filter(pk=customer.pk).update(
            first_name=text, name_prefix="", last_name=""
        )
        named[customer.customer_number] = text
    return named


def _csv(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    delimiter = ";" if text.splitlines()[0].count(";") > 3 else ","
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter))


@pytest.mark.django_db
def test_csv_export_holds_the_list_and_neutralises_formulas() -> None:
    # given scored customers, four of them with formula-like names
    scored = scored_demo(customers=80)
    named = _formula_names()
    run = scored.run
    # when everyone in the period is exported as CSV
    response = sales_client().get(f"/value/customers/export.csv?run={run.pk}")
    # then it is a CSV download with a header and one row per snapshot
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = _csv(response)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Customer number", "Name", "Period end"]
    assert len(body) == CustomerSnapshot.objects.filter(run=run).count()
    # and no cell starts with a formula character
    names = {row[0]: row[1] for row in body}
    for number, text in named.items():
        assert names[number] == "'" + text
    for row in body:
        for cell in row:
            assert not cell.startswith(("=", "+", "@")), cell
            assert not cell.startswith("-") or cell[1:2].isdigit(), cell


@pytest.mark.django_db
def test_csv_export_follows_the_filter_and_the_dutch_layout() -> None:
    # given a scored period
    scored = scored_demo(customers=80)
    run = scored.run
    top = CustomerSnapshot.objects.filter(run=run, tier__lte=2)
    client = sales_client()
    client.cookies["django_language"] = "nl"
    # when the active customers are exported by a Dutch-speaking user
    response = client.get(f"/value/customers/export.csv?run={run.pk}&active=1&sort=-revenue")
    rows = _csv(response)
    # then the Dutch layout uses semicolons and decimal commas, and holds just that list
    body = rows[1:]
    assert len(body) == CustomerSnapshot.objects.filter(run=run, tier__lte=4).count()
    revenue_column = 7
    assert any("," in row[revenue_column] for row in body)
    numbers = {row[0] for row in body}
    assert set(top.values_list("customer__customer_number", flat=True)) <= numbers


@pytest.mark.django_db
def test_xlsx_export_opens_in_openpyxl_with_numbers_and_safe_text() -> None:
    # given scored customers, some with formula-like names
    scored = scored_demo(customers=80)
    named = _formula_names()
    # scoring again keeps the export in step with the data (names are read live)
    run = score_run_create(period_end=TODAY)
    assert run.pk != scored.run.pk
    # when the list is exported as XLSX
    response = sales_client().get(f"/value/customers/export.xlsx?run={run.pk}&sort=number")
    # then openpyxl opens it: header, one row per customer, amounts as numbers
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("Customer number", "Name")
    body = rows[1:]
    assert len(body) == CustomerSnapshot.objects.filter(run=run).count()
    revenue = rows[0].index("Revenue in period")
    assert all(isinstance(row[revenue], int | float) for row in body)
    # and the formula-like names are text with a leading apostrophe, never formulas
    names = {row[0]: row[1] for row in body}
    for number, text in named.items():
        assert names[number] == "'" + text
    numbers = [row[0] for row in body]
    assert numbers == sorted(numbers)


@pytest.mark.django_db
def test_unknown_export_format_is_not_found() -> None:
    # given a scored period
    scored_demo(customers=30)
    # then only csv and xlsx exist
    assert sales_client().get("/value/customers/export.pdf").status_code == 404


@pytest.mark.django_db
def test_export_with_a_bad_filter_returns_to_the_dashboard_with_a_message() -> None:
    # given a scored period
    scored_demo(customers=30)
    # when an export is asked for with an unknown tier
    response = sales_client().get("/value/customers/export.csv?tier=12", follow=True)
    # then the user lands on the dashboard with a message naming the parameter
    assert response.redirect_chain[-1][0] == "/value/"
    assert "Tier (tier)" in response.content.decode()


NEW_HEADERS = [
    "Latest NPS answer",
    "Influence score (0–100)",
    "Advocacy value",
    "Holistic value",
    "Attitudinal loyalty (0–1)",
    "Behavioural loyalty (0–1)",
    "Loyalty quadrant",
]


@pytest.mark.django_db
def test_exports_hold_influence_values_and_the_loyalty_quadrant() -> None:
    # given a scored period in which one customer holds an NPS answer, influence and loyalty
    # and another was never asked (attitude unknown)
    scored = scored_demo(customers=30)
    run = scored.run
    snapshots = CustomerSnapshot.objects.filter(run=run).order_by("customer__customer_number")
    voiced, silent = snapshots[0], snapshots[1]
    CustomerSnapshot.objects.filter(pk=voiced.pk).update(
        nps_latest=9,
        influence_score=62,
        advocacy_value=Decimal("1234.56"),
        holistic_value=Decimal("1500.06"),
        attitudinal_loyalty=0.95,
        behavioural_loyalty=0.712345,
        loyalty_quadrant=QuadrantChoice.TRUE_LOYAL,
    )
    CustomerSnapshot.objects.filter(pk=silent.pk).update(
        nps_latest=None, attitudinal_loyalty=None, loyalty_quadrant=QuadrantChoice.UNKNOWN
    )
    number = voiced.customer.customer_number
    silent_number = silent.customer.customer_number
    # when the list is exported as CSV and as XLSX
    client = sales_client()
    csv_body = _csv(client.get(f"/value/customers/export.csv?run={run.pk}"))
    response = client.get(f"/value/customers/export.xlsx?run={run.pk}")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    xlsx_body = [list(row) for row in workbook.active.iter_rows(values_only=True)]
    # then both end with the new columns, labelled like the influence page's export
    for header in (csv_body[0], xlsx_body[0]):
        assert list(header[-7:]) == NEW_HEADERS
    # and the values are there: the quadrant as its label, unknown as an empty cell
    csv_rows = {row[0]: row[-7:] for row in csv_body[1:]}
    assert csv_rows[number] == ["9", "62", "1234.56", "1500.06", "0.95", "0.7123", "True loyal"]
    assert csv_rows[silent_number][0] == "" and csv_rows[silent_number][4] == ""
    assert csv_rows[silent_number][6] == "Attitude unknown"
    xlsx_rows = {row[0]: row[-7:] for row in xlsx_body[1:]}
    assert xlsx_rows[number] == [9, 62, 1234.56, 1500.06, 0.95, 0.7123, "True loyal"]
    assert xlsx_rows[silent_number][0] is None and xlsx_rows[silent_number][4] is None
