"""Token scopes, expiry and revocation in the API (issue 7, parts 1 and 4)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.utils import timezone

from relata.accounts.models import ApiToken, TokenScope
from relata.accounts.token_services import token_issue, token_revoke
from relata.api.permissions import require_scope
from relata.audit.models import AuditEntry
from relata.engagement.models import ReferralCode
from tests.api.conftest import ApiClient, user_with_role
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db: None) -> User:
    return user_with_role("admin-scopes", "admin")


def client_with(user: User, scopes: list[str], **kwargs: object) -> ApiClient:
    _token, raw = ApiToken.issue(user=user, name="scoped", scopes=scopes, **kwargs)  # type: ignore[arg-type]
    return ApiClient(raw)


def test_read_token_reads_but_may_not_write(admin_user: User) -> None:
    # given an administrator's token with only the read scope
    api = client_with(admin_user, [TokenScope.READ])
    customer = CustomerFactory()
    # when it reads, creates and changes a customer
    read = api.get(f"/api/customers/{customer.pk}")
    create = api.post("/api/customers/", {"last_name": "Kok"})
    change = api.patch(f"/api/customers/{customer.pk}", {"city": "Delft"})
    # then reading works, and both writes are refused with a message naming the scope
    assert read.status_code == 200
    assert create.status_code == 403
    assert '"write"' in create.json()["detail"]
    assert change.status_code == 403
    customer.refresh_from_db()
    assert customer.city == "Utrecht"


def test_write_only_token_may_not_read(admin_user: User) -> None:
    # given a token with only the write scope
    api = client_with(admin_user, [TokenScope.WRITE])
    # when it lists customers and creates one
    listed = api.get("/api/customers/")
    created = api.post("/api/customers/", {"last_name": "Kok"})
    # then the read is refused naming the read scope, and the write is allowed
    assert listed.status_code == 403
    assert '"read"' in listed.json()["detail"]
    assert created.status_code == 201


def test_read_token_may_count_segment_rules(admin_user: User) -> None:
    # given a read-only token, and a POST that only reads (a live count for a rule set)
    api = client_with(admin_user, [TokenScope.READ])
    CustomerFactory(city="Delft")
    rules = {"match": "all", "rules": [{"field": "city", "op": "eq", "value": "Delft"}]}
    # when it asks for the count
    response = api.post("/api/segments/count", {"rules": rules})
    # then it is answered, not refused for want of the write scope
    assert response.status_code != 403, response.content
    assert response.status_code == 200


def test_scopes_do_not_widen_the_users_permissions() -> None:
    # given an analyst (read-only role) whose token has read and write scopes
    analyst = user_with_role("analyst-scopes", "analyst")
    api = client_with(analyst, [TokenScope.READ, TokenScope.WRITE])
    # when it creates a customer
    response = api.post("/api/customers/", {"last_name": "Kok"})
    # then the role still forbids it
    assert response.status_code == 403
    assert "customers.add_customer" in response.json()["detail"]


def test_expired_token_is_401_saying_expired(admin_user: User) -> None:
    # given a token that expired a minute ago
    expired = timezone.now() - timedelta(minutes=1)
    api = client_with(admin_user, [TokenScope.READ], expires_at=expired)
    # when it is used
    response = api.get("/api/customers/")
    # then it is refused with a message saying it expired
    assert response.status_code == 401
    assert "expired" in response.json()["detail"].lower()
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_token_not_yet_expired_works(admin_user: User) -> None:
    # given a token that expires tomorrow
    api = client_with(admin_user, [TokenScope.READ], expires_at=timezone.now() + timedelta(days=1))
    # when it is used
    response = api.get("/api/customers/")
    # then it is accepted
    assert response.status_code == 200


def test_token_revoked_with_revoked_at_is_401(admin_user: User) -> None:
    # given a token whose revoked_at is set (the flag left as it was)
    token, raw = ApiToken.issue(user=admin_user, name="t", scopes=[TokenScope.READ])
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    # when it is used
    response = ApiClient(raw).get("/api/customers/")
    # then it is refused as unknown or revoked, not as expired
    assert response.status_code == 401
    assert response.json()["detail"] == "Unknown or revoked token."


def test_unknown_token_is_401_saying_unknown_or_revoked() -> None:
    # given a token nobody issued
    api = ApiClient("rel_never-issued")
    # when it is used
    response = api.get("/api/customers/")
    # then the message says the token is unknown or revoked
    assert response.status_code == 401
    assert response.json()["detail"] == "Unknown or revoked token."


def test_revoked_and_expired_token_reports_revoked(admin_user: User) -> None:
    # given a token that is both expired and revoked
    token, raw = ApiToken.issue(
        user=admin_user,
        name="t",
        scopes=[TokenScope.READ],
        expires_at=timezone.now() - timedelta(days=1),
    )
    ApiToken.objects.filter(pk=token.pk).update(revoked=True, revoked_at=timezone.now())
    # when it is used
    response = ApiClient(raw).get("/api/customers/")
    # then revocation wins: the token is gone for good, a new expiry would not help
    assert response.json()["detail"] == "Unknown or revoked token."


def test_refused_token_does_not_record_last_use(admin_user: User) -> None:
    # given an expired token never used
    token, raw = ApiToken.issue(
        user=admin_user,
        name="t",
        scopes=[TokenScope.READ],
        expires_at=timezone.now() - timedelta(days=1),
    )
    # when it is tried
    ApiClient(raw).get("/api/customers/")
    # then its last use stays empty
    token.refresh_from_db()
    assert token.last_used_at is None


def test_public_survey_answer_needs_no_token_and_no_scope() -> None:
    # given no token at all
    api = ApiClient(None)
    # when a survey link is answered through the public endpoint
    response = api.post("/api/surveys/answer/no-such-link", {"nps": 9})
    # then authentication does not stand in the way: the unknown link is a 404
    assert response.status_code == 404


def test_require_scope_refuses_a_token_without_personal_data(admin_user: User) -> None:
    # given a request authenticated with a read and write token
    token, _raw = ApiToken.issue(
        user=admin_user, name="t", scopes=[TokenScope.READ, TokenScope.WRITE]
    )
    request = RequestFactory().get("/api/privacy/")
    request.user = admin_user
    request.api_token = token  # type: ignore[attr-defined]
    # when an endpoint asks for the personal-data scope
    # then it is refused with a message naming the scope
    with pytest.raises(PermissionDenied, match="personal_data"):
        require_scope(request, TokenScope.PERSONAL_DATA)


def test_require_scope_accepts_a_token_with_personal_data(admin_user: User) -> None:
    # given a request authenticated with a token that has the personal-data scope
    token, _raw = ApiToken.issue(
        user=admin_user, name="t", scopes=[TokenScope.READ, TokenScope.PERSONAL_DATA]
    )
    request = RequestFactory().get("/api/privacy/")
    request.user = admin_user
    request.api_token = token  # type: ignore[attr-defined]
    # when an endpoint asks for the personal-data scope
    require_scope(request, TokenScope.PERSONAL_DATA)
    # then it passes, and a scope the token lacks still does not
    with pytest.raises(PermissionDenied, match='"write"'):
        require_scope(request, TokenScope.WRITE)


def test_require_scope_does_not_limit_a_session(admin_user: User) -> None:
    # given a request authenticated by a browser session (no API token)
    request = RequestFactory().get("/api/privacy/")
    request.user = admin_user
    # when an endpoint asks for the personal-data scope
    # then the session passes: scopes narrow tokens, the user's permissions still apply
    require_scope(request, TokenScope.PERSONAL_DATA)


def test_read_token_reads_an_existing_referral_code_but_cannot_issue_one(
    admin_user: User,
) -> None:
    # given a read-only token, a customer with a referral code and one without
    api = client_with(admin_user, [TokenScope.READ])
    with_code = CustomerFactory()
    ReferralCode.objects.create(customer=with_code, code="HAS1")
    without = CustomerFactory()
    # when it asks both for their codes
    existing = api.get(f"/api/customers/{with_code.pk}/referral-code")
    missing = api.get(f"/api/customers/{without.pk}/referral-code")
    # then the existing code is read, and issuing a new one is refused for want of write
    assert existing.status_code == 200
    assert existing.json()["code"] == "HAS1"
    assert missing.status_code == 403
    assert '"write"' in missing.json()["detail"]
    assert not ReferralCode.objects.filter(customer=without).exists()


# The token page: /accounts/tokens/ and, for administrators, /accounts/tokens/all/


def browser_for(user: User) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def test_token_page_issues_a_token_with_the_chosen_scopes_and_expiry(admin_user: User) -> None:
    # given an administrator on the token page
    browser = browser_for(admin_user)
    # when they create a read-only token for 30 days
    page = browser.post(
        "/accounts/tokens/", {"name": "reports", "scopes": ["read"], "expires_in_days": "30"}
    )
    # then it is shown once, carries those scopes and expires in 30 days
    assert page.status_code == 200
    raw = page.context["new_token"]
    token = ApiToken.objects.get(user=admin_user)
    assert raw.startswith(token.prefix)
    assert token.scopes == ["read"]
    assert token.expires_at is not None
    days = (token.expires_at - timezone.now()).total_seconds() / 86400
    assert 29.9 < days <= 30
    # and it reads but does not write
    assert ApiClient(raw).get("/api/customers/").status_code == 200
    assert ApiClient(raw).post("/api/customers/", {"last_name": "Kok"}).status_code == 403


def test_token_page_offers_90_days_by_default_and_no_never(admin_user: User) -> None:
    # given an administrator on the token page
    browser = browser_for(admin_user)
    # when they open it
    form = browser.get("/accounts/tokens/").context["form"]
    # then 90 days is preselected and every choice is a number of days
    assert form["expires_in_days"].value() == 90
    assert [value for value, _label in form.fields["expires_in_days"].choices] == [
        30,
        90,
        180,
        365,
    ]


@pytest.mark.parametrize("expiry", ["0", "never", "", "3650"])
def test_token_page_refuses_an_expiry_not_offered(admin_user: User, expiry: str) -> None:
    # given an administrator on the token page
    browser = browser_for(admin_user)
    # when they post an expiry that is not one of the choices
    page = browser.post(
        "/accounts/tokens/", {"name": "x", "scopes": ["read"], "expires_in_days": expiry}
    )
    # then the form names the field and no token is made
    assert page.status_code == 200
    assert "expires_in_days" in page.context["form"].errors
    assert not ApiToken.objects.exists()


def test_token_page_needs_a_scope(admin_user: User) -> None:
    # given an administrator on the token page
    browser = browser_for(admin_user)
    # when they create a token without ticking a scope
    page = browser.post("/accounts/tokens/", {"name": "x", "expires_in_days": "90"})
    # then the form says a scope is needed and no token is made
    assert page.context["form"].errors["scopes"] == ["Choose at least one scope."]
    assert not ApiToken.objects.exists()


def test_personal_data_scope_is_offered_only_with_the_export_permission() -> None:
    # given a sales user (no export permission) and a back-office user (export permission)
    sales = browser_for(user_with_role("sales-page", "sales"))
    back_office = browser_for(user_with_role("back-page", "back_office"))
    # when each opens the token page
    sales_choices = sales.get("/accounts/tokens/").context["form"].fields["scopes"].choices
    back_choices = back_office.get("/accounts/tokens/").context["form"].fields["scopes"].choices
    # then only the back office is offered personal_data
    assert [value for value, _label in sales_choices] == ["read", "write"]
    assert [value for value, _label in back_choices] == ["read", "write", "personal_data"]


def test_sales_cannot_post_the_personal_data_scope() -> None:
    # given a sales user on the token page
    user = user_with_role("sales-forge", "sales")
    browser = browser_for(user)
    # when they post personal_data anyway
    page = browser.post(
        "/accounts/tokens/",
        {"name": "x", "scopes": ["read", "personal_data"], "expires_in_days": "90"},
    )
    # then the scopes field is refused and no token is made
    assert "scopes" in page.context["form"].errors
    assert not ApiToken.objects.filter(user=user).exists()


def test_issue_and_revoke_are_in_the_audit_trail(admin_user: User) -> None:
    # given an administrator who creates a token on the page
    browser = browser_for(admin_user)
    browser.post(
        "/accounts/tokens/",
        {"name": "shop", "scopes": ["read", "write"], "expires_in_days": "180"},
    )
    token = ApiToken.objects.get(user=admin_user)
    # when they revoke it
    response = browser.post(f"/accounts/tokens/{token.pk}/revoke/")
    # then it is revoked with the time, and both events are audited with the token's prefix
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked and token.revoked_at is not None
    entries = AuditEntry.objects.filter(action="token", object_id=str(token.pk)).order_by("pk")
    assert [entry.context["event"] for entry in entries] == ["issued", "revoked"]
    assert entries[0].context["scopes"] == ["read", "write"]
    assert entries[0].object_label == f"API token {token.prefix}…"
    assert entries[0].object_type == "accounts.apitoken"
    assert {entry.actor_id for entry in entries} == {admin_user.pk}


def test_token_list_marks_expired_and_revoked_tokens(admin_user: User) -> None:
    # given an expired token, a revoked one and a live one
    ApiToken.issue(user=admin_user, name="old", expires_at=timezone.now() - timedelta(days=1))
    revoked, _raw = ApiToken.issue(
        user=admin_user, name="gone", expires_at=timezone.now() + timedelta(days=9)
    )
    ApiToken.objects.filter(pk=revoked.pk).update(revoked=True, revoked_at=timezone.now())
    ApiToken.issue(user=admin_user, name="live", expires_at=timezone.now() + timedelta(days=9))
    # when the owner opens the token page
    page = browser_for(admin_user).get("/accounts/tokens/")
    # then each row says what state its token is in, and only the live one can be revoked
    rows = {row["token"].name: row for row in page.context["rows"]}
    assert (rows["old"]["expired"], rows["old"]["revoked"]) == (True, False)
    assert (rows["gone"]["expired"], rows["gone"]["revoked"]) == (False, True)
    assert (rows["live"]["expired"], rows["live"]["revoked"]) == (False, False)
    html = page.content.decode()
    assert "expired" in html and "revoked" in html
    assert html.count(">Revoke</button>") == 2


def test_admin_sees_and_revokes_every_users_tokens(admin_user: User) -> None:
    # given a sales user's token
    sales = user_with_role("sales-other", "sales")
    token, raw = ApiToken.issue(user=sales, name="crm sync")
    # when an administrator opens all tokens and revokes it
    browser = browser_for(admin_user)
    page = browser.get("/accounts/tokens/all/")
    response = browser.post(f"/accounts/tokens/{token.pk}/revoke/")
    # then the token was listed with its user, it is revoked, and back on the list page
    assert page.status_code == 200
    assert [row["token"].user for row in page.context["rows"]] == [sales]
    assert response["Location"] == "/accounts/tokens/all/"
    assert ApiClient(raw).get("/api/customers/").status_code == 401


def test_others_cannot_see_or_revoke_someone_elses_tokens() -> None:
    # given two sales users, one of them with a token
    owner = user_with_role("sales-owner", "sales")
    token, raw = ApiToken.issue(user=owner, name="mine")
    browser = browser_for(user_with_role("sales-snoop", "sales"))
    # when the other one opens all tokens and tries to revoke the token
    listing = browser.get("/accounts/tokens/all/")
    revoke = browser.post(f"/accounts/tokens/{token.pk}/revoke/")
    # then both are refused and the token still works
    assert listing.status_code == 403
    assert revoke.status_code == 404
    assert ApiClient(raw).get("/api/customers/").status_code == 200


def test_the_audit_trail_shows_issued_and_revoked_tokens_with_their_user(
    admin_user: User,
) -> None:
    # given a sales user's token, issued and revoked through the services (review finding 10)
    sales = user_with_role("sales-trail", "sales")
    token, _raw = token_issue(
        user=sales, name="crm sync", scopes=[TokenScope.READ], expires_in_days=30
    )
    token_revoke(token=token, by=admin_user)
    # when an administrator opens the trail and exports it as CSV
    browser = browser_for(admin_user)
    page = browser.get("/audit/")
    export = browser.get("/audit/export/", {"action": "token"})
    # then both load; the entries name the user by "username", shown as "user: sales-trail"
    assert page.status_code == 200
    entries = AuditEntry.objects.filter(action="token").order_by("pk")
    assert [entry.context["event"] for entry in entries] == ["issued", "revoked"]
    assert all(entry.context["username"] == "sales-trail" for entry in entries)
    assert all("user" not in entry.context for entry in entries)
    assert "user: sales-trail" in page.content.decode()
    assert export.status_code == 200
    text = b"".join(export.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 3  # the header and the two token entries
    assert all("user: sales-trail" in row[11] for row in rows[1:])
