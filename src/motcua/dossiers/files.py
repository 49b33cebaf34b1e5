"""Dossier files: type checked by content (not by name), size-limited, stored by SHA-256, never overwritten.

`store_upload()` validates first and writes last; `discard_new()` removes what a failed operation wrote,
so a failed upload leaves no file behind (the database rows roll back with the transaction).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from motcua.dossiers.models import StoredFile

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALLOWED_TYPES = (PDF, JPEG, PNG, DOCX, XLSX)
_CHUNK = 1024 * 1024


def sniff(head: bytes, data: IO[bytes]) -> str | None:
    """The content type of a file from its bytes, or None when it is none of the allowed types."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"PK\x03\x04"):
        try:
            data.seek(0)
            with zipfile.ZipFile(data) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        if "[Content_Types].xml" in names:
            if "word/document.xml" in names:
                return DOCX
            if "xl/workbook.xml" in names:
                return XLSX
    return None


@dataclass
class UploadBatch:
    """Files written by one operation, to remove if that operation fails."""

    written: list[str] = field(default_factory=list)

    def discard_new(self) -> None:
        for name in self.written:
            default_storage.delete(name)
            StoredFile.objects.filter(storage_name=name).delete()
        self.written.clear()


def _storage_name(sha256: str) -> str:
    return f"files/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def store_upload(upload: IO[bytes], *, batch: UploadBatch | None = None, max_bytes: int | None = None) -> StoredFile:
    """Validate `upload` (type by content, size) and store it once under its SHA-256."""
    limit = max_bytes if max_bytes is not None else settings.MOTCUA_MAX_UPLOAD_BYTES
    digest = hashlib.sha256()
    buffer = io.BytesIO()
    size = 0
    upload.seek(0)
    while chunk := upload.read(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise ValidationError(
                _("The file is larger than %(mb)s MB; scan at a lower resolution or split it.")
                % {"mb": limit // (1024 * 1024) or 1},
                code="file_too_large",
            )
        digest.update(chunk)
        buffer.write(chunk)
    if size == 0:
        raise ValidationError(_("The file is empty; choose the file again."), code="file_empty")
    buffer.seek(0)
    content_type = sniff(buffer.getvalue()[:16], buffer)
    if content_type is None:
        raise ValidationError(
            _("This kind of file is not accepted. Send a PDF, JPEG, PNG, DOCX or XLSX file."),
            code="file_type_not_allowed",
        )
    sha256 = digest.hexdigest()
    existing = StoredFile.objects.filter(sha256=sha256).first()
    if existing is not None:
        return existing
    name = _storage_name(sha256)
    if not default_storage.exists(name):
        saved = default_storage.save(name, ContentFile(buffer.getvalue()))
        if saved != name:  # a storage that renamed instead of refusing: never overwrite, never duplicate
            default_storage.delete(saved)
            raise ValidationError(_("The file could not be stored; try again."), code="file_store_failed")
        if batch is not None:
            batch.written.append(name)
    return StoredFile.objects.create(sha256=sha256, size=size, content_type=content_type, storage_name=name)


def open_stored(stored: StoredFile) -> IO[bytes]:
    return default_storage.open(stored.storage_name, "rb")
