"""Forms of the import pages: the upload, and the settings the user may correct."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from relata.imports.headers import ImportFileError, parse_map_options
from relata.imports.models import ImportKind
from relata.imports.services import ImportOptions
from relata.web.forms import BootstrapFormMixin


class ImportOptionsForm(BootstrapFormMixin, forms.Form):
    delimiter = forms.ChoiceField(
        label=_("Delimiter"),
        required=False,
        choices=[("", _("Detect")), (";", _("Semicolon ( ; )")), (",", _("Comma ( , )")),
                 ("tab", _("Tab"))],
    )
    encoding = forms.ChoiceField(
        label=_("Encoding"),
        required=False,
        choices=[("", _("Detect")), ("utf-8", "UTF-8"), ("cp1252", _("Windows-1252 (Excel)")),
                 ("utf-16", "UTF-16")],
    )
    decimal = forms.ChoiceField(
        label=_("Numbers"),
        required=False,
        choices=[("", _("Detect")), ("comma", _("Decimal comma (1.234,56)")),
                 ("point", _("Decimal point (1,234.56)"))],
    )
    date_order = forms.ChoiceField(
        label=_("Dates"),
        required=False,
        choices=[("", _("Detect")), ("dayfirst", _("Day first (31-12-2024)")),
                 ("monthfirst", _("Month first (12/31/2024)"))],
    )
    sheet = forms.CharField(
        label=_("Worksheet"), required=False, max_length=100,
        help_text=_("XLSX only; empty for the first sheet."),
    )
    mapping = forms.CharField(
        label=_("Column mapping"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Klant=customer_number"}),
        help_text=_("For columns that are not recognised: one “Column=field” per line."),
    )

    def clean_mapping(self) -> dict[str, str]:
        try:
            return parse_map_options([self.cleaned_data.get("mapping") or ""])
        except ImportFileError as exc:
            raise forms.ValidationError(exc.message) from None

    def import_options(self) -> ImportOptions:
        data = self.cleaned_data
        order = data.get("date_order")
        return ImportOptions(
            delimiter=data.get("delimiter") or None,
            encoding=data.get("encoding") or None,
            sheet=data.get("sheet") or None,
            decimal=data.get("decimal") or None,
            dayfirst=None if not order else order == "dayfirst",
            mapping=data.get("mapping") or {},
        )

    @staticmethod
    def initial_from(options: dict[str, Any]) -> dict[str, Any]:
        dayfirst = options.get("dayfirst")
        return {
            "delimiter": {"\t": "tab"}.get(options.get("delimiter") or "",
                                          options.get("delimiter") or ""),
            "encoding": options.get("encoding") or "",
            "decimal": options.get("decimal") or "",
            "date_order": "" if dayfirst is None else ("dayfirst" if dayfirst else "monthfirst"),
            "sheet": options.get("sheet") or "",
            "mapping": "\n".join(f"{k}={v}" for k, v in (options.get("mapping") or {}).items()),
        }


class ImportUploadForm(ImportOptionsForm):
    kind = forms.ChoiceField(label=_("What to import"), choices=ImportKind.choices)
    file = forms.FileField(label=_("File"), help_text=_("CSV or Excel workbook (.xlsx)."))

    field_order = ["kind", "file"]

    def __init__(self, *args: Any, kinds: list[tuple[str, str]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if kinds is not None:
            self.fields["kind"].choices = kinds  # type: ignore[attr-defined]

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        limit = settings.RELATA_MAX_IMPORT_BYTES
        if upload.size is not None and upload.size > limit:
            # An OversizedUpload (relata.web.uploads) was never stored: only its size is known.
            raise forms.ValidationError(
                _("The file “%(name)s” is %(size)s; files of at most %(limit)s can be "
                  "imported. Split it, or use the command “relata import” on the server.")
                % {"name": upload.name, "size": filesizeformat(upload.size),
                   "limit": filesizeformat(limit)}
            )
        if not upload.size:
            raise forms.ValidationError(_("The file is empty."))
        return upload
