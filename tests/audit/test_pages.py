"""The audit trail page (administrators), its CSV export, and a customer's history card."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from relata.accounts.models import AccessSettings
from relata.audit.services import origin, record
from relata.customers.services import consent_record, customer_update
from relata.scoring.models import ScoringSettings
from tests.audit.conftest import user_with_role
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def table(html: bytes) -> str:
    """The entries table of the trail page (the filter form names every object type)."""
    text = html.decode()
    start = text.index('id="audit-table"')
    return text[start : text.index("</table>", start)]


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_administrator_sees_the_trail_with_readable_changes(admin_user: User) -> None:
    # given a customer whose e-mail and acquisition source changed, from an address
    customer = CustomerFactory(acquisition_source="web", email="before@example.nl")
    with origin("web", actor=admin_user, ip_address="192.0.2.10"):
        customer_update(
            customer=customer, fields={"acquisition_source": "fair", "email": "after@example.nl"}
        )
    # when the administrator opens the trail
    response = client_for(admin_user).get("/audit/")
    # then the change is shown field by field, the e-mail masked, with who and where
    assert response.status_code == 200
    page = response.content.decode()
    assert "Acquisition source:" in page and "web</span> → fair" in page
    assert "E-mail:" in page
    assert "changed (personal data not kept in the trail)" in page
    assert "after@example.nl" not in page and "before@example.nl" not in page
    assert "192.0.2.10" in page and "alice-admin" in page
    assert f'href="/customers/{customer.pk}/"' in page
    assert 'id="nav-audit"' in page


def test_sales_may_not_open_the_trail(sales_user: User) -> None:
    # given a sales user
    client = client_for(sales_user)
    # when they open the trail or its export
    # then both are forbidden and the menu has no link
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export/").status_code == 403
    assert 'id="nav-audit"' not in client.get("/").content.decode()


def test_the_filters_narrow_the_list(admin_user: User) -> None:
    # given a settings change by the admin and a customer created by the system
    with origin("web", actor=admin_user):
        scoring = ScoringSettings.current()
        scoring.period_months = 6
        scoring.save()
    customer = CustomerFactory()
    client = client_for(admin_user)
    # when filtering on the object type, the person, the source and the customer number
    by_type = table(client.get("/audit/", {"object_type": "scoring.scoringsettings"}).content)
    by_who = table(client.get("/audit/", {"who": "alice-admin", "action": "update"}).content)
    by_source = table(client.get("/audit/", {"source": "system"}).content)
    by_customer = table(client.get("/audit/", {"customer": customer.customer_number}).content)
    # then each shows only what matches
    assert "Scoring settings" in by_type and customer.customer_number not in by_type
    assert "Analysis period (months):" in by_who and customer.customer_number not in by_who
    assert customer.customer_number in by_source and "Analysis period" not in by_source
    assert customer.customer_number in by_customer and "Scoring settings" not in by_customer


def test_bad_filters_say_which_field_is_wrong(admin_user: User) -> None:
    # given the administrator
    client = client_for(admin_user)
    # when the dates are malformed or reversed, or the action unknown
    malformed = client.get("/audit/", {"date_from": "31-02-2026", "action": "explode"})
    reversed_dates = client.get("/audit/", {"date_from": "2026-05-02", "date_to": "2026-05-01"})
    # then the page answers with the fields' messages, not an error
    assert malformed.status_code == 200
    assert "Enter a valid date." in malformed.content.decode()
    assert "Select a valid choice." in malformed.content.decode()
    assert "The end date must not be before the start date." in reversed_dates.content.decode()


def test_the_date_filter_reads_whole_days(admin_user: User) -> None:
    # given an entry today
    record("update", object_type="scoring.scoringsettings", object_label="Scoring settings")
    today = timezone.localdate()
    client = client_for(admin_user)
    # when filtering on today and on yesterday only
    on_today = table(client.get("/audit/", {"date_from": today, "date_to": today}).content)
    yesterday = (today - timedelta(days=1)).isoformat()
    on_yesterday = table(client.get("/audit/", {"date_to": yesterday}).content)
    # then only today's filter finds it
    assert "Scoring settings" in on_today
    assert "Scoring settings" not in on_yesterday


def test_the_csv_export_holds_the_filtered_rows(admin_user: User) -> None:
    # given a consent and a settings change
    customer = CustomerFactory()
    consent_record(
        customer=customer, channel="email", purpose="newsletter", granted=False, source="form"
    )
    access = AccessSettings.current()
    access.sales_own_accounts_only = True
    access.save()
    record("consent", object_type="customers.consent", object_label="=HYPERLINK(1)")
    # when the consents are exported
    response = client_for(admin_user).get("/audit/export/", {"action": "consent"})
    # then the CSV has a header and the one consent, its details readable and neutralised
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["When", "Who", "Source"]
    assert len(rows) == 3
    newest, consent = rows[1], rows[2]
    assert consent[5] == "Consent recorded"
    assert consent[9] == str(customer.pk)
    assert "Channel: E-mail" in consent[11] and "Granted: no" in consent[11]
    assert "Source: personal data, not kept in the trail" in consent[11]
    assert "form" not in consent[11]
    assert newest[8] == "'=HYPERLINK(1)"


def test_sales_see_a_customers_history_without_addresses(
    sales_user: User, admin_user: User
) -> None:
    # given a customer changed from an address
    customer = CustomerFactory(acquisition_source="web")
    with origin("web", actor=admin_user, ip_address="192.0.2.77"):
        customer_update(customer=customer, fields={"acquisition_source": "fair"})
    # when a sales user loads the history card, and an administrator does
    as_sales = client_for(sales_user).get(
        f"/audit/customer/{customer.pk}/", headers={"HX-Request": "true"}
    )
    as_admin = client_for(admin_user).get(
        f"/audit/customer/{customer.pk}/", headers={"HX-Request": "true"}
    )
    # then both see the change; only the administrator sees the address
    assert as_sales.status_code == 200
    assert "web</span> → fair" in as_sales.content.decode()
    assert "192.0.2.77" not in as_sales.content.decode()
    assert "192.0.2.77" in as_admin.content.decode()
    assert "<html" not in as_sales.content.decode()


def test_the_customer_page_loads_its_history_lazily(sales_user: User) -> None:
    # given a customer
    customer = CustomerFactory()
    # when the customer page is opened
    page = client_for(sales_user).get(f"/customers/{customer.pk}/").content.decode()
    # then it holds the history card that fetches the entries when it is shown
    assert 'id="customer-history"' in page
    assert f'hx-get="/audit/customer/{customer.pk}/"' in page


def test_the_history_is_a_page_of_its_own_without_htmx(sales_user: User) -> None:
    # given a customer
    customer = CustomerFactory()
    # when its history is opened directly
    response = client_for(sales_user).get(f"/audit/customer/{customer.pk}/")
    # then it is a full page with the creation
    assert response.status_code == 200
    assert "<html" in response.content.decode() and "Created" in response.content.decode()


def test_own_accounts_only_hides_other_customers_history(sales_user: User) -> None:
    # given "sales see only their own accounts" and a customer of someone else
    access = AccessSettings.current()
    access.sales_own_accounts_only = True
    access.save()
    other = CustomerFactory(account_owner=user_with_role("other-seller", "sales"))
    mine = CustomerFactory(account_owner=sales_user)
    client = client_for(sales_user)
    # when / then the other's history is not found, the own one is
    assert client.get(f"/audit/customer/{other.pk}/").status_code == 404
    assert client.get(f"/audit/customer/{mine.pk}/").status_code == 200


def test_users_without_customer_access_get_no_history(db: None) -> None:
    # given a user without any role, and a customer
    nobody = user_with_role("nobody", None)
    customer = CustomerFactory()
    # when / then the history is forbidden
    assert client_for(nobody).get(f"/audit/customer/{customer.pk}/").status_code == 403


def test_a_merged_customers_number_still_finds_its_entries(admin_user: User) -> None:
    # given a customer merged into another
    from relata.customers.merge import customers_merge

    keep, merged = CustomerFactory(), CustomerFactory()
    gone_number = merged.customer_number
    customers_merge(keep=keep, merge=merged, field_choices={}, user=None)
    # when the administrator looks for the merged customer's number
    found = table(client_for(admin_user).get("/audit/", {"customer": gone_number}).content)
    # then its creation and the merge into the kept customer are listed
    assert f"Customer {gone_number}" in found
    assert f"Customer {keep.customer_number}" in found and "Merged" in found


def test_an_id_beyond_any_database_id_is_not_found(sales_user: User) -> None:
    # given / when the history of an impossible id is asked for
    response = client_for(sales_user).get(f"/audit/customer/{10**30}/")
    # then it is simply not found
    assert response.status_code == 404


def test_an_entry_holding_a_name_where_an_id_is_expected_still_shows(admin_user: User) -> None:
    # given a token entry written before the fix, with the user's name under "user" (the
    # token's foreign key), and a consent entry whose recorder is not an id either
    record(
        "token",
        object_type="accounts.apitoken",
        object_id=7,
        object_label="API token abc…",
        context={"event": "issued", "user": "sam-sales"},
    )
    record("consent", object_type="customers.consent", context={"recorded_by": ["not", "an id"]})
    client = client_for(admin_user)
    # when an administrator opens the trail and exports it
    page = client.get("/audit/")
    export = client.get("/audit/export/", {"action": "token"})
    # then both load and show the stored name as it is
    assert page.status_code == 200
    assert "sam-sales" in table(page.content)
    assert export.status_code == 200
    text = b"".join(export.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 2  # the header and the token entry
    assert "User: sam-sales" in rows[1][11]
