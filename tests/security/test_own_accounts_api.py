""" "Sales see only their own accounts" in the API (issue 7, part 1).

Two worlds with one of everything: one whose customers the sales user owns, one of a
colleague. With the installation setting on, the sales user's lists hold only their own
customers' rows, the colleague's objects answer 404 as if they did not exist (to reads and to
writes alike), and a body naming a colleague's customer is refused like an unknown customer.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User

from relata.accounts.models import AccessSettings
from relata.customers.models import Customer
from relata.engagement.models import Referral, ReferralCode
from tests.factories import CustomerFactory
from tests.security.api_world import (
    ApiWorld,
    Caller,
    build_api_world,
    token_for,
    user_with_role,
)
from tests.security.test_api_role_matrix import PERMISSIONS, api_operations, is_write

pytestmark = pytest.mark.django_db

# Path parameters that name something belonging to one customer.
CUSTOMER_LINKED = (
    "{customer_id}",
    "{number}",
    "{order_id}",
    "{deal_id}",
    "{moment_id}",
    "{task_id}",
    "{complaint_id}",
    "{referral_id}",
    "{contact_id}",
    "{message_id}",
    "{review_id}",
    "{profile_id}",
)
# Lists of rows that belong to customers (path parameters are filled from the own world).
CUSTOMER_LISTS = (
    "GET /api/customers/",
    "GET /api/orders/",
    "GET /api/deals/",
    "GET /api/contact-moments/",
    "GET /api/tasks/",
    "GET /api/complaints/",
    "GET /api/consents/",
    "GET /api/scores/customers",
    "GET /api/loyalty/members",
    "GET /api/referrals/",
    "GET /api/outbox/",
    "GET /api/reviews/",
    "GET /api/social-profiles/",
    "GET /api/surveys/responses",
    "GET /api/surveys/invitations",
    "GET /api/segments/{segment_id}/members",
)
# Lists of one campaign's or rule's rows: of the colleague's campaign, the sales user sees
# none.
PER_OBJECT_LISTS = (
    "GET /api/campaigns/{campaign_id}/contacts",
    "GET /api/triggers/{rule_id}/firings",
)


def set_own_accounts_only(on: bool) -> None:
    settings_row = AccessSettings.current()
    settings_row.sales_own_accounts_only = on
    settings_row.save()


def customer_linked(operation: str) -> bool:
    return any(name in operation for name in CUSTOMER_LINKED) or operation == "GET /api/offers/"


def permitted(user: User, operation: str) -> bool:
    return all(user.has_perm(perm) for perm in PERMISSIONS.get(operation, ("-",)))


class Worlds:
    def __init__(self) -> None:
        self.me = user_with_role("own-sales", "sales")
        self.colleague = user_with_role("colleague", "sales")
        self.mine = build_api_world(owner=self.me, tag="M")
        self.theirs = build_api_world(owner=self.colleague, tag="T")
        self.caller = Caller(token_for(self.me))


@pytest.fixture
def worlds() -> Worlds:
    set_own_accounts_only(True)
    return Worlds()


def rows(caller: Caller, operation: str, world: ApiWorld) -> int:
    response = caller.call(operation, world)
    assert response.status_code == 200, (operation, response.content[:300])
    return int(response.json()["count"])


def test_lists_hold_only_the_own_customers_rows(worlds: Worlds) -> None:
    # given an administrator, who sees both worlds
    admin = Caller(token_for(user_with_role("own-admin", "admin")))
    # when the restricted sales user and the administrator read every customer list
    counts = {
        op: (rows(worlds.caller, op, worlds.mine), rows(admin, op, worlds.mine))
        for op in CUSTOMER_LISTS
    }
    # then the sales user sees exactly the own world's rows: half of what the administrator
    # sees (the two worlds are alike), and never none
    wrong = {op: seen for op, seen in counts.items() if seen[0] == 0 or seen[0] * 2 != seen[1]}
    assert wrong == {}


def test_a_colleagues_campaign_contacts_and_firings_are_left_out(worlds: Worlds) -> None:
    # given a campaign and a trigger rule in each world, each with a row for its customer
    # when the sales user lists the rows of their own and of the colleague's
    counts = {
        op: (rows(worlds.caller, op, worlds.mine), rows(worlds.caller, op, worlds.theirs))
        for op in PER_OBJECT_LISTS
    }
    # then they see their own customer's row and not the colleague's
    assert counts == dict.fromkeys(PER_OBJECT_LISTS, (1, 0))


def test_customer_list_shows_only_own_customers(worlds: Worlds) -> None:
    # given the two worlds
    # when the sales user lists customers
    body = worlds.caller.call("GET /api/customers/", worlds.mine).json()
    # then exactly their own customers are listed
    own = set(Customer.objects.filter(account_owner=worlds.me).values_list("pk", flat=True))
    assert {item["id"] for item in body["items"]} == own
    assert body["count"] == len(own) == 2


def test_everything_of_a_colleagues_customer_is_404(worlds: Worlds) -> None:
    # given the colleague's world
    # when the sales user calls every operation that names one of its customers' objects
    answers: dict[str, int] = {}
    for operation in api_operations():
        if not customer_linked(operation) or not permitted(worlds.me, operation):
            continue
        answers[operation] = worlds.caller.call(operation, worlds.theirs).status_code
    # then each answers 404, as for an object that does not exist
    assert len(answers) > 30
    assert {op: status for op, status in answers.items() if status != 404} == {}


def test_the_own_customers_objects_are_served(worlds: Worlds) -> None:
    # given the sales user's own world
    # when they read every object of it
    answers: dict[str, int] = {}
    for operation in api_operations():
        if is_write(operation) or not customer_linked(operation):
            continue
        if permitted(worlds.me, operation):
            answers[operation] = worlds.caller.call(operation, worlds.mine).status_code
    # then each is served
    assert answers
    assert {op: status for op, status in answers.items() if status != 200} == {}


@pytest.mark.parametrize(
    ("operation", "field"),
    [
        ("POST /api/orders/", "customer_id"),
        ("POST /api/deals/", "customer_id"),
        ("POST /api/contact-moments/", "customer_id"),
        ("POST /api/tasks/", "customer_id"),
        ("POST /api/complaints/", "customer_id"),
        ("POST /api/events/", "customer_id"),
        ("POST /api/loyalty/members", "customer_id"),
        ("POST /api/referrals/", "referred_id"),
        ("POST /api/reviews/", "customer_id"),
        ("POST /api/social-profiles/", "customer_id"),
        ("POST /api/surveys/responses", "customer_id"),
        ("POST /api/surveys/{survey_id}/invitations", "customer_id"),
    ],
)
def test_a_body_naming_a_colleagues_customer_is_refused_as_unknown(
    worlds: Worlds, operation: str, field: str
) -> None:
    # given a request body that names the colleague's customer
    # when the sales user sends it
    response = worlds.caller.call(operation, worlds.theirs)
    # then it is refused naming the field, exactly as for a customer that does not exist
    assert response.status_code == 422, response.content
    locs = [error["loc"] for error in response.json()["detail"]]
    assert ["body", "payload", field] in locs
    assert "No customer with" in response.json()["detail"][0]["msg"]


def test_nothing_of_a_colleagues_customer_changes(worlds: Worlds) -> None:
    # given the colleague's world
    theirs = worlds.theirs
    # when the sales user tries every write on it
    for operation in api_operations():
        if is_write(operation) and customer_linked(operation) and permitted(worlds.me, operation):
            worlds.caller.call(operation, theirs)
    # then the colleague's customer, deal and task are as they were
    customer = Customer.objects.get(pk=theirs.customer.pk)
    assert (customer.city, customer.version) == (theirs.customer.city, theirs.customer.version)
    theirs.deal.refresh_from_db()
    assert theirs.deal.stage == "lead"
    theirs.task.refresh_from_db()
    assert theirs.task.status == "open"


def test_a_new_customer_of_a_restricted_user_is_their_own(worlds: Worlds) -> None:
    # given the restricted sales user
    # when they create a customer without naming an account owner
    response = worlds.caller.post_json("/api/customers/", {"last_name": "Nieuw"})
    # then it is theirs, so they see it
    assert response.status_code == 201
    assert response.json()["account_owner_id"] == worlds.me.pk
    assert worlds.caller.call_url(f"/api/customers/{response.json()['id']}").status_code == 200


def test_with_the_setting_off_sales_see_every_customer(worlds: Worlds) -> None:
    # given the setting switched off again
    set_own_accounts_only(False)
    # when the sales user reads a colleague's customer and lists customers
    detail = worlds.caller.call("GET /api/customers/{customer_id}", worlds.theirs)
    listed = worlds.caller.call("GET /api/customers/", worlds.mine).json()
    # then everything is visible
    assert detail.status_code == 200
    assert listed["count"] == 4


@pytest.mark.parametrize("second_role", ["back_office", "marketing", "analyst", "admin"])
def test_sales_with_another_role_see_every_customer(worlds: Worlds, second_role: str) -> None:
    # given a sales user who also holds another customer-facing role
    worlds.me.groups.add(Group.objects.get(name=second_role))
    caller = Caller(token_for(User.objects.get(pk=worlds.me.pk)))
    # when they read a colleague's customer
    response = caller.call("GET /api/customers/{customer_id}", worlds.theirs)
    # then it is visible: only sales-only users are restricted
    assert response.status_code == 200


def test_timeline_scores_and_consents_of_a_colleagues_customer_are_404(worlds: Worlds) -> None:
    # given the colleague's customer
    pk = worlds.theirs.customer.pk
    # when the sales user asks for its timeline, scores and consents
    paths = [f"/api/customers/{pk}/{part}" for part in ("timeline", "scores", "consents")]
    answers = {path: worlds.caller.call_url(path) for path in paths}
    # then each is a 404 saying no such customer
    assert {path: r.status_code for path, r in answers.items()} == dict.fromkeys(paths, 404)
    assert all(f"No customer with id {pk}" in r.json()["detail"] for r in answers.values())


def test_a_colleagues_referral_code_is_unknown_to_a_restricted_user(worlds: Worlds) -> None:
    # given the referral code of the colleague's customer and a new customer of the sales user
    code = ReferralCode.objects.get(customer=worlds.theirs.customer).code
    newcomer = CustomerFactory(account_owner=worlds.me)
    before = Referral.objects.filter(referrer=worlds.theirs.customer).count()
    # when the sales user records a referral with that code
    response = worlds.caller.post_json(
        "/api/referrals/", {"code": code, "referred_id": newcomer.pk}
    )
    # then it is refused as an unknown code and nothing is recorded on the colleague's customer
    assert response.status_code == 422, response.content
    assert "No referral code" in str(response.json()["detail"])
    assert Referral.objects.filter(referrer=worlds.theirs.customer).count() == before
    assert not Referral.objects.filter(referred=newcomer).exists()
