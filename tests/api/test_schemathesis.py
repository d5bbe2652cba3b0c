"""Property-based tests of the whole API against its own OpenAPI document (schemathesis).

Every operation the document lists is called with generated requests, valid and invalid,
as an administrator whose token carries every scope, over a small set of real rows (so a GET
by id finds something). Each response must pass four checks: no 5xx, a status code the
document declares, a declared content type, and a body that matches the declared schema.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.contrib.auth.models import Group, User
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.db.models import Model
from django.test import Client
from django.utils import timezone
from hypothesis import strategies as st
from ninja import Schema
from ninja.responses import NinjaJSONEncoder
from schemathesis import HookContext
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from relata.accounts.models import ApiToken, TokenScope
from relata.api.api import api
from relata.contacts.models import Complaint, ContactMoment, Task
from relata.customers.models import Customer
from relata.engagement.campaign_services import campaign_launch
from relata.engagement.models import (
    Campaign,
    CampaignContact,
    MessageTemplate,
    OutboxMessage,
    Referral,
    Segment,
    TriggerRule,
)
from relata.engagement.referral_services import referral_code_issue, referral_record
from relata.feedback.models import Review, SocialProfile, Survey
from relata.feedback.survey_services import survey_send
from relata.sales.deal_services import deal_create
from relata.sales.models import Deal, Order, Product
from relata.sales.services import LineInput, order_create
from relata.scoring.services import score_run_create
from tests.engagement.campaign_support import customers_in_segment, email_template, new_campaign
from tests.engagement.programme_support import enrol, programme
from tests.engagement.trigger_support import make_rule
from tests.factories import (
    ComplaintFactory,
    ContactMomentFactory,
    CustomerFactory,
    ProductFactory,
    ReviewFactory,
    SocialProfileFactory,
    SurveyFactory,
    SurveyResponseFactory,
)

OPENAPI_PATH = "/api/openapi.json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _served_document() -> dict[str, Any]:
    """The document /api/openapi.json serves, built without a request (collection time has
    no database for the login that URL asks for; a test below proves the two are equal)."""
    document = api.get_openapi_schema(path_prefix="/api/")
    return json.loads(json.dumps(document, cls=NinjaJSONEncoder))


# The coverage phase adds every boundary and every kind of invalid value the document allows
# (about 10,000 requests, twice the CPU): set RELATA_API_FUZZ_COVERAGE=1 for that deep run. The
# normal suite runs the examples and MAX_EXAMPLES generated requests per operation, valid and
# invalid, the same ones on every run.
COVERAGE_PHASE = os.environ.get("RELATA_API_FUZZ_COVERAGE", "") == "1"
MAX_EXAMPLES = 15
CONFIG = schemathesis.Config.from_dict(
    {"phases": {"coverage": {"enabled": COVERAGE_PHASE, "unexpected-methods": []}}}
)
schema = schemathesis.openapi.from_dict(_served_document(), config=CONFIG)
schema.app = get_wsgi_application()

# Parameter and body field names that name a row, and where the real values come from.
REAL_VALUES: dict[str, tuple[type[Model], str]] = {
    "customer_id": (Customer, "pk"),
    "referred_id": (Customer, "pk"),
    "referrer_id": (Customer, "pk"),
    "number": (Customer, "customer_number"),
    "customer_number": (Customer, "customer_number"),
    "referred_number": (Customer, "customer_number"),
    "order_id": (Order, "pk"),
    "order_number": (Order, "order_number"),
    "product_id": (Product, "pk"),
    "offer_product_id": (Product, "pk"),
    "deal_id": (Deal, "pk"),
    "moment_id": (ContactMoment, "pk"),
    "contact_moment_id": (ContactMoment, "pk"),
    "task_id": (Task, "pk"),
    "complaint_id": (Complaint, "pk"),
    "campaign_id": (Campaign, "pk"),
    "contact_id": (CampaignContact, "pk"),
    "segment_id": (Segment, "pk"),
    "template_id": (MessageTemplate, "pk"),
    "message_id": (OutboxMessage, "pk"),
    "rule_id": (TriggerRule, "pk"),
    "survey_id": (Survey, "pk"),
    "review_id": (Review, "pk"),
    "profile_id": (SocialProfile, "pk"),
    "referral_id": (Referral, "pk"),
    "owner_id": (User, "pk"),
    "account_owner_id": (User, "pk"),
    "assignee_id": (User, "pk"),
    "staff_id": (User, "pk"),
}


class _RealRows:
    """Whether the rows of ``real_rows`` exist (schemathesis also draws a schema's examples
    while collecting tests, when there is no database to read real values from), and the
    token of the survey link among them (only its hash is stored)."""

    ready = False
    survey_token = ""


def _newest(name: str) -> Any:
    if name == "token":
        return _RealRows.survey_token
    model, field = REAL_VALUES[name]
    return model._default_manager.order_by("-pk").values_list(field, flat=True).first()


def _sometimes_real(value: Any) -> st.SearchStrategy[Any]:
    """``value`` as generated, or with each id or number in it swapped for a real row's (the
    newest of its kind, read when drawn, so inside the test's own data)."""
    if not _RealRows.ready:
        return st.just(value)
    if isinstance(value, dict):
        fields = {}
        for name, item in value.items():
            real = _newest(name) if name in REAL_VALUES or name == "token" else None
            if real is not None and type(item) is type(real):
                fields[name] = st.sampled_from([item, real])
            else:
                fields[name] = _sometimes_real(item)
        return st.fixed_dictionaries(fields)
    if isinstance(value, list):
        return st.tuples(*(_sometimes_real(item) for item in value)).map(list)
    return st.just(value)


