"""What the commands that write a document share: the ``--out`` and ``--language`` arguments and the
writing.

``remission report``, ``remission model report`` and ``remission compare`` each write one document as HTML
or PDF, chosen by the suffix of ``--out``, in the language ``--language`` names.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from remission.reports.document import Document

BAD_SUFFIX = "--out must end in .html or .pdf, not {value!r}"
DEFAULT_LANGUAGE = "en-gb"  # the source language, settings.LANGUAGE_CODE
UNKNOWN_LANGUAGE = "remission {command}: --language {value!r} is not one of the site's languages ({choices})"


def add_language_argument(parser: argparse.ArgumentParser) -> None:
    """``--language``: the document's language (numbers and dates follow it)."""
    parser.add_argument(
        "--language",
        default=DEFAULT_LANGUAGE,
        help="the document's language, one of the site's languages: en-gb (default), fr, de, it, es; "
        "numbers and dates follow it",
    )


def in_language(command: str, language: str, write: Callable[[], int]) -> int:
    """``write()`` with ``language`` active (Django started); 2, said on stderr, for a language the site
    does not offer."""
    from django.conf import settings
    from django.utils import translation

    languages = [code for code, _name in settings.LANGUAGES]
    if language not in languages:
        choices = ", ".join(languages)
        print(UNKNOWN_LANGUAGE.format(command=command, value=language, choices=choices), file=sys.stderr)
        return 2
    with translation.override(language):
        return write()


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
