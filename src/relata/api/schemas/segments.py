"""Segment schemas. ``rules`` is a group ``{"match": "all"|"any", "rules": [...]}`` of
conditions ``{"field", "op", "value"}`` and nested groups; the fields, their operators and
value shapes are listed by ``GET /api/segments/fields``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from ninja import Schema
from pydantic import ConfigDict, Field

from relata.api.schemas.common import NoNul, PageQuery, Text, max_length
from relata.engagement.models import Segment

NAME_LENGTH = max_length(Segment, "name")
PERSONA_LENGTH = max_length(Segment, "persona_name")
RULES_EXAMPLE = {
    "match": "all",
    "rules": [
        {"field": "tier", "op": "in", "value": [1, 2]},
        {"field": "last_order", "op": "not_within_last", "value": 90},
        {"field": "opted_in", "op": "any_of", "value": ["email:marketing"]},
    ],
}
Rules = Annotated[dict[str, Any], Field(examples=[RULES_EXAMPLE])]


class SegmentFilters(PageQuery):
    q: Annotated[str, NoNul] = Field("", max_length=120, description="Part of the name.")


class SegmentCreate(Schema):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=NAME_LENGTH)
    description: Text = ""
    rules: Rules = Field(default_factory=lambda: {"match": "all", "rules": []})
    persona_name: Text = Field("", max_length=PERSONA_LENGTH)
    persona_story: Text = ""


class SegmentPatch(Schema):
    """Fields to change; omitted fields stay as they are. ``version`` is the version the
    client last read: when the segment changed since, the answer is 409 and nothing changes."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    name: Annotated[str, Field(min_length=1, max_length=NAME_LENGTH), NoNul] | None = None
    description: Text | None = None
    rules: Rules | None = None
    persona_name: Annotated[str, Field(max_length=PERSONA_LENGTH), NoNul] | None = None
    persona_story: Text | None = None


class SegmentOut(Schema):
    id: int
    name: str
    description: str
    rules: dict[str, Any]
    rules_text: str = Field(description="The rules in words, in the language of the request.")
    persona_name: str
    persona_story: str
    last_count: int | None = Field(description="Members when last counted (see last_counted_at).")
    last_counted_at: datetime | None
    campaigns: int = Field(description="Campaigns that use the segment.")
    trigger_rules: int = Field(description="Trigger rules that use the segment.")
    created_by_id: int | None
    created_at: datetime
    updated_at: datetime
    version: int

    @staticmethod
    def resolve_rules_text(obj: Segment) -> str:
        from relata.engagement.segment_rules import rules_describe

        return rules_describe(obj.rules)

    @staticmethod
    def resolve_campaigns(obj: Segment) -> int:
        return int(getattr(obj, "campaign_count", 0) or 0)

    @staticmethod
    def resolve_trigger_rules(obj: Segment) -> int:
        return int(getattr(obj, "trigger_count", 0) or 0)


class CountIn(Schema):
    model_config = ConfigDict(extra="forbid")

    rules: Rules


class CountOut(Schema):
    count: int = Field(description="Customers the rules select now.")
    total: int = Field(description="All customers.")


class SegmentMemberOut(Schema):
    # Not "MemberOut": OpenAPI components are named by class, and loyalty has a MemberOut.
    id: int
    customer_number: str
    name: str

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.display_name)


class FieldOut(Schema):
    key: str
    label: str
    group: str
    type: str
    ops: list[str]
    choices: list[list[str]]
    window: bool = Field(description='Takes "days": only orders in the last N days count.')
    help: str
