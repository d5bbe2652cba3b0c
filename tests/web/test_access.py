import pytest
from django.contrib.auth.models import User
from django.test import Client

PAGES = ["/", "/customers/", "/orders/", "/contacts/", "/orders/products/", "/accounts/tokens/"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_every_page_requires_login(path: str) -> None:
    # given an anonymous visitor
    client = Client()
    # when they open a page
    response = client.get(path)
    # then they are sent to the login page
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_login_with_demo_style_credentials_reaches_the_overview() -> None:
    # given a user
    User.objects.create_user("demo", password="demo-password-long")
    client = Client()
    # when they log in
    response = client.post(
        "/accounts/login/", {"username": "demo", "password": "demo-password-long"}, follow=True
    )
    # then they see the overview
    assert response.status_code == 200
    assert b"Overview" in response.content


@pytest.mark.django_db
def test_wrong_password_shows_a_message() -> None:
    User.objects.create_user("demo", password="demo-password-long")
    response = Client().post("/accounts/login/", {"username": "demo", "password": "nope"})
    assert response.status_code == 200
    assert "match" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


@pytest.mark.django_db
def test_logout_needs_post_and_ends_the_session(logged_in_client: Client) -> None:
    # when the user logs out
    response = logged_in_client.post("/accounts/logout/")
    # then the next page asks for a login again
    assert response.status_code == 302
    assert logged_in_client.get("/customers/").status_code == 302


@pytest.mark.django_db
def test_password_change(staff_user: User, logged_in_client: Client) -> None:
    # when the user changes their password
    response = logged_in_client.post(
        "/accounts/password/",
        {
            "old_password": "a-long-test-password",
            "new_password1": "Another-Very-Long-Secret-7",
            "new_password2": "Another-Very-Long-Secret-7",
        },
    )
    # then the new password works
    assert response.status_code == 302
    staff_user.refresh_from_db()
    assert staff_user.check_password("Another-Very-Long-Secret-7")


@pytest.mark.django_db
def test_dutch_is_served_when_the_browser_prefers_it(logged_in_client: Client) -> None:
    response = logged_in_client.get("/customers/", HTTP_ACCEPT_LANGUAGE="nl-NL,nl;q=0.9")
    assert response.status_code == 200
    assert b"Klanten" in response.content


@pytest.mark.django_db
def test_language_can_be_switched(logged_in_client: Client) -> None:
    # when the user chooses Dutch
    logged_in_client.post("/i18n/setlang/", {"language": "nl", "next": "/customers/"})
    # then pages come in Dutch, whatever the browser says
    response = logged_in_client.get("/customers/", HTTP_ACCEPT_LANGUAGE="en")
    assert b"Klanten" in response.content


@pytest.mark.django_db
def test_roles_exist_after_migrate() -> None:
    from django.contrib.auth.models import Group

    names = set(Group.objects.values_list("name", flat=True))
    assert {"admin", "sales", "back_office", "marketing"} <= names
    marketing = Group.objects.get(name="marketing")
    assert marketing.permissions.filter(codename="view_customer").exists()
    assert not marketing.permissions.filter(codename="change_customer").exists()
