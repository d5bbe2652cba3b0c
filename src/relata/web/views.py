from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from relata.web.selectors import home_overview


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {"overview": home_overview()})
