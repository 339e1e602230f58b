"""One writer per format, each a function of the Draft alone."""

from __future__ import annotations

FORMATS = ("docx", "md", "txt", "json", "pdf")
TEXT_FORMATS = ("md", "txt", "json")


def export(draft, fmt: str, layout=None, explain: bool = False, reference=None) -> bytes:  # noqa: ANN001
    """The bytes of a draft in one format."""
    if fmt in TEXT_FORMATS:
        from .text import WRITERS

        return WRITERS[fmt](draft, explain=explain).encode("utf-8")
    from .docx import to_docx

    data = to_docx(draft, layout, explain=explain, reference=reference)
    if fmt == "pdf":
        from .pdf import docx_to_pdf
        from .pdfbytes import pdf_time

        return docx_to_pdf(data, layout, pdf_time(draft.info.date or None))
    return data
