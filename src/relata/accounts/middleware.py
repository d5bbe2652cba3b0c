""" "Sales see only their own accounts" in the web UI: the guard in front of the views.

When ``AccessSettings.sales_own_accounts_only`` is on, a sales-only user (see
``visibility.own_accounts_only``) is kept to the customers they are account owner of:

* Lists of customers, orders, deals, contact moments, complaints and tasks are filtered in
  their selectors (which take the ``viewer``); this middleware does not touch them.
* A page about one object (``CUSTOMER_OF``) looks up the object's customer from the URL; a
  customer the user may not see answers 404, exactly as if it did not exist.
* A page that creates something for a customer given in the query string or the form
  (``CUSTOMER_PARAMS``) answers 404 for someone else's customer.
* Pages that list named customers across the whole book (``WHOLE_BOOK``: value lists,
  segment members, campaign audiences, survey answers, reviews…) answer 403 to the restricted
  user. Aggregate reports (pyramid, funnel, complaint report, journeys) stay whole-book.

Users who are not restricted pass untouched (one cached look-up per request).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from relata.accounts.visibility import can_see_customer, own_accounts_only


@dataclass(frozen=True)
class Owned:
    """URL argument ``kwarg`` is the pk of ``model`` (None: of the customer itself), whose
    customer is ``customer_field``. ``assignee_field`` also lets a user through whom the
    object is assigned to (a task)."""

    kwarg: str
    model: str | None = None
    customer_field: str = "customer"
    assignee_field: str | None = None


_CUSTOMER = Owned("pk")
_ORDER = Owned("pk", "sales.Order")
_DEAL = Owned("pk", "sales.Deal")
_COMPLAINT = Owned("pk", "contacts.Complaint")
_TASK = Owned("pk", "contacts.Task", assignee_field="assignee")
_REVIEW = Owned("pk", "feedback.Review")
_SOCIAL = Owned("pk", "feedback.SocialProfile")
_MESSAGE = Owned("pk", "engagement.OutboxMessage")

CUSTOMER_OF: dict[str, Owned] = {
    **dict.fromkeys(
        (
            "customers:detail",
            "customers:edit",
            "customers:consent_change",
            "customers:consent_history",
            "customers:contact_person_create",
            "customers:contact_person_edit",
            "customers:contact_person_delete",
            "loyalty:customer",
            "loyalty:redeem",
            "loyalty:adjust",
            "loyalty:leave",
            "referrals:issue_code",
            "audit:customer",
            "privacy:customer",
            "privacy:export_json",
            "privacy:consent_evidence",
            "privacy:erase",
        ),
        _CUSTOMER,
    ),
    "contacts:log": Owned("customer_pk"),
    "surveys:send": Owned("customer_pk"),
    "surveys:send_contact": Owned("moment_pk", "contacts.ContactMoment"),
    **dict.fromkeys(("sales:order_detail", "sales:order_edit"), _ORDER),
    **dict.fromkeys(("deals:detail", "deals:edit", "deals:move"), _DEAL),
    **dict.fromkeys(
        ("complaints:detail", "complaints:edit", "complaints:resolve", "complaints:reopen"),
        _COMPLAINT,
    ),
    **dict.fromkeys(
        (
            "tasks:detail",
            "tasks:edit",
            "tasks:complete",
            "tasks:claim",
            "tasks:assign",
            "tasks:reroute",
        ),
        _TASK,
    ),
    **dict.fromkeys(("reviews:detail", "reviews:edit", "reviews:delete"), _REVIEW),
    **dict.fromkeys(("social:edit", "social:delete"), _SOCIAL),
    **dict.fromkeys(("outbox:detail", "outbox:mark_sent", "outbox:retry"), _MESSAGE),
    "referrals:reward": Owned("pk", "engagement.Referral", customer_field="referrer"),
    "referrals:reject": Owned("pk", "engagement.Referral", customer_field="referrer"),
    "campaigns:contact_respond": Owned("contact_pk", "engagement.CampaignContact"),
}

PK = "pk"
NUMBER = "number"
# Create pages: (method, parameter, what it holds) that name the customer.
CUSTOMER_PARAMS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "sales:order_create": (("GET", "customer", PK), ("POST", "customer", PK)),
    "deals:create": (("GET", "customer", PK), ("POST", "customer", PK)),
    "complaints:log": (("GET", "customer", PK), ("GET", "customer_number", NUMBER)),
    "tasks:create": (("GET", "customer", PK), ("POST", "customer_number", NUMBER)),
    "reviews:create": (("GET", "customer", PK), ("POST", "customer", NUMBER)),
    "social:create": (("GET", "customer", PK), ("POST", "customer", NUMBER)),
    "loyalty:enrol": (("POST", "customer", PK), ("POST", "customer_number", NUMBER)),
}

WHOLE_BOOK = frozenset(
    {
        "customers:duplicates",
        "customers:merge",
        "customers:merge_result",
        "deals:win_back",
        "scoring:customers",
        "scoring:export",
        "segments:detail",
        "segments:preview",
        "segments:export",
        "campaigns:contacts",
        "triggers:firings",
        "triggers:preview",
        "outbox:list",
        "loyalty:members",
        "referrals:list",
        # Recording is done on the list page; a refused form re-renders the whole list.
        "referrals:record",
        "surveys:answers",
        "surveys:invitations",
        "satisfaction:export",
        "reviews:list",
        "social:list",
        "influence:overview",
        "influence:export",
        "quadrant:customers",
        "quadrant:export",
    }
)


def _customer_ids_of(owned: Owned, value: Any, user: Any) -> tuple[bool, int | None]:
    """(assigned to the user, the object's customer id); (False, None) if it does not exist."""
    if owned.model is None:
        return False, int(value)
    model = apps.get_model(owned.model)
    fields = [f"{owned.customer_field}_id"]
    if owned.assignee_field:
        fields.append(f"{owned.assignee_field}_id")
    row = model._default_manager.filter(pk=value).values_list(*fields).first()
    if row is None:
        return False, None
    assigned = bool(owned.assignee_field) and row[1] == user.pk
    return assigned, row[0]


# Parses an id the way the forms behind these pages do (``IntegerField`` takes "+39", "39.0",
# " 39 "…); ids no database column holds find nothing and are left to the view.
_ID_FIELD = forms.IntegerField(min_value=-(2**63), max_value=2**63 - 1)


def _customer_from_param(value: str, holds: str) -> int | None:
    from relata.customers.models import Customer

    value = value.strip()
    if not value:
        return None
    if holds == PK:
        try:
            return int(_ID_FIELD.clean(value))
        except ValidationError:
            return None
    found = Customer.objects.filter(customer_number__iexact=value).values_list("pk", flat=True)
    return found.first()


def _not_visible() -> Http404:
    return Http404(_("No such customer."))


class OwnAccountsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> None:
        match = request.resolver_match
        name = match.view_name if match is not None else ""
        guarded = name in WHOLE_BOOK or name in CUSTOMER_OF or name in CUSTOMER_PARAMS
        # Other pages cost no query here (their lists ask the selectors).
        user = getattr(request, "user", None)
        if not guarded or not own_accounts_only(user):
            return
        if name in WHOLE_BOOK:
            raise PermissionDenied(
                _("This page lists customers of every account; you see only your own accounts.")
            )
        owned = CUSTOMER_OF.get(name)
        if owned is not None and owned.kwarg in view_kwargs:
            assigned, customer_id = _customer_ids_of(owned, view_kwargs[owned.kwarg], user)
            if not assigned and (customer_id is None or not can_see_customer(user, customer_id)):
                raise _not_visible()
        for method, parameter, holds in CUSTOMER_PARAMS.get(name, ()):
            source = request.GET if method == "GET" else request.POST
            if method != request.method and method == "POST":
                continue
            customer_id = _customer_from_param(source.get(parameter, ""), holds)
            if customer_id is not None and not can_see_customer(user, customer_id):
                raise _not_visible()
