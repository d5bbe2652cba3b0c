"""Pagination shared by the list pages."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest


def paginate(request: HttpRequest, queryset: QuerySet[Any], *, per_page: int = 25) -> Page:
    """The requested page; a missing, malformed or too-high page number gives a valid page."""
    paginator = Paginator(queryset, per_page)
    return paginator.get_page(request.GET.get("page"))
