"""/api/surveys: survey definitions, sending a personal link (returned once), the invitations
and answers with filters, recording an answer given elsewhere, and the public answer of a
link (no token needed: the link is the key)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from relata.api.errors import BODY, ErrorOut, ValidationErrorOut, field_error, invalid
from relata.api.lookups import customer_from_body
from relata.api.pagination import paginate
from relata.api.permissions import api_user, require_perms, visible_rows
from relata.api.responses import ITEM_ERRORS, READ_ERRORS, WRITE_ERRORS
from relata.api.schemas.common import Page
from relata.api.schemas.surveys import (
    AnswerFilters as AnswerFilterQuery,
)
from relata.api.schemas.surveys import (
    AnswerIn,
    AnswerOut,
    InvitationFilters,
    InvitationIn,
    InvitationOut,
    InvitationSent,
    LinkErrorOut,
    ResponseFilters,
    ResponseIn,
    ResponseOut,
    SurveyFilters,
    SurveyIn,
    SurveyOut,
    SurveyPatch,
)
from relata.contacts.models import ContactMoment
from relata.customers.models import Customer
from relata.feedback.models import Survey, SurveyResponse
from relata.feedback.models.surveys import InvitationSource
from relata.feedback.survey_response_services import survey_response_record
from relata.feedback.survey_selectors import (
    AnswerFilters,
    invitation_list,
    response_list,
    survey_stats,
)
from relata.feedback.survey_services import (
    LinkProblem,
    SurveyLinkError,
    survey_answer,
    survey_save,
    survey_send,
)
from relata.sales.models import Order

router = Router(tags=["Surveys"])


def _survey(survey_id: int) -> Survey:
    survey = Survey.objects.filter(pk=survey_id).first()
    if survey is None:
        raise Http404(_("No survey with id %(id)s.") % {"id": survey_id})
    survey.stats = survey_stats([survey.pk]).get(survey.pk)  # type: ignore[attr-defined]
    return survey


def _with_stats(surveys: list[Survey]) -> list[Survey]:
    stats = survey_stats([survey.pk for survey in surveys])
    for survey in surveys:
        survey.stats = stats.get(survey.pk)  # type: ignore[attr-defined]
    return surveys


def _filters(query: AnswerFilterQuery, *, source: str = "") -> AnswerFilters:
    return AnswerFilters(
        survey_id=query.survey_id,
        customer_id=query.customer_id,
        touchpoint=query.touchpoint or "",
        channel=query.channel or "",
        since=query.date_from,
        until=query.date_to,
        detractors=query.detractors,
        source=source,
    )


def _cause(
    customer: Customer, contact_moment_id: int | None, order_id: int | None
) -> tuple[ContactMoment | None, Order | None]:
    """The customer's contact moment and order named in the body, or a 422 naming the field."""
    errors = []
    moment = order = None
    if contact_moment_id is not None:
        moment = ContactMoment.objects.filter(pk=contact_moment_id, customer=customer).first()
        if moment is None:
            errors.append(
                field_error(
                    [*BODY, "contact_moment_id"],
                    _("The customer has no contact moment with id %(id)s.")
                    % {"id": contact_moment_id},
                    "not_found",
                )
            )
    if order_id is not None:
        order = Order.objects.filter(pk=order_id, customer=customer).first()
        if order is None:
            errors.append(
                field_error(
                    [*BODY, "order_id"],
                    _("The customer has no order with id %(id)s.") % {"id": order_id},
                    "not_found",
                )
            )
    if errors:
        raise invalid(errors)
    return moment, order


# --- Surveys -----------------------------------------------------------------------------------


@router.get("/", response={200: Page[SurveyOut], **READ_ERRORS}, summary="List surveys")
def list_surveys(request: HttpRequest, filters: Query[SurveyFilters]) -> dict[str, Any]:
    """By name, each with its counts: links sent and answered, response rate, NPS, CSAT."""
    require_perms(request, "feedback.view_survey")
    surveys = Survey.objects.order_by("name", "pk")
    if filters.active is not None:
        surveys = surveys.filter(active=filters.active)
    page = paginate(request, surveys, filters)
    page["items"] = _with_stats(page["items"])
    return page


@router.post("/", response={201: SurveyOut, **WRITE_ERRORS}, summary="Create a survey")
def create_survey(request: HttpRequest, payload: SurveyIn) -> Status[Survey]:
    """At least one of NPS, CSAT and comment must be asked. Empty question texts use the
    standard questions, translated into the customer's language."""
    require_perms(request, "feedback.add_survey")
    survey = survey_save(survey=Survey(**payload.model_dump()), actor=api_user(request))
    return Status(201, _survey(survey.pk))


@router.get("/{int:survey_id}", response={200: SurveyOut, **ITEM_ERRORS}, summary="Get a survey")
def get_survey(request: HttpRequest, survey_id: int) -> Survey:
    require_perms(request, "feedback.view_survey")
    return _survey(survey_id)


@router.patch("/{int:survey_id}", response={200: SurveyOut, **WRITE_ERRORS}, summary="Update")
def update_survey(request: HttpRequest, survey_id: int, payload: SurveyPatch) -> Survey:
    """Only the fields present change; ``active: false`` switches the survey off (open links
    then say it is closed)."""
    require_perms(request, "feedback.change_survey")
    survey = _survey(survey_id)
    for name, value in payload.model_dump(exclude_unset=True).items():
        if value is None:
            raise invalid([field_error([*BODY, name], _("This field cannot be null."), "null")])
        setattr(survey, name, value)
    survey_save(survey=survey, actor=api_user(request))
    return _survey(survey.pk)


