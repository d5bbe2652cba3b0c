"""The customer's survey page behind a personal link (/s/<token>/): public, no login.

It shows only a greeting with the customer's first name and the questions; an unknown,
answered, expired or closed link gets a polite page (404 or 410) and changes nothing. The
answer is written by ``survey_answer``, which locks the invitation so a link answers once.
The pages are never cached nor indexed; the site's referrer policy (same-origin) keeps the
address, which is a key, from other sites (not "no-referrer": browsers then send the form
with ``Origin: null``, which the CSRF check refuses)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods

from relata.feedback.models import SurveyInvitation
from relata.feedback.survey_forms import SurveyAnswerForm
from relata.feedback.survey_services import (
    LinkProblem,
    SurveyLinkError,
    invitation_by_token,
    link_problem,
    sender_name,
    survey_answer,
)

PUBLIC = "feedback/surveys/public"


def _page(
    request: HttpRequest, template: str, context: dict[str, object], status: int = 200
) -> HttpResponse:
    response = render(
        request, f"{PUBLIC}/{template}", {"sender": sender_name(), **context}, status=status
    )
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _problem(request: HttpRequest, problem: str) -> HttpResponse:
    status = 404 if problem == LinkProblem.UNKNOWN else 410
    return _page(request, "problem.html", {"problem": str(problem)}, status=status)


def _first_name(invitation: SurveyInvitation) -> str:
    customer = invitation.customer
    return "" if customer.is_organisation else customer.first_name


@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_by_token(token)
    if invitation is None:
        return _problem(request, LinkProblem.UNKNOWN)
    problem = link_problem(invitation)
    if problem:
        return _problem(request, problem)
    form = SurveyAnswerForm(request.POST or None, survey=invitation.survey)
    if request.method == "POST" and form.is_valid():
        try:
            survey_answer(token=token, **form.cleaned_data)
        except SurveyLinkError as error:
            return _problem(request, error.problem)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            return redirect("survey_public:thanks", token=token)
    context = {"form": form, "first_name": _first_name(invitation)}
    return _page(request, "answer.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET"])
def thanks(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_by_token(token)
    if invitation is None:
        return _problem(request, LinkProblem.UNKNOWN)
    if invitation.answered_at is None:
        return redirect("survey_public:answer", token=token)
    response = getattr(invitation, "response", None)
    context = {
        "first_name": _first_name(invitation),
        "follow_up": response is not None and response.follow_up_task_id is not None,
    }
    return _page(request, "thanks.html", context)
