"""Every API operation against every role: the permission each one needs, enforced.

The table below classifies each operation of the OpenAPI document by the model permissions
its user must hold; an operation missing from it fails the first test, so a new endpoint
cannot ship unclassified. Each role then calls every operation with a read and write token
and real ids: without the permissions the answer is 403, with them it is neither 403 nor a
server error.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from relata.accounts.models import ApiToken, TokenScope
from relata.api.api import api
from tests.security.api_world import (
    ROLES,
    Caller,
    build_api_world,
    token_for,
    user_with_role,
)

pytestmark = pytest.mark.django_db

VIEW_CUSTOMER = "customers.view_customer"
VIEW_SCORES = "scoring.view_customersnapshot"

# Operations anyone may call without a token.
PUBLIC_OPERATIONS = frozenset({"POST /api/surveys/answer/{token}"})
# Operations that also need the token scope personal_data.
PERSONAL_DATA_OPERATIONS = frozenset(
    {"GET /api/customers/{customer_id}/export", "POST /api/customers/{customer_id}/erase"}
)
# POST operations that only read, so a read token may call them.
QUERY_OPERATIONS = frozenset({"POST /api/segments/count"})

PERMISSIONS: dict[str, tuple[str, ...]] = {
    # customers
    "GET /api/customers/": (VIEW_CUSTOMER,),
    "POST /api/customers/": ("customers.add_customer",),
    "GET /api/customers/by-number/{number}": (VIEW_CUSTOMER,),
    "GET /api/customers/{customer_id}": (VIEW_CUSTOMER,),
    "PATCH /api/customers/{customer_id}": ("customers.change_customer",),
    "GET /api/customers/{customer_id}/timeline": (VIEW_CUSTOMER,),
    "GET /api/customers/{customer_id}/export": ("customers.export_customer",),
    "POST /api/customers/{customer_id}/erase": ("customers.erase_customer",),
    # the audit trail: all of it for administrators, one customer's history with the customer
    "GET /api/audit/": ("audit.view_auditentry",),
    "GET /api/customers/{customer_id}/audit": (VIEW_CUSTOMER,),
    # consents
    "GET /api/customers/{customer_id}/consents": ("customers.view_consent",),
    "POST /api/customers/{customer_id}/consents": ("customers.add_consent",),
    "GET /api/consents/": ("customers.view_consent",),
    # orders and deals
    "GET /api/orders/": ("sales.view_order",),
    "POST /api/orders/": ("sales.add_order",),
    "GET /api/orders/{order_id}": ("sales.view_order",),
    "PATCH /api/orders/{order_id}": ("sales.change_order",),
    "GET /api/deals/": ("sales.view_deal",),
    "POST /api/deals/": ("sales.add_deal",),
    "GET /api/deals/{deal_id}": ("sales.view_deal",),
    "PATCH /api/deals/{deal_id}": ("sales.change_deal",),
    "POST /api/deals/{deal_id}/move": ("sales.change_deal",),
    # contact moments, tasks, complaints
    "GET /api/contact-moments/": ("contacts.view_contactmoment",),
    "POST /api/contact-moments/": ("contacts.add_contactmoment",),
    "GET /api/contact-moments/{moment_id}": ("contacts.view_contactmoment",),
    "PATCH /api/contact-moments/{moment_id}": ("contacts.change_contactmoment",),
    "GET /api/tasks/": ("contacts.view_task",),
    "POST /api/tasks/": ("contacts.add_task",),
    "GET /api/tasks/{task_id}": ("contacts.view_task",),
    "PATCH /api/tasks/{task_id}": ("contacts.change_task",),
    "POST /api/tasks/{task_id}/complete": ("contacts.change_task",),
    "GET /api/complaints/": ("contacts.view_complaint",),
    "POST /api/complaints/": ("contacts.add_complaint",),
    "GET /api/complaints/{complaint_id}": ("contacts.view_complaint",),
    "PATCH /api/complaints/{complaint_id}": ("contacts.change_complaint",),
    "POST /api/complaints/{complaint_id}/resolve": ("contacts.change_complaint",),
    "POST /api/complaints/{complaint_id}/reopen": ("contacts.change_complaint",),
    # scores and influence
    "GET /api/scores/runs": (VIEW_SCORES,),
    "GET /api/scores/tiers": (VIEW_SCORES,),
    "GET /api/scores/migration": (VIEW_SCORES,),
    "GET /api/scores/rfm": (VIEW_SCORES,),
    "GET /api/scores/customers": (VIEW_SCORES, VIEW_CUSTOMER),
    "GET /api/customers/{customer_id}/scores": (VIEW_SCORES, VIEW_CUSTOMER),
    "GET /api/influence/": (VIEW_SCORES, VIEW_CUSTOMER),
    "GET /api/customers/{customer_id}/influence": (VIEW_SCORES, VIEW_CUSTOMER),
    # loyalty and referrals
    "GET /api/loyalty/programme": ("engagement.view_loyaltyprogramme",),
    "GET /api/loyalty/members": ("engagement.view_loyaltymember",),
    "POST /api/loyalty/members": ("engagement.add_loyaltymember",),
    "GET /api/customers/{customer_id}/loyalty": ("engagement.view_pointsentry",),
    "POST /api/customers/{customer_id}/loyalty/redeem": ("engagement.add_pointsentry",),
    "GET /api/referrals/": ("engagement.view_referral",),
    "POST /api/referrals/": ("engagement.add_referral",),
    "POST /api/referrals/{referral_id}/reward": ("engagement.change_referral",),
    "POST /api/referrals/{referral_id}/reject": ("engagement.change_referral",),
    # an existing code is read with view; issuing a missing one also needs add
    "GET /api/customers/{customer_id}/referral-code": ("engagement.view_referralcode",),
    # next best offers
    "GET /api/customers/{customer_id}/offers": ("engagement.view_customeroffer", VIEW_CUSTOMER),
    "GET /api/offers/": ("engagement.view_customeroffer", VIEW_CUSTOMER),
    "GET /api/offers/rules": ("engagement.view_offerrule",),
    # campaigns, segments, templates
    "GET /api/campaigns/": ("engagement.view_campaign",),
    "POST /api/campaigns/": ("engagement.add_campaign",),
    "GET /api/campaigns/{campaign_id}": ("engagement.view_campaign",),
    "PATCH /api/campaigns/{campaign_id}": ("engagement.change_campaign",),
    "POST /api/campaigns/{campaign_id}/launch": ("engagement.change_campaign",),
    "GET /api/campaigns/{campaign_id}/results": ("engagement.view_campaign",),
    "GET /api/campaigns/{campaign_id}/contacts": ("engagement.view_campaign", VIEW_CUSTOMER),
    "POST /api/campaigns/{campaign_id}/contacts/{contact_id}/response": (
        "engagement.change_campaigncontact",
    ),
    "GET /api/segments/": ("engagement.view_segment",),
    "POST /api/segments/": ("engagement.add_segment",),
    "GET /api/segments/fields": ("engagement.view_segment",),
    "POST /api/segments/count": ("engagement.view_segment",),
    "GET /api/segments/{segment_id}": ("engagement.view_segment",),
    "PATCH /api/segments/{segment_id}": ("engagement.change_segment",),
    "DELETE /api/segments/{segment_id}": ("engagement.delete_segment",),
    "GET /api/segments/{segment_id}/members": ("engagement.view_segment", VIEW_CUSTOMER),
    "GET /api/message-templates/": ("engagement.view_messagetemplate",),
    # events, outbox, triggers
    "POST /api/events/": ("engagement.add_customerevent",),
    "GET /api/outbox/": ("engagement.view_outboxmessage",),
    "GET /api/outbox/{message_id}": ("engagement.view_outboxmessage",),
    "POST /api/outbox/{message_id}/sent": ("engagement.change_outboxmessage",),
    "GET /api/triggers/": ("engagement.view_triggerrule",),
    "GET /api/triggers/{rule_id}/firings": (
        "engagement.view_triggerrule",
        "engagement.view_triggerfiring",
    ),
    # journeys and satisfaction (reports)
    "GET /api/journeys/paths": ("contacts.view_contactmoment",),
    "GET /api/journeys/switching": ("contacts.view_contactmoment",),
    "GET /api/journeys/drop-off": ("contacts.view_contactmoment",),
    "GET /api/journeys/conversion-time": ("contacts.view_contactmoment",),
    "GET /api/journeys/cohorts": ("contacts.view_contactmoment",),
    "GET /api/satisfaction/nps": ("feedback.view_surveyresponse",),
    "GET /api/satisfaction/touchpoints": ("feedback.view_surveyresponse",),
    # surveys, reviews, social profiles
    "GET /api/surveys/": ("feedback.view_survey",),
    "POST /api/surveys/": ("feedback.add_survey",),
    "GET /api/surveys/{survey_id}": ("feedback.view_survey",),
    "PATCH /api/surveys/{survey_id}": ("feedback.change_survey",),
    "POST /api/surveys/{survey_id}/invitations": ("feedback.add_surveyinvitation",),
    "GET /api/surveys/invitations": ("feedback.view_surveyinvitation",),
    "GET /api/surveys/responses": ("feedback.view_surveyresponse",),
    "POST /api/surveys/responses": ("feedback.add_surveyresponse",),
    "GET /api/reviews/": ("feedback.view_review",),
    "POST /api/reviews/": ("feedback.add_review",),
    "GET /api/reviews/{review_id}": ("feedback.view_review",),
    "PATCH /api/reviews/{review_id}": ("feedback.change_review",),
    "DELETE /api/reviews/{review_id}": ("feedback.delete_review",),
    "GET /api/customers/{customer_id}/reviews": ("feedback.view_review",),
    "GET /api/social-profiles/": ("feedback.view_socialprofile",),
    "POST /api/social-profiles/": ("feedback.add_socialprofile",),
    "GET /api/social-profiles/{profile_id}": ("feedback.view_socialprofile",),
    "PATCH /api/social-profiles/{profile_id}": ("feedback.change_socialprofile",),
    "DELETE /api/social-profiles/{profile_id}": ("feedback.delete_socialprofile",),
    "GET /api/customers/{customer_id}/social-profiles": ("feedback.view_socialprofile",),
}


def api_operations() -> list[str]:
    """Every operation of the OpenAPI document as "METHOD /path"; the ones that delete or
    erase come last, so the others still find their objects."""
    schema = api.get_openapi_schema()
    operations = [
        f"{method.upper()} {path}"
        for path, methods in schema["paths"].items()
        for method in methods
    ]
    erase = {op for op in operations if op.endswith("/erase")}
    deletes = {op for op in operations if op.startswith("DELETE")}
    return sorted(operations, key=lambda op: (op in deletes or op in erase, op in erase))


def is_write(operation: str) -> bool:
    return not operation.startswith("GET ") and operation not in QUERY_OPERATIONS


def test_every_operation_is_classified() -> None:
    # given the operations the OpenAPI document lists
    operations = set(api_operations())
    # when they are compared with the table
    classified = set(PERMISSIONS) | PUBLIC_OPERATIONS
    # then every operation is classified, and the table names no operation that is gone
    assert sorted(operations - classified) == []
    assert sorted(classified - operations) == []
    assert operations >= PERSONAL_DATA_OPERATIONS
    assert operations >= QUERY_OPERATIONS


def test_every_write_needs_an_add_change_or_delete_permission() -> None:
    # given the table
    # when the writes are picked out
    writes = {op: perms for op, perms in PERMISSIONS.items() if is_write(op)}
    # then each names at least one permission beyond viewing (so the analyst cannot call it)
    assert writes
    for operation, perms in writes.items():
        assert any(not perm.split(".")[1].startswith("view_") for perm in perms), operation


@pytest.mark.parametrize("role", ROLES, ids=[role or "no_role" for role in ROLES])
def test_every_role_gets_what_its_permissions_allow(role: str | None) -> None:
    # given every kind of object, and a user of the role with a read and write token
    world = build_api_world()
    user = user_with_role(f"matrix-{role or 'none'}", role)
    everyday = Caller(token_for(user))
    personal = Caller(
        token_for(user, [TokenScope.READ, TokenScope.WRITE, TokenScope.PERSONAL_DATA])
    )
    # when the user calls every operation
    wrong: list[str] = []
    for operation in api_operations():
        if operation in PUBLIC_OPERATIONS:
            continue
        caller = personal if operation in PERSONAL_DATA_OPERATIONS else everyday
        response = caller.call(operation, world)
        allowed = all(user.has_perm(perm) for perm in PERMISSIONS[operation])
        if (allowed and response.status_code in (401, 403)) or response.status_code >= 500:
            wrong.append(f"{operation}: {response.status_code} {response.content[:200]!r}")
        elif not allowed and response.status_code != 403:
            wrong.append(f"{operation}: {response.status_code} although not permitted")
    # then a refused call is exactly one whose permission the role lacks
    assert wrong == []


def test_analyst_is_refused_every_write() -> None:
    # given an analyst (read-only role) with a read and write token, and the world
    world = build_api_world()
    analyst = user_with_role("matrix-analyst", "analyst")
    caller = Caller(
        token_for(analyst, [TokenScope.READ, TokenScope.WRITE, TokenScope.PERSONAL_DATA])
    )
    # when the analyst calls every operation that changes something
    answers = {
        op: caller.call(op, world).status_code
        for op in api_operations()
        if is_write(op) and op not in PUBLIC_OPERATIONS
    }
    # then every one is forbidden
    assert answers
    assert {op: status for op, status in answers.items() if status != 403} == {}


def test_read_token_is_refused_every_write() -> None:
    # given an administrator's token with only the read scope
    world = build_api_world()
    admin = user_with_role("matrix-admin", "admin")
    caller = Caller(token_for(admin, [TokenScope.READ]))
    # when it calls every operation that changes something
    answers = {
        op: caller.call(op, world)
        for op in api_operations()
        if is_write(op) and op not in PUBLIC_OPERATIONS
    }
    # then each is forbidden, naming the write scope, and nothing was written
    assert {op: r.status_code for op, r in answers.items() if r.status_code != 403} == {}
    assert all('"write"' in r.json()["detail"] for r in answers.values())
    world.deal.refresh_from_db()
    assert world.deal.stage == "lead"


def test_personal_data_operations_need_the_personal_data_scope() -> None:
    # given an administrator with a read and write token, without personal_data
    world = build_api_world()
    admin = user_with_role("matrix-admin", "admin")
    caller = Caller(token_for(admin))
    # when it exports or erases a customer
    answers = {op: caller.call(op, world) for op in sorted(PERSONAL_DATA_OPERATIONS)}
    # then both are refused naming the scope
    assert {op: r.status_code for op, r in answers.items()} == dict.fromkeys(answers, 403)
    assert all("personal_data" in r.json()["detail"] for r in answers.values())


@pytest.mark.parametrize("state", ["expired", "revoked"])
def test_expired_and_revoked_tokens_are_refused_everywhere(state: str, settings: Any) -> None:
    # given an administrator's token with every scope that has expired, or been revoked
    # (and no throttling of repeated 401s, which would turn the later answers into 429)
    settings.RELATA_API_AUTH_FAILURE_LIMIT = 0
    world = build_api_world()
    admin = user_with_role("matrix-admin", "admin")
    scopes = [scope.value for scope in TokenScope]
    raw = token_for(admin, scopes)
    token = ApiToken.objects.get(user=admin)
    if state == "expired":
        token.expires_at = timezone.now() - timezone.timedelta(seconds=1)
        token.save(update_fields=["expires_at"])
    else:
        token.revoked = True
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked", "revoked_at"])
    caller = Caller(raw)
    # when it calls every operation that needs a token
    answers = {
        op: caller.call(op, world).status_code
        for op in api_operations()
        if op not in PUBLIC_OPERATIONS
    }
    # then every one is 401
    assert {op: status for op, status in answers.items() if status != 401} == {}


def test_public_operation_needs_no_token() -> None:
    # given no token
    world = build_api_world()
    caller = Caller(None)
    # when the public operations are called
    answers = {op: caller.call(op, world).status_code for op in sorted(PUBLIC_OPERATIONS)}
    # then none asks for authentication (the unknown survey link is a 404)
    assert answers == {"POST /api/surveys/answer/{token}": 404}


def test_users_permissions_are_the_roles() -> None:
    # given users of each role
    users: dict[str, User] = {
        role or "none": user_with_role(f"perm-{role or 'none'}", role) for role in ROLES
    }
    # when their permissions are checked against a few rows of the table
    # then they match the roles the brief describes
    assert users["admin"].has_perm("customers.erase_customer")
    assert not users["back_office"].has_perm("customers.erase_customer")
    assert users["back_office"].has_perm("customers.export_customer")
    assert users["analyst"].has_perm(VIEW_CUSTOMER)
    assert not users["analyst"].has_perm("customers.export_customer")
    assert not users["none"].has_perm(VIEW_CUSTOMER)
