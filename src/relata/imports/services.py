"""Import: read → map headers → detect number and date style → validate every row → write.

The same functions serve the command line (``relata import``) and the UI. Nothing is written
when a row is invalid, unless the caller asks to skip invalid rows; a dry run validates and
counts without writing.
"""

from __future__ import annotations

import csv
import gc
import io
import posixpath
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, Protocol

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import DatabaseError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from relata.audit.services import record_import
from relata.imports.headers import (
    CONTACTS,
    CUSTOMERS,
    ORDERS,
    REVIEWS,
    SOCIAL,
    HeaderMapping,
    ImportFileError,
    map_headers,
)
from relata.imports.kinds import contacts, customers, orders, reviews, social
from relata.imports.models import ImportBatch
from relata.imports.parsing import COMMA, DECIMAL_STYLES, POINT, neutralise_formula
from relata.imports.sniff import (
    FileSettings,
    ReadOptions,
    Table,
    detect_dayfirst,
    detect_decimal,
    distinct_sample,
    read_table,
)
from relata.imports.validate import Context, Counts, Progress, RowError

NUMBER_FIELDS = {
    CUSTOMERS: ("acquisition_cost",),
    ORDERS: ("quantity", "unit_price", "unit_cost", "amount"),
    CONTACTS: (),
    REVIEWS: (),
    SOCIAL: (),
}
DATE_FIELDS = {CUSTOMERS: ("birth_date",), ORDERS: ("order_date",), CONTACTS: ("occurred_at",),
               REVIEWS: ("written_on",), SOCIAL: ("counted_on",)}
PREVIEW_ROWS = 10
# What an uploaded import file holds once its content was discarded (by an erasure, 0980):
# the batch keeps its name and counts, the people in the file are gone.
DISCARDED_FILE = b"relata: the content of this import file was discarded\n"
EXTRA_LABELS = {
    "lines": gettext_lazy("order lines written"),
    "products created": gettext_lazy("products created"),
    "consents recorded": gettext_lazy("consents recorded"),
}


class Plan(Protocol):
    counts: Counts

    def write(self, ctx: Context) -> None: ...


PLANNERS: dict[str, Callable[[Context], Plan]] = {
    CUSTOMERS: customers.plan,
    ORDERS: orders.plan,
    CONTACTS: contacts.plan,
    REVIEWS: reviews.plan,
    SOCIAL: social.plan,
}


@dataclass
class ImportOptions:
    delimiter: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    decimal: str | None = None  # comma | point | None (detect)
    dayfirst: bool | None = None  # None: detect
    mapping: dict[str, str] = field(default_factory=dict)
    skip_invalid: bool = False
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "delimiter": self.delimiter,
            "encoding": self.encoding,
            "sheet": self.sheet,
            "decimal": self.decimal,
            "dayfirst": self.dayfirst,
            "mapping": dict(self.mapping),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportOptions:
        return cls(
            delimiter=data.get("delimiter"),
            encoding=data.get("encoding"),
            sheet=data.get("sheet"),
            decimal=data.get("decimal"),
            dayfirst=data.get("dayfirst"),
            mapping=dict(data.get("mapping") or {}),
        )


@dataclass
class ImportReport:
    kind: str
    filename: str
    settings: FileSettings
    mapping: HeaderMapping
    rows: int
    counts: Counts
    errors: list[RowError]
    written: bool
    dry_run: bool
    preview: list[list[str]]
    context: Context

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)


def import_prepare(
    kind: str,
    data: bytes,
    filename: str,
    options: ImportOptions,
    *,
    progress: Progress | None = None,
    user: Any = None,
) -> Context:
    """Read the file, map its headers and settle the number and date style."""
    if kind not in PLANNERS:
        raise ImportFileError(_("Unknown kind of import “%(kind)s”.") % {"kind": kind})
    if data == DISCARDED_FILE:
        raise ImportFileError(
            _("The uploaded file “%(name)s” is no longer kept: its content was discarded when "
              "a customer's personal data was erased. Upload the file again.")
            % {"name": filename}
        )
    table = read_table(
        data,
        filename,
        ReadOptions(delimiter=options.delimiter, encoding=options.encoding, sheet=options.sheet),
    )
    mapping = map_headers(kind, table.headers, options.mapping)
    _settle_styles(kind, table, mapping, options)
    return Context(
        kind=kind, table=table, mapping=mapping, filename=filename, progress=progress, user=user
    )


def _settle_styles(
    kind: str, table: Table, mapping: HeaderMapping, options: ImportOptions
) -> None:
    settings = table.settings
    if options.decimal:
        if options.decimal not in DECIMAL_STYLES:
            raise ImportFileError(
                _("The decimal setting must be “comma” or “point”, not “%(value)s”.")
                % {"value": options.decimal}
            )
        settings.decimal = options.decimal
        settings.sources["decimal"] = "given"
    else:
        samples: list[str] = []
        for name in NUMBER_FIELDS[kind]:
            if name in mapping.columns:
                index = mapping.columns[name]
                samples.extend(distinct_sample(table.columns[index][:200_000]))
        detected = detect_decimal(samples)
        if detected is None:
            settings.decimal = COMMA if settings.delimiter == ";" else POINT
            settings.sources["decimal"] = "assumed"
        else:
            settings.decimal = detected
            settings.sources["decimal"] = "detected"
    if options.dayfirst is not None:
        settings.dayfirst = options.dayfirst
        settings.sources["dayfirst"] = "given"
        return
    samples = []
    for name in DATE_FIELDS[kind]:
        if name in mapping.columns:
            index = mapping.columns[name]
            samples.extend(distinct_sample(table.columns[index][:200_000]))
    dayfirst = detect_dayfirst(samples)
    settings.dayfirst = True if dayfirst is None else dayfirst
    settings.sources["dayfirst"] = "assumed" if dayfirst is None else "detected"


