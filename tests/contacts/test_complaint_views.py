from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from relata.contacts.complaint_services import complaint_update
from relata.contacts.models import Complaint, ContactMoment
from relata.sales.models import Order
from tests.factories import ComplaintFactory, CustomerFactory

AMS = ZoneInfo("Europe/Amsterdam")
VALID = {
    "received_at": "2026-11-20T10:15",
    "channel": "phone",
    "touchpoint": "billing",
    "cause": "billing",
    "subject": "Charged twice",
    "description": "Invoice 123 was debited twice.",
    "owner": "",
    "order_number": "",
}


@pytest.mark.django_db
def test_customer_file_offers_to_log_a_complaint(logged_in_client: Client) -> None:
    customer = CustomerFactory()
    response = logged_in_client.get(f"/customers/{customer.pk}/")
    assert f"/complaints/new/?customer={customer.pk}".encode() in response.content


@pytest.mark.django_db
def test_log_a_complaint_from_the_customer_file(logged_in_client: Client, staff_user: User) -> None:
    # given a customer with an order
    customer = CustomerFactory()
    order = Order.objects.create(order_number="O-77", customer=customer)
    # when the form opens with the customer set, it suggests the customer's orders
    page = logged_in_client.get("/complaints/new/", {"customer": customer.pk})
    assert page.status_code == 200
    assert b'<option value="O-77">' in page.content
    # and when it is posted
    response = logged_in_client.post(
        f"/complaints/new/?customer={customer.pk}", {**VALID, "order_number": "O-77"}
    )
    # then the complaint is stored, with its contact moment, and its page opens
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/complaints/{complaint.pk}/"
    assert (complaint.customer, complaint.order, complaint.created_by) == (
        customer,
        order,
        staff_user,
    )
    assert complaint.received_at == datetime(2026, 11, 20, 10, 15, tzinfo=AMS)
    assert ContactMoment.objects.get().complaint == complaint


@pytest.mark.django_db
def test_log_refuses_an_order_of_another_customer_and_keeps_the_input(
    logged_in_client: Client,
) -> None:
    customer = CustomerFactory()
    Order.objects.create(order_number="O-THEIRS", customer=CustomerFactory())
    response = logged_in_client.post(
        f"/complaints/new/?customer={customer.pk}", {**VALID, "order_number": "O-THEIRS"}
    )
    assert response.status_code == 200
    assert "belongs to another customer" in response.content.decode()
    assert "Charged twice" in response.content.decode()
    assert not Complaint.objects.exists()


@pytest.mark.django_db
def test_log_without_customer_asks_for_the_customer_number(logged_in_client: Client) -> None:
    customer = CustomerFactory()
    page = logged_in_client.get("/complaints/new/")
    assert b'name="customer_number"' in page.content
    unknown = logged_in_client.get("/complaints/new/", {"customer_number": "NOPE"})
    assert "No customer with number NOPE" in unknown.content.decode()
    found = logged_in_client.get("/complaints/new/", {"customer_number": customer.customer_number})
    assert found["Location"] == f"/complaints/new/?customer={customer.pk}"


@pytest.mark.django_db
def test_list_filters_and_htmx_fragment(logged_in_client: Client) -> None:
    ComplaintFactory(subject="Late parcel", cause="delivery")
    ComplaintFactory(subject="Wrong invoice", cause="billing", touchpoint="billing")
    response = logged_in_client.get("/complaints/", {"cause": "billing"})
    assert [c.subject for c in response.context["page"]] == ["Wrong invoice"]
    fragment = logged_in_client.get(
        "/complaints/", {"status": "unresolved"}, HTTP_HX_REQUEST="true"
    )
    assert b"<html" not in fragment.content
    assert b"Late parcel" in fragment.content and b"Wrong invoice" in fragment.content
    bad = logged_in_client.get("/complaints/", {"date_from": "not-a-date", "cause": "nope"})
    assert bad.status_code == 200
    assert b"Some filters were not understood" in bad.content


