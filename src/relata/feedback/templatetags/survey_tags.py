"""Template helpers of the survey pages, and the "Survey answers" card on the customer file
(an inclusion tag, so the customer view needs no change)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format

from relata.feedback.survey_selectors import InvitationState, customer_surveys

register = template.Library()

STATE_BADGES = {
    InvitationState.ANSWERED: "text-bg-success",
    InvitationState.OPEN: "text-bg-primary",
    InvitationState.EXPIRED: "text-bg-light border",
    InvitationState.NOT_SENT: "text-bg-warning",
}


@register.filter
def nps_badge(score: int | None) -> str:
    """Promoters (9–10) green, passives (7–8) yellow, detractors (0–6) red."""
    if score is None:
        return "text-bg-light border"
    if score >= 9:
        return "text-bg-success"
    return "text-bg-warning" if score >= 7 else "text-bg-danger"


@register.filter
def csat_badge(score: int | None) -> str:
    if score is None:
        return "text-bg-light border"
    if score >= 4:
        return "text-bg-success"
    return "text-bg-warning" if score == 3 else "text-bg-danger"


@register.filter
def nps_value(value: float | None) -> str:
    """An NPS (−100…100) as a signed whole number; a dash without answers."""
    if value is None:
        return "—"
    rounded = round(value)
    return f"+{rounded}" if rounded > 0 else str(rounded)


@register.filter
def one_decimal(value: float | None) -> str:
    return "—" if value is None else str(number_format(value, 1))


@register.filter
def state_badge(state: str) -> str:
    return STATE_BADGES.get(state, "text-bg-secondary")


@register.inclusion_tag("feedback/surveys/customer_card.html", takes_context=True)
def customer_surveys_card(context: template.Context, customer: Any) -> dict[str, Any]:
    """The customer's latest survey answers (NPS and CSAT badges, comment, touchpoint), the
    links still waiting for an answer and, for who may, the "Send survey" button."""
    perms = context.get("perms")
    allowed = perms is not None and perms["feedback"]["view_surveyresponse"]
    return {
        "customer": customer,
        "allowed": allowed,
        "card": customer_surveys(customer) if allowed else None,
        "perms": perms,
    }
