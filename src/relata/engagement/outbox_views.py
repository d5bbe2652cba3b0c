"""Outbox pages: the list with its filters, a message with why it was refused or failed,
"mark sent" for queued phone/SMS/post messages and "send again" for failed e-mail."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relata.engagement.models import MessageStatus, OutboxMessage
from relata.engagement.outbox_forms import OutboxFilterForm
from relata.engagement.outbox_selectors import outbox_list, outbox_message
from relata.engagement.outbox_services import outbox_mark_sent, outbox_retry
from relata.web.http import HtmxHttpRequest, int_param
from relata.web.pagination import paginate_estimated


@login_required
@permission_required("engagement.view_outboxmessage", raise_exception=True)
def message_list(request: HtmxHttpRequest) -> HttpResponse:
    form = OutboxFilterForm(request.GET or None)
    chosen: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    campaign, rule = chosen.get("campaign"), chosen.get("rule")
    queryset = outbox_list(
        status=chosen.get("status") or "",
        channel=chosen.get("channel") or "",
        source=chosen.get("source") or "",
        campaign_id=campaign.pk if campaign else None,
        rule_id=rule.pk if rule else None,
        customer_id=int_param(request.GET.get("customer")),
    )
    page = paginate_estimated(request, queryset, per_page=25)
    template = "engagement/outbox/list.html"
    context = {"page": page, "form": form}
    response = render(request, f"{template}#results" if request.htmx else template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _message(pk: int) -> OutboxMessage:
    message = outbox_message(pk=pk)
    if message is None:
        raise Http404(_("No outbox message with id %(id)s.") % {"id": pk})
    return message


@login_required
@permission_required("engagement.view_outboxmessage", raise_exception=True)
def message_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    message = _message(pk)
    context = {
        "message": message,
        "can_mark_sent": message.status == MessageStatus.QUEUED and message.channel != "email",
        "can_retry": message.status == MessageStatus.FAILED and message.channel == "email",
    }
    return render(request, "engagement/outbox/detail.html", context)


def _after(request: HtmxHttpRequest, message: OutboxMessage, done: str) -> None:
    if message.status == MessageStatus.SENT:
        messages.success(request, done)
    else:
        messages.warning(
            request,
            _("Not sent: %(reason)s")
            % {"reason": message.status_reason or message.get_status_display()},
        )


@login_required
@require_POST
@permission_required("engagement.change_outboxmessage", raise_exception=True)
def message_mark_sent(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    message = _message(pk)
    try:
        message = outbox_mark_sent(message=message, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        _after(request, message, _("Marked sent."))
    return redirect("outbox:detail", pk=pk)


@login_required
@require_POST
@permission_required("engagement.change_outboxmessage", raise_exception=True)
def message_retry(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    message = _message(pk)
    try:
        message = outbox_retry(message=message, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        _after(request, message, _("The e-mail was sent."))
    return redirect("outbox:detail", pk=pk)
