"""Schemas of customer events (NPS answers, external events), trigger rules and their
firings, and outbox messages."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, field_validator, model_validator

from relata.api.schemas.common import AwareDateTime, NoNul, ObjectId, PageQuery, max_length
from relata.customers.models import ConsentChannel, Customer
from relata.engagement.models import (
    CustomerEvent,
    CustomerEventKind,
    FiringOutcome,
    MessageStatus,
    OutboxMessage,
    TriggerFiring,
    TriggerRule,
)

NUMBER_LENGTH = max_length(Customer, "customer_number")
NAME_LENGTH = max_length(CustomerEvent, "name")
SOURCE_LENGTH = max_length(CustomerEvent, "source")


class EventIn(Schema):
    """Something that happened to a customer (by id or number). ``nps``: an NPS answer,
    ``score`` 0–10 required (0–6 fires the detractor rules at once). ``external``: any event
    of another system, ``name`` required; kept on the customer for reports and segments."""

    model_config = ConfigDict(extra="forbid")

    customer_id: ObjectId | None = None
    customer_number: Annotated[str, Field(max_length=NUMBER_LENGTH), NoNul] | None = None
    kind: CustomerEventKind
    name: Annotated[str, Field(max_length=NAME_LENGTH), NoNul] = ""
    score: int | None = Field(None, ge=-1000, le=1000)
    payload: dict[str, Any] = Field(default_factory=dict, description="Any JSON object.")
    occurred_at: AwareDateTime | None = Field(None, description="Default: now.")
    source: Annotated[str, Field(max_length=SOURCE_LENGTH), NoNul] = Field(
        "", description="Which system reports it, e.g. a survey tool."
    )

    @model_validator(mode="after")
    def consistent(self) -> EventIn:
        if (self.customer_id is None) == (self.customer_number is None):
            raise ValueError("give exactly one of customer_id and customer_number")
        if self.kind == CustomerEventKind.NPS and (self.score is None or not 0 <= self.score <= 10):
            raise ValueError("an NPS answer needs a score from 0 to 10")
        if self.kind == CustomerEventKind.EXTERNAL and not self.name.strip():
            raise ValueError("an external event needs a name")
        return self

    @field_validator("payload")
    @classmethod
    def storable(cls, payload: dict[str, Any]) -> dict[str, Any]:
        # PostgreSQL's jsonb refuses NUL characters, and a payload is details, not a file.
        text = json.dumps(payload)
        if "\\u0000" in text:
            raise ValueError("the payload may not contain NUL characters")
        if len(text) > MAX_PAYLOAD_CHARACTERS:
            raise ValueError(f"the payload is limited to {MAX_PAYLOAD_CHARACTERS:,} characters")
        return payload


MAX_PAYLOAD_CHARACTERS = 20_000


class EventOut(Schema):
    id: int
    customer_id: int
    kind: str
    name: str
    score: int | None
    payload: dict[str, Any]
    occurred_at: datetime
    source: str


class FiringOut(Schema):
    id: int
    rule_id: int
    rule_name: str
    event: str = Field(description="The rule's event.")
    action: str = Field(description="The rule's action.")
    customer_id: int
    event_key: str = Field(description="The occurrence; fires once per rule and customer.")
    fired_at: datetime
    outcome: str = Field(description="done, refused (no consent), skipped or failed.")
    detail: str
    task_id: int | None = Field(description="The task it made (action task).")
    message_ids: list[int] = Field(description="The outbox messages it made.")
    campaign_contact_ids: list[int] = Field(description="The campaign enrolment it made.")

    @staticmethod
    def resolve_rule_name(obj: TriggerFiring) -> str:
        return obj.rule.name

    @staticmethod
    def resolve_event(obj: TriggerFiring) -> str:
        return obj.rule.event

    @staticmethod
    def resolve_action(obj: TriggerFiring) -> str:
        return obj.rule.action

    @staticmethod
    def resolve_message_ids(obj: TriggerFiring) -> list[int]:
        return list(getattr(obj, "message_ids", []))

    @staticmethod
    def resolve_campaign_contact_ids(obj: TriggerFiring) -> list[int]:
        return list(getattr(obj, "campaign_contact_ids", []))


class EventRecorded(Schema):
    event: EventOut
    fired: list[FiringOut] = Field(description="The trigger firings the event caused at once.")


class FiringFilters(PageQuery):
    outcome: FiringOutcome | None = None
    customer_id: ObjectId | None = None


class TriggerRuleOut(Schema):
    id: int
    name: str
    description: str
    event: str
    event_params: dict[str, Any]
    segment_id: int | None
    action: str
    action_params: dict[str, Any]
    campaign_id: int | None
    template_id: int | None
    active: bool
    playbook: str
    last_run_at: datetime | None
    fired_recently: int = Field(description="Firings in the last 30 days.")

    @staticmethod
    def resolve_fired_recently(obj: TriggerRule) -> int:
        return int(getattr(obj, "fired_recently", 0))


class TriggerFilters(PageQuery):
    active: bool | None = None


OutboxSource = Literal["campaign", "trigger", "other"]


class OutboxFilters(PageQuery):
    status: MessageStatus | None = None
    channel: ConsentChannel | None = None
    source: OutboxSource | None = Field(None, description="What made the messages.")
    campaign_id: ObjectId | None = None
    rule_id: ObjectId | None = Field(None, description="Messages of this trigger rule.")
    customer_id: ObjectId | None = None


class OutboxOut(Schema):
    id: int
    customer_id: int
    customer_number: str
    channel: str
    purpose: str
    to_address: str
    subject: str
    body: str
    status: str = Field(description="queued, sent, refused (no consent: never sent), failed.")
    status_reason: str = Field(description="Why it was refused or failed.")
    template_id: int | None
    campaign_id: int | None
    campaign_contact_id: int | None
    trigger_rule_id: int | None
    trigger_firing_id: int | None
    created_at: datetime
    sent_at: datetime | None

    @staticmethod
    def resolve_customer_number(obj: OutboxMessage) -> str:
        return obj.customer.customer_number

    @staticmethod
    def resolve_campaign_id(obj: OutboxMessage) -> int | None:
        contact = obj.campaign_contact
        return contact.campaign_id if contact is not None else None

    @staticmethod
    def resolve_trigger_rule_id(obj: OutboxMessage) -> int | None:
        firing = obj.trigger_firing
        return firing.rule_id if firing is not None else None