def import_run(
    kind: str,
    data: bytes,
    filename: str,
    options: ImportOptions,
    *,
    progress: Progress | None = None,
    user: Any = None,
) -> ImportReport:
    """Validate the whole file, then write it (unless a dry run, or invalid rows without
    ``skip_invalid``). Raises :class:`ImportFileError` when the file cannot be read at all."""
    # Millions of small lists and strings: the cyclic garbage collector would rescan them
    # over and over (it roughly doubles the run time) while none of them form cycles.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _import_run(kind, data, filename, options, progress=progress, user=user)
    finally:
        if collecting:
            gc.enable()


def _import_run(
    kind: str,
    data: bytes,
    filename: str,
    options: ImportOptions,
    *,
    progress: Progress | None,
    user: Any,
) -> ImportReport:
    ctx = import_prepare(kind, data, filename, options, progress=progress, user=user)
    try:
        plan: Plan = PLANNERS[kind](ctx)
        errors = ctx.sorted_errors()
        written = False
        if not options.dry_run and (not errors or options.skip_invalid):
            plan.write(ctx)
            written = True
            # One audit entry per finished import; its rows are written in bulk (0970).
            record_import(
                kind=kind, filename=filename, rows=ctx.size, counts=plan.counts, skipped=len(errors)
            )
    except DatabaseError as exc:
        raise ImportFileError(
            _("The database refused the import, so nothing was written (%(reason)s). If other "
              "imports ran at the same time, try again.") % {"reason": str(exc).strip()[:300]}
        ) from None
    finally:
        ctx.progress.close()
    return ImportReport(
        kind=kind,
        filename=filename,
        settings=ctx.settings,
        mapping=ctx.mapping,
        rows=ctx.size,
        counts=plan.counts,
        errors=errors,
        written=written,
        dry_run=options.dry_run,
        preview=[ctx.table.row(i) for i in range(min(PREVIEW_ROWS, ctx.size))],
        context=ctx,
    )


def import_files_discard(batches: Iterable[ImportBatch]) -> int:
    """Replace the batches' uploaded files by ``DISCARDED_FILE`` under a neutral name (the
    stored name may hold a person's name too; the pages that read a batch's file then say
    it is no longer kept); returns how many were discarded. Files already discarded or
    missing are left alone."""
    discarded = 0
    for batch in batches:
        if not batch.file:
            continue
        storage, name = batch.file.storage, str(batch.file.name)
        if not storage.exists(name) or _holds_discarded(storage, name):
            continue
        neutral = posixpath.join(posixpath.dirname(name), f"discarded-{batch.pk}.txt")
        stored = storage.save(neutral, ContentFile(DISCARDED_FILE))
        storage.delete(name)
        ImportBatch.objects.filter(pk=batch.pk).update(file=stored)
        discarded += 1
    return discarded


def _holds_discarded(storage: Storage, name: str) -> bool:
    if storage.size(name) != len(DISCARDED_FILE):
        return False
    with storage.open(name, "rb") as stream:
        return bool(stream.read() == DISCARDED_FILE)


def rejects_write(stream: IO[str], ctx: Context) -> int:
    """Write the invalid rows, as read, with an extra column giving the reasons. The file can
    be corrected and imported again. Returns the number of rows written."""
    reasons: dict[int, list[str]] = {}
    for error in ctx.errors:
        text = f"{error.column}: {error.reason}" if error.column else error.reason
        reasons.setdefault(error.row, []).append(text)
    delimiter = ctx.settings.delimiter or ";"
    writer = csv.writer(stream, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([*ctx.table.headers, _("Errors")])
    count = 0
    for index in sorted(ctx.bad):
        row_number = ctx.table.row_numbers[index]
        cells = [neutralise_formula(cell) for cell in ctx.table.row(index)]
        writer.writerow([*cells, neutralise_formula("; ".join(reasons.get(row_number, [])))])
        count += 1
    return count


def rejects_bytes(ctx: Context) -> bytes:
    buffer = io.StringIO()
    rejects_write(buffer, ctx)
    return buffer.getvalue().encode("utf-8-sig")


def summary_lines(report: ImportReport) -> Sequence[str]:
    counts = report.counts
    lines = [
        ngettext("%(rows)d row read.", "%(rows)d rows read.", report.rows) % {"rows": report.rows},
        _("created: %(created)d, updated: %(updated)d, unchanged: %(unchanged)d, "
          "rejected rows: %(rejected)d")
        % {
            "created": counts.created,
            "updated": counts.updated,
            "unchanged": counts.unchanged,
            "rejected": counts.rejected,
        },
    ]
    if counts.extra:
        lines.append(", ".join(f"{EXTRA_LABELS.get(name, name)}: {value}"
                               for name, value in counts.extra.items()))
    return lines
