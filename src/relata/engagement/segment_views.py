"""Pages of segments: the list, the rule builder (create/edit, with a live count and a
preview of the members), the persona page, duplicate, delete and the members as CSV."""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseBase, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from relata.concurrency import StaleEditError
from relata.customers.models import Customer
from relata.engagement.models import Segment
from relata.engagement.segment_forms import PersonaForm, SegmentDeleteForm, SegmentForm, rules_parse
from relata.engagement.segment_persona import segment_persona
from relata.engagement.segment_rules import (
    TEXT,
    catalogue_for_builder,
    choices_cached,
    field_get,
    rules_describe,
)
from relata.engagement.segment_selectors import (
    members_by_name,
    rules_customers,
    segment_count,
    segment_customers,
    segment_errors,
    segment_evaluation,
    segment_list,
    segment_usage,
)
from relata.engagement.segment_services import (
    SegmentInUse,
    segment_count_refresh,
    segment_create,
    segment_delete,
    segment_duplicate,
    segment_update,
)
from relata.imports.parsing import neutralise_formula
from relata.web.http import HtmxHttpRequest
from relata.web.pagination import paginate

PREVIEW_ROWS = 20
PREVIEW_FIELDS = (
    "pk",
    "customer_number",
    "kind",
    "organisation_name",
    "first_name",
    "name_prefix",
    "last_name",
    "city",
    "email",
)
EXPORT_CHUNK = 2_000


def _name(row: dict[str, Any]) -> str:
    if row["kind"] == "organisation":
        return str(row["organisation_name"])
    return " ".join(p for p in (row["first_name"], row["name_prefix"], row["last_name"]) if p)


def _preview(rules: dict[str, Any] | None, errors: list[str], *, rows: bool) -> dict[str, Any]:
    """Count and (with ``rows``) the first members of a rules tree, or its errors."""
    if rules is None:
        return {"errors": errors}
    members = rules_customers(rules)
    started = time.perf_counter()
    count = segment_count(rules)
    elapsed = time.perf_counter() - started
    total = Customer.objects.order_by().count()
    preview: dict[str, Any] = {
        "count": count,
        "total": total,
        "share": 100 * count / total if total else 0,
        "elapsed_ms": round(1000 * elapsed),
        "description": rules_describe(rules),
    }
    if rows:
        first = members_by_name(members, count=count).values(*PREVIEW_FIELDS)
        with segment_evaluation():
            preview["rows"] = [{**row, "name": _name(row)} for row in first[:PREVIEW_ROWS]]
    return preview


def _builder_text() -> dict[str, str]:
    """The builder script's words, in the active language."""
    return {
        "match_prefix": _("Customers who match"),
        "group_prefix": _("Match"),
        "of_these": _("of these conditions"),
        "match_label": _("Match all or any"),
        "all": _("all"),
        "any": _("any"),
        "and": _("and"),
        "or": _("or"),
        "add_condition": _("Add condition"),
        "add_group": _("Add group"),
        "remove_condition": _("Remove condition"),
        "remove_group": _("Remove group"),
        "field": _("Field"),
        "operator": _("Operator"),
        "value": _("Value"),
        "amount": _("Amount"),
        "unit": _("Unit"),
        "date": _("Date"),
        "choose_field": _("Choose a field …"),
        "choose": _("Choose …"),
        "comma_separated": _("Separate values with commas"),
        "multi_hint": _("Hold Ctrl (or ⌘) to choose several."),
        "window": _("Only orders in the last … days"),
        "window_prefix": _("only orders in the last"),
        "window_suffix": _("days (empty: all orders)"),
        "ever": _("all"),
        "empty_rules": _("No conditions yet: every customer matches."),
        "empty_group": _("An empty group: it filters nothing."),
        "unknown_field": _("Unknown field:"),
        "preview_failed": _("The count could not be made; try again."),
    }


def _can_see_customers(request: HtmxHttpRequest) -> bool:
    return bool(request.user.has_perm("customers.view_customer"))


