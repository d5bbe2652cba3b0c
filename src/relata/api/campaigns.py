"""/api/campaigns: list, read, create, update and launch campaigns; their results (report
figures with the uplift against control), their contacts, recording a response; and
/api/message-templates (read)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.errors import ValidationError as NinjaValidationError

from relata.api.errors import BODY, django_field_errors, field_error, invalid
from relata.api.pagination import paginate
from relata.api.permissions import require_perms, visible_rows
from relata.api.responses import ITEM_ERRORS, READ_ERRORS, WRITE_ERRORS
from relata.api.schemas.campaigns import (
    CampaignCreate,
    CampaignFilters,
    CampaignLaunch,
    CampaignOut,
    CampaignPatch,
    ContactFilters,
    ContactOut,
    ContactResponseIn,
    ResultsOut,
    TemplateOut,
)
from relata.api.schemas.common import Page, PageQuery
from relata.engagement.campaign_report import campaign_results, missing_text
from relata.engagement.campaign_selectors import (
    campaign_contacts_search,
    campaign_list,
    template_list,
)
from relata.engagement.campaign_services import (
    campaign_contact_respond,
    campaign_create,
    campaign_launch,
    campaign_update,
)
from relata.engagement.models import Campaign, CampaignContact, MessageTemplate, Segment
from relata.sales.models import Product

router = Router(tags=["Campaigns"])
template_router = Router(tags=["Campaigns"])

# Body fields given as ids, and the model each refers to.
_REFERENCES: dict[str, tuple[str, type[Any]]] = {
    "segment_id": ("segment", Segment),
    "template_id": ("template", MessageTemplate),
    "offer_product_id": ("offer_product", Product),
}
_NOT_NULL = (
    "name",
    "description",
    "channel",
    "purpose",
    "offer_kind",
    "offer_text",
    "starts_on",
    "attribution_days",
    "control_percent",
    "fixed_cost",
    "cost_per_contact",
)


_ID_NAMES = {target: name for name, (target, _model) in _REFERENCES.items()}


def _service_errors(error: DjangoValidationError) -> NinjaValidationError:
    """A service's ValidationError as a 422 whose ``loc`` names the body field (``_id``)."""
    errors = django_field_errors(error)
    for item in errors:
        loc = item["loc"]
        if len(loc) > len(BODY) and loc[-1] in _ID_NAMES:
            loc[-1] = _ID_NAMES[loc[-1]]
    return invalid(errors)


def _campaign(campaign_id: int) -> Campaign:
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        raise Http404(_("No campaign with id %(id)s.") % {"id": campaign_id})
    return campaign


def _fields(payload: dict[str, Any]) -> dict[str, Any]:
    """Body fields as service fields: ids resolved to objects (422 naming the field)."""
    fields: dict[str, Any] = {}
    errors = []
    for name, value in payload.items():
        if name in _REFERENCES:
            target, model = _REFERENCES[name]
            obj = model.objects.filter(pk=value).first() if value is not None else None
            if value is not None and obj is None:
                errors.append(
                    field_error(
                        [*BODY, name],
                        _("No %(thing)s with id %(id)s.")
                        % {"thing": model._meta.verbose_name, "id": value},
                        "not_found",
                    )
                )
            fields[target] = obj
        elif name in _NOT_NULL and value is None:
            errors.append(field_error([*BODY, name], _("This field cannot be null."), "null"))
        else:
            fields[name] = value
    if errors:
        raise invalid(errors)
    return fields


@router.get("/", response={200: Page[CampaignOut], **READ_ERRORS}, summary="List campaigns")
def list_campaigns(request: HttpRequest, filters: Query[CampaignFilters]) -> dict[str, Any]:
    require_perms(request, "engagement.view_campaign")
    campaigns = campaign_list(query=filters.q, status=filters.status or "")
    return paginate(request, campaigns, filters)


@router.get("/{campaign_id}", response={200: CampaignOut, **ITEM_ERRORS}, summary="Get a campaign")
def get_campaign(request: HttpRequest, campaign_id: int) -> Campaign:
    require_perms(request, "engagement.view_campaign")
    return _campaign(campaign_id)


@router.post("/", response={201: CampaignOut, **WRITE_ERRORS}, summary="Create a campaign")
def create_campaign(request: HttpRequest, payload: CampaignCreate) -> Status[Campaign]:
    """A draft; launch it with ``POST /campaigns/{id}/launch``."""
    require_perms(request, "engagement.add_campaign")
    fields = _fields(payload.model_dump(exclude_unset=True))
    fields.setdefault("channel", payload.channel)
    try:
        campaign = campaign_create(actor=request.user, **fields)
    except DjangoValidationError as error:
        raise _service_errors(error) from error
    return Status(201, campaign)


