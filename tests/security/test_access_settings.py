"""The access settings page, the 403 page, and what the menu and customer page show a role."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from relata.accounts import roles
from relata.accounts.models import AccessSettings
from relata.audit.models import AuditEntry
from relata.customers.models import ContactPerson, CustomerKind
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

ACCESS_URL = "/accounts/access/"


def _client_of(username: str, *role_names: str) -> tuple[User, Client]:
    user = User.objects.create_user(username, first_name=username.title())
    user.groups.add(*Group.objects.filter(name__in=role_names))
    client = Client()
    client.force_login(user)
    return user, client


def test_admin_switches_own_accounts_only_on_and_it_is_audited() -> None:
    # given an administrator and the setting off
    admin, client = _client_of("ada", roles.ADMIN)
    # when they switch "sales see only their own accounts" on
    response = client.post(ACCESS_URL, {"sales_own_accounts_only": "on"})
    # then it is stored, and the audit trail says who changed what from what to what
    assert response.status_code == 302
    assert AccessSettings.current().sales_own_accounts_only is True
    entry = AuditEntry.objects.get(object_type="accounts.accesssettings")
    assert entry.action == "update"
    assert entry.actor == admin
    assert entry.object_label == "Access settings"
    assert entry.changes == {"sales_own_accounts_only": [False, True]}


def test_switching_it_off_again_is_audited_too() -> None:
    # given the setting on
    AccessSettings.objects.update_or_create(pk=1, defaults={"sales_own_accounts_only": True})
    _admin, client = _client_of("ada", roles.ADMIN)
    # when the administrator saves the form without the box ticked
    client.post(ACCESS_URL, {})
    # then it is off and the change is on record
    assert AccessSettings.current().sales_own_accounts_only is False
    entry = AuditEntry.objects.get(object_type="accounts.accesssettings")
    assert entry.changes == {"sales_own_accounts_only": [True, False]}


def test_saving_without_a_change_records_nothing() -> None:
    # given the setting off
    _admin, client = _client_of("ada", roles.ADMIN)
    # when the administrator saves it off again
    client.post(ACCESS_URL, {})
    # then there is nothing to audit
    assert not AuditEntry.objects.filter(object_type="accounts.accesssettings").exists()


def test_page_lists_users_with_their_roles_and_links_to_the_admin() -> None:
    # given users with and without roles
    _admin, client = _client_of("ada", roles.ADMIN)
    sales_user, _ = _client_of("sam", roles.SALES, roles.MARKETING)
    User.objects.create_user("nora")
    # when the administrator opens the page
    text = client.get(ACCESS_URL).content.decode()
    # then every user is listed with their roles, and a link to change them in the admin
    assert "sam" in text and "Sales" in text and "Marketing" in text
    assert "nora" in text and "no role" in text
    assert f"/admin/auth/user/{sales_user.pk}/change/" in text
    assert 'name="sales_own_accounts_only"' in text


@pytest.mark.parametrize(
    "role", [roles.SALES, roles.BACK_OFFICE, roles.MARKETING, roles.ANALYST, None]
)
def test_only_administrators_may_open_or_change_the_page(role: str | None) -> None:
    # given a user who is not an administrator
    _user, client = _client_of("someone", *([role] if role else []))
    # when they open the page or try to switch the setting on
    opened = client.get(ACCESS_URL)
    posted = client.post(ACCESS_URL, {"sales_own_accounts_only": "on"})
    # then both are refused and nothing changes
    assert opened.status_code == 403
    assert posted.status_code == 403
    assert AccessSettings.current().sales_own_accounts_only is False


def test_user_menu_links_the_page_for_administrators_only() -> None:
    # given an administrator and a back-office user
    _admin, admin_client = _client_of("ada", roles.ADMIN)
    _clerk, clerk_client = _client_of("bob", roles.BACK_OFFICE)
    # when each opens the overview
    admin_page = admin_client.get("/").content.decode()
    clerk_page = clerk_client.get("/").content.decode()
    # then only the administrator's menu has the access settings
    assert 'id="nav-access"' in admin_page
    assert 'id="nav-access"' not in clerk_page


def test_refused_page_is_friendly_and_keeps_the_menu() -> None:
    # given a marketing user, who may not edit customers
    customer = CustomerFactory()
    _user, client = _client_of("mia", roles.MARKETING)
    # when they open a customer's edit page
    response = client.get(f"/customers/{customer.pk}/edit/")
    # then the 403 page explains it in the site's layout
    text = response.content.decode()
    assert response.status_code == 403
    assert 'id="forbidden"' in text
    assert "ask an administrator" in text
    assert 'id="user-menu"' in text


def test_refused_page_names_the_reason_when_there_is_one() -> None:
    # given a sales user kept to their own accounts
    AccessSettings.objects.update_or_create(pk=1, defaults={"sales_own_accounts_only": True})
    _user, client = _client_of("sam", roles.SALES)
    # when they open a list of customers across every account
    response = client.get("/value/customers/")
    # then the page says why
    assert response.status_code == 403
    assert "you see only your own accounts" in response.content.decode()


def test_user_without_a_role_sees_an_empty_menu_and_a_note() -> None:
    # given a user nobody gave a role yet
    _user, client = _client_of("nora")
    # when they log in to the overview
    text = client.get("/").content.decode()
    # then the menu offers no pages they would be refused, and the page says why it is empty
    assert 'id="no-role"' in text
    for path in ("/customers/", "/orders/", "/deals/", "/tasks/", "/value/", "/imports/"):
        assert f'href="{path}"' not in text, path


def test_analyst_sees_no_edit_buttons_on_the_customer_page() -> None:
    # given an organisation with a contact person, and an analyst
    customer = CustomerFactory(kind=CustomerKind.ORGANISATION, organisation_name="Read Only BV")
    person = ContactPerson.objects.create(
        organisation=customer, last_name="Visser", dmu_role="user"
    )
    _user, client = _client_of("ana", roles.ANALYST)
    # when the analyst opens the customer
    response = client.get(f"/customers/{customer.pk}/")
    text = response.content.decode()
    # then they read everything but get no way to change it
    assert response.status_code == 200
    assert "Read Only BV" in text and "Visser" in text
    for path in (
        f"/customers/{customer.pk}/edit/",
        f'/customers/{customer.pk}/consents/"',
        f"/customers/{customer.pk}/contact-persons/new/",
        f"/customers/{customer.pk}/contact-persons/{person.pk}/",
        f"/contacts/log/{customer.pk}/",
        "/orders/new/",
        "/deals/new/",
        "/tasks/new/",
        "/complaints/new/",
        f"/privacy/customers/{customer.pk}/",
    ):
        assert path not in text, path
    page_body = text.split("<main", 1)[1]
    assert 'method="post"' not in page_body
    assert "hx-post" not in page_body


def test_sales_user_sees_the_edit_buttons_the_analyst_does_not() -> None:
    # given the same customer, opened by a sales user
    customer = CustomerFactory(kind=CustomerKind.ORGANISATION, organisation_name="Editable BV")
    _user, client = _client_of("sam", roles.SALES)
    # when they open the customer
    text = client.get(f"/customers/{customer.pk}/").content.decode()
    # then the buttons to change it are there (the analyst test above is not vacuous)
    assert f"/customers/{customer.pk}/edit/" in text
    assert f"/contacts/log/{customer.pk}/" in text
    assert f"/customers/{customer.pk}/contact-persons/new/" in text
