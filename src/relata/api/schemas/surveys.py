"""Schemas of the surveys: definitions with their counts, invitations (a personal link, shown
once when it is made), answers, and the public answer of a link."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, model_validator

from relata.api.schemas.common import AwareDateTime, BlankOr, NoNul, ObjectId, PageQuery, Text
from relata.api.schemas.common import max_length as column_width
from relata.contacts.models import Channel, Touchpoint
from relata.customers.models import Customer
from relata.feedback.models import ResponseSource, Survey, SurveyInvitation, SurveyResponse
from relata.feedback.survey_response_services import COMMENT_MAX
from relata.feedback.survey_selectors import SurveyStats, invitation_state

NAME_LENGTH = column_width(Survey, "name")
QUESTION_LENGTH = column_width(Survey, "nps_question")
NUMBER_LENGTH = column_width(Customer, "customer_number")
EXTERNAL_ID_LENGTH = column_width(SurveyResponse, "external_id")

Question = Annotated[str, Field(max_length=QUESTION_LENGTH), NoNul]
TouchpointOrBlank = Annotated[str, BlankOr(Touchpoint)]
ChannelOrBlank = Annotated[str, BlankOr(Channel)]
Comment = Annotated[str, Field(max_length=COMMENT_MAX), NoNul]
CustomerNumber = Annotated[str, Field(max_length=NUMBER_LENGTH), NoNul]
InvitationStateName = Literal["open", "answered", "expired", "not_sent"]


class SurveyStatsOut(Schema):
    sent: int = Field(description="Links the customer got (handed over, or e-mailed).")
    answered: int
    not_delivered: int = Field(description="E-mails refused for want of consent, or failed.")
    response_rate: float | None = Field(description="answered ÷ sent, 0–1; null when none sent.")
    responses: int = Field(description="Answers counted for the survey (any source).")
    nps: float | None = Field(description="% promoters − % detractors, −100…100.")
    promoters: int
    detractors: int
    csat_average: float | None


class SurveyOut(Schema):
    id: int
    name: str
    asks_nps: bool
    asks_csat: bool
    asks_comment: bool
    nps_question: str = Field(description="Empty: the standard, translated question.")
    csat_question: str
    comment_question: str
    touchpoint: str
    valid_days: int = Field(description="How long a link can be answered.")
    active: bool
    created_at: datetime
    stats: SurveyStatsOut

    @staticmethod
    def resolve_stats(obj: Survey) -> SurveyStats:
        return getattr(obj, "stats", None) or SurveyStats()


class SurveyFilters(PageQuery):
    active: bool | None = None


class SurveyIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=NAME_LENGTH), NoNul]
    asks_nps: bool = True
    asks_csat: bool = True
    asks_comment: bool = True
    nps_question: Question = ""
    csat_question: Question = ""
    comment_question: Question = ""
    touchpoint: TouchpointOrBlank = ""
    valid_days: int = Field(14, ge=1, le=365)
    active: bool = True


class SurveyPatch(Schema):
    """Fields to change; omitted fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=NAME_LENGTH), NoNul] | None = None
    asks_nps: bool | None = None
    asks_csat: bool | None = None
    asks_comment: bool | None = None
    nps_question: Question | None = None
    csat_question: Question | None = None
    comment_question: Question | None = None
    touchpoint: TouchpointOrBlank | None = None
    valid_days: int | None = Field(None, ge=1, le=365)
    active: bool | None = None


class _CustomerReference(Schema):
    customer_id: ObjectId | None = None
    customer_number: CustomerNumber | None = None

    @model_validator(mode="after")
    def one_customer_reference(self) -> _CustomerReference:
        if (self.customer_id is None) == (self.customer_number is None):
            raise ValueError("give exactly one of customer_id and customer_number")
        return self


class InvitationIn(_CustomerReference):
    """Invite one customer (by id or number), optionally about one of their contact moments
    or orders (touchpoint and channel then follow from it)."""

    model_config = ConfigDict(extra="forbid")

    contact_moment_id: ObjectId | None = None
    order_id: ObjectId | None = None
    touchpoint: TouchpointOrBlank = ""
    channel: ChannelOrBlank = ""
    delivery: Literal["email", "link"] = Field(
        "email",
        description='"email": the outbox e-mails the link (needs the e-mail opt-in for '
        'surveys, else refused); "link": only returned, to hand over in person.',
    )