@pytest.mark.django_db
def test_detail_resolve_and_reopen(logged_in_client: Client) -> None:
    # given an open complaint with its contact moment
    complaint = ComplaintFactory(received_at=timezone.now() - timedelta(hours=3))
    ContactMoment.objects.create(
        customer=complaint.customer,
        channel="phone",
        touchpoint="delivery",
        subject="Customer called back",
        complaint=complaint,
    )
    page = logged_in_client.get(f"/complaints/{complaint.pk}/")
    assert b"Customer called back" in page.content
    # when resolving without a text, the page says why
    empty = logged_in_client.post(
        f"/complaints/{complaint.pk}/resolve/",
        {"status": "resolved", "resolution": "", "version": 1},
    )
    assert empty.status_code == 200
    assert b"This field is required" in empty.content
    # when resolving with a text
    done = logged_in_client.post(
        f"/complaints/{complaint.pk}/resolve/",
        {"status": "resolved", "resolution": "Courier delivered a replacement.", "version": 1},
    )
    assert done.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "resolved" and complaint.resolved_at is not None
    # and reopening
    logged_in_client.post(f"/complaints/{complaint.pk}/reopen/", {"version": complaint.version})
    complaint.refresh_from_db()
    assert complaint.status == "open" and complaint.resolved_at is None


@pytest.mark.django_db
def test_resolve_with_a_stale_version_says_so(logged_in_client: Client) -> None:
    complaint = ComplaintFactory()
    complaint_update(complaint=complaint, fields={"description": "changed meanwhile"})
    response = logged_in_client.post(
        f"/complaints/{complaint.pk}/resolve/",
        {"status": "resolved", "resolution": "My resolution", "version": 1},
    )
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    assert "My resolution" in response.content.decode()
    assert Complaint.objects.get().status == "open"


@pytest.mark.django_db
def test_edit_with_stale_version_keeps_the_input_and_offers_reload(
    logged_in_client: Client,
) -> None:
    # given a complaint someone else saved after I opened it
    complaint = ComplaintFactory(subject="Original")
    form = logged_in_client.get(f"/complaints/{complaint.pk}/edit/")
    assert b'name="version" value="1"' in form.content
    complaint_update(complaint=complaint, fields={"subject": "Their change"})
    # when I save
    response = logged_in_client.post(
        f"/complaints/{complaint.pk}/edit/",
        {**VALID, "subject": "My change", "status": "open", "version": 1},
    )
    # then my change is refused, kept in the form, with a reload link
    content = response.content.decode()
    assert response.status_code == 409
    assert "My change" in content
    assert f"/complaints/{complaint.pk}/edit/" in content
    assert Complaint.objects.get().subject == "Their change"
    # and saving on the current version works
    ok = logged_in_client.post(
        f"/complaints/{complaint.pk}/edit/",
        {**VALID, "subject": "My change", "status": "in_progress", "version": 2},
    )
    assert ok.status_code == 302
    assert Complaint.objects.get().status == "in_progress"


@pytest.mark.django_db
def test_report_page_and_csv(logged_in_client: Client) -> None:
    received = timezone.now() - timedelta(days=3)
    ComplaintFactory(
        received_at=received,
        resolved_at=received + timedelta(hours=6),
        status="resolved",
        resolution="ok",
    )
    ComplaintFactory(received_at=received, cause="billing", touchpoint="billing")
    page = logged_in_client.get("/complaints/report/")
    assert page.status_code == 200
    assert page.context["report"].total == 2
    assert b'id="complaint-report-data"' in page.content
    assert b"6.0 h" in page.content
    csv = logged_in_client.get("/complaints/report/", {"format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    # the cross table (touchpoints billing, delivery) and the per-cause resolution times
    assert (
        "Cause \\ touchpoint,Billing,Delivery,Total\r\nDelivery,0,1,1\r\nBilling,1,0,1\r\n" in text
    )
    assert "Delivery,1,0,1,0,6.0,6.0\r\n" in text
    bad = logged_in_client.get(
        "/complaints/report/", {"date_from": "2026-12-01", "date_to": "2026-01-01"}
    )
    assert b"The end date lies before the start date" in bad.content


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/complaints/report/", {"date_from": "0001-01-01"}),
        ("/complaints/report/", {"date_to": "9999-12-31"}),
        ("/complaints/report/", {"date_to": "9999-12-31", "format": "csv"}),
        ("/complaints/", {"date_from": "0001-01-01"}),
        ("/complaints/", {"date_to": "9999-12-31"}),
    ],
)
def test_an_impossible_date_filter_is_not_a_server_error(
    logged_in_client: Client, url: str, params: dict[str, str]
) -> None:
    # given
    ComplaintFactory()
    # when a period with an extreme year is asked for
    response = logged_in_client.get(url, params)
    # then the page answers (with the problem named or the filter ignored)
    assert response.status_code == 200


