"""Ready-made playbooks (DOMAIN.md §9, issue 5.5): a segment, a message template, a campaign
and trigger rules that together run one lifecycle programme. Switching a playbook on
creates what is missing (in the installation's language; the pieces are ordinary data the
user may edit afterwards), launches its campaign and activates its rules; switching it off
deactivates the rules and leaves the campaign's history alone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from relata.customers.models import ConsentChannel, ConsentPurpose
from relata.engagement.campaign_services import campaign_create, campaign_launch
from relata.engagement.merge_fields import unknown_merge_fields
from relata.engagement.models import (
    Campaign,
    CampaignStatus,
    MessageTemplate,
    OfferKind,
    Segment,
    TriggerAction,
    TriggerEvent,
    TriggerRule,
)
from relata.engagement.segment_services import segment_create
from relata.engagement.trigger_services import trigger_rule_save, trigger_rule_set_active
from relata.scoring.choices import StageChoice

ONBOARDING = "onboarding"
WIN_BACK = "win_back"


@dataclass(frozen=True)
class RuleBlueprint:
    name: Callable[[], str]
    event: str
    action: str
    event_params: dict[str, Any] = field(default_factory=dict)
    action_params: Callable[[], dict[str, Any]] = dict
    uses_campaign: bool = False
    uses_segment: bool = False


@dataclass(frozen=True)
class Playbook:
    key: str
    title: StrOrPromise
    summary: StrOrPromise
    stages: tuple[int, ...]
    segment_name: Callable[[], str]
    segment_description: Callable[[], str]
    segment_rules: dict[str, Any]
    template_name: Callable[[], str]
    subject: Callable[[], str]
    body: Callable[[], str]
    campaign: Callable[[], dict[str, Any]]
    rules: tuple[RuleBlueprint, ...]


def _all(*conditions: dict[str, Any]) -> dict[str, Any]:
    return {"match": "all", "rules": list(conditions)}


PLAYBOOKS: dict[str, Playbook] = {
    playbook.key: playbook
    for playbook in (
        Playbook(
            key=ONBOARDING,
            title=gettext_lazy("Welcome programme (onboarding)"),
            summary=gettext_lazy(
                "New customers get extra attention in their first 90 days, when the risk "
                "that they drop off is highest: a welcome e-mail with a next best offer and "
                "a service call from the account owner or the back office."
            ),
            stages=(StageChoice.NEW,),
            segment_name=lambda: _("New customers (first 90 days)"),
            segment_description=lambda: _("First purchase within the last 90 days."),
            segment_rules=_all({"field": "first_order", "op": "within_last", "value": 90}),
            template_name=lambda: _("Welcome e-mail"),
            subject=lambda: _("Welcome, {{ first_name }}!"),
            body=lambda: _(
                "Dear {{ first_name }},\n\n"
                "Thank you for your first order. We are glad to have you as a customer.\n"
                "Many customers who bought what you bought also like {{ offer_product }}.\n\n"
                "Questions? Just reply to this e-mail or call us: we will help you "
                "personally.\n\nKind regards,\nThe customer service team"
            ),
            campaign=lambda: {
                "name": _("Welcome programme"),
                "description": _(
                    "Onboarding playbook: every new customer is welcomed in the first 90 days."
                ),
                "channel": ConsentChannel.EMAIL,
                "purpose": ConsentPurpose.MARKETING,
                "offer_kind": OfferKind.NEXT_BEST,
                "attribution_days": 90,
                "control_percent": 10,
                "cost_per_contact": Decimal("0.10"),
            },
            rules=(
                RuleBlueprint(
                    name=lambda: _("Welcome: enrol new customers in the welcome programme"),
                    event=TriggerEvent.NEW_CUSTOMER,
                    action=TriggerAction.CAMPAIGN,
                    event_params={"within_days": 30},
                    uses_campaign=True,
                ),
                RuleBlueprint(
                    name=lambda: _("Welcome: service call after the first purchase"),
                    event=TriggerEvent.NEW_CUSTOMER,
                    action=TriggerAction.TASK,
                    event_params={"within_days": 30},
                    action_params=lambda: {
                        "title": _("Welcome call: how was the first order?"),
                        "kind": "call_back",
                        "due_days": 7,
                        "send_to": "route",
                    },
                ),
            ),
        ),
        Playbook(
            key=WIN_BACK,
            title=gettext_lazy("Win-back of lapsed valuable customers"),
            summary=gettext_lazy(
                "Profitable customers who have stopped buying get a personal offer to come "
                "back (terugwinnen), and a customer who moves down a tier gets a retention "
                "call from the account owner."
            ),
            stages=(StageChoice.AT_RISK, StageChoice.LOST),
            segment_name=lambda: _("Lapsed valuable customers"),
            segment_description=lambda: _(
                "At risk or lost, not loss-making, and at least € 1,000 revenue in all."
            ),
            segment_rules=_all(
                {
                    "field": "lifecycle_stage",
                    "op": "in",
                    "value": [int(StageChoice.AT_RISK), int(StageChoice.LOST)],
                },
                {"field": "loss_making", "op": "is_false"},
                {"field": "revenue", "op": "gte", "value": 1000},
                {
                    "field": "last_order",
                    "op": "within_last",
                    "value": {"amount": 3, "unit": "years"},
                },
            ),
            template_name=lambda: _("We miss you"),
            subject=lambda: _("{{ first_name }}, we miss you: {{ discount }}% off your next order"),
            body=lambda: _(
                "Dear {{ first_name }},\n\n"
                "It has been a while since we last saw you. We would love to welcome you "
                "back: on your next order you get {{ discount }}% off.\n\n"
                "{{ offer }}\n\nKind regards,\nThe customer service team"
            ),
            campaign=lambda: {
                "name": _("Win-back"),
                "description": _(
                    "Win-back playbook: lapsed valuable customers get an offer to come back."
                ),
                "channel": ConsentChannel.EMAIL,
                "purpose": ConsentPurpose.MARKETING,
                "offer_kind": OfferKind.DISCOUNT,
                "discount_percent": Decimal("15"),
                "offer_text": _("Use the code WELCOMEBACK at the checkout or in the store."),
                "attribution_days": 60,
                "control_percent": 20,
                "cost_per_contact": Decimal("0.10"),
            },
            rules=(
                RuleBlueprint(
                    name=lambda: _("Win-back: enrol lapsed valuable customers"),
                    event=TriggerEvent.IN_SEGMENT,
                    action=TriggerAction.CAMPAIGN,
                    event_params={"repeat_after_days": 365},
                    uses_campaign=True,
                    uses_segment=True,
                ),
                RuleBlueprint(
                    name=lambda: _("Retention call when a customer moves down a tier"),
                    event=TriggerEvent.DOWN_MIGRATION,
                    action=TriggerAction.TASK,
                    event_params={"repeat_after_days": 90},
                    action_params=lambda: {
                        "title": _("Retention call: the customer moved down a tier"),
                        "kind": "call_back",
                        "priority": 2,
                        "due_days": 5,
                        "send_to": "owner",
                    },
                ),
            ),
        ),
    )
}


@dataclass(frozen=True)
class PlaybookState:
    playbook: Playbook
    campaign: Campaign | None
    rules: list[TriggerRule]

    @property
    def segment(self) -> Segment | None:
        return self.campaign.segment if self.campaign is not None else None

    @property
    def installed(self) -> bool:
        return self.campaign is not None

    @property
    def active(self) -> bool:
        return bool(self.rules) and all(rule.active for rule in self.rules)


def playbook_state(key: str) -> PlaybookState:
    playbook = PLAYBOOKS[key]
    campaign = Campaign.objects.filter(playbook=key).select_related("segment", "template").first()
    rules = list(TriggerRule.objects.filter(playbook=key).order_by("id"))
    return PlaybookState(playbook=playbook, campaign=campaign, rules=rules)


def playbook_states() -> list[PlaybookState]:
    return [playbook_state(key) for key in PLAYBOOKS]


def _unique_name(model: Any, name: str) -> str:
    candidate, number = name, 2
    while model.objects.filter(name=candidate).exists():
        candidate, number = f"{name} ({number})", number + 1
    return candidate


def _install(playbook: Playbook, actor: Any) -> Campaign:
    segment = segment_create(
        name=_unique_name(Segment, playbook.segment_name()),
        description=playbook.segment_description(),
        rules=playbook.segment_rules,
        created_by=actor,
    )
    template = MessageTemplate(
        name=_unique_name(MessageTemplate, playbook.template_name()),
        channel=ConsentChannel.EMAIL,
        subject=playbook.subject(),
        body=playbook.body(),
    )
    unknown = unknown_merge_fields(template.subject + template.body)
    if unknown:  # a translation broke a merge field: better to stop than to send it
        raise ValueError(f"unknown merge fields in the {playbook.key} template: {unknown}")
    template.full_clean()
    template.save()
    return campaign_create(
        actor=actor,
        segment=segment,
        template=template,
        playbook=playbook.key,
        **playbook.campaign(),
    )


def _rules_create(playbook: Playbook, campaign: Campaign, actor: Any) -> None:
    for blueprint in playbook.rules:
        rule = TriggerRule(
            name=blueprint.name(),
            event=blueprint.event,
            event_params=dict(blueprint.event_params),
            action=blueprint.action,
            action_params=blueprint.action_params(),
            campaign=campaign if blueprint.uses_campaign else None,
            segment=campaign.segment if blueprint.uses_segment else None,
            playbook=playbook.key,
            active=True,
        )
        trigger_rule_save(rule=rule, actor=actor)


def playbook_switch_on(*, key: str, actor: Any = None) -> PlaybookState:
    """Create the playbook's pieces if they are missing, launch its campaign (a draft one
    is launched) and activate its trigger rules — in that order, so no rule is on while its
    campaign cannot take customers. A finished campaign is refused with a message."""
    if key not in PLAYBOOKS:
        raise ValueError(f"unknown playbook {key!r}")
    playbook = PLAYBOOKS[key]
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        state = playbook_state(key)
        campaign = state.campaign or _install(playbook, actor)
    if campaign.status == CampaignStatus.FINISHED:
        raise ValidationError(
            _("Its campaign “%(name)s” has finished; start a new campaign for it first.")
            % {"name": campaign.name}
        )
    if campaign.status == CampaignStatus.DRAFT:
        campaign_launch(campaign=campaign, actor=actor)
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        if not state.rules:
            _rules_create(playbook, campaign, actor)
        else:
            for rule in state.rules:
                trigger_rule_set_active(rule=rule, active=True)
    return playbook_state(key)


def playbook_switch_off(*, key: str) -> PlaybookState:
    """Deactivate the playbook's rules; its campaign and what it sent stay as they are."""
    state = playbook_state(key)
    with transaction.atomic():
        for rule in state.rules:
            trigger_rule_set_active(rule=rule, active=False)
    return playbook_state(key)
