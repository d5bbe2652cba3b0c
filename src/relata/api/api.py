"""The REST API, mounted at /api/. Documentation: /api/docs (for logged-in users)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from ninja import NinjaAPI

from relata.api import (
    audit,
    campaigns,
    complaints,
    consents,
    contacts,
    customers,
    deals,
    errors,
    events,
    influence,
    journeys,
    loyalty,
    offers,
    orders,
    outbox,
    privacy,
    referrals,
    reviews,
    satisfaction,
    scores,
    segments,
    social,
    surveys,
    tasks,
    timeline,
    triggers,
)
from relata.api.auth import TokenAuth

DESCRIPTION = """
Customers, their consents, orders and contact moments of Relata; deals from lead to order;
tasks (routed to a person or a team queue, with the reason); complaints; each customer's
whole timeline; and the scores its value engine computes (read-only).

Engagement: saved segments with their members and a live count for any rule set;
campaigns (launch, results with uplift against control, contacts, responses) and message
templates; events from outside (an NPS answer fires the detractor triggers at once); the
outbox (an external sender reports delivery; consent is checked again); trigger rules and
their firings; the loyalty programme (members, balances, redemptions) and referrals; and
each customer's next best offers, so a web shop can personalise its pages and mails.

**Authentication.** Create a token at `/accounts/tokens/` and send it with every request as
`Authorization: Bearer <token>` (`Authorization: Token <token>` works too). The token acts
with its user's permissions: reading needs the *view* permission of a resource, creating
*add*, updating *change*. Scores need *view* on customer snapshots, and also on customers
where they name customers. On top of that a token has scopes, chosen when it is created:
`read` for GET, `write` for every other method (`POST /api/segments/count` only reads), and
`personal_data` to export or erase a customer's personal data; a missing scope is a `403`
naming it. Tokens expire (30 to 365 days) and can be revoked; an expired, revoked or unknown
token is a `401` saying which. Where the installation lets sales see only their own
accounts, a sales user's token sees only those customers: another customer, or anything of
theirs, answers as if it did not exist.

**Conventions.** Lists take `limit` (1 to 200, default 50) and `offset` and return `count`,
`next`, `previous` and `items`. Dates and date-times are ISO 8601; a date-time without an
offset is read in the installation's time zone. Money, quantities and prices are decimal
strings in responses (`"12.50"`); requests may send strings or numbers. `PATCH` changes only
the fields present in the body.

**Errors.** All are JSON. `401` without a valid token, `403` without the permission, `404`
for an unknown id, `400` for a body that is not JSON, `413` for a body over the upload limit,
`409` when a concurrent write took a unique number first (retry) or, on `PATCH` with a
`version`, when someone else changed the record since you read it (read it again), and
`422` for invalid input, with one entry per problem:
`{"detail": [{"loc": ["body", "payload", "email"], "msg": "...", "type": "..."}]}`.
After many `401` answers an address gets `429` for every request, with `Retry-After`, until
the window ends. A URL no operation matches answers `404`, in JSON too.
"""

api = NinjaAPI(
    title="Relata API",
    version="1",
    description=DESCRIPTION.strip(),
    auth=TokenAuth(),
    docs_decorator=login_required,
    urls_namespace="api",
)
errors.register(api)
api.add_router("/customers/", customers.router)
api.add_router("/orders/", orders.router)
api.add_router("/deals/", deals.router)
api.add_router("/contact-moments/", contacts.router)
api.add_router("/tasks/", tasks.router)
api.add_router("/complaints/", complaints.router)
api.add_router("/scores/", scores.router)
api.add_router("/customers/", scores.customer_router)
api.add_router("/customers/", timeline.customer_router)
api.add_router("/customers/", consents.customer_router)
api.add_router("/consents/", consents.router)
api.add_router("/loyalty/", loyalty.router)
api.add_router("/customers/", loyalty.customer_router)
api.add_router("/referrals/", referrals.router)
api.add_router("/customers/", referrals.customer_router)
api.add_router("/customers/", offers.customer_router)
api.add_router("/offers/", offers.router)
api.add_router("/campaigns/", campaigns.router)
api.add_router("/segments/", segments.router)
api.add_router("/message-templates/", campaigns.template_router)
api.add_router("/events/", events.router)
api.add_router("/outbox/", outbox.router)
api.add_router("/triggers/", triggers.router)
api.add_router("/journeys/", journeys.router)
api.add_router("/influence/", influence.router)
api.add_router("/customers/", influence.customer_router)
api.add_router("/surveys/", surveys.router)
api.add_router("/satisfaction/", satisfaction.router)
api.add_router("/reviews/", reviews.router)
api.add_router("/customers/", reviews.customer_router)
api.add_router("/social-profiles/", social.router)
api.add_router("/customers/", social.customer_router)
api.add_router("/customers/", privacy.customer_router)
api.add_router("/audit/", audit.router)
api.add_router("/customers/", audit.customer_router)
