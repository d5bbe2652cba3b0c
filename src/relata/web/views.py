from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from relata.contacts.task_selectors import task_dashboard
from relata.web.selectors import home_overview


@login_required
def home(request: HttpRequest) -> HttpResponse:
    context: dict[str, object] = {"overview": home_overview(viewer=request.user)}
    if isinstance(request.user, User) and request.user.has_perm("contacts.view_task"):
        context["my_tasks"] = task_dashboard(user=request.user)
    return render(request, "web/home.html", context)
