"""Reads of campaigns: the list with contact counts, one campaign, its contacts filtered, the
launch preview (who would be approached), and the live size of a segment for the form."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from relata.customers.selectors import consent_allowed_customer_ids
from relata.engagement.campaign_services import control_size
from relata.engagement.models import (
    Campaign,
    CampaignContact,
    CampaignStatus,
    ContactGroup,
    MessageTemplate,
    Segment,
)
from relata.engagement.segment_selectors import segment_customers

# Filters of the contacts table: name → condition.
CONTACT_STATES: dict[str, Q] = {
    "sent": Q(sent_at__isnull=False),
    "refused": Q(group=ContactGroup.TARGET, sent_at__isnull=True) & ~Q(refused_reason=""),
    "opened": Q(opened_at__isnull=False),
    "clicked": Q(clicked_at__isnull=False),
    "responded": Q(responded_at__isnull=False),
    "converted": Q(converted_at__isnull=False),
    "not_converted": Q(converted_at__isnull=True),
}


def campaign_list(*, query: str = "", status: str = "") -> QuerySet[Campaign]:
    """Campaigns, newest start first, with their contact, sent and converted counts."""
    campaigns = Campaign.objects.select_related("segment", "template").annotate(
        contact_count=Count("contacts"),
        sent_count=Count("contacts", filter=Q(contacts__sent_at__isnull=False)),
        converted_count=Count(
            "contacts",
            filter=Q(contacts__converted_at__isnull=False, contacts__sent_at__isnull=False),
        ),
    )
    query = query.replace("\x00", "").strip()
    if query:
        campaigns = campaigns.filter(name__icontains=query)
    if status in CampaignStatus.values:
        campaigns = campaigns.filter(status=status)
    return campaigns.order_by("-starts_on", "-id")


def campaign_detail(*, pk: int) -> Campaign | None:
    return (
        Campaign.objects.select_related("segment", "template", "offer_product", "created_by")
        .filter(pk=pk)
        .first()
    )


def campaign_contacts_search(
    *, campaign: Campaign, group: str = "", state: str = ""
) -> QuerySet[CampaignContact]:
    contacts = campaign.contacts.select_related(
        "customer", "offered_product", "conversion_order", "trigger_firing"
    )
    if group in ContactGroup.values:
        contacts = contacts.filter(group=group)
    if state in CONTACT_STATES:
        contacts = contacts.filter(CONTACT_STATES[state])
    return contacts.order_by("id")


def campaign_counts(*, campaign: Campaign) -> dict[str, int]:
    """Contacts per group and state, in one query (for the tabs and filters)."""
    states = {name: Count("pk", filter=condition) for name, condition in CONTACT_STATES.items()}
    return campaign.contacts.aggregate(
        total=Count("pk"),
        target=Count("pk", filter=Q(group=ContactGroup.TARGET)),
        control=Count("pk", filter=Q(group=ContactGroup.CONTROL)),
        # approached but neither sent nor refused: a launch that was interrupted
        pending=Count(
            "pk", filter=Q(group=ContactGroup.TARGET, sent_at__isnull=True, refused_reason="")
        ),
        **states,
    )


@dataclass(frozen=True)
class SegmentReach:
    """How many customers a segment holds now and how many may be contacted."""

    customers: int
    with_consent: int
    error: str = ""
    consent_known: bool = True  # False: no channel chosen yet, so no consent count

    @property
    def without_consent(self) -> int:
        return self.customers - self.with_consent


def segment_reach(*, segment: Segment, channel: str, purpose: str) -> SegmentReach:
    try:
        members = segment_customers(segment).order_by()
        customers = members.count()
        allowed = (
            members.filter(
                pk__in=consent_allowed_customer_ids(channel=channel, purpose=purpose)
            ).count()
            if channel and purpose
            else 0
        )
    except ValueError as error:  # rules that cannot be evaluated
        problems = getattr(error, "errors", None) or [str(error)]
        return SegmentReach(
            0, 0, _("The rules cannot be evaluated: %(problem)s") % {"problem": "; ".join(problems)}
        )
    return SegmentReach(customers, allowed, consent_known=bool(channel and purpose))


@dataclass(frozen=True)
class LaunchPreview:
    reach: SegmentReach
    control: int  # drawn into the control group
    approached: int  # the rest: get the message if they consented
    expected_refused: int  # approached × share without consent (an estimate before the draw)


def campaign_launch_preview(*, campaign: Campaign) -> LaunchPreview | None:
    if campaign.segment is None:
        return None
    reach = segment_reach(
        segment=campaign.segment, channel=campaign.channel, purpose=campaign.purpose
    )
    control = control_size(reach.customers, campaign.control_percent)
    approached = reach.customers - control
    share = reach.without_consent / reach.customers if reach.customers else 0.0
    return LaunchPreview(reach, control, approached, round(approached * share))


def template_list() -> QuerySet[MessageTemplate]:
    return MessageTemplate.objects.annotate(campaign_count=Count("campaigns")).order_by("name")


