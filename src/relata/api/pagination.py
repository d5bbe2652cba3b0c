"""Limit/offset pagination with the total count and links to the neighbouring pages."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from django.http import HttpRequest

from relata.api.schemas.common import PageQuery


def _page_url(request: HttpRequest, *, limit: int, offset: int) -> str:
    params = request.GET.copy()
    params["limit"] = str(limit)
    params["offset"] = str(offset)
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


def paginate(request: HttpRequest, queryset: QuerySet[Any], page: PageQuery) -> dict[str, Any]:
    count = queryset.count()
    items: list[Model] = list(queryset[page.offset : page.offset + page.limit])
    following = page.offset + page.limit
    return {
        "count": count,
        "next": (
            _page_url(request, limit=page.limit, offset=following) if following < count else None
        ),
        "previous": (
            _page_url(request, limit=page.limit, offset=max(page.offset - page.limit, 0))
            if page.offset > 0
            else None
        ),
        "items": items,
    }
