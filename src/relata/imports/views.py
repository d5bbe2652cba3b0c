"""Import and export pages: upload → preview (settings, columns, first rows, errors) →
confirm → result; and export downloads. Thin: the work is in ``services`` and ``export``."""

from __future__ import annotations

import io
import itertools
import tempfile
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from relata.customers.duplicates import customers_touched_between, duplicate_count
from relata.imports.export import export_csv, export_filename, export_rows
from relata.imports.export import export_xlsx as write_xlsx
from relata.imports.forms import ImportOptionsForm, ImportUploadForm
from relata.imports.headers import KINDS, REVIEWS, SOCIAL, ImportFileError
from relata.imports.models import ImportBatch, ImportKind, ImportStatus
from relata.imports.services import ImportOptions, ImportReport, import_run, rejects_bytes
from relata.imports.sniff import DELIMITER_NAMES

IMPORT_PERMISSIONS: dict[str, tuple[str, str]] = {
    ImportKind.CUSTOMERS: ("customers.add_customer", "customers.change_customer"),
    ImportKind.ORDERS: ("sales.add_order", "sales.change_order"),
    ImportKind.CONTACTS: ("contacts.add_contactmoment", "contacts.change_contactmoment"),
    REVIEWS: ("feedback.add_review", "feedback.change_review"),
    SOCIAL: ("feedback.add_socialprofile", "feedback.change_socialprofile"),
}
IMPORT_CHOICES = ImportKind.choices
EXPORT_PERMISSIONS: dict[str, str] = {
    ImportKind.CUSTOMERS: "customers.view_customer",
    ImportKind.ORDERS: "sales.view_order",
    ImportKind.CONTACTS: "contacts.view_contactmoment",
}
STORED_ERRORS = 1000
EXPORT_CHUNK = 2000
DELIMITERS_BY_NAME = {name: delimiter for delimiter, name in DELIMITER_NAMES.items()}


def can_import(user: object, kind: str) -> bool:
    return bool(
        user.has_perm("imports.add_importbatch")  # type: ignore[attr-defined]
        and user.has_perms(IMPORT_PERMISSIONS[kind])  # type: ignore[attr-defined]
    )


def _importable(request: HttpRequest) -> list[tuple[str, str]]:
    return [(k, str(label)) for k, label in IMPORT_CHOICES if can_import(request.user, k)]


def _batches(request: HttpRequest) -> QuerySet[ImportBatch]:
    batches = ImportBatch.objects.all()
    if not request.user.is_superuser:
        batches = batches.filter(created_by=request.user)  # type: ignore[misc]
    return batches


def _exportable(request: HttpRequest) -> list[tuple[str, str]]:
    return [
        (kind, str(label))
        for kind, label in ImportKind.choices
        if kind in EXPORT_PERMISSIONS and request.user.has_perm(EXPORT_PERMISSIONS[kind])
    ]


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """The page needs a right to import or to export something; uploading needs the right to
    import (the kind's own permissions are checked once the kind is known)."""
    kinds = _importable(request)
    exports = _exportable(request)
    if not kinds and not exports:
        raise PermissionDenied
    if request.method == "POST":
        if not request.user.has_perm("imports.add_importbatch"):
            raise PermissionDenied
        form = ImportUploadForm(request.POST, request.FILES, kinds=kinds)
        if form.is_valid():
            kind = form.cleaned_data["kind"]
            if not can_import(request.user, kind):
                raise PermissionDenied
            upload = form.cleaned_data["file"]
            options = form.import_options()
            batch = ImportBatch(
                kind=kind,
                original_name=upload.name[:255],
                size=upload.size,
                options=options.as_dict(),
                created_by=request.user,  # type: ignore[misc]
            )
            batch.file.save(upload.name, upload, save=False)
            _analyse(batch, options)
            return redirect("imports:preview", pk=batch.pk)
    else:
        form = ImportUploadForm(kinds=kinds)
    return render(
        request,
        "imports/start.html",
        {
            "form": form,
            "can_import": bool(kinds),
            "exports": exports,
            "semicolon": (get_language() or "en").startswith("nl"),
            "batches": _batches(request).filter(kind__in=[kind for kind, _label in kinds])[:10],
        },
    )


def _read(batch: ImportBatch) -> bytes:
    with batch.file.open("rb") as stream:
        data: bytes = stream.read()
    return data


def _store(batch: ImportBatch, report: ImportReport) -> None:
    batch.detected = {
        "settings": [list(row) for row in report.settings.describe()],
        **report.settings.as_dict(),
    }
    batch.columns = {"recognised": report.mapping.recognised(), "unknown": report.mapping.unknown}
    batch.preview = {"headers": report.mapping.headers, "rows": report.preview}
    batch.errors = [[e.row, e.column, e.reason] for e in report.errors[:STORED_ERRORS]]
    batch.row_count = report.rows
    batch.error_count = len(report.errors)
    counts = report.counts
    batch.created_count = counts.created
    batch.updated_count = counts.updated
    batch.unchanged_count = counts.unchanged
    batch.rejected_count = counts.rejected
    batch.message = ""


