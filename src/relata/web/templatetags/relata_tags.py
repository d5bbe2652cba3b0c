from __future__ import annotations

from django import template
from django.http import QueryDict

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context: template.Context, **changes: object) -> str:
    """The current query string with some parameters replaced (for sort and page links)."""
    params: QueryDict = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = str(value)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def sort_toggle(context: template.Context, field: str) -> str:
    current = context["request"].GET.get("sort", "")
    new = f"-{field}" if current == field else field
    return query_with(context, sort=new, page=None)


@register.filter
def field_of(form: object, name: str) -> object:
    return form[name]  # type: ignore[index]
