"""Reviews and comments on the customer's one timeline (registered with contacts' timeline)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time

from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from relata.contacts.selectors import (
    TIMELINE_TYPES,
    TimelineEntry,
    TimelineQuery,
    TimelineSource,
    timeline_source_register,
    timeline_type_register,
)
from relata.feedback.models import Review, ReviewKind

FEEDBACK_TYPE = "feedback"


def _join(*parts: object) -> str:
    return " · ".join(str(part) for part in parts if part)


def _reviews(query: TimelineQuery) -> Iterable[TimelineEntry]:
    reviews = (
        Review.objects.filter(customer=query.customer)
        .select_related("product")
        .order_by("-written_on", "-id")
    )
    for review in reviews[: query.limit + 1]:
        about = review.title or Truncator(review.text).chars(60) or review.get_kind_display()
        if review.kind == ReviewKind.REVIEW:
            title = _("Wrote a %(stars)s-star review: %(title)s") % {
                "stars": review.rating,
                "title": about,
            }
        elif review.rating:
            title = _("Commented (%(stars)s stars): %(title)s") % {
                "stars": review.rating,
                "title": about,
            }
        else:
            title = _("Commented: %(title)s") % {"title": about}
        votes = (
            ngettext("%(n)s found it helpful", "%(n)s found it helpful", review.helpful_votes)
            % {"n": number_format(review.helpful_votes, force_grouping=True)}
            if review.helpful_votes
            else ""
        )
        yield TimelineEntry(
            when=timezone.make_aware(datetime.combine(review.written_on, time(12))),
            date_only=True,
            icon="bi-chat-quote",
            title=title,
            meta=_join(review.product.name if review.product else "", review.site, votes),
            link=("reviews:detail", review.pk),
            kind=FEEDBACK_TYPE,
            event=f"review_{review.kind}",
            tone=(
                "success"
                if (review.rating or 0) >= 4
                else "danger"
                if review.rating is not None and review.rating <= 2
                else "secondary"
            ),
        )


# The survey pages may register the same group first; one group holds all customer feedback.
if FEEDBACK_TYPE not in TIMELINE_TYPES:
    timeline_type_register(FEEDBACK_TYPE, gettext_lazy("Voice of the customer"), "bi-chat-quote")
timeline_source_register(
    TimelineSource("reviews", FEEDBACK_TYPE, _reviews, permission="feedback.view_review")
)