def test_a_complaint_received_in_year_one_is_refused_by_name(logged_in_client: Client) -> None:
    # given
    customer = CustomerFactory()
    # when the receipt moment is typed with an impossible year
    response = logged_in_client.post(
        f"/complaints/new/?customer={customer.pk}",
        {
            "subject": "Late",
            "received_at": "0001-01-01T00:00",
            "cause": "delivery",
            "touchpoint": "delivery",
            "channel": "phone",
        },
    )
    # then the form comes back naming the field's rule, and nothing is stored
    assert response.status_code == 200
    assert "Enter a date between the years 1900 and 2199." in response.content.decode()
    assert not Complaint.objects.exists()


@pytest.mark.django_db
def test_pages_need_login_and_permissions() -> None:
    complaint = ComplaintFactory()
    anonymous = Client()
    assert anonymous.get("/complaints/").status_code == 302
    viewer = User.objects.create_user("viewer", password="a-long-test-password")
    viewer.groups.add(Group.objects.get(name="marketing"))
    client = Client()
    client.force_login(viewer)
    assert client.get("/complaints/").status_code == 200
    assert client.get(f"/complaints/{complaint.pk}/").status_code == 200
    assert client.get("/complaints/report/").status_code == 200
    assert client.get(f"/complaints/{complaint.pk}/edit/").status_code == 403
    assert client.get(f"/complaints/new/?customer={complaint.customer_id}").status_code == 403
    resolve = client.post(
        f"/complaints/{complaint.pk}/resolve/", {"status": "resolved", "resolution": "x"}
    )
    assert resolve.status_code == 403
    nobody = User.objects.create_user("nobody", password="a-long-test-password")
    client.force_login(nobody)
    assert client.get("/complaints/").status_code == 403


@pytest.mark.django_db
def test_edit_a_closed_complaint_changes_the_resolution_not_the_status(
    logged_in_client: Client,
) -> None:
    # given a resolved complaint
    complaint = ComplaintFactory(
        status="resolved", resolution="Refunded", resolved_at=timezone.now()
    )
    # when its edit form opens, there is no status field but a resolution field
    form = logged_in_client.get(f"/complaints/{complaint.pk}/edit/")
    assert b'name="status"' not in form.content
    assert b'name="resolution"' in form.content
    # then the resolution cannot be emptied
    empty = logged_in_client.post(
        f"/complaints/{complaint.pk}/edit/", {**VALID, "resolution": "", "version": 1}
    )
    assert b"This field is required" in empty.content
    # and can be corrected
    logged_in_client.post(
        f"/complaints/{complaint.pk}/edit/",
        {**VALID, "resolution": "Refunded 25 euro", "version": 1},
    )
    complaint.refresh_from_db()
    assert (complaint.status, complaint.resolution) == ("resolved", "Refunded 25 euro")


@pytest.mark.django_db
@pytest.mark.parametrize("junk", ["²", "9" * 30])
def test_log_with_a_customer_id_no_column_holds_asks_for_the_customer(
    logged_in_client: Client, junk: str
) -> None:
    # given a customer parameter that int() refuses or no id column holds
    # when opening the log page with it
    response = logged_in_client.get("/complaints/new/", {"customer": junk})
    # then the page asks for the customer number
    assert response.status_code == 200
    assert "complaints/choose_customer.html" in [t.name for t in response.templates]
