"""/api/outbox: the messages campaigns and triggers made, and the report of an external
sender that delivered one (phone, SMS, post)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from relata.accounts.visibility import can_see_customer
from relata.api.pagination import paginate
from relata.api.permissions import api_user, require_perms, visible_rows
from relata.api.responses import ITEM_ERRORS, READ_ERRORS, WRITE_ERRORS
from relata.api.schemas.common import Page
from relata.api.schemas.engagement_events import OutboxFilters, OutboxOut
from relata.engagement.models import OutboxMessage
from relata.engagement.outbox_selectors import outbox_list, outbox_message
from relata.engagement.outbox_services import outbox_mark_sent

router = Router(tags=["Outbox"])


def _message(request: HttpRequest, message_id: int) -> OutboxMessage:
    """The message, if the user may see its customer (else 404 as for an unknown one)."""
    message = outbox_message(pk=message_id)
    if message is None or not can_see_customer(request.user, message.customer_id):
        raise Http404(_("No outbox message with id %(id)s.") % {"id": message_id})
    return message


@router.get("/", response={200: Page[OutboxOut], **READ_ERRORS}, summary="List messages")
def list_messages(request: HttpRequest, filters: Query[OutboxFilters]) -> dict[str, Any]:
    """Newest first. An external sender polls ``status=queued&channel=sms`` (or phone,
    post), delivers, and reports each with ``POST /api/outbox/{id}/sent``."""
    require_perms(request, "engagement.view_outboxmessage")
    messages = outbox_list(
        status=filters.status or "",
        channel=filters.channel or "",
        source=filters.source or "",
        campaign_id=filters.campaign_id,
        rule_id=filters.rule_id,
        customer_id=filters.customer_id,
    )
    return paginate(request, visible_rows(request, messages), filters)


@router.get("/{message_id}", response={200: OutboxOut, **ITEM_ERRORS}, summary="Get a message")
def get_message(request: HttpRequest, message_id: int) -> OutboxMessage:
    require_perms(request, "engagement.view_outboxmessage")
    return _message(request, message_id)


@router.post(
    "/{message_id}/sent",
    response={200: OutboxOut, **WRITE_ERRORS},
    summary="Report a message delivered",
)
def report_sent(request: HttpRequest, message_id: int) -> OutboxMessage:
    """For a queued phone, SMS or post message. The consent is checked again: when it was
    withdrawn since the message was queued, the answer shows it ``refused`` (with the
    reason) instead of ``sent``. E-mail, and messages not queued, are a 422."""
    require_perms(request, "engagement.change_outboxmessage")
    outbox_mark_sent(message=_message(request, message_id), actor=api_user(request))
    return _message(request, message_id)