@router.patch("/{campaign_id}", response={200: CampaignOut, **WRITE_ERRORS}, summary="Update")
def update_campaign(request: HttpRequest, campaign_id: int, payload: CampaignPatch) -> Campaign:
    require_perms(request, "engagement.change_campaign")
    campaign = _campaign(campaign_id)
    fields = _fields(payload.model_dump(exclude_unset=True, exclude={"version"}))
    try:
        return campaign_update(
            campaign=campaign, fields=fields, expected_version=payload.version, actor=request.user
        )
    except DjangoValidationError as error:
        raise _service_errors(error) from error


@router.post(
    "/{campaign_id}/launch",
    response={200: CampaignOut, **WRITE_ERRORS},
    summary="Launch a campaign",
)
def launch_campaign(request: HttpRequest, campaign_id: int, payload: CampaignLaunch) -> Campaign:
    """Evaluates the segment, draws the control group, creates the contacts and sends the
    message to every approached contact with consent (e-mail at once, other channels to
    the outbox). Only a draft can be launched (422); a stale ``version`` is a 409."""
    require_perms(request, "engagement.change_campaign")
    campaign = _campaign(campaign_id)
    try:
        return campaign_launch(
            campaign=campaign, actor=request.user, expected_version=payload.version
        )
    except DjangoValidationError as error:
        raise _service_errors(error) from error


@router.get(
    "/{campaign_id}/results",
    response={200: ResultsOut, **ITEM_ERRORS},
    summary="A campaign's results",
)
def campaign_results_api(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    """Counts, response rate, conversion ratio, revenue, cost, ROI, and the conversion uplift
    against the control group with its 95% Newcombe interval and a verdict."""
    require_perms(request, "engagement.view_campaign")
    campaign = _campaign(campaign_id)
    results = campaign_results(campaign=campaign)
    f = results.figures
    u = f.uplift
    return {
        "campaign_id": campaign.pk,
        "status": campaign.status,
        "contacts": f.contacts,
        "treatment": f.treatment,
        "control": f.control,
        "refused": results.refused,
        "sent": f.sent,
        "opened": f.opened,
        "clicked": f.clicked,
        "responded": f.responded,
        "converted": f.converted,
        "open_rate": f.open_rate,
        "click_rate": f.click_rate,
        "response_rate": f.response_rate,
        "conversion_ratio": f.conversion_ratio,
        "responder_conversion": f.responder_conversion,
        "revenue": f.revenue,
        "control_revenue": f.control_revenue,
        "cost": f.cost,
        "fixed_cost": results.fixed_cost,
        "contact_cost": results.contact_cost,
        "roi": f.roi,
        "roi_reason": f.roi_reason.value if f.roi_reason else None,
        "incremental_roi": f.incremental_roi,
        "uplift": {
            "available": u.difference is not None,
            "reason": u.reason.value if u.reason else None,
            "reason_text": missing_text(u.reason),
            "confidence": u.confidence,
            "treatment_rate": u.treatment_rate,
            "control_rate": u.control_rate,
            "difference": u.difference,
            "low": u.low,
            "high": u.high,
            "p_value": u.p_value,
            "relative": u.relative,
            "incremental_conversions": u.incremental_conversions,
            "incremental_revenue": u.incremental_revenue,
            "verdict": results.verdict.code,
            "verdict_text": results.verdict.text,
        },
    }


@router.get(
    "/{campaign_id}/contacts",
    response={200: Page[ContactOut], **ITEM_ERRORS},
    summary="A campaign's contacts",
)
def campaign_contacts_api(
    request: HttpRequest, campaign_id: int, filters: Query[ContactFilters]
) -> dict[str, Any]:
    require_perms(request, "engagement.view_campaign", "customers.view_customer")
    campaign = _campaign(campaign_id)
    contacts = campaign_contacts_search(
        campaign=campaign, group=filters.group or "", state=filters.state or ""
    )
    return paginate(request, visible_rows(request, contacts), filters)


@router.post(
    "/{campaign_id}/contacts/{contact_id}/response",
    response={200: ContactOut, **WRITE_ERRORS},
    summary="Record a response",
)
def record_response(
    request: HttpRequest, campaign_id: int, contact_id: int, payload: ContactResponseIn
) -> CampaignContact:
    """Mark an approached contact as responded (the first response time is kept) and log an
    inbound contact moment. A contact that was not sent anything cannot respond (422)."""
    require_perms(request, "engagement.change_campaigncontact")
    contact = (
        visible_rows(request, CampaignContact.objects.select_related("campaign", "customer"))
        .filter(pk=contact_id, campaign_id=campaign_id)
        .first()
    )
    if contact is None:
        raise Http404(
            _("Campaign %(campaign)s has no contact with id %(id)s.")
            % {"campaign": campaign_id, "id": contact_id}
        )
    return campaign_contact_respond(
        contact=contact,
        actor=request.user,
        responded_at=payload.responded_at,
        note=payload.note,
    )


@template_router.get(
    "/", response={200: Page[TemplateOut], **READ_ERRORS}, summary="List message templates"
)
def list_templates(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    require_perms(request, "engagement.view_messagetemplate")
    return paginate(request, template_list(), page)