@login_required
@permission_required("engagement.view_segment", raise_exception=True)
def segment_list_page(request: HtmxHttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    page = paginate(request, segment_list(query=query), per_page=50)
    with choices_cached():
        rows = [{"segment": s, "summary": rules_describe(s.rules)} for s in page.object_list]
    context = {"page": page, "rows": rows, "query": query}
    template = "engagement/segments/list.html#results" if request.htmx else None
    response = render(request, template or "engagement/segments/list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _builder_page(request: HtmxHttpRequest, segment: Segment) -> HttpResponse:
    """Create or edit: the builder writes the rules as JSON into the form's rules field; the
    "Count" button (for use without JavaScript) shows the preview without saving."""
    post = request.POST if request.method == "POST" else None
    form = SegmentForm(post, instance=segment, initial={"version": segment.version})
    stale = None
    preview = None
    if post is not None and "preview" in post:
        rules, errors = rules_parse(post.get("rules", ""))
        preview = _preview(rules, errors, rows=_can_see_customers(request))
    elif post is not None and form.is_valid():
        data = form.cleaned_data
        try:
            if segment.pk is None:
                saved = segment_create(
                    name=data["name"],
                    description=data["description"],
                    rules=data["rules"],
                    created_by=request.user,
                )
            else:
                saved = segment_update(
                    segment=segment,
                    fields={k: data[k] for k in ("name", "description", "rules")},
                    expected_version=data.get("version"),
                )
        except StaleEditError as error:
            stale = error
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(
                request,
                _("Segment “%(name)s” saved: %(count)s customers.")
                % {"name": saved.name, "count": f"{saved.last_count or 0:,}"},
            )
            return redirect("segments:detail", pk=saved.pk)
    if preview is None and segment.pk is not None and post is None:
        preview = _preview(segment.rules, segment_errors(segment), rows=_can_see_customers(request))
        if "errors" in preview:
            preview = {"errors": preview["errors"]}
    context = {
        "form": form,
        "segment": segment,
        "stale": stale,
        "preview": preview,
        "catalogue": catalogue_for_builder(),
        "builder_text": _builder_text(),
        "can_see_customers": _can_see_customers(request),
    }
    return render(request, "engagement/segments/form.html", context, status=409 if stale else 200)


@login_required
@permission_required("engagement.add_segment", raise_exception=True)
def segment_create_page(request: HtmxHttpRequest) -> HttpResponse:
    return _builder_page(request, Segment())


@login_required
@permission_required("engagement.change_segment", raise_exception=True)
def segment_edit_page(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _builder_page(request, get_object_or_404(Segment, pk=pk))


@login_required
@require_POST
@permission_required("engagement.view_segment", raise_exception=True)
def segment_preview(request: HtmxHttpRequest) -> HttpResponse:
    """The builder's live count and first members for the rules in the POST (a fragment)."""
    rules, errors = rules_parse(request.POST.get("rules", ""))
    context = {
        "preview": _preview(rules, errors, rows=_can_see_customers(request)),
        "can_see_customers": _can_see_customers(request),
    }
    return render(request, "engagement/segments/preview.html", context)


@login_required
@require_GET
@permission_required("engagement.view_segment", raise_exception=True)
def segment_suggest(request: HtmxHttpRequest) -> JsonResponse:
    """Known values of a text field (cities, sectors …) for the builder's input list."""
    segment_field = field_get(request.GET.get("field", ""))
    if segment_field is None or segment_field.type != TEXT or segment_field.suggestions is None:
        return JsonResponse({"values": []})
    return JsonResponse({"values": segment_field.suggestions()})


@login_required
@permission_required("engagement.view_segment", raise_exception=True)
def segment_detail_page(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The persona page: name and story, and the members' typical profile against all
    customers."""
    segment = get_object_or_404(Segment.objects.select_related("created_by"), pk=pk)
    errors = segment_errors(segment)
    persona = None
    if not errors:
        count = segment_count(segment)
        persona = segment_persona(segment_customers(segment), count=count)
        segment_count_refresh(segment=segment, count=count)
    context = {
        "segment": segment,
        "errors": errors,
        "persona": persona,
        "chart_data": persona.chart_data() if persona else None,
        "description": rules_describe(segment.rules),
        "usage": segment_usage(segment),
        "persona_form": PersonaForm(instance=segment, initial={"version": segment.version}),
    }
    return render(request, "engagement/segments/detail.html", context)


@login_required
@permission_required("engagement.change_segment", raise_exception=True)
def segment_persona_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    segment = get_object_or_404(Segment, pk=pk)
    form = PersonaForm(
        request.POST if request.method == "POST" else None,
        instance=segment,
        initial={"version": segment.version},
    )
    stale = None
    if request.method == "POST" and form.is_valid():
        try:
            segment_update(
                segment=segment,
                fields={
                    "persona_name": form.cleaned_data["persona_name"],
                    "persona_story": form.cleaned_data["persona_story"],
                },
                expected_version=form.cleaned_data.get("version"),
            )
        except StaleEditError as error:
            stale = error
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Persona saved."))
            return redirect("segments:detail", pk=segment.pk)
    context = {"segment": segment, "form": form, "stale": stale}
    return render(
        request, "engagement/segments/persona_form.html", context, status=409 if stale else 200
    )


@login_required
@require_POST
@permission_required("engagement.add_segment", raise_exception=True)
def segment_duplicate_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    segment = get_object_or_404(Segment, pk=pk)
    try:
        copy = segment_duplicate(segment=segment, created_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("segments:list")
    messages.success(
        request, _("Copied to “%(name)s”; change it as you like.") % {"name": copy.name}
    )
    return redirect("segments:edit", pk=copy.pk)


@login_required
@permission_required("engagement.delete_segment", raise_exception=True)
def segment_delete_page(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    segment = get_object_or_404(Segment, pk=pk)
    usage = segment_usage(segment)
    if request.method == "POST":
        form = SegmentDeleteForm(request.POST)
        version = form.cleaned_data.get("version") if form.is_valid() else None
        try:
            segment_delete(segment=segment, expected_version=version)
        except SegmentInUse as error:
            messages.error(request, " ".join(error.messages))
            return redirect("segments:detail", pk=segment.pk)
        except StaleEditError as error:
            messages.error(request, str(error))
            return redirect("segments:delete", pk=segment.pk)
        messages.success(request, _("Segment “%(name)s” deleted.") % {"name": segment.name})
        return redirect("segments:list")
    context = {"segment": segment, "usage": usage, "in_use": any(usage.values())}
    return render(request, "engagement/segments/delete.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _export_lines(segment: Segment, delimiter: str) -> Iterator[str]:
    writer = csv.writer(_Echo(), delimiter=delimiter, lineterminator="\r\n")
    headers = [
        _("Customer number"),
        _("Name"),
        _("Kind"),
        _("E-mail"),
        _("Phone"),
        _("Street"),
        _("House number"),
        _("Postcode"),
        _("City"),
        _("Country"),
    ]
    yield "\ufeff" + str(writer.writerow([neutralise_formula(h) for h in headers]))
    columns = (
        "customer_number",
        "kind",
        "organisation_name",
        "first_name",
        "name_prefix",
        "last_name",
        "email",
        "phone",
        "street",
        "house_number",
        "postcode",
        "city",
        "country",
    )
    rows = (
        segment_customers(segment).order_by("id").values(*columns).iterator(chunk_size=EXPORT_CHUNK)
    )
    batch: list[str] = []
    for row in rows:
        cells = [
            row["customer_number"],
            _name(row),
            row["kind"],
            row["email"],
            row["phone"],
            row["street"],
            row["house_number"],
            row["postcode"],
            row["city"],
            row["country"],
        ]
        batch.append(str(writer.writerow([neutralise_formula(str(c or "")) for c in cells])))
        if len(batch) >= EXPORT_CHUNK:
            yield "".join(batch)
            batch.clear()
    if batch:
        yield "".join(batch)


@login_required
@require_GET
@permission_required(["engagement.view_segment", "customers.view_customer"], raise_exception=True)
def segment_export(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    """The members as CSV (semicolons for Dutch, commas otherwise; ``?delimiter=`` chooses)."""
    if not _can_see_customers(request):
        raise PermissionDenied
    segment = get_object_or_404(Segment, pk=pk)
    errors = segment_errors(segment)
    if errors:
        messages.error(request, " ".join(errors))
        return redirect("segments:detail", pk=segment.pk)
    dutch = (get_language() or "").startswith("nl")
    delimiter = {"semicolon": ";", "comma": ",", "tab": "\t"}.get(
        request.GET.get("delimiter", ""), ";" if dutch else ","
    )
    stamp = timezone.localdate().isoformat()
    filename = f"segment-{slugify(segment.name) or segment.pk}-{stamp}.csv"
    response = StreamingHttpResponse(
        _export_lines(segment, delimiter), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
