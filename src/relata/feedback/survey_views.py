"""Survey pages for staff: the surveys with their response rate and NPS, a survey's form and
page (its latest invitations and answers), switching a survey off, sending a survey to a
customer (by e-mail, or a link to hand over), and the lists of answers and invitations."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relata.accounts.visibility import visible_by_customer
from relata.contacts.models import ContactMoment
from relata.customers.models import Customer
from relata.customers.selectors import consent_allows
from relata.feedback.models import Survey
from relata.feedback.models.surveys import InvitationSource
from relata.feedback.survey_forms import (
    HOW_EMAIL,
    HOW_LINK,
    STATE_FILTER,
    AnswerFilterForm,
    SurveyForm,
    SurveySendForm,
)
from relata.feedback.survey_selectors import (
    AnswerFilters,
    customer_surveys,
    invitation_list,
    response_list,
    send_causes,
    survey_list,
    survey_stats,
    with_states,
)
from relata.feedback.survey_services import (
    SURVEY_CHANNEL,
    SURVEY_PURPOSE,
    survey_save,
    survey_send,
    survey_set_active,
)
from relata.web.http import HtmxHttpRequest
from relata.web.pagination import paginate_estimated

DETAIL_ROWS = 20


def _get(model: type[Model], pk: int, message: str) -> Any:
    found = model._default_manager.filter(pk=pk).first()
    if found is None:
        raise Http404(message % {"id": pk})
    return found


def _survey(pk: int) -> Survey:
    return _get(Survey, pk, _("No survey with id %(id)s."))  # type: ignore[no-any-return]


@login_required
@permission_required("feedback.view_survey", raise_exception=True)
def surveys(request: HttpRequest) -> HttpResponse:
    rows = survey_list()
    return render(request, "feedback/surveys/list.html", {"surveys": rows})


def _form_page(request: HttpRequest, survey: Survey | None) -> HttpResponse:
    form = SurveyForm(request.POST or None, instance=survey or Survey())
    if request.method == "POST" and form.is_valid():
        try:
            saved = survey_save(survey=form.save(commit=False), actor=request.user)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("Survey “%(name)s” saved.") % {"name": saved.name})
            return redirect("surveys:detail", pk=saved.pk)
    status = 400 if form.errors else 200
    return render(
        request, "feedback/surveys/form.html", {"form": form, "survey": survey}, status=status
    )


@login_required
@permission_required("feedback.add_survey", raise_exception=True)
def survey_create(request: HttpRequest) -> HttpResponse:
    return _form_page(request, None)


@login_required
@permission_required("feedback.change_survey", raise_exception=True)
def survey_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_page(request, _survey(pk))


@login_required
@permission_required("feedback.view_survey", raise_exception=True)
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(pk)
    filters = AnswerFilters(survey_id=survey.pk)
    can_answers = request.user.has_perm("feedback.view_surveyresponse")
    can_invitations = request.user.has_perm("feedback.view_surveyinvitation")
    # The figures are the whole survey's; the named rows only of customers the user may see.
    responses = visible_by_customer(request.user, response_list(filters))
    invitations = visible_by_customer(request.user, invitation_list(filters))
    context = {
        "survey": survey,
        "stats": survey_stats([survey.pk]).get(survey.pk),
        "responses": list(responses[:DETAIL_ROWS]) if can_answers else None,
        "invitations": (
            with_states(list(invitations[:DETAIL_ROWS])) if can_invitations else None
        ),
    }
    return render(request, "feedback/surveys/detail.html", context)


@login_required
@require_POST
@permission_required("feedback.change_survey", raise_exception=True)
def survey_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(pk)
    active = request.POST.get("active") == "on"
    survey_set_active(survey=survey, active=active)
    if active:
        messages.success(request, _("Survey switched on: it can be sent again."))
    else:
        messages.success(
            request,
            _("Survey switched off: no new invitations; open links say the survey is closed."),
        )
    return redirect("surveys:detail", pk=survey.pk)


# --- Sending ---------------------------------------------------------------------------------


def _send_page(
    request: HttpRequest,
    customer: Customer,
    *,
    moment: ContactMoment | None = None,
) -> HttpResponse:
    moments, orders = send_causes(customer)
    if moment is not None and moment not in moments:
        moments.insert(0, moment)
    may_email = bool(customer.email) and consent_allows(
        customer=customer, channel=SURVEY_CHANNEL, purpose=SURVEY_PURPOSE
    )
    active = list(Survey.objects.filter(active=True).values_list("pk", flat=True)[:2])
    form = SurveySendForm(
        request.POST or None,
        moments=moments,
        orders=orders,
        initial={
            "about": f"contact:{moment.pk}" if moment is not None else "",
            # Without an opt-in an e-mail would be refused: suggest handing the link over.
            "how": HOW_EMAIL if may_email else HOW_LINK,
            "survey": active[0] if len(active) == 1 else None,
        },
    )
    if request.method == "POST" and form.is_valid():
        contact_moment, order = form.cause()
        by_email = form.cleaned_data["how"] == HOW_EMAIL
        try:
            sent = survey_send(
                survey=form.cleaned_data["survey"],
                customer=customer,
                contact_moment=contact_moment,
                order=order,
                source=InvitationSource.MANUAL,
                actor=request.user,
                by_email=by_email,
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            if not by_email:
                response = render(
                    request,
                    "feedback/surveys/link.html",
                    {"customer": customer, "sent": sent},
                )
                add_never_cache_headers(response)  # the link is shown this once only
                return response
            if sent.usable:
                messages.success(
                    request,
                    _("Survey “%(survey)s” e-mailed to %(address)s.")
                    % {"survey": sent.invitation.survey.name, "address": customer.email},
                )
            else:
                messages.warning(
                    request,
                    _(
                        "The survey was not sent: %(reason)s The invitation cannot be "
                        "answered. Hand the link over in person instead, if the customer "
                        "agrees."
                    )
                    % {"reason": sent.reason},
                )
            return redirect(reverse("customers:detail", kwargs={"pk": customer.pk}) + "#surveys")
    context = {
        "customer": customer,
        "form": form,
        "moment": moment,
        "may_email": may_email,
        "card": customer_surveys(customer),
    }
    return render(
        request, "feedback/surveys/send.html", context, status=400 if form.errors else 200
    )


@login_required
@permission_required("feedback.add_surveyinvitation", raise_exception=True)
def send(request: HttpRequest, customer_pk: int) -> HttpResponse:
    customer = _get(Customer, customer_pk, _("No customer with id %(id)s."))
    return _send_page(request, customer)


@login_required
@permission_required("feedback.add_surveyinvitation", raise_exception=True)
def send_contact(request: HttpRequest, moment_pk: int) -> HttpResponse:
    """Send a survey about one contact moment (the form with the moment chosen)."""
    moment: ContactMoment = _get(ContactMoment, moment_pk, _("No contact moment with id %(id)s."))
    return _send_page(request, moment.customer, moment=moment)


# --- Lists -------------------------------------------------------------------------------------


def _filters(request: HttpRequest) -> tuple[AnswerFilterForm, AnswerFilters, Customer | None]:
    form = AnswerFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    survey = data.get("survey")
    customer_id = data.get("customer")
    customer = Customer.objects.filter(pk=customer_id).first() if customer_id else None
    filters = AnswerFilters(
        survey_id=survey.pk if survey else None,
        customer_id=customer_id,
        touchpoint=data.get("touchpoint") or "",
        channel=data.get("channel") or "",
        since=data.get("since"),
        until=data.get("until"),
        detractors=bool(data.get("detractors")),
        source=data.get("source") or "",
    )
    return form, filters, customer


def _list_response(
    request: HtmxHttpRequest, template: str, context: dict[str, Any]
) -> HttpResponse:
    name = f"{template}#results" if request.htmx else template
    response = render(request, name, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@permission_required("feedback.view_surveyresponse", raise_exception=True)
def answers(request: HtmxHttpRequest) -> HttpResponse:
    form, filters, customer = _filters(request)
    page = paginate_estimated(request, response_list(filters), per_page=25)
    context = {"form": form, "page": page, "customer": customer, "tab": "answers"}
    return _list_response(request, "feedback/surveys/answers.html", context)


@login_required
@permission_required("feedback.view_surveyinvitation", raise_exception=True)
def invitations(request: HtmxHttpRequest) -> HttpResponse:
    form, filters, customer = _filters(request)
    state = request.GET.get("state", "")
    states = dict(STATE_FILTER)
    state = state if state in states else ""
    page = paginate_estimated(request, invitation_list(filters, state=state), per_page=25)
    page.object_list = with_states(list(page.object_list))
    context = {
        "form": form,
        "page": page,
        "customer": customer,
        "tab": "invitations",
        "state": state,
        "states": STATE_FILTER,
    }
    return _list_response(request, "feedback/surveys/invitations.html", context)
