"""The playbooks page: the ready-made lifecycle programmes, what they consist of, how they
are doing, and a switch to turn each on or off."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relata.engagement.models import CampaignContact, ContactGroup
from relata.engagement.playbooks import (
    PLAYBOOKS,
    PlaybookState,
    playbook_states,
    playbook_switch_off,
    playbook_switch_on,
)
from relata.scoring.choices import StageChoice


def _figures(state: PlaybookState) -> dict[str, int]:
    if state.campaign is None:
        return {}
    return CampaignContact.objects.filter(campaign=state.campaign).aggregate(
        contacts=Count("id"),
        approached=Count("id", filter=Q(group=ContactGroup.TARGET, sent_at__isnull=False)),
        converted=Count("id", filter=Q(converted_at__isnull=False)),
        fired=Count("trigger_firing", distinct=True),
    )


@login_required
@permission_required("engagement.view_campaign", raise_exception=True)
def playbook_list(request: HttpRequest) -> HttpResponse:
    rows = [
        {
            "state": state,
            "stages": [StageChoice(stage) for stage in state.playbook.stages],
            "figures": _figures(state),
        }
        for state in playbook_states()
    ]
    return render(request, "engagement/playbooks/list.html", {"rows": rows})


@login_required
@require_POST
@permission_required(
    [
        "engagement.add_segment",
        "engagement.add_messagetemplate",
        "engagement.add_campaign",
        "engagement.change_campaign",
        "engagement.add_triggerrule",
        "engagement.change_triggerrule",
    ],
    raise_exception=True,
)
def playbook_switch(request: HttpRequest, key: str) -> HttpResponse:
    if key not in PLAYBOOKS:
        raise Http404
    title = PLAYBOOKS[key].title
    if request.POST.get("active") == "1":
        try:
            playbook_switch_on(key=key, actor=request.user)
        except ValidationError as error:
            messages.error(
                request,
                _("“%(title)s” could not be switched on: %(reason)s")
                % {"title": title, "reason": " ".join(error.messages)},
            )
        else:
            messages.success(request, _("“%(title)s” is on.") % {"title": title})
    else:
        playbook_switch_off(key=key)
        messages.success(request, _("“%(title)s” is off.") % {"title": title})
    return redirect("playbooks:list")
