import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from relata.customers.models import Consent, ContactPerson, Customer
from tests.factories import ContactMomentFactory, CustomerFactory


@pytest.mark.django_db
def test_customer_list_searches_name_number_email_phone_postcode_and_city(
    logged_in_client: Client,
) -> None:
    # given two customers
    wanted = CustomerFactory(
        first_name="Joris",
        last_name="Bakker",
        customer_number="K-777",
        email="joris@bakker.nl",
        phone="06 9876 5432",
        postcode="1017 XN",
        city="Amsterdam",
    )
    CustomerFactory(first_name="Els", last_name="Smit", city="Utrecht", postcode="3511 AB")
    for query in [
        "bakker",
        "K-777",
        "joris@bak",
        "0698765432",
        "1017xn",
        "1017 XN",
        "amsterdam",
        "joris amsterdam",
    ]:
        # when searching
        response = logged_in_client.get("/customers/", {"q": query})
        # then only the wanted customer is listed
        page = response.context["page"]
        assert [c.pk for c in page] == [wanted.pk], query


@pytest.mark.django_db
def test_customer_list_filters_sorts_and_paginates(logged_in_client: Client) -> None:
    # given 30 persons and one organisation
    for i in range(30):
        CustomerFactory(last_name=f"Name{i:02d}")
    CustomerFactory(kind="organisation", organisation_name="Acme B.V.", last_name="")
    # when filtering on organisations
    response = logged_in_client.get("/customers/", {"kind": "organisation"})
    # then only the organisation is listed
    assert [c.organisation_name for c in response.context["page"]] == ["Acme B.V."]
    # when sorting by name descending, page 2
    response = logged_in_client.get("/customers/", {"kind": "person", "sort": "-name", "page": 2})
    page = response.context["page"]
    assert page.number == 2
    assert [c.last_name for c in page][:2] == ["Name04", "Name03"]
    # when asking for a page that doesn't exist
    response = logged_in_client.get("/customers/", {"page": "banana"})
    # then the first page is shown instead of an error
    assert response.status_code == 200


@pytest.mark.django_db
def test_htmx_search_returns_only_the_results_fragment(logged_in_client: Client) -> None:
    CustomerFactory(last_name="Visser")
    response = logged_in_client.get("/customers/", {"q": "viss"}, HTTP_HX_REQUEST="true")
    assert b"Visser" in response.content
    assert b"<html" not in response.content
    assert "HX-Request" in response["Vary"]


@pytest.mark.django_db
def test_customer_file_shows_data_completeness_consents_orders_and_timeline(
    logged_in_client: Client,
) -> None:
    # given a customer with a contact moment
    customer = CustomerFactory(first_name="Mila", last_name="de Boer")
    ContactMomentFactory(customer=customer, subject="Asked about the warranty")
    # when opening the customer file
    response = logged_in_client.get(f"/customers/{customer.pk}/")
    # then the file shows the customer's data and history
    content = response.content.decode()
    assert "Mila de Boer" in content
    assert "Data completeness" in content
    assert "Asked about the warranty" in content
    assert response.context["completeness"].percent < 100


@pytest.mark.django_db
def test_create_person_numbers_it_and_fills_search_text(logged_in_client: Client) -> None:
    # when a new person is saved
    response = logged_in_client.post(
        "/customers/new/?kind=person",
        {
            "first_name": "Piet",
            "name_prefix": "van",
            "last_name": "Dam",
            "email": "piet@dam.nl",
            "country": "NL",
            "postcode": "1234 AB",
        },
    )
    # then it exists with a generated number and can be found
    customer = Customer.objects.get(email="piet@dam.nl")
    assert response.status_code == 302
    assert customer.customer_number.startswith("C")
    assert "piet van dam" in customer.search_text
    assert "1234ab" in customer.search_text