@router.post(
    "/{int:survey_id}/invitations",
    response={201: InvitationSent, **WRITE_ERRORS},
    summary="Send a survey to a customer",
)
def send_invitation(
    request: HttpRequest, survey_id: int, payload: InvitationIn
) -> Status[dict[str, Any]]:
    """Make a personal link for one customer, about one of their contact moments or orders
    if given. ``delivery: email`` e-mails it through the outbox, which refuses it without
    the customer's e-mail opt-in for surveys (``link`` is then null and the invitation can
    never be answered); ``delivery: link`` only returns it, to hand over in person. The
    link is in this answer only: Relata stores its SHA-256, not the link."""
    require_perms(request, "feedback.add_surveyinvitation")
    survey = _survey(survey_id)
    customer = customer_from_body(
        user=request.user, customer_id=payload.customer_id, customer_number=payload.customer_number
    )
    moment, order = _cause(customer, payload.contact_moment_id, payload.order_id)
    sent = survey_send(
        survey=survey,
        customer=customer,
        touchpoint=payload.touchpoint,
        channel=payload.channel,
        contact_moment=moment,
        order=order,
        source=InvitationSource.API,
        actor=api_user(request),
        by_email=payload.delivery == "email",
    )
    invitation = invitation_list().get(pk=sent.invitation.pk)
    return Status(201, {"invitation": invitation, "link": sent.link or None, "reason": sent.reason})


@router.get(
    "/invitations",
    response={200: Page[InvitationOut], **READ_ERRORS},
    summary="List invitations",
)
def list_invitations(request: HttpRequest, filters: Query[InvitationFilters]) -> dict[str, Any]:
    """Newest first. ``state``: open (waiting for an answer), answered, expired, or not_sent
    (the e-mail was refused or failed). ``detractors``: answered with NPS 0–6 or CSAT 1–2."""
    require_perms(request, "feedback.view_surveyinvitation")
    invitations = invitation_list(_filters(filters), state=filters.state or "")
    return paginate(request, visible_rows(request, invitations), filters)


# --- Answers -----------------------------------------------------------------------------------


@router.get("/responses", response={200: Page[ResponseOut], **READ_ERRORS}, summary="List answers")
def list_responses(request: HttpRequest, filters: Query[ResponseFilters]) -> dict[str, Any]:
    """Newest first, from links, staff, other tools and NPS events of the events API."""
    require_perms(request, "feedback.view_surveyresponse")
    responses = response_list(_filters(filters, source=filters.source or ""))
    return paginate(request, visible_rows(request, responses), filters)


@router.post(
    "/responses",
    response={200: ResponseOut, 201: ResponseOut, **WRITE_ERRORS},
    summary="Record an answer given elsewhere",
)
def record_response(request: HttpRequest, payload: ResponseIn) -> Status[SurveyResponse]:
    """An answer given to staff or in another survey tool. An unhappy answer (NPS 0–6, CSAT
    1–2) gets a follow-up task; an NPS score is reported as an NPS event, so the
    NPS-detractor trigger rules fire. An ``external_id`` sent before changes nothing and
    answers 200 with the answer stored then."""
    require_perms(request, "feedback.add_surveyresponse")
    customer = customer_from_body(
        user=request.user, customer_id=payload.customer_id, customer_number=payload.customer_number
    )
    survey = None
    if payload.survey_id is not None:
        survey = Survey.objects.filter(pk=payload.survey_id).first()
        if survey is None:
            raise invalid(
                [
                    field_error(
                        [*BODY, "survey_id"],
                        _("No survey with id %(id)s.") % {"id": payload.survey_id},
                        "not_found",
                    )
                ]
            )
    moment, order = _cause(customer, payload.contact_moment_id, payload.order_id)
    response, created = survey_response_record(
        customer=customer,
        survey=survey,
        nps=payload.nps,
        csat=payload.csat,
        comment=payload.comment,
        touchpoint=payload.touchpoint,
        channel=payload.channel,
        contact_moment=moment,
        order=order,
        answered_at=payload.answered_at,
        source=payload.source,
        external_id=payload.external_id,
        actor=api_user(request),
    )
    stored = response_list().get(pk=response.pk)
    return Status(201 if created else 200, stored)


@router.post(
    "/answer/{token}",
    auth=None,
    response={
        201: AnswerOut,
        400: ErrorOut,
        404: LinkErrorOut,
        410: LinkErrorOut,
        413: ErrorOut,
        422: ValidationErrorOut,
        429: ErrorOut,
    },
    summary="Answer a personal survey link (public)",
)
def answer_link(request: HttpRequest, token: str, payload: AnswerIn) -> Status[dict[str, Any]]:
    """For a survey page or app of your own: the token is the last part of the personal
    link (``/s/<token>/``); no API token is needed. The same rules as Relata's page: each
    question the survey asks with a score must be answered, a link answers once, and until
    it expires. An unknown link answers 404; one answered before, expired or whose survey
    was switched off answers 410 — both with ``reason`` — and nothing is stored."""
    try:
        response = survey_answer(
            token=token, nps=payload.nps, csat=payload.csat, comment=payload.comment
        )
    except SurveyLinkError as error:
        status = 404 if error.problem == LinkProblem.UNKNOWN else 410
        return Status(status, {"detail": str(error), "reason": str(error.problem)})
    return Status(
        201,
        {"answered_at": response.answered_at, "detail": _("Thank you for your answer.")},
    )
