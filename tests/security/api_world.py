"""One of everything the API serves, for tests that call every operation with real ids.

``build_api_world`` makes a customer with an order, a deal, a contact moment, a task, a
complaint, consents, loyalty, a referral, a segment, a campaign with a contact, an outbox
message, a trigger rule with a firing, a survey, a review, a social profile and a score run;
``path_values`` and ``request_body`` fill an operation's path and body from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from relata.accounts.models import ApiToken, TokenScope
from relata.contacts.complaint_services import complaint_create
from relata.contacts.models import Complaint, ContactMoment, Task
from relata.contacts.services import contact_moment_log
from relata.contacts.task_services import task_create
from relata.customers.models import Consent, Customer
from relata.engagement.models import (
    Campaign,
    CampaignContact,
    LoyaltyMember,
    LoyaltyProgramme,
    MessageTemplate,
    OutboxMessage,
    Referral,
    ReferralCode,
    Segment,
    TriggerFiring,
    TriggerRule,
)
from relata.feedback.models import Review, SocialProfile, Survey, SurveyInvitation
from relata.sales.deal_services import deal_create
from relata.sales.models import Deal, Order, Product
from relata.sales.services import LineInput, order_create
from relata.scoring.models import CustomerSnapshot, RunStatus, ScoreRun
from tests.factories import (
    CustomerFactory,
    ProductFactory,
    ReviewFactory,
    SocialProfileFactory,
    SurveyFactory,
    SurveyResponseFactory,
    user_with_role,
)

ROLES = ("admin", "sales", "back_office", "marketing", "analyst", None)
READ_WRITE = [TokenScope.READ.value, TokenScope.WRITE.value]


@dataclass
class ApiWorld:
    owner: User
    customer: Customer
    other: Customer
    product: Product
    order: Order
    deal: Deal
    moment: ContactMoment
    task: Task
    complaint: Complaint
    segment: Segment
    template: MessageTemplate
    campaign: Campaign
    contact: CampaignContact
    message: OutboxMessage
    rule: TriggerRule
    referral: Referral
    survey: Survey
    review: Review
    profile: SocialProfile



def token_for(user: User, scopes: list[str] | None = None, **fields: Any) -> str:
    _token, raw = ApiToken.issue(
        user=user, name="matrix", scopes=scopes if scopes is not None else READ_WRITE, **fields
    )
    return raw


def build_api_world(owner: User | None = None, tag: str = "W") -> ApiWorld:
    """Every object in the world belongs to ``customer`` (account owner ``owner``), except
    the referred customer ``other`` (same owner). ``tag`` keeps the unique names and numbers
    of two worlds apart."""
    owner = owner or user_with_role(f"world-owner-{tag}", "sales")
    customer = CustomerFactory(account_owner=owner, customer_number=f"{tag}000001")
    other = CustomerFactory(account_owner=owner, customer_number=f"{tag}000002")
    Consent.objects.create(
        customer=customer, channel="phone", purpose="marketing", granted=True, source="test"
    )
    product = ProductFactory(sku=f"WORLD-{tag}")
    today = timezone.localdate()
    order = order_create(
        customer=customer,
        lines=[LineInput(product=product, quantity=Decimal(1))],
        order_date=today - timedelta(days=3),
        status="delivered",
    )
    deal = deal_create(customer=customer, title="Espresso machine", created_by=owner, owner=owner)
    moment = contact_moment_log(
        customer=customer, channel="phone", touchpoint="service", subject="Question"
    )
    task = task_create(customer=customer, title="Call back", actor=owner, assignee=owner)
    complaint = complaint_create(
        customer=customer, channel="phone", touchpoint="delivery", cause="delivery", subject="Late"
    )
    everyone = {"match": "all", "rules": [{"field": "city", "op": "eq", "value": "Utrecht"}]}
    segment = Segment.objects.create(name=f"World {tag}", rules=everyone)
    template = MessageTemplate.objects.create(name=f"World {tag}", channel="email", body="Hi")
    campaign = Campaign.objects.create(name=f"World {tag}", channel="email", segment=segment)
    contact = CampaignContact.objects.create(campaign=campaign, customer=customer, token=tag)
    message = OutboxMessage.objects.create(customer=customer, channel="phone", body="Call")
    rule = TriggerRule.objects.create(name=f"World {tag}", event="complaint", action="notice")
    TriggerFiring.objects.create(rule=rule, customer=customer, event_key="world:1")
    LoyaltyProgramme.current()
    LoyaltyMember.objects.create(customer=customer, member_number=f"{tag}M1")
    code = ReferralCode.objects.create(customer=customer, code=f"{tag}CODE")
    referral = Referral.objects.create(referrer=customer, referred=other, code=code)
    survey = SurveyFactory()
    SurveyResponseFactory(survey=survey, customer=customer)
    SurveyInvitation.objects.create(
        survey=survey,
        customer=customer,
        token_hash=f"{tag}-invitation",
        expires_at=timezone.now() + timedelta(days=30),
    )
    review = ReviewFactory(customer=customer)
    profile = SocialProfileFactory(customer=customer)
    run = ScoreRun.objects.filter(period_end=today, status=RunStatus.COMPLETE).first()
    run = run or ScoreRun.objects.create(period_end=today, status=RunStatus.COMPLETE)
    CustomerSnapshot.objects.create(
        run=run,
        period_end=today,
        customer=customer,
        tier=1,
        movement=4,
        rfm_segment=1,
        value_grid=1,
        churn_level=1,
        lifecycle_stage=4,
    )
    return ApiWorld(
        owner=owner,
        customer=customer,
        other=other,
        product=product,
        order=order,
        deal=deal,
        moment=moment,
        task=task,
        complaint=complaint,
        segment=segment,
        template=template,
        campaign=campaign,
        contact=contact,
        message=message,
        rule=rule,
        referral=referral,
        survey=survey,
        review=review,
        profile=profile,
    )


def path_values(world: ApiWorld) -> dict[str, str]:
    return {
        "customer_id": str(world.customer.pk),
        "number": world.customer.customer_number,
        "order_id": str(world.order.pk),
        "deal_id": str(world.deal.pk),
        "moment_id": str(world.moment.pk),
        "task_id": str(world.task.pk),
        "complaint_id": str(world.complaint.pk),
        "referral_id": str(world.referral.pk),
        "campaign_id": str(world.campaign.pk),
        "contact_id": str(world.contact.pk),
        "segment_id": str(world.segment.pk),
        "message_id": str(world.message.pk),
        "rule_id": str(world.rule.pk),
        "survey_id": str(world.survey.pk),
        "review_id": str(world.review.pk),
        "profile_id": str(world.profile.pk),
        "token": "no-such-link",
    }


def fill_path(path: str, world: ApiWorld) -> str:
    values = path_values(world)
    return re.sub(r"\{(?:int:)?(\w+)\}", lambda match: values[match.group(1)], path)


def query_parameters(operation: str, world: ApiWorld) -> dict[str, str]:
    """The required query parameters of an operation."""
    if operation == "GET /api/offers/":
        return {"customer_number": world.customer.customer_number}
    return {}


def request_body(operation: str, world: ApiWorld) -> dict[str, Any] | None:
    """A body that passes the operation's schema, naming the world's objects."""
    customer = world.customer.pk
    world.deal.refresh_from_db()
    world.task.refresh_from_db()
    world.complaint.refresh_from_db()
    world.segment.refresh_from_db()
    world.campaign.refresh_from_db()
    rules = {"match": "all", "rules": [{"field": "city", "op": "eq", "value": "Delft"}]}
    bodies: dict[str, dict[str, Any]] = {
        "POST /api/customers/": {"last_name": "Matrix"},
        "PATCH /api/customers/{customer_id}": {"city": "Delft"},
        "POST /api/orders/": {
            "customer_id": customer,
            "lines": [{"product_id": world.product.pk, "quantity": 1}],
        },
        "PATCH /api/orders/{order_id}": {"notes": "checked"},
        "POST /api/deals/": {"customer_id": customer, "title": "Grinder"},
        "PATCH /api/deals/{deal_id}": {"version": world.deal.version, "notes": "call"},
        "POST /api/deals/{deal_id}/move": {"stage": "qualified", "version": world.deal.version},
        "POST /api/contact-moments/": {
            "customer_id": customer,
            "channel": "phone",
            "touchpoint": "service",
            "subject": "Matrix",
        },
        "PATCH /api/contact-moments/{moment_id}": {"notes": "checked"},
        "POST /api/tasks/": {"customer_id": customer, "title": "Matrix"},
        "PATCH /api/tasks/{task_id}": {"version": world.task.version, "title": "Matrix"},
        "POST /api/tasks/{task_id}/complete": {"version": world.task.version},
        "POST /api/complaints/": {
            "customer_id": customer,
            "channel": "phone",
            "touchpoint": "delivery",
            "cause": "delivery",
            "subject": "Matrix",
        },
        "PATCH /api/complaints/{complaint_id}": {
            "version": world.complaint.version,
            "description": "checked",
        },
        "POST /api/complaints/{complaint_id}/resolve": {"resolution": "Refunded"},
        "POST /api/complaints/{complaint_id}/reopen": {},
        "POST /api/customers/{customer_id}/erase": {"reason": "Asked to be forgotten"},
        "POST /api/customers/{customer_id}/consents": {
            "channel": "email",
            "purpose": "newsletter",
            "granted": True,
            "source": "matrix",
        },
        "POST /api/loyalty/members": {"customer_id": world.other.pk},
        "POST /api/customers/{customer_id}/loyalty/redeem": {"points": 1},
        "POST /api/referrals/": {
            "code": ReferralCode.objects.get(customer=world.customer).code,
            "referred_id": world.other.pk,
        },
        "POST /api/referrals/{referral_id}/reject": {"reason": "Matrix"},
        "POST /api/campaigns/": {"name": "Matrix"},
        "PATCH /api/campaigns/{campaign_id}": {"version": world.campaign.version},
        "POST /api/campaigns/{campaign_id}/launch": {"version": world.campaign.version},
        "POST /api/campaigns/{campaign_id}/contacts/{contact_id}/response": {},
        "POST /api/segments/": {"name": "Matrix", "rules": rules},
        "POST /api/segments/count": {"rules": rules},
        "PATCH /api/segments/{segment_id}": {"version": world.segment.version},
        "POST /api/events/": {"customer_id": customer, "kind": "external", "name": "visit"},
        "POST /api/surveys/": {"name": "Matrix"},
        "PATCH /api/surveys/{survey_id}": {"name": "Matrix 2"},
        "POST /api/surveys/{survey_id}/invitations": {"customer_id": customer, "delivery": "link"},
        "POST /api/surveys/responses": {"customer_id": customer, "nps": 9},
        "POST /api/surveys/answer/{token}": {"nps": 9},
        "POST /api/reviews/": {"customer_id": customer, "rating": 4},
        "PATCH /api/reviews/{review_id}": {"title": "Matrix"},
        "POST /api/social-profiles/": {
            "customer_id": customer,
            "platform": "instagram",
            "handle": "matrix",
        },
        "PATCH /api/social-profiles/{profile_id}": {"followers": 10},
    }
    return bodies.get(operation)


class Caller:
    """Calls an operation with a token; server errors come back as 500, not as exceptions."""

    def __init__(self, raw_token: str | None) -> None:
        self.client = Client(raise_request_exception=False)
        self.headers = {"Authorization": f"Bearer {raw_token}"} if raw_token else {}

    def call(self, operation: str, world: ApiWorld) -> Any:
        method, path = operation.split(" ", 1)
        url = fill_path(path, world)
        if method == "GET":
            return self.client.get(url, query_parameters(operation, world), headers=self.headers)
        body = request_body(operation, world)
        send = getattr(self.client, method.lower())
        if body is None:
            return send(url, headers=self.headers)
        return send(url, body, content_type="application/json", headers=self.headers)

    def call_url(self, url: str) -> Any:
        return self.client.get(url, headers=self.headers)

    def post_json(self, url: str, body: Any) -> Any:
        return self.client.post(url, body, content_type="application/json", headers=self.headers)
