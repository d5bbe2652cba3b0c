"""Every web page against every role (issue 7, part 1).

``SPEC`` below is the specification: per URL name, the permission a GET needs and the
permission a POST needs. A URL that exists but is not in the table fails
``test_every_web_url_is_classified``, so a new view cannot ship unclassified. Every role
(and a user without a role, and an anonymous visitor) then requests every URL with both
methods, with real objects behind each ``<int:pk>``, and the answer must match the table:

* anonymous: a redirect to the login page (public pages answer without one);
* lacking the permission: 403 (or 405 where the method is not offered at all);
* holding it: never 403, never a redirect to the login page, never a 500 (an empty POST
  may well answer 200 with form errors, a redirect, or 404).

Whether a role holds a permission is read from ``ROLE_PERMISSIONS`` (the roles' source of
truth), not from the database, so the test also catches a group that drifted from it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse

from relata.accounts import roles
from relata.accounts.models import ApiToken
from relata.contacts.models import Notification, RoutingRule
from relata.customers.models import ContactPerson, CustomerKind
from relata.engagement.models import (
    CampaignContact,
    LoyaltyMember,
    OutboxMessage,
    Referral,
)
from relata.engagement.playbooks import ONBOARDING
from relata.engagement.referral_services import referral_code_issue
from relata.imports.models import ImportBatch, ImportStatus
from tests.contacts.task_support import make_task
from tests.engagement.campaign_support import email_template, new_campaign, segment_of_city
from tests.engagement.trigger_support import buy, make_rule
from tests.factories import (
    ComplaintFactory,
    ContactMomentFactory,
    CustomerFactory,
    ReviewFactory,
    SocialProfileFactory,
    SurveyFactory,
    SurveyResponseFactory,
)
from tests.sales.deal_support import new_deal

ANONYMOUS = "anonymous"
NO_ROLE = "no_role"
ROLES = (
    roles.ADMIN,
    roles.SALES,
    roles.BACK_OFFICE,
    roles.MARKETING,
    roles.ANALYST,
    NO_ROLE,
    ANONYMOUS,
)


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


# Reachable without a login (web.middleware.PUBLIC_PREFIXES).
PUBLIC = _Marker("PUBLIC")
# GET of a POST-only action: 405 for every logged-in user.
POST_ONLY = _Marker("POST_ONLY")
# POST to a page that only reads: it changes nothing, so it needs what GET needs (and may
# answer 405).
READS = _Marker("READS")
# Any logged-in user.
LOGGED_IN = None


@dataclass(frozen=True)
class AnyOf:
    perms: tuple[str, ...]


Need = Any  # None | str | tuple[str, ...] | AnyOf | _Marker

CUSTOMER_IMPORT = ("imports.add_importbatch", "customers.add_customer", "customers.change_customer")
PLAYBOOK_SWITCH = (
    "engagement.add_segment",
    "engagement.add_messagetemplate",
    "engagement.add_campaign",
    "engagement.change_campaign",
    "engagement.add_triggerrule",
    "engagement.change_triggerrule",
)

# URL name → (what GET needs, what POST needs).
SPEC: dict[str, tuple[Need, Need]] = {
    # accounts: every logged-in user manages their own password and API tokens
    "login": (PUBLIC, PUBLIC),
    "logout": (POST_ONLY, LOGGED_IN),
    "password_change": (LOGGED_IN, LOGGED_IN),
    "password_change_done": (LOGGED_IN, READS),
    "api_tokens": (LOGGED_IN, LOGGED_IN),
    "api_token_revoke": (POST_ONLY, LOGGED_IN),  # one's own; others' need change_apitoken
    "api_tokens_all": ("accounts.view_apitoken", READS),
    "access_settings": ("accounts.change_accesssettings", "accounts.change_accesssettings"),
    "web:home": (LOGGED_IN, READS),
    "web:healthz": (PUBLIC, READS),
    # customers
    "customers:list": ("customers.view_customer", READS),
    "customers:create": ("customers.add_customer", "customers.add_customer"),
    "customers:duplicates": ("customers.merge_customer", READS),
    "customers:merge": ("customers.merge_customer", "customers.merge_customer"),
    "customers:merge_result": ("customers.merge_customer", READS),
    "customers:detail": ("customers.view_customer", READS),
    "customers:edit": ("customers.change_customer", "customers.change_customer"),
    "customers:consent_change": ("customers.add_consent", "customers.add_consent"),
    "customers:consent_history": ("customers.view_consent", READS),
    "customers:contact_person_create": (
        "customers.change_contactperson",
        "customers.change_contactperson",
    ),
    "customers:contact_person_edit": (
        "customers.change_contactperson",
        "customers.change_contactperson",
    ),
    "customers:contact_person_delete": (POST_ONLY, "customers.delete_contactperson"),
    # orders and products
    "sales:order_list": ("sales.view_order", READS),
    "sales:order_create": ("sales.add_order", "sales.add_order"),
    "sales:order_detail": ("sales.view_order", READS),
    "sales:order_edit": ("sales.change_order", "sales.change_order"),
    "sales:product_list": ("sales.view_product", READS),
    "sales:product_create": ("sales.change_product", "sales.change_product"),
    "sales:product_edit": ("sales.change_product", "sales.change_product"),
    # deals
    "deals:board": ("sales.view_deal", READS),
    "deals:list": ("sales.view_deal", READS),
    "deals:create": ("sales.add_deal", "sales.add_deal"),
    "deals:funnel": ("sales.view_deal", READS),
    "deals:win_back": ("sales.view_deal", READS),
    "deals:detail": ("sales.view_deal", READS),
    "deals:edit": ("sales.change_deal", "sales.change_deal"),
    "deals:move": (POST_ONLY, "sales.change_deal"),
    # contact moments, complaints, tasks
    "contacts:list": ("contacts.view_contactmoment", READS),
    "contacts:log": (POST_ONLY, "contacts.add_contactmoment"),
    "complaints:list": ("contacts.view_complaint", READS),
    "complaints:log": ("contacts.add_complaint", "contacts.add_complaint"),
    "complaints:report": ("contacts.view_complaint", READS),
    "complaints:detail": ("contacts.view_complaint", READS),
    "complaints:edit": ("contacts.change_complaint", "contacts.change_complaint"),
    "complaints:resolve": (POST_ONLY, "contacts.change_complaint"),
    "complaints:reopen": (POST_ONLY, "contacts.change_complaint"),
    "tasks:inbox": ("contacts.view_task", READS),
    "tasks:create": ("contacts.add_task", "contacts.add_task"),
    "tasks:detail": ("contacts.view_task", READS),
    "tasks:edit": ("contacts.change_task", "contacts.change_task"),
    "tasks:complete": (POST_ONLY, "contacts.change_task"),
    "tasks:claim": (POST_ONLY, "contacts.change_task"),
    "tasks:assign": (POST_ONLY, "contacts.change_task"),
    "tasks:reroute": (POST_ONLY, "contacts.change_task"),
    "tasks:rules": ("contacts.view_routingrule", READS),
    "tasks:rule_create": ("contacts.change_routingrule", "contacts.change_routingrule"),
    "tasks:rule_edit": ("contacts.change_routingrule", "contacts.change_routingrule"),
    "tasks:rule_move": (POST_ONLY, "contacts.change_routingrule"),
    "tasks:rule_delete": (POST_ONLY, "contacts.delete_routingrule"),
    # the bell: every user reads their own notifications
    "tasks:notifications": (LOGGED_IN, READS),
    "tasks:notifications_read": (POST_ONLY, LOGGED_IN),
    "tasks:notification_open": (LOGGED_IN, READS),
    # import (the batch of the requesting user) and export
    "imports:start": (
        AnyOf(
            (
                "imports.add_importbatch",
                "customers.view_customer",
                "sales.view_order",
                "contacts.view_contactmoment",
            )
        ),
        "imports.add_importbatch",
    ),
    "imports:preview": (CUSTOMER_IMPORT, READS),
    "imports:recheck": (POST_ONLY, CUSTOMER_IMPORT),
    "imports:confirm": (POST_ONLY, CUSTOMER_IMPORT),
    "imports:rejects": (CUSTOMER_IMPORT, READS),
    "imports:export": ("customers.view_customer", READS),  # kind=customers
    # customer value
    "scoring:dashboard": ("scoring.view_customersnapshot", READS),
    "scoring:customers": ("customers.view_customer", READS),
    "scoring:export": ("customers.view_customer", READS),
    "scoring:settings": ("scoring.change_scoringsettings", "scoring.change_scoringsettings"),
    "scoring:score_now": (POST_ONLY, "scoring.change_scoringsettings"),
    # marketing
    "playbooks:list": ("engagement.view_campaign", READS),
    "playbooks:switch": (POST_ONLY, PLAYBOOK_SWITCH),
    "campaigns:list": ("engagement.view_campaign", READS),
    "campaigns:create": ("engagement.add_campaign", "engagement.add_campaign"),
    "campaigns:segment_reach": ("engagement.view_campaign", READS),
    "campaigns:detail": ("engagement.view_campaign", READS),
    "campaigns:edit": ("engagement.change_campaign", "engagement.change_campaign"),
    "campaigns:launch": ("engagement.change_campaign", "engagement.change_campaign"),
    "campaigns:finish": (POST_ONLY, "engagement.change_campaign"),
    "campaigns:send_pending": (POST_ONLY, "engagement.change_campaign"),
    "campaigns:contacts": (("engagement.view_campaign", "customers.view_customer"), READS),
    "campaigns:contact_respond": (POST_ONLY, "engagement.change_campaigncontact"),
    "campaigns:template_list": ("engagement.view_messagetemplate", READS),
    "campaigns:template_create": (
        "engagement.add_messagetemplate",
        "engagement.add_messagetemplate",
    ),
    # a preview renders the posted text and stores nothing
    "campaigns:template_preview": (POST_ONLY, "engagement.view_messagetemplate"),
    "campaigns:template_edit": (
        "engagement.change_messagetemplate",
        "engagement.change_messagetemplate",
    ),
    "campaigns:template_delete": (POST_ONLY, "engagement.delete_messagetemplate"),
    "segments:list": ("engagement.view_segment", READS),
    "segments:create": ("engagement.add_segment", "engagement.add_segment"),
    # counts the posted rules and stores nothing
    "segments:preview": (POST_ONLY, "engagement.view_segment"),
    "segments:suggest": ("engagement.view_segment", READS),
    "segments:detail": ("engagement.view_segment", READS),
    "segments:edit": ("engagement.change_segment", "engagement.change_segment"),
    "segments:persona": ("engagement.change_segment", "engagement.change_segment"),
    "segments:duplicate": (POST_ONLY, "engagement.add_segment"),
    "segments:delete": ("engagement.delete_segment", "engagement.delete_segment"),
    "segments:export": (("engagement.view_segment", "customers.view_customer"), READS),
    "triggers:list": ("engagement.view_triggerrule", READS),
    "triggers:create": ("engagement.add_triggerrule", "engagement.add_triggerrule"),
    "triggers:firings": ("engagement.view_triggerfiring", READS),
    "triggers:detail": ("engagement.view_triggerrule", READS),
    "triggers:edit": ("engagement.change_triggerrule", "engagement.change_triggerrule"),
    "triggers:preview": ("engagement.view_triggerrule", READS),  # a dry run
    "triggers:run": (POST_ONLY, "engagement.change_triggerrule"),
    "triggers:toggle": (POST_ONLY, "engagement.change_triggerrule"),
    "outbox:list": ("engagement.view_outboxmessage", READS),
    "outbox:detail": ("engagement.view_outboxmessage", READS),
    "outbox:mark_sent": (POST_ONLY, "engagement.change_outboxmessage"),
    "outbox:retry": (POST_ONLY, "engagement.change_outboxmessage"),
    "loyalty:overview": ("engagement.view_loyaltymember", READS),
    "loyalty:report": ("engagement.view_loyaltymember", READS),
    "loyalty:settings": (
        "engagement.change_loyaltyprogramme",
        "engagement.change_loyaltyprogramme",
    ),
    "loyalty:members": ("engagement.view_loyaltymember", READS),
    "loyalty:enrol": (POST_ONLY, "engagement.add_loyaltymember"),
    "loyalty:customer": ("engagement.view_pointsentry", READS),
    "loyalty:redeem": (POST_ONLY, "engagement.add_pointsentry"),
    "loyalty:adjust": (POST_ONLY, "engagement.add_pointsentry"),
    "loyalty:leave": (POST_ONLY, "engagement.change_loyaltymember"),
    "referrals:list": ("engagement.view_referral", READS),
    "referrals:record": (POST_ONLY, "engagement.add_referral"),
    "referrals:reward": (POST_ONLY, "engagement.change_referral"),
    "referrals:reject": (POST_ONLY, "engagement.change_referral"),
    "referrals:issue_code": (POST_ONLY, "engagement.add_referralcode"),
    "offers:summary": ("engagement.view_offerrun", READS),
    "offers:rules": ("engagement.view_offerrule", READS),
    "offers:recompute": (POST_ONLY, "engagement.add_offerrun"),
    # the audit trail: whole for administrators, per customer for whoever sees the customer
    "audit:list": ("audit.view_auditentry", READS),
    "audit:export": ("audit.view_auditentry", READS),
    "audit:customer": ("customers.view_customer", READS),
    # privacy (GDPR): one customer's data as a page, JSON and consent evidence; erasure
    "privacy:customer": ("customers.export_customer", READS),
    "privacy:export_json": ("customers.export_customer", READS),
    "privacy:consent_evidence": ("customers.export_customer", READS),
    "privacy:erase": ("customers.erase_customer", "customers.erase_customer"),
    "privacy:settings": ("privacy.change_privacysettings", "privacy.change_privacysettings"),
    # customer voice
    "surveys:list": ("feedback.view_survey", READS),
    "surveys:create": ("feedback.add_survey", "feedback.add_survey"),
    "surveys:answers": ("feedback.view_surveyresponse", READS),
    "surveys:invitations": ("feedback.view_surveyinvitation", READS),
    "surveys:send": ("feedback.add_surveyinvitation", "feedback.add_surveyinvitation"),
    "surveys:send_contact": ("feedback.add_surveyinvitation", "feedback.add_surveyinvitation"),
    "surveys:detail": ("feedback.view_survey", READS),
    "surveys:edit": ("feedback.change_survey", "feedback.change_survey"),
    "surveys:toggle": (POST_ONLY, "feedback.change_survey"),
    "satisfaction:overview": ("feedback.view_surveyresponse", READS),
    "satisfaction:export": ("feedback.view_surveyresponse", READS),
    "reviews:list": ("feedback.view_review", READS),
    "reviews:create": ("feedback.add_review", "feedback.add_review"),
    "reviews:detail": ("feedback.view_review", READS),
    "reviews:edit": ("feedback.change_review", "feedback.change_review"),
    "reviews:delete": ("feedback.delete_review", "feedback.delete_review"),
    "social:list": ("feedback.view_socialprofile", READS),
    "social:create": ("feedback.add_socialprofile", "feedback.add_socialprofile"),
    "social:edit": ("feedback.change_socialprofile", "feedback.change_socialprofile"),
    "social:delete": ("feedback.delete_socialprofile", "feedback.delete_socialprofile"),
    "influence:overview": ("scoring.view_customersnapshot", READS),
    "influence:export": ("scoring.view_customersnapshot", READS),
    "quadrant:overview": ("scoring.view_customersnapshot", READS),
    "quadrant:customers": ("scoring.view_customersnapshot", READS),
    "quadrant:export": ("scoring.view_customersnapshot", READS),
    "journeys:overview": ("contacts.view_contactmoment", READS),
    "journeys:cohorts_csv": ("contacts.view_contactmoment", READS),
    # answered by customers and their mail clients, without a login (unknown tokens: 404)
    "survey_public:answer": (PUBLIC, PUBLIC),
    "survey_public:thanks": (PUBLIC, READS),
    "tracking:open": (PUBLIC, READS),
    "tracking:click": (PUBLIC, READS),
}

# What fills each URL's arguments: an attribute of the world (``*_of_role``: the requesting
# user's own object), or a literal.
KWARGS: dict[str, dict[str, str]] = {
    "api_token_revoke": {"pk": "token_of_role"},
    "customers:detail": {"pk": "customer"},
    "customers:edit": {"pk": "customer"},
    "customers:consent_change": {"pk": "customer"},
    "customers:consent_history": {"pk": "customer"},
    "customers:contact_person_create": {"pk": "customer"},
    "customers:contact_person_edit": {"pk": "customer", "person_pk": "contact_person"},
    "customers:contact_person_delete": {"pk": "customer", "person_pk": "contact_person"},
    "audit:customer": {"pk": "customer"},
    "privacy:customer": {"pk": "customer"},
    "privacy:export_json": {"pk": "customer"},
    "privacy:consent_evidence": {"pk": "customer"},
    "privacy:erase": {"pk": "customer"},
    "sales:order_detail": {"pk": "order"},
    "sales:order_edit": {"pk": "order"},
    "sales:product_edit": {"pk": "product"},
    "deals:detail": {"pk": "deal"},
    "deals:edit": {"pk": "deal"},
    "deals:move": {"pk": "deal"},
    "contacts:log": {"customer_pk": "customer"},
    "complaints:detail": {"pk": "complaint"},
    "complaints:edit": {"pk": "complaint"},
    "complaints:resolve": {"pk": "complaint"},
    "complaints:reopen": {"pk": "complaint"},
    "tasks:detail": {"pk": "task"},
    "tasks:edit": {"pk": "task"},
    "tasks:complete": {"pk": "task"},
    "tasks:claim": {"pk": "task"},
    "tasks:assign": {"pk": "task"},
    "tasks:reroute": {"pk": "task"},
    "tasks:rule_edit": {"pk": "routing_rule"},
    "tasks:rule_move": {"pk": "routing_rule"},
    "tasks:rule_delete": {"pk": "routing_rule"},
    "tasks:notification_open": {"pk": "notification_of_role"},
    "imports:preview": {"pk": "batch_of_role"},
    "imports:recheck": {"pk": "batch_of_role"},
    "imports:confirm": {"pk": "batch_of_role"},
    "imports:rejects": {"pk": "batch_of_role"},
    "imports:export": {"kind": "=customers", "file_format": "=csv"},
    "scoring:export": {"file_format": "=csv"},
    "playbooks:switch": {"key": "=" + ONBOARDING},
    "campaigns:detail": {"pk": "campaign"},
    "campaigns:edit": {"pk": "campaign"},
    "campaigns:launch": {"pk": "campaign"},
    "campaigns:finish": {"pk": "campaign"},
    "campaigns:send_pending": {"pk": "campaign"},
    "campaigns:contacts": {"pk": "campaign"},
    "campaigns:contact_respond": {"pk": "campaign", "contact_pk": "campaign_contact"},
    "campaigns:template_edit": {"pk": "template"},
    "campaigns:template_delete": {"pk": "template"},
    "segments:detail": {"pk": "segment"},
    "segments:edit": {"pk": "segment"},
    "segments:persona": {"pk": "segment"},
    "segments:duplicate": {"pk": "segment"},
    "segments:delete": {"pk": "segment"},
    "segments:export": {"pk": "segment"},
    "triggers:detail": {"pk": "trigger"},
    "triggers:edit": {"pk": "trigger"},
    "triggers:preview": {"pk": "trigger"},
    "triggers:run": {"pk": "trigger"},
    "triggers:toggle": {"pk": "trigger"},
    "outbox:detail": {"pk": "message"},
    "outbox:mark_sent": {"pk": "message"},
    "outbox:retry": {"pk": "message"},
    "loyalty:customer": {"pk": "customer"},
    "loyalty:redeem": {"pk": "customer"},
    "loyalty:adjust": {"pk": "customer"},
    "loyalty:leave": {"pk": "customer"},
    "referrals:reward": {"pk": "referral"},
    "referrals:reject": {"pk": "referral"},
    "referrals:issue_code": {"pk": "other_customer"},
    "surveys:send": {"customer_pk": "customer"},
    "surveys:send_contact": {"moment_pk": "moment"},
    "surveys:detail": {"pk": "survey"},
    "surveys:edit": {"pk": "survey"},
    "surveys:toggle": {"pk": "survey"},
    "satisfaction:export": {"file_format": "=csv"},
    "reviews:detail": {"pk": "review"},
    "reviews:edit": {"pk": "review"},
    "reviews:delete": {"pk": "review"},
    "social:edit": {"pk": "social_profile"},
    "social:delete": {"pk": "social_profile"},
    "survey_public:answer": {"token": "=unknown-token"},
    "survey_public:thanks": {"token": "=unknown-token"},
    "tracking:open": {"token": "=unknown-token"},
    "tracking:click": {"token": "=unknown-token"},
}

# Not web pages of Relata: the API (its own matrix), Django's admin, static files, i18n.
SKIPPED_PREFIXES = ("api/", "admin/", "static/", "i18n/", "jsi18n/")


def _web_url_names() -> set[str]:
    def walk(resolver: URLResolver, prefix: str, namespaces: tuple[str, ...]) -> Iterator[str]:
        for pattern in resolver.url_patterns:
            route = prefix + str(pattern.pattern)
            if route.startswith(SKIPPED_PREFIXES):
                continue
            if isinstance(pattern, URLResolver):
                inner = namespaces + ((pattern.namespace,) if pattern.namespace else ())
                yield from walk(pattern, route, inner)
            elif isinstance(pattern, URLPattern):
                yield ":".join((*namespaces, pattern.name or f"<unnamed {route}>"))

    return set(walk(get_resolver(), "", ()))


def role_permissions(role: str) -> frozenset[str]:
    granted = set()
    for label, actions in roles.ROLE_PERMISSIONS.get(role, {}).items():
        app_label, model = label.split(".")
        granted.update(f"{app_label}.{action}_{model}" for action in actions)
    return frozenset(granted)


def holds(role: str, need: Need) -> bool:
    if role == ANONYMOUS:
        return need is PUBLIC
    if need is LOGGED_IN or need is PUBLIC:
        return True
    granted = role_permissions(role)
    if isinstance(need, str):
        return need in granted
    if isinstance(need, AnyOf):
        return any(perm in granted for perm in need.perms)
    return all(perm in granted for perm in need)


@dataclass
class World:
    users: dict[str, User]
    objects: dict[str, Any]
    clients: dict[str, Client]

    def url(self, name: str, role: str) -> str:
        kwargs: dict[str, Any] = {}
        for arg, source in KWARGS.get(name, {}).items():
            if source.startswith("="):
                kwargs[arg] = source[1:]
            elif source.endswith("_of_role"):
                owner = role if role in self.users else roles.ADMIN
                kwargs[arg] = self.objects[source][owner].pk
            else:
                kwargs[arg] = self.objects[source].pk
        return reverse(name, kwargs=kwargs)


CUSTOMER_CSV = b"customer_number;first_name;last_name\r\nK1;Jan;Jansen\r\n"


def _build_world() -> World:
    users: dict[str, User] = {}
    for role in (
        roles.ADMIN,
        roles.SALES,
        roles.BACK_OFFICE,
        roles.MARKETING,
        roles.ANALYST,
        NO_ROLE,
    ):
        user = User.objects.create_user(f"matrix_{role}")
        if role != NO_ROLE:
            user.groups.add(Group.objects.get(name=role))
        users[role] = user
    customer = CustomerFactory(
        kind=CustomerKind.ORGANISATION,
        organisation_name="Matrix BV",
        account_owner=users[roles.SALES],
    )
    other = CustomerFactory(account_owner=users[roles.SALES])
    order = buy(customer, date(2026, 5, 1))
    campaign = new_campaign(segment=segment_of_city("Matrix segment"))
    survey = SurveyFactory()
    SurveyResponseFactory(survey=survey, customer=customer)
    LoyaltyMember.objects.create(
        customer=customer, member_number="M-MATRIX", joined_on=date(2026, 1, 1)
    )
    code = referral_code_issue(customer=customer)
    batches = {}
    for role, user in users.items():
        batch = ImportBatch(
            kind="customers",
            original_name="matrix.csv",
            size=len(CUSTOMER_CSV),
            options={},
            created_by=user,
            status=ImportStatus.IMPORTED,
        )
        batch.file.save("matrix.csv", ContentFile(CUSTOMER_CSV), save=False)
        batch.save()
        batches[role] = batch
    objects = {
        "customer": customer,
        "other_customer": other,
        "contact_person": ContactPerson.objects.create(
            organisation=customer, last_name="Bakker", dmu_role="user"
        ),
        "order": order,
        "product": order.lines.get().product,
        "deal": new_deal(customer=customer, owner=users[roles.SALES]),
        "complaint": ComplaintFactory(customer=customer),
        "task": make_task(customer),
        "routing_rule": RoutingRule.objects.first(),
        "moment": ContactMomentFactory(customer=customer),
        "campaign": campaign,
        "campaign_contact": CampaignContact.objects.create(
            campaign=campaign, customer=customer, token="matrix-token"
        ),
        "template": email_template(name="Matrix template"),
        "segment": campaign.segment,
        "trigger": make_rule("birthday"),
        "message": OutboxMessage.objects.create(
            customer=customer, channel="phone", purpose="marketing", body="Call about spring"
        ),
        "referral": Referral.objects.create(
            referrer=customer, referred=other, code=code, referred_on=date(2026, 2, 1)
        ),
        "survey": survey,
        "review": ReviewFactory(customer=customer),
        "social_profile": SocialProfileFactory(customer=customer),
        "token_of_role": {
            role: ApiToken.issue(user=user, name="matrix")[0] for role, user in users.items()
        },
        "notification_of_role": {
            role: Notification.objects.create(recipient=user, kind="task_assigned", url="/")
            for role, user in users.items()
        },
        "batch_of_role": batches,
    }
    clients = {ANONYMOUS: Client()}
    for role, user in users.items():
        # logged in once: the session rows belong to the world, like everything else
        clients[role] = Client()
        clients[role].force_login(user)
    return World(users=users, objects=objects, clients=clients)


@pytest.fixture(scope="module")
def world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """One world for the whole module, built in a transaction that is rolled back at the end;
    each test runs in its own savepoint, so what an empty POST changes is undone too."""
    media = override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("matrix_media")))
    media.enable()
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        built = _build_world()
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
        media.disable()


def _is_login_redirect(response: Any) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/accounts/login/")


_TARGET = re.compile(r'\b(href|action|hx-get|hx-post)="(/[^"]*)"')


def _unusable_targets(page: str, role: str) -> list[str]:
    """Links, forms and htmx requests on a page that lead the role to a 403."""
    unusable = []
    for attribute, target in _TARGET.findall(page):
        path = urlsplit(html.unescape(target)).path
        if path.startswith(tuple("/" + prefix for prefix in SKIPPED_PREFIXES)):
            continue
        try:
            name = resolve(path).view_name
        except Resolver404:
            continue
        get_need, post_need = SPEC.get(name, (LOGGED_IN, LOGGED_IN))
        posts = attribute in ("action", "hx-post") or get_need is POST_ONLY
        need = post_need if posts else get_need
        if need is READS:
            need = get_need
        if need is not PUBLIC and not holds(role, need):
            unusable.append(f"{attribute}={path} ({name} needs {need!r})")
    return unusable


# Logging out answers with the login page, as it should.
ENDS_THE_SESSION = {"logout"}

CASES = [
    pytest.param(role, name, method, id=f"{role}-{method}-{name}")
    for name in sorted(SPEC)
    for method in ("GET", "POST")
    for role in ROLES
]


def test_every_web_url_is_classified() -> None:
    # given every named web URL the resolver knows
    names = _web_url_names()
    # then each one has a row in the table, and the table names no URL that is gone
    assert sorted(names - set(SPEC)) == [], "classify these URLs in SPEC"
    assert sorted(set(SPEC) - names) == [], "these URLs in SPEC no longer exist"


@pytest.mark.django_db
def test_roles_in_the_database_match_role_permissions(world: World) -> None:
    # given the users of the world, one per role
    for role in (roles.ADMIN, roles.SALES, roles.BACK_OFFICE, roles.MARKETING, roles.ANALYST):
        user = User.objects.get(pk=world.users[role].pk)
        # then their permissions are the role's, no more, no less
        assert user.get_all_permissions() == role_permissions(role), role


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "name", "method"), CASES)
def test_role_gets_what_the_table_says(world: World, role: str, name: str, method: str) -> None:
    # given a user of the role (or none) and the rule for this URL and method
    get_need, post_need = SPEC[name]
    need = get_need if method == "GET" else post_need
    client = world.clients[role]
    if name in ENDS_THE_SESSION and role != ANONYMOUS:
        client = Client()  # the shared client's session must outlive this test
        client.force_login(world.users[role])
    url = world.url(name, role)
    # when they request it
    response = client.get(url) if method == "GET" else client.post(url, {})
    status = response.status_code
    # then the answer is the one the table gives
    assert status < 500, f"{method} {url}: {status}"
    if need is READS:
        need = get_need
    if need is PUBLIC:
        assert not _is_login_redirect(response)
        return
    if role == ANONYMOUS:
        assert _is_login_redirect(response), f"{method} {url}: {status}"
        return
    if need is POST_ONLY:
        assert status == 405, f"{method} {url}: {status}"
        return
    if name not in ENDS_THE_SESSION:
        assert not _is_login_redirect(response), f"{method} {url}: treated as anonymous"
    if holds(role, need):
        assert status != 403, f"{method} {url} needs {need!r}: {status}"
        if method == "GET" and status == 200 and "html" in response.get("Content-Type", ""):
            assert _unusable_targets(response.content.decode(), role) == [], url
    else:
        allowed = (403, 405) if method == "POST" and post_need is READS else (403,)
        assert status in allowed, f"{method} {url} needs {need!r}: {status}"
