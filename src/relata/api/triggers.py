"""/api/triggers: the trigger rules (read-only) and each rule's firings."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from relata.api.pagination import paginate
from relata.api.permissions import require_perms, visible_rows
from relata.api.responses import ITEM_ERRORS, READ_ERRORS
from relata.api.schemas.common import Page
from relata.api.schemas.engagement_events import (
    FiringFilters,
    FiringOut,
    TriggerFilters,
    TriggerRuleOut,
)
from relata.engagement.models import CampaignContact, OutboxMessage, TriggerFiring, TriggerRule
from relata.engagement.trigger_selectors import firing_list, trigger_rule_list

router = Router(tags=["Triggers"])


def with_links(firings: list[TriggerFiring]) -> list[TriggerFiring]:
    """Attach the ids of the outbox messages and campaign contacts each firing made."""
    ids = [f.pk for f in firings]
    messages: dict[int, list[int]] = defaultdict(list)
    for pk, firing_id in OutboxMessage.objects.filter(trigger_firing_id__in=ids).values_list(
        "pk", "trigger_firing_id"
    ):
        messages[firing_id].append(pk)
    contacts: dict[int, list[int]] = defaultdict(list)
    for pk, firing_id in CampaignContact.objects.filter(trigger_firing_id__in=ids).values_list(
        "pk", "trigger_firing_id"
    ):
        contacts[firing_id].append(pk)
    for firing in firings:
        firing.message_ids = messages.get(firing.pk, [])  # type: ignore[attr-defined]
        firing.campaign_contact_ids = contacts.get(firing.pk, [])  # type: ignore[attr-defined]
    return firings


@router.get("/", response={200: Page[TriggerRuleOut], **READ_ERRORS}, summary="List rules")
def list_rules(request: HttpRequest, filters: Query[TriggerFilters]) -> dict[str, Any]:
    """Trigger rules by name, with their settings and the firings of the last 30 days."""
    require_perms(request, "engagement.view_triggerrule")
    return paginate(request, trigger_rule_list(active=filters.active), filters)


@router.get(
    "/{rule_id}/firings",
    response={200: Page[FiringOut], **ITEM_ERRORS},
    summary="List a rule's firings",
)
def list_firings(request: HttpRequest, rule_id: int, filters: Query[FiringFilters]) -> Any:
    """Newest first: who the rule fired for, the occurrence, the outcome and what it made."""
    require_perms(request, "engagement.view_triggerrule", "engagement.view_triggerfiring")
    if not TriggerRule.objects.filter(pk=rule_id).exists():
        raise Http404(_("No trigger rule with id %(id)s.") % {"id": rule_id})
    firings = firing_list(
        rule_id=rule_id,
        outcome=filters.outcome or "",
        customer_id=filters.customer_id,
    )
    page = paginate(request, visible_rows(request, firings), filters)
    page["items"] = with_links(page["items"])
    return page
