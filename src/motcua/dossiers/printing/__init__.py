"""The official printed forms (Circular 03/2025/TT-VPCP set) as A5/A4 PDF.

01 receipt and appointment, 02 supplement request, 03 refusal, 04 apology and new date, 05 stop notice,
06 process control sheet (`forms`), 07 dossier ledger of a desk for a period (`ledger`). Each form has a
context builder reading the dossier through the selectors, a template under `dossiers/print/`, and is
laid out by WeasyPrint (`render_pdf`) with the system's Vietnamese-capable serif fonts. Forms of one
dossier carry its code and a QR code of the absolute public lookup address (`lookup_url`).
"""

from motcua.dossiers.printing.forms import FORMS, FormNotApplicable, FormSpec, form_context
from motcua.dossiers.printing.ledger import LEDGER, LEDGER_MAX_DAYS, LEDGER_PAGE_ROWS, ledger_context
from motcua.dossiers.printing.pdf import lookup_url, qr_svg, render_html, render_pdf

__all__ = [
    "FORMS",
    "LEDGER",
    "LEDGER_MAX_DAYS",
    "LEDGER_PAGE_ROWS",
    "FormNotApplicable",
    "FormSpec",
    "form_context",
    "ledger_context",
    "lookup_url",
    "qr_svg",
    "render_html",
    "render_pdf",
]
