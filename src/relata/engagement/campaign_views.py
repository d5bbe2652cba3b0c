"""Campaign pages: list, create/edit, detail with the report and the response analysis,
launch (with a confirmation of who will be approached), finish, the contacts table (with
filters, a CSV export and recording a response by hand), and the live segment size."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms import BaseForm
from django.http import Http404, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from relata.concurrency import StaleEditError
from relata.engagement.campaign_forms import (
    CAMPAIGN_FIELDS,
    AnalysisForm,
    CampaignFilterForm,
    CampaignForm,
    ContactFilterForm,
    RespondForm,
    SegmentReachForm,
)
from relata.engagement.campaign_report import (
    campaign_response_analysis,
    campaign_results,
)
from relata.engagement.campaign_selectors import (
    campaign_contacts_search,
    campaign_counts,
    campaign_detail,
    campaign_launch_preview,
    campaign_list,
    segment_reach,
)
from relata.engagement.campaign_services import (
    campaign_contact_respond,
    campaign_create,
    campaign_finish,
    campaign_launch,
    campaign_pending_count,
    campaign_send_pending,
    campaign_update,
)
from relata.engagement.models import Campaign, CampaignContact, CampaignStatus
from relata.imports.parsing import neutralise_formula
from relata.web.http import HtmxHttpRequest, int_param
from relata.web.pagination import paginate


def _campaign(pk: int) -> Campaign:
    campaign = campaign_detail(pk=pk)
    if campaign is None:
        raise Http404(_("No campaign with id %(id)s.") % {"id": pk})
    return campaign


def _errors_to_form(form: BaseForm, error: ValidationError) -> None:
    """A service's ValidationError on the form: per field where the form has the field."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        target = field if field in form.fields and field != NON_FIELD_ERRORS else None
        for item in errors:
            form.add_error(target, item)


