"""Survey answers on the customer's one timeline (registered with contacts' timeline). The
invitation e-mails are there already, as outbox messages."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relata.contacts.selectors import (
    TIMELINE_TYPES,
    TimelineEntry,
    TimelineQuery,
    TimelineSource,
    timeline_source_register,
    timeline_type_register,
)
from relata.feedback.models import SurveyResponse

FEEDBACK_TYPE = "feedback"


def _tone(response: SurveyResponse) -> str:
    nps, csat = response.nps, response.csat
    if (nps is not None and nps <= 6) or (csat is not None and csat <= 2):
        return "danger"
    if (nps is not None and nps >= 9) or (csat is not None and csat >= 4):
        return "success"
    return "warning"


def _scores(response: SurveyResponse) -> str:
    parts = []
    if response.nps is not None:
        parts.append(_("NPS %(score)s") % {"score": response.nps})
    if response.csat is not None:
        parts.append(_("CSAT %(score)s") % {"score": response.csat})
    return ", ".join(parts) or _("a comment")


def _responses(query: TimelineQuery) -> Iterable[TimelineEntry]:
    responses = SurveyResponse.objects.filter(customer=query.customer).select_related(
        "survey", "contact_moment", "order"
    )
    if query.channel:
        responses = responses.filter(channel=query.channel)
    for response in responses.order_by("-answered_at", "-id")[: query.limit + 1]:
        about = ""
        if response.order is not None:
            about = _("order %(number)s") % {"number": response.order.order_number}
        elif response.contact_moment is not None:
            about = Truncator(response.contact_moment.subject).chars(60)
        title = _("Answered a survey: %(scores)s") % {"scores": _scores(response)}
        if response.survey is not None:
            title = _("Answered “%(survey)s”: %(scores)s") % {
                "survey": response.survey.name,
                "scores": _scores(response),
            }
        meta = " · ".join(
            str(part)
            for part in (
                response.get_touchpoint_display(),
                response.get_channel_display(),
                about,
                response.get_source_display(),
            )
            if part
        )
        yield TimelineEntry(
            when=response.answered_at,
            icon="bi-chat-square-quote",
            title=title,
            meta=meta,
            detail=response.comment,
            link=("surveys:detail", response.survey_id) if response.survey_id else None,
            kind=FEEDBACK_TYPE,
            event="survey_response",
            channel=response.channel,
            tone=_tone(response),
        )


# The review pages may register the same group first; one group holds all customer feedback.
if FEEDBACK_TYPE not in TIMELINE_TYPES:
    timeline_type_register(FEEDBACK_TYPE, gettext_lazy("Voice of the customer"), "bi-chat-quote")
timeline_source_register(
    TimelineSource(
        "survey_responses",
        FEEDBACK_TYPE,
        _responses,
        has_channel=True,
        permission="feedback.view_surveyresponse",
    )
)
