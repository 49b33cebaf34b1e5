"""PDF helpers for the form tests: text (pypdf), pages as PNG (pypdfium2), QR codes in them (zxing-cpp)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "forms"


def pdf_text(content: bytes) -> str:
    """The text of every page, whitespace collapsed (lines of a table cell may wrap anywhere)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))


def page_sizes_mm(content: bytes) -> list[tuple[int, int]]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    return [(round(float(p.mediabox.width) * 25.4 / 72), round(float(p.mediabox.height) * 25.4 / 72))
            for p in reader.pages]


def pdf_images(content: bytes, name: str, scale: float = 2.0) -> list[Any]:
    """Every page as a PIL image, also saved as test-artifacts/forms/<name>-p<N>.png to look at."""
    import pypdfium2 as pdfium

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    document = pdfium.PdfDocument(content)
    images = []
    for index in range(len(document)):
        image = document[index].render(scale=scale).to_pil()
        image.save(ARTIFACTS / f"{name}-p{index + 1}.png")
        images.append(image)
    document.close()
    return images


def qr_codes(image: Any) -> list[str]:
    import zxingcpp

    return [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]
