"""Voice of the customer: surveys per touchpoint (CSAT, NPS, free text), reviews and
comments, social profiles (DOMAIN.md §7, §8, §17)."""

from relata.feedback.models.reviews import (
    Platform,
    Review,
    ReviewKind,
    SocialProfile,
)
from relata.feedback.models.surveys import (
    ResponseSource,
    Survey,
    SurveyInvitation,
    SurveyResponse,
)

__all__ = [
    "Platform",
    "ResponseSource",
    "Review",
    "ReviewKind",
    "SocialProfile",
    "Survey",
    "SurveyInvitation",
    "SurveyResponse",
]
