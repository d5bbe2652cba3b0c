import pytest
from django.test import Client

from relata.contacts.models import ContactMoment
from tests.factories import ContactMomentFactory, CustomerFactory

VALID = {
    "channel": "phone",
    "direction": "inbound",
    "touchpoint": "service",
    "office": "back",
    "subject": "Invoice question",
    "outcome": "resolved",
    "notes": "Explained the invoice",
    "occurred_at": "2026-11-20T14:30",
}


@pytest.mark.django_db
def test_log_contact_moment_from_customer_file_with_htmx(logged_in_client: Client) -> None:
    # given a customer
    customer = CustomerFactory()
    # when a contact moment is logged from the file
    response = logged_in_client.post(f"/contacts/log/{customer.pk}/", VALID, HTTP_HX_REQUEST="true")
    # then it is stored with the staff member and the refreshed timeline is returned
    moment = ContactMoment.objects.get(customer=customer)
    assert moment.office == "back"
    assert moment.staff is not None
    assert b"Invoice question" in response.content
    assert b'hx-swap-oob="true"' in response.content


@pytest.mark.django_db
def test_log_contact_moment_without_subject_shows_error_and_saves_nothing(
    logged_in_client: Client,
) -> None:
    customer = CustomerFactory()
    response = logged_in_client.post(
        f"/contacts/log/{customer.pk}/", {**VALID, "subject": ""}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert b"This field is required" in response.content
    assert not ContactMoment.objects.exists()


@pytest.mark.django_db
def test_log_contact_moment_without_javascript_redirects_back(logged_in_client: Client) -> None:
    customer = CustomerFactory()
    response = logged_in_client.post(f"/contacts/log/{customer.pk}/", VALID)
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/"


@pytest.mark.django_db
def test_timeline_filters_by_channel(logged_in_client: Client) -> None:
    customer = CustomerFactory()
    ContactMomentFactory(customer=customer, channel="email", subject="Mail subject")
    ContactMomentFactory(customer=customer, channel="phone", subject="Call subject")
    response = logged_in_client.get(
        f"/customers/{customer.pk}/",
        {"partial": "timeline", "channel": "email"},
        HTTP_HX_REQUEST="true",
    )
    assert b"Mail subject" in response.content
    assert b"Call subject" not in response.content


@pytest.mark.django_db
def test_contact_list_filters(logged_in_client: Client) -> None:
    ContactMomentFactory(channel="chat", touchpoint="sales", subject="Chat about price")
    ContactMomentFactory(channel="letter", touchpoint="billing", subject="Letter about invoice")
    response = logged_in_client.get("/contacts/", {"channel": "chat"})
    subjects = [m.subject for m in response.context["page"]]
    assert subjects == ["Chat about price"]
    response = logged_in_client.get("/contacts/", {"date_from": "not-a-date"})
    assert response.status_code == 200


@pytest.mark.django_db
def test_contact_list_searches_the_subject(logged_in_client: Client) -> None:
    # given two contact moments
    ContactMomentFactory(subject="Question about delivery")
    ContactMomentFactory(subject="Invoice copy")
    # when searching a word of one subject
    response = logged_in_client.get("/contacts/", {"q": "delivery"})
    # then the page answers with only that moment
    assert response.status_code == 200
    assert [m.subject for m in response.context["page"]] == ["Question about delivery"]
