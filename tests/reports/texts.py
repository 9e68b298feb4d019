"""Every text of a report document a reader sees, for the tests that check its language."""

from __future__ import annotations

from remission.reports.document import Document, FigureBlock, KeyValues, Paragraph, Section, Table


def section_texts(section: Section) -> list[str]:
    """The section's title, paragraphs, facts, table captions, headers, cells and notes, figure captions
    and alternative texts."""
    texts = [section.title]
    for block in section.blocks:
        if isinstance(block, Paragraph):
            texts.append(block.text)
        elif isinstance(block, KeyValues):
            texts += [text for item in block.items for text in item]
        elif isinstance(block, Table):
            texts += [block.caption, *block.header, *(cell for row in block.rows for cell in row), block.note]
        elif isinstance(block, FigureBlock):
            texts += [block.caption, block.alt]
    return texts


def document_texts(document: Document) -> list[str]:
    """The document's title and subtitle, then every section's texts (:func:`section_texts`)."""
    return [document.title, document.subtitle, *(t for s in document.sections for t in section_texts(s))]
