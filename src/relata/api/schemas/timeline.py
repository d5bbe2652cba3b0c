"""The customer timeline: one stream of contact moments, orders, deals, tasks, complaints."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field

from relata.api.schemas.common import Text
from relata.contacts.models import Channel
from relata.contacts.selectors import TIMELINE_LIMIT, TIMELINE_MAX_LIMIT


class TimelineFilters(Schema):
    type: Text = Field(
        "",
        description="Keep one type: moments, orders, deals, tasks or complaints.",
    )
    channel: Channel | None = Field(
        None, description="Keep what came through one channel (sources without one drop out)."
    )
    limit: int = Field(TIMELINE_LIMIT, ge=1, le=TIMELINE_MAX_LIMIT, description="Newest entries.")


class TimelineEntryOut(Schema):
    when: datetime = Field(description="For orders (which have a date only): noon that day.")
    date_only: bool
    type: str = Field(description="moments, orders, deals, tasks, complaints, …")
    event: str = Field(
        description="contact, order, deal_created, deal_stage, deal_won, deal_lost, "
        "task_created, task_done, task_cancelled, complaint, complaint_resolved, "
        "complaint_rejected"
    )
    title: str
    meta: str
    detail: str
    channel: str
    status: str
    url: str = Field(description="The page of the entry in the web interface, if it has one.")


class TimelineOut(Schema):
    customer_id: int
    type: str
    channel: str
    limit: int
    truncated: bool = Field(description="More entries exist than were returned.")
    entries: list[TimelineEntryOut]
