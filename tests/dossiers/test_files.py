"""Uploads: type by content, size limit, content addressing, nothing left behind on failure."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

from motcua.dossiers.files import DOCX, JPEG, PDF, PNG, XLSX, UploadBatch, open_stored, store_upload
from motcua.dossiers.models import StoredFile

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _zip(*names: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n in names:
            z.writestr(n, "<x/>")
    return buf.getvalue()


SAMPLES = {
    PDF: b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n",
    JPEG: b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32,
    PNG: b"\x89PNG\r\n\x1a\n" + b"\x00" * 32,
    DOCX: _zip("[Content_Types].xml", "word/document.xml"),
    XLSX: _zip("[Content_Types].xml", "xl/workbook.xml"),
}


@pytest.mark.parametrize("content_type", list(SAMPLES))
def test_allowed_types_are_recognised_by_content(content_type):
    stored = store_upload(io.BytesIO(SAMPLES[content_type]))
    assert stored.content_type == content_type
    assert stored.sha256 == hashlib.sha256(SAMPLES[content_type]).hexdigest()
    with open_stored(stored) as f:
        assert f.read() == SAMPLES[content_type]


@pytest.mark.parametrize(
    "data",
    [
        b"MZ\x90\x00 executable",
        b"<html><script>alert(1)</script></html>",
        _zip("[Content_Types].xml", "evil.exe"),
        b"PK\x03\x04 not really a zip",
        b"GIF89a....",
    ],
)
def test_other_content_is_refused_and_nothing_is_stored(data, media):
    with pytest.raises(ValidationError) as err:
        store_upload(io.BytesIO(data))
    assert err.value.code == "file_type_not_allowed"
    assert not StoredFile.objects.exists()
    assert not any(p.is_file() for p in media.rglob("*"))


def test_a_renamed_executable_is_still_refused():
    upload = io.BytesIO(b"MZ\x90\x00" + b"\x00" * 100)
    upload.name = "giay-to.pdf"
    with pytest.raises(ValidationError):
        store_upload(upload)


def test_size_limit_and_empty_file(media):
    with pytest.raises(ValidationError) as err:
        store_upload(io.BytesIO(SAMPLES[PDF] + b"\x00" * 2048), max_bytes=1024)
    assert err.value.code == "file_too_large"
    with pytest.raises(ValidationError) as err:
        store_upload(io.BytesIO(b""))
    assert err.value.code == "file_empty"
    assert not StoredFile.objects.exists()


def test_same_bytes_are_stored_once_and_never_overwritten():
    a = store_upload(io.BytesIO(SAMPLES[PNG]))
    b = store_upload(io.BytesIO(SAMPLES[PNG]))
    assert a.pk == b.pk
    assert StoredFile.objects.count() == 1
    assert a.storage_name.endswith(a.sha256)


def test_a_failed_operation_discards_what_it_wrote(media):
    batch = UploadBatch()
    stored = store_upload(io.BytesIO(SAMPLES[PDF]), batch=batch)
    assert default_storage.exists(stored.storage_name)
    batch.discard_new()
    assert not default_storage.exists(stored.storage_name)
    assert not StoredFile.objects.exists()
