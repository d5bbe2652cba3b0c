"""Token authentication, permissions and the access rules of the documentation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from relata.accounts.models import ApiToken
from tests.api.conftest import ApiClient, user_with_role
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_request_without_token_is_401() -> None:
    # given a client that sends no Authorization header
    client = ApiClient(None)
    # when it lists customers
    response = client.get("/api/customers/")
    # then it is refused with a JSON message and a Bearer challenge
    assert response.status_code == 401
    assert "token" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer rel_not-a-real-token",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "rel_abc",
        "Bearer " + "x" * 5000,
    ],
)
def test_bad_token_is_401(header: str) -> None:
    # given a client that sends a header that is not a valid token
    client = Client()
    # when it lists customers
    response = client.get("/api/customers/", headers={"Authorization": header})
    # then it is refused
    assert response.status_code == 401


def test_revoked_token_is_401(sales_user: User) -> None:
    # given a token that has been revoked
    token, raw = ApiToken.issue(user=sales_user, name="old")
    token.revoked = True
    token.save()
    # when it is used
    response = ApiClient(raw).get("/api/customers/")
    # then it is refused
    assert response.status_code == 401


def test_token_of_inactive_user_is_401(sales_user: User) -> None:
    # given a token of a user who has been deactivated
    _token, raw = ApiToken.issue(user=sales_user, name="t")
    sales_user.is_active = False
    sales_user.save()
    # when it is used
    response = ApiClient(raw).get("/api/customers/")
    # then it is refused
    assert response.status_code == 401


@pytest.mark.parametrize("scheme", ["Bearer", "Token", "bearer"])
def test_valid_token_is_accepted_with_bearer_or_token_scheme(sales_user: User, scheme: str) -> None:
    # given a valid token
    _token, raw = ApiToken.issue(user=sales_user, name="t")
    CustomerFactory()
    # when it is sent with either scheme
    response = ApiClient(raw, scheme=scheme).get("/api/customers/")
    # then the request succeeds
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_token_writes_need_no_csrf_token(sales_user: User) -> None:
    # given a client that enforces CSRF checks, as a real browser-less client would meet them
    _token, raw = ApiToken.issue(user=sales_user, name="t")
    client = Client(enforce_csrf_checks=True)
    # when it posts with only the bearer token
    response = client.post(
        "/api/customers/",
        {"last_name": "Kok"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    # then the write succeeds: tokens are not ambient credentials, so CSRF does not apply
    assert response.status_code == 201


def test_session_login_alone_does_not_authenticate_the_api(sales_user: User) -> None:
    # given a user logged in to the web UI but without a token
    client = Client()
    client.force_login(sales_user)
    # when the browser session calls the API
    response = client.get("/api/customers/")
    # then a token is still required
    assert response.status_code == 401


def test_last_used_is_recorded_at_most_once_a_minute(sales_user: User) -> None:
    # given a token used 30 seconds ago
    token, raw = ApiToken.issue(user=sales_user, name="t")
    recent = timezone.now() - timedelta(seconds=30)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=recent)
    client = ApiClient(raw)
    # when it is used again
    client.get("/api/customers/")
    # then the timestamp is left alone
    token.refresh_from_db()
    assert token.last_used_at == recent
    # when it is used two minutes after its last recorded use
    old = timezone.now() - timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=old)
    client.get("/api/customers/")
    # then the timestamp moves to now
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert token.last_used_at > timezone.now() - timedelta(seconds=10)


def test_first_use_records_last_used(sales_user: User) -> None:
    # given a token never used
    token, raw = ApiToken.issue(user=sales_user, name="t")
    # when it is used
    ApiClient(raw).get("/api/customers/")
    # then its last use is recorded
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_token_issued_on_the_token_page_authenticates(sales_user: User) -> None:
    # given a user who creates a token on /accounts/tokens/
    browser = Client()
    browser.force_login(sales_user)
    page = browser.post(
        "/accounts/tokens/",
        {"name": "integration", "scopes": ["read", "write"], "expires_in_days": "90"},
    )
    raw = page.context["new_token"]
    assert raw and raw.startswith("rel_")
    CustomerFactory()
    # when that token is used against the API
    response = ApiClient(raw).get("/api/customers/")
    # then it authenticates as that user
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_token_revoked_on_the_token_page_stops_working(sales_user: User) -> None:
    # given a token that works
    token, raw = ApiToken.issue(user=sales_user, name="t")
    assert ApiClient(raw).get("/api/customers/").status_code == 200
    # when its owner revokes it on the token page
    browser = Client()
    browser.force_login(sales_user)
    browser.post(f"/accounts/tokens/{token.pk}/revoke/")
    # then it is refused
    assert ApiClient(raw).get("/api/customers/").status_code == 401


@pytest.mark.parametrize(
    "path",
    ["/api/customers/", "/api/orders/", "/api/contact-moments/"],
)
def test_user_without_view_permission_gets_403(no_role_api: ApiClient, path: str) -> None:
    # given a token of a user without any permission
    # when it lists a resource
    response = no_role_api.get(path)
    # then it is forbidden, and the message names the missing permission
    assert response.status_code == 403
    assert "view_" in response.json()["detail"]


def test_user_without_add_permission_cannot_create(marketing_api: ApiClient) -> None:
    # given a marketing user, who may view but not add customers or orders
    customer = CustomerFactory()
    # when they read and then try to write
    read = marketing_api.get(f"/api/customers/{customer.pk}")
    create = marketing_api.post("/api/customers/", {"last_name": "Bakker"})
    change = marketing_api.patch(f"/api/customers/{customer.pk}", {"city": "Delft"})
    order = marketing_api.post(
        "/api/orders/",
        {"customer_id": customer.pk, "lines": [{"product_id": 1, "quantity": 1}]},
    )
    # then reading works and every write is forbidden
    assert read.status_code == 200
    assert create.status_code == 403
    assert "customers.add_customer" in create.json()["detail"]
    assert change.status_code == 403
    assert order.status_code == 403


def test_superuser_token_has_every_permission() -> None:
    # given a superuser's token
    admin = User.objects.create_superuser("root", password="a-long-test-password")
    _token, raw = ApiToken.issue(user=admin, name="t")
    # when it creates a customer
    response = ApiClient(raw).post("/api/customers/", {"last_name": "Visser"})
    # then it is allowed
    assert response.status_code == 201


@pytest.mark.parametrize("path", ["/api/docs", "/api/openapi.json"])
def test_docs_require_login(path: str) -> None:
    # given an anonymous visitor
    client = Client()
    # when they open the API documentation
    response = client.get(path)
    # then they are sent to the login page
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("path", ["/api/docs", "/api/openapi.json"])
def test_docs_are_shown_to_logged_in_users(path: str) -> None:
    # given a logged-in user without any role
    client = Client()
    client.force_login(user_with_role("reader", None))
    # when they open the API documentation
    response = client.get(path)
    # then it is shown
    assert response.status_code == 200


def test_docs_page_uses_the_bundled_swagger_ui_not_a_cdn() -> None:
    # given a logged-in user
    client = Client()
    client.force_login(user_with_role("reader", None))
    # when they open the docs page
    html = client.get("/api/docs").content.decode()
    # then its scripts come from our own static files (installations may be offline)
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn." not in html
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200


def test_openapi_schema_documents_every_resource_and_bearer_auth() -> None:
    # given a logged-in user
    client = Client()
    client.force_login(user_with_role("reader", None))
    # when they fetch the OpenAPI schema
    schema = client.get("/api/openapi.json").json()
    # then it lists the three resources, with create/update, and the token scheme
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/customers/"])
    assert {"get", "patch"} <= set(paths["/api/customers/{customer_id}"])
    assert "get" in paths["/api/customers/by-number/{number}"]
    assert {"get", "post"} <= set(paths["/api/orders/"])
    assert {"get", "patch"} <= set(paths["/api/orders/{order_id}"])
    assert {"get", "post"} <= set(paths["/api/contact-moments/"])
    assert {"get", "patch"} <= set(paths["/api/contact-moments/{moment_id}"])
    scheme = schema["components"]["securitySchemes"]["TokenAuth"]
    assert scheme == {"type": "http", "scheme": "bearer"}