def _partial(request: HtmxHttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    name = f"{template}#results" if request.htmx else template
    response = render(request, name, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@permission_required("engagement.view_campaign", raise_exception=True)
def campaign_list_page(request: HtmxHttpRequest) -> HttpResponse:
    form = CampaignFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    campaigns = campaign_list(query=data.get("q", ""), status=data.get("status", ""))
    page = paginate(request, campaigns, per_page=25)
    for campaign in page:
        campaign.conversion_pct = (
            campaign.converted_count / campaign.sent_count * 100 if campaign.sent_count else None
        )
    context = {"form": form, "page": page}
    return _partial(request, "engagement/campaigns/list.html", context)


def _form_page(request: HtmxHttpRequest, campaign: Campaign) -> HttpResponse:
    post = request.POST if request.method == "POST" else None
    form = CampaignForm(post, instance=campaign)
    stale = None
    if post is not None and form.is_valid():
        fields = {
            name: form.cleaned_data[name]
            for name in CAMPAIGN_FIELDS
            if name in form.fields and not form.fields[name].disabled
        }
        try:
            if campaign.pk:
                saved = campaign_update(
                    campaign=campaign,
                    fields=fields,
                    expected_version=form.cleaned_data.get("version"),
                    actor=request.user,
                )
            else:
                saved = campaign_create(actor=request.user, **fields)
        except StaleEditError as error:
            stale = error
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Campaign “%(name)s” saved.") % {"name": saved.name})
            return redirect("campaigns:detail", pk=saved.pk)
    reach = None
    segment = form["segment"].value()
    if int_param(segment) is not None:
        reach_form = SegmentReachForm(
            {
                "segment": segment,
                "channel": form["channel"].value(),
                "purpose": form["purpose"].value(),
            }
        )
        if reach_form.is_valid() and reach_form.cleaned_data["segment"] is not None:
            reach = _reach(reach_form)
    context = {"form": form, "campaign": campaign, "stale": stale, "reach": reach}
    return render(request, "engagement/campaigns/form.html", context, status=409 if stale else 200)


@login_required
@permission_required("engagement.add_campaign", raise_exception=True)
def campaign_create_page(request: HtmxHttpRequest) -> HttpResponse:
    campaign = Campaign()
    segment = int_param(request.GET.get("segment"))
    if segment is not None and request.method == "GET":
        campaign.segment_id = segment
    return _form_page(request, campaign)


@login_required
@permission_required("engagement.change_campaign", raise_exception=True)
def campaign_edit_page(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(pk)
    if campaign.status == CampaignStatus.FINISHED:
        messages.info(request, _("A finished campaign cannot be changed."))
        return redirect("campaigns:detail", pk=pk)
    return _form_page(request, campaign)


def _reach(form: SegmentReachForm) -> Any:
    data = form.cleaned_data
    return segment_reach(
        segment=data["segment"],
        channel=data.get("channel") or "",
        purpose=data.get("purpose") or "",
    )


@login_required
@require_safe
@permission_required("engagement.view_campaign", raise_exception=True)
def segment_reach_fragment(request: HtmxHttpRequest) -> HttpResponse:
    """The live size of the chosen segment and how many may be contacted (form helper)."""
    form = SegmentReachForm(request.GET)
    reach = None
    if form.is_valid() and form.cleaned_data["segment"] is not None:
        reach = _reach(form)
    return render(request, "engagement/campaigns/reach.html", {"reach": reach})


@login_required
@permission_required("engagement.view_campaign", raise_exception=True)
def campaign_detail_page(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(pk)
    analysis_form = AnalysisForm(request.GET)
    outcome, variables = analysis_form.outcome_and_variables()
    launched = campaign.status != CampaignStatus.DRAFT
    context: dict[str, Any] = {
        "campaign": campaign,
        "analysis_form": analysis_form,
        "outcome": outcome,
        "variables": variables,
    }
    if launched:
        context["analysis"] = campaign_response_analysis(
            campaign=campaign, outcome=outcome, variables=variables
        )
        if request.htmx and request.htmx.target == "analysis":
            response = render(request, "engagement/campaigns/detail.html#analysis", context)
            patch_vary_headers(response, ["HX-Request"])
            return response
        context["results"] = campaign_results(campaign=campaign)
        context["counts"] = campaign_counts(campaign=campaign)
    else:
        context["preview"] = campaign_launch_preview(campaign=campaign)
    response = render(request, "engagement/campaigns/detail.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# Above this many messages a launch leaves the sending to `relata send-campaigns` (about
# 7 ms a message: 2,000 keep the request under half a minute).
SEND_IN_REQUEST_LIMIT = 2_000


@login_required
@permission_required("engagement.change_campaign", raise_exception=True)
def campaign_launch_page(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """GET: what a launch would do (sizes, consent, control group); POST: launch."""
    campaign = _campaign(pk)
    if campaign.status != CampaignStatus.DRAFT:
        messages.info(request, _("This campaign has already been launched."))
        return redirect("campaigns:detail", pk=pk)
    error = ""
    if request.method == "POST":
        try:
            campaign_launch(
                campaign=campaign,
                actor=request.user,
                expected_version=int_param(request.POST.get("version")),
                send=False,
            )
            pending = campaign_pending_count(campaign=campaign)
            if pending <= SEND_IN_REQUEST_LIMIT:
                campaign_send_pending(campaign=campaign, actor=request.user)
        except StaleEditError as stale:
            error = str(stale)
            campaign = _campaign(pk)
        except ValidationError as invalid:
            error = " ".join(invalid.messages)
        else:
            if pending > SEND_IN_REQUEST_LIMIT:
                messages.success(
                    request,
                    _(
                        "Campaign launched: %(pending)s messages wait to be sent by "
                        "`relata send-campaigns` (it runs on the schedule; a launch this "
                        "large does not send while you wait)."
                    )
                    % {"pending": intcomma(pending)},
                )
                return redirect("campaigns:detail", pk=pk)
            counts = campaign_counts(campaign=campaign)
            messages.success(
                request,
                _(
                    "Campaign launched: %(sent)s of %(target)s approached customers were sent "
                    "the message, %(refused)s could not be (no consent or address), "
                    "%(control)s are in the control group."
                )
                % {
                    "sent": counts["sent"],
                    "target": counts["target"],
                    "refused": counts["refused"],
                    "control": counts["control"],
                },
            )
            return redirect("campaigns:detail", pk=pk)
    context = {
        "campaign": campaign,
        "preview": campaign_launch_preview(campaign=campaign),
        "error": error,
    }
    return render(
        request, "engagement/campaigns/launch.html", context, status=400 if error else 200
    )


@login_required
@require_POST
@permission_required("engagement.change_campaign", raise_exception=True)
def campaign_finish_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(pk)
    try:
        campaign_finish(campaign=campaign, expected_version=int_param(request.POST.get("version")))
    except (StaleEditError, ValidationError) as error:
        messages.error(
            request, " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        )
    else:
        messages.success(
            request,
            _("Campaign finished. Orders within the attribution window still count."),
        )
    return redirect("campaigns:detail", pk=pk)


@login_required
@require_POST
@permission_required("engagement.change_campaign", raise_exception=True)
def campaign_send_pending_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Send to the approached contacts an interrupted launch left without a message."""
    campaign = _campaign(pk)
    if campaign.status != CampaignStatus.RUNNING:
        messages.error(request, _("Only a running campaign sends messages."))
    else:
        handled = campaign_send_pending(campaign=campaign, actor=request.user)
        messages.success(request, _("%(count)s waiting contacts handled.") % {"count": handled})
    return redirect("campaigns:detail", pk=pk)


@login_required
@permission_required(["engagement.view_campaign", "customers.view_customer"], raise_exception=True)
def campaign_contacts_page(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    campaign = _campaign(pk)
    form = ContactFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    contacts = campaign_contacts_search(
        campaign=campaign, group=data.get("group", ""), state=data.get("state", "")
    )
    if request.GET.get("format") == "csv":
        return _contacts_csv(campaign, contacts)
    context = {
        "campaign": campaign,
        "form": form,
        "page": paginate(request, contacts, per_page=50),
        "counts": campaign_counts(campaign=campaign),
        "respond_form": RespondForm(),
        "trackable": campaign.channel == "email",
        "show_offer": campaign.offer_kind in ("product", "next_best"),
    }
    return _partial(request, "engagement/campaigns/contacts.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _moment(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _contacts_csv(campaign: Campaign, contacts: Any) -> StreamingHttpResponse:
    """Every contact of the (filtered) list, streamed: one row per contact."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    header = [
        _("Customer number"),
        _("Name"),
        _("Group"),
        _("Enrolled"),
        _("Sent"),
        _("Not sent because"),
        _("Opened"),
        _("Clicked"),
        _("Responded"),
        _("Converted"),
        _("Converting order"),
        _("Revenue in window"),
        _("Offered product"),
    ]

    def rows() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(header)
        for contact in contacts.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    neutralise_formula(str(cell))
                    for cell in (
                        contact.customer.customer_number,
                        contact.customer.display_name,
                        contact.get_group_display(),
                        _moment(contact.enrolled_at),
                        _moment(contact.sent_at),
                        contact.refused_reason,
                        _moment(contact.opened_at),
                        _moment(contact.clicked_at),
                        _moment(contact.responded_at),
                        _moment(contact.converted_at),
                        contact.conversion_order.order_number if contact.conversion_order else "",
                        f"{contact.revenue:.2f}",
                        contact.offered_product.name if contact.offered_product else "",
                    )
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="campaign-{campaign.pk}-contacts-{timezone.localdate()}.csv"'
    )
    return response


@login_required
@require_POST
@permission_required("engagement.change_campaigncontact", raise_exception=True)
def contact_respond_view(request: HtmxHttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    contact = get_object_or_404(
        CampaignContact.objects.select_related("campaign", "customer"),
        pk=contact_pk,
        campaign_id=pk,
    )
    form = RespondForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    else:
        try:
            campaign_contact_respond(
                contact=contact, actor=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Response of %(name)s recorded (and logged as a contact moment).")
                % {"name": contact.customer.display_name},
            )
    following = request.POST.get("next", "")
    if following.startswith("/") and url_has_allowed_host_and_scheme(
        following, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(following)
    return redirect(reverse("campaigns:contacts", kwargs={"pk": pk}))
