"""What the commands that write a document share: the ``--out`` argument and the writing.

``remission report``, ``remission model report`` and ``remission compare`` each write one document as HTML
or PDF, chosen by the suffix of ``--out``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from remission.reports.document import Document

BAD_SUFFIX = "--out must end in .html or .pdf, not {value!r}"


def document_path(value: str) -> Path:
    """An argparse type: the path of an .html or .pdf file."""
    path = Path(value)
    if path.suffix.lower() not in (".html", ".pdf"):
        raise argparse.ArgumentTypeError(BAD_SUFFIX.format(value=value))
    return path


def write_document(document: Document, out: Path) -> None:
    """``document`` to ``out`` as PDF or self-contained HTML (by the suffix), creating its folder."""
    from remission.reports.html import render_html
    from remission.reports.pdf import render_pdf

    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".pdf":
        out.write_bytes(render_pdf(document))
    else:
        out.write_text(render_html(document), encoding="utf-8")
