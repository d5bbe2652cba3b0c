"""A size limit on uploaded files that holds before the file is stored.

Django streams a multipart upload through ``FILE_UPLOAD_HANDLERS`` in order. The
:class:`SizeLimitUploadHandler` comes first: it passes each chunk on to Django's memory and
temporary-file handlers until the file passes ``RELATA_MAX_IMPORT_BYTES``, then swallows the
rest, so an oversized file is never held in memory or written out whole. In place of the
file, the form receives an :class:`OversizedUpload`: it has the file's name and the size that
was sent, so a form's size check (the import form's) names both with the limit, and it holds
no data. Code that reads it anyway, for example a form without a size check saving it, gets
:class:`UploadTooLarge`, which Django answers with the 400 page (``relata.web.errors``).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any, NoReturn

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def max_upload_bytes() -> int:
    limit: int = settings.RELATA_MAX_IMPORT_BYTES
    return limit


class UploadTooLarge(RequestDataTooBig):
    """An uploaded file over the limit was read; answered with a 400 page naming both."""

    def __init__(self, name: str, limit: int) -> None:
        self.file_name = name
        self.limit = limit
        super().__init__(
            _("The file “%(name)s” is larger than the %(limit)s allowed.")
            % {"name": name, "limit": filesizeformat(limit)}
        )


class OversizedUpload(UploadedFile):
    """Stands in for a refused file: its name and the bytes sent, but no content."""

    def __init__(self, *, name: str, content_type: str | None, size: int, limit: int) -> None:
        super().__init__(
            file=io.BytesIO(), name=name, content_type=content_type, size=size, charset=None
        )
        self.limit = limit

    def _refuse(self) -> NoReturn:
        raise UploadTooLarge(self.name or "", self.limit)

    def read(self, *args: Any, **kwargs: Any) -> NoReturn:
        self._refuse()

    def readline(self, *args: Any, **kwargs: Any) -> NoReturn:
        self._refuse()

    def readlines(self, *args: Any, **kwargs: Any) -> NoReturn:
        self._refuse()

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        self._refuse()

    def __iter__(self) -> Iterator[bytes]:
        self._refuse()

    def open(self, mode: str | None = None, *args: Any, **kwargs: Any) -> NoReturn:
        self._refuse()


class SizeLimitUploadHandler(FileUploadHandler):
    """Passes a file's chunks on until it passes the limit; then refuses the file."""

    limit = 0
    received = 0
    oversized = False

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.limit = max_upload_bytes()
        self.received = 0
        self.oversized = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.oversized = True
        return None if self.oversized else raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if not self.oversized:
            return None
        logger.warning(
            "Refused upload %r: %d bytes, limit %d", self.file_name, self.received, self.limit
        )
        return OversizedUpload(
            name=self.file_name or "",
            content_type=self.content_type,
            size=self.received,
            limit=self.limit,
        )