def _analyse(batch: ImportBatch, options: ImportOptions) -> None:
    """Validate the stored file without writing; keep what the preview shows."""
    options.dry_run = True
    try:
        report = import_run(batch.kind, _read(batch), batch.original_name, options,
                            user=batch.created_by)
    except ImportFileError as exc:
        batch.status = ImportStatus.FAILED
        batch.message = exc.message
        batch.errors = []
        batch.error_count = 0
    else:
        batch.status = ImportStatus.CHECKED
        _store(batch, report)
    batch.save()


def _own_batch(request: HttpRequest, pk: int) -> ImportBatch:
    if not request.user.has_perm("imports.add_importbatch"):
        raise PermissionDenied
    batch = get_object_or_404(_batches(request), pk=pk)
    if not can_import(request.user, batch.kind):
        raise PermissionDenied
    return batch


@login_required
@require_GET
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _own_batch(request, pk)
    form = ImportOptionsForm(initial=ImportOptionsForm.initial_from(batch.options))
    return render(request, "imports/preview.html", {"batch": batch, "form": form})


@login_required
@require_POST
def recheck(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _own_batch(request, pk)
    if batch.status == ImportStatus.IMPORTED:
        messages.info(request, _("This file has been imported already."))
        return redirect("imports:preview", pk=batch.pk)
    form = ImportOptionsForm(request.POST)
    if not form.is_valid():
        return render(request, "imports/preview.html", {"batch": batch, "form": form})
    options = form.import_options()
    batch.options = options.as_dict()
    _analyse(batch, options)
    return redirect("imports:preview", pk=batch.pk)


@login_required
@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _own_batch(request, pk)
    if batch.status != ImportStatus.CHECKED:
        messages.error(request, _("This file cannot be imported (again)."))
        return redirect("imports:preview", pk=batch.pk)
    skip_invalid = request.POST.get("skip_invalid") == "on"
    if batch.error_count and not skip_invalid:
        messages.error(request, _("The file has invalid rows. Correct them, or tick “Skip "
                                  "invalid rows” to import only the valid ones."))
        return redirect("imports:preview", pk=batch.pk)
    options = ImportOptions.from_dict(batch.options)
    options.skip_invalid = skip_invalid
    started = timezone.now()
    try:
        report = import_run(batch.kind, _read(batch), batch.original_name, options,
                            user=request.user)
    except ImportFileError as exc:
        messages.error(request, exc.message)
        return redirect("imports:preview", pk=batch.pk)
    _store(batch, report)
    if report.written:
        batch.status = ImportStatus.IMPORTED
        batch.finished_at = timezone.now()
        if batch.kind == ImportKind.CUSTOMERS:
            _offer_duplicates(batch, started)
        messages.success(request, _("The file has been imported."))
    else:
        messages.error(request, _("New invalid rows were found; nothing was imported."))
    batch.save()
    return redirect("imports:preview", pk=batch.pk)


def _offer_duplicates(batch: ImportBatch, started: datetime) -> None:
    """Count the likely duplicates among the customers the import wrote, for the result page.
    Those customers are the ones created or changed while it ran (the import stamps them
    all with one time)."""
    assert batch.finished_at is not None
    window = (started, batch.finished_at)
    batch.detected["written_between"] = [moment.isoformat() for moment in window]
    batch.detected["duplicates"] = duplicate_count(within=customers_touched_between(*window))


@login_required
@require_GET
def rejects(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _own_batch(request, pk)
    options = ImportOptions.from_dict(batch.options)
    options.dry_run = True
    try:
        report = import_run(batch.kind, _read(batch), batch.original_name, options)
    except ImportFileError as exc:
        messages.error(request, exc.message)
        return redirect("imports:preview", pk=batch.pk)
    response = HttpResponse(rejects_bytes(report.context), content_type="text/csv")
    stem = batch.original_name.rsplit(".", 1)[0]
    response["Content-Disposition"] = f'attachment; filename="{stem}.rejects.csv"'
    return response


@login_required
@require_GET
def export(request: HttpRequest, kind: str, file_format: str) -> HttpResponseBase:
    if kind not in KINDS or file_format not in ("csv", "xlsx"):
        raise Http404
    if not request.user.has_perm(EXPORT_PERMISSIONS[kind]):
        raise PermissionDenied
    language = "nl" if (get_language() or "en").startswith("nl") else "en"
    filename = export_filename(kind, file_format)
    if file_format == "xlsx":
        spool = tempfile.SpooledTemporaryFile(max_size=20 * 1024 * 1024)  # noqa: SIM115
        write_xlsx(spool, kind, language=language, viewer=request.user)
        spool.seek(0)
        return FileResponse(
            spool,
            as_attachment=True,
            filename=filename,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    delimiter = DELIMITERS_BY_NAME.get(
        request.GET.get("delimiter", ""), ";" if language == "nl" else ","
    )

    def stream() -> Iterator[str]:
        # Rows go out in chunks as they are read, so a large export starts at once and
        # never sits in memory whole.
        yield "\ufeff"
        rows = export_rows(kind, viewer=request.user)
        chunk: list[list[Any]] = []
        header = True
        while header or chunk:
            buffer = io.StringIO()
            export_csv(buffer, kind, delimiter=delimiter, language=language, rows=iter(chunk),
                       header=header)
            yield buffer.getvalue()
            header = False
            chunk = list(itertools.islice(rows, EXPORT_CHUNK))

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