class InvitationOut(Schema):
    id: int
    survey_id: int
    customer_id: int
    customer_number: str
    created_at: datetime
    expires_at: datetime
    answered_at: datetime | None
    state: InvitationStateName
    touchpoint: str
    channel: str
    contact_moment_id: int | None
    order_id: int | None
    source: str = Field(description="manual, trigger or api.")
    trigger_rule_id: int | None
    message_id: int | None
    message_status: str | None = Field(description="The e-mail: sent, refused, failed.")
    response_id: int | None

    @staticmethod
    def resolve_customer_number(obj: SurveyInvitation) -> str:
        return obj.customer.customer_number

    @staticmethod
    def resolve_state(obj: SurveyInvitation) -> str:
        return invitation_state(obj)

    @staticmethod
    def resolve_message_status(obj: SurveyInvitation) -> str | None:
        return obj.message.status if obj.message_id is not None and obj.message else None

    @staticmethod
    def resolve_response_id(obj: SurveyInvitation) -> int | None:
        response = getattr(obj, "response", None)
        return response.pk if response is not None else None


class InvitationSent(Schema):
    invitation: InvitationOut
    link: str | None = Field(
        description="The personal link — returned this once and stored nowhere; null when "
        "the e-mail was refused or failed (the invitation can then never be answered)."
    )
    reason: str = Field(description="Why the e-mail was not sent, if it was not.")


class AnswerFilters(PageQuery):
    survey_id: ObjectId | None = None
    customer_id: ObjectId | None = None
    touchpoint: Touchpoint | None = None
    channel: Channel | None = None
    date_from: date | None = Field(None, description="On or after this (local) date.")
    date_to: date | None = Field(None, description="On or before this (local) date.")
    detractors: bool = Field(False, description="Only NPS 0–6 or CSAT 1–2.")


class InvitationFilters(AnswerFilters):
    state: InvitationStateName | None = None


class ResponseFilters(AnswerFilters):
    source: ResponseSource | None = None


class ResponseOut(Schema):
    id: int
    survey_id: int | None
    invitation_id: int | None
    customer_id: int
    customer_number: str
    answered_at: datetime
    nps: int | None
    csat: int | None
    comment: str
    touchpoint: str
    channel: str
    contact_moment_id: int | None
    order_id: int | None
    source: str = Field(description="link, api, import or staff.")
    follow_up_task_id: int | None = Field(description="The task made for an unhappy answer.")
    external_id: str
    is_detractor: bool

    @staticmethod
    def resolve_customer_number(obj: SurveyResponse) -> str:
        return obj.customer.customer_number


class ResponseIn(_CustomerReference):
    """An answer given elsewhere (to staff, in another survey tool). An unhappy one gets a
    follow-up task and an NPS score fires the NPS-detractor rules, as a link's answer does."""

    model_config = ConfigDict(extra="forbid")

    survey_id: ObjectId | None = None
    nps: int | None = Field(None, ge=0, le=10)
    csat: int | None = Field(None, ge=1, le=5)
    comment: Comment = ""
    touchpoint: TouchpointOrBlank = ""
    channel: ChannelOrBlank = ""
    contact_moment_id: ObjectId | None = None
    order_id: ObjectId | None = None
    answered_at: AwareDateTime | None = Field(None, description="Defaults to now.")
    source: Literal["api", "staff", "import"] = "api"
    external_id: Text = Field(
        "",
        max_length=EXTERNAL_ID_LENGTH,
        description="Identifier in the source system; sending it again changes nothing.",
    )


class AnswerIn(Schema):
    """The customer's answer through a personal link (the same rules as the page)."""

    model_config = ConfigDict(extra="forbid")

    nps: int | None = None
    csat: int | None = None
    comment: Annotated[str, NoNul] = ""


class AnswerOut(Schema):
    answered_at: datetime
    detail: str


class LinkErrorOut(Schema):
    detail: str
    reason: Literal["unknown", "answered", "expired", "closed"]