@schema.hook("flatmap_path_parameters")
def real_path_parameters(context: HookContext, path_parameters: Any) -> st.SearchStrategy[Any]:
    return _sometimes_real(path_parameters)


@schema.hook("flatmap_query")
def real_query(context: HookContext, query: Any) -> st.SearchStrategy[Any]:
    return _sometimes_real(query)


@schema.hook("flatmap_body")
def real_body(context: HookContext, body: Any) -> st.SearchStrategy[Any]:
    return _sometimes_real(body)


@pytest.fixture
def wsgi_keeps_test_transaction() -> Iterator[None]:
    """Django closes "old" connections at the start and end of every request it serves; the
    test client switches that off so the test's transaction survives, and so must we."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def no_auth_throttle(settings: Any) -> None:
    """Schemathesis drops or spoils the token now and then; the 401s must not turn every
    later request of the test into a 429 (the throttle has tests of its own)."""
    settings.RELATA_API_AUTH_FAILURE_LIMIT = 0


@pytest.fixture
def admin_token(db: None) -> str:
    admin = User.objects.create_user("fuzz-admin", password="a-long-test-password")
    admin.groups.add(Group.objects.get(name="admin"))
    _token, raw = ApiToken.issue(
        user=admin, name="schemathesis", scopes=[scope.value for scope in TokenScope]
    )
    return raw


@pytest.fixture
def real_rows(admin_token: str) -> Iterator[None]:
    """One or a few rows of each kind the API serves, so a generated id or number sometimes
    names a real row (see ``REAL_VALUES``)."""
    admin = User.objects.get(username="fuzz-admin")
    customers = customers_in_segment(3)
    organisation = CustomerFactory(kind="organisation", organisation_name="Fuzz BV")
    product = ProductFactory()
    order_create(
        customer=customers[0],
        lines=[LineInput(product=product, quantity=Decimal(2))],
        order_date=timezone.localdate() - timedelta(days=30),
        status="delivered",
    )
    deal_create(customer=organisation, title="Coffee machines", created_by=admin, owner=admin)
    moment = ContactMomentFactory(customer=customers[0])
    Task.objects.create(customer=customers[1], title="Call back", assignee=admin)
    ComplaintFactory(customer=customers[1])
    survey = SurveyFactory()
    SurveyResponseFactory(customer=customers[0], survey=survey, contact_moment=moment)
    sent = survey_send(survey=survey, customer=customers[1], source="api", by_email=False)
    ReviewFactory(customer=customers[2])
    SocialProfileFactory(customer=customers[2])
    programme()
    enrol(customers[0], timezone.localdate() - timedelta(days=60))
    referral_code_issue(customer=customers[0])
    referral_record(referred=organisation, referrer=customers[0])
    make_rule("first_purchase")
    OutboxMessage.objects.create(
        customer=customers[1], channel="sms", purpose="marketing", body="Hello"
    )
    # Last, so the newest campaign is the launched one and owns the newest contacts.
    template = email_template()
    new_campaign(segment=None, template=template, name="Draft")
    campaign_launch(campaign=new_campaign(template=template), send=False)
    # Scores, influence and the customer's scores read the snapshots of a score run.
    score_run_create(period_end=timezone.localdate())
    _RealRows.ready = True
    _RealRows.survey_token = sent.link.rstrip("/").rsplit("/", 1)[-1]
    yield
    _RealRows.ready = False
    _RealRows.survey_token = ""


@schema.parametrize()
@hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_every_operation_answers_as_documented(
    case: schemathesis.Case,
    admin_token: str,
    real_rows: None,
    wsgi_keeps_test_transaction: None,
    no_auth_throttle: None,
) -> None:
    # given a generated request with an administrator's token
    headers = {"Authorization": f"Bearer {admin_token}"}
    # when it is sent, then the response passes every check
    case.call_and_validate(headers=headers, checks=CHECKS)


@pytest.mark.django_db
def test_fuzzed_document_is_the_served_document(admin_token: str) -> None:
    # given a logged-in user (the document is for users of the application)
    client = Client()
    client.force_login(User.objects.get(username="fuzz-admin"))
    # when the document is fetched
    response = client.get(OPENAPI_PATH)
    # then it is the one the tests above fuzz
    assert response.status_code == 200
    assert response.json() == _served_document()


def _subclasses(cls: type) -> Iterator[type]:
    for subclass in cls.__subclasses__():
        yield subclass
        yield from _subclasses(subclass)


def test_every_api_schema_has_a_name_of_its_own() -> None:
    # given the schema classes of the API (all imported by the API object)
    schemas = [cls for cls in _subclasses(Schema) if cls.__module__.startswith("relata.api.")]
    # when they are grouped by class name, which names their OpenAPI component
    modules_by_name: dict[str, set[str]] = {}
    for cls in schemas:
        modules_by_name.setdefault(cls.__name__, set()).add(cls.__module__)
    # then no two share one: the document would describe both with one of them
    assert {name: mods for name, mods in modules_by_name.items() if len(mods) > 1} == {}


@pytest.mark.django_db
def test_api_url_without_an_operation_answers_json_404(admin_token: str) -> None:
    # given a survey URL whose id is not a number (no route matches it)
    client = Client()
    # when it is requested
    response = client.get("/api/surveys/abc", headers={"Authorization": f"Bearer {admin_token}"})
    # then the answer is the API's JSON error, not an HTML page
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "No API operation at this URL."}


@pytest.mark.django_db
def test_page_url_without_a_view_still_answers_the_404_page(admin_token: str) -> None:
    # given a logged-in user
    client = Client()
    client.force_login(User.objects.get(username="fuzz-admin"))
    # when a page that does not exist is requested
    response = client.get("/no-such-page/")
    # then it is Django's 404 page
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