@pytest.mark.django_db
def test_create_customer_with_bad_input_shows_field_errors(logged_in_client: Client) -> None:
    response = logged_in_client.post(
        "/customers/new/?kind=person", {"first_name": "X", "email": "not-an-email", "country": "NL"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors.keys() >= {"email", "last_name"}
    assert Customer.objects.count() == 0


@pytest.mark.django_db
def test_duplicate_customer_number_is_refused(logged_in_client: Client) -> None:
    CustomerFactory(customer_number="C0000009")
    response = logged_in_client.post(
        "/customers/new/?kind=person",
        {"customer_number": "C0000009", "last_name": "Dup", "country": "NL"},
    )
    assert response.status_code == 200
    assert "customer_number" in response.context["form"].errors


@pytest.mark.django_db
def test_edit_organisation_and_add_contact_person_with_dmu_role(logged_in_client: Client) -> None:
    # given an organisation
    org = CustomerFactory(kind="organisation", organisation_name="Old Name B.V.", last_name="")
    # when renaming it
    logged_in_client.post(
        f"/customers/{org.pk}/edit/",
        {
            "customer_number": org.customer_number,
            "version": org.version,
            "organisation_name": "New Name B.V.",
            "country": "NL",
            "sector": "Retail",
        },
    )
    # and adding a decision maker
    logged_in_client.post(
        f"/customers/{org.pk}/contact-persons/new/",
        {
            "first_name": "Eva",
            "last_name": "Mulder",
            "dmu_role": "decision_maker",
            "is_primary": "on",
        },
    )
    # then both are stored and shown
    org.refresh_from_db()
    assert org.organisation_name == "New Name B.V."
    assert org.profile_updated_at is not None
    person = ContactPerson.objects.get(organisation=org)
    assert person.dmu_role == "decision_maker"
    assert b"Decision maker" in logged_in_client.get(f"/customers/{org.pk}/").content


@pytest.mark.django_db
def test_emptying_the_number_on_edit_is_refused_instead_of_renumbering(
    logged_in_client: Client,
) -> None:
    # given a customer known by their number
    customer = CustomerFactory(customer_number="C0000042", last_name="Mulder")
    # when the edit form is saved with the number cleared
    response = logged_in_client.post(
        f"/customers/{customer.pk}/edit/",
        {
            "customer_number": "",
            "version": customer.version,
            "last_name": "Mulder",
            "country": "NL",
        },
    )
    # then the form names the field and the customer keeps their number
    assert response.status_code == 200
    assert "customer_number" in response.context["form"].errors
    customer.refresh_from_db()
    assert customer.customer_number == "C0000042"


@pytest.mark.django_db
def test_the_account_owner_choice_shows_names(logged_in_client: Client) -> None:
    # given a colleague with a name
    User.objects.create_user("sales1", first_name="Sanne", last_name="de Vries")
    customer = CustomerFactory()
    # when the edit form is opened
    body = logged_in_client.get(f"/customers/{customer.pk}/edit/").content.decode()
    # then the owner list offers the person by name
    assert ">Sanne de Vries</option>" in body


@pytest.mark.django_db
def test_consent_change_appends_history(staff_user: User, logged_in_client: Client) -> None:
    # given a customer
    customer = CustomerFactory()
    # when an opt-in and then a withdrawal are recorded
    for granted in ("1", "0"):
        logged_in_client.post(
            f"/customers/{customer.pk}/consents/",
            {"email__newsletter": granted, "source": "phone call"},
        )
    # then both decisions are kept and the latest is in force
    history = list(Consent.objects.filter(customer=customer).order_by("recorded_at", "id"))
    assert [c.granted for c in history] == [True, False]
    assert history[-1].recorded_by == staff_user
    from relata.customers.selectors import consent_is_granted

    assert not consent_is_granted(customer=customer, channel="email", purpose="newsletter")


@pytest.mark.django_db
def test_marketing_user_cannot_edit_customers() -> None:
    # given a marketing user
    user = User.objects.create_user("mara", password="x-long-password")
    user.groups.add(Group.objects.get(name="marketing"))
    client = Client()
    client.force_login(user)
    customer = CustomerFactory()
    # when they try to edit
    response = client.post(f"/customers/{customer.pk}/edit/", {"last_name": "Hacked"})
    # then it is forbidden and nothing changed
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.last_name != "Hacked"


@pytest.mark.django_db
def test_search_with_control_characters_is_harmless(logged_in_client: Client) -> None:
    # given a customer
    CustomerFactory(last_name="Dekker")
    # when the search holds a NUL byte (PostgreSQL refuses those in text)
    response = logged_in_client.get("/customers/", {"q": "dek\x00ker", "city": "\x00"})
    # then the page answers normally
    assert response.status_code == 200
