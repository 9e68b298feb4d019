"""A report as plain data: sections of paragraphs, key-value lists, tables and figures.

The builders (:mod:`.outcomes_report`) say *what* a report holds; the renderers (:mod:`.html`,
:mod:`.pdf`) say how it looks. Every cell is already a string here, formatted once (:mod:`.numbers`),
so that the HTML and the PDF print the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class Paragraph:
    text: str
    note: bool = False  # small print (a caveat, a source)


@dataclass(frozen=True)
class KeyValues:
    """A definition list: ("Data cut-off", "2024-12-31"), …"""

    items: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Table:
    """A table to print: ``header`` and ``rows`` of strings; ``data`` is the same table as numbers
    (what goes into the CSV file ``csv_name``). ``group_rows`` marks rows printed as sub-headings."""

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    csv_name: str = ""
    data: pd.DataFrame | None = field(default=None, compare=False, repr=False)
    numeric_columns: tuple[int, ...] = ()  # right-aligned
    group_rows: tuple[int, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class FigureBlock:
    """A rendered plot: PNG bytes, the alternative text and a caption; ``data``: its curves as a table
    (:mod:`remission.reports.figure_data`), shown beside it for a reader who cannot see it."""

    png: bytes = field(repr=False)
    caption: str
    alt: str
    width_px: int
    height_px: int
    name: str  # a file-name stem, e.g. "os-overall"
    data: Table | None = field(default=None, compare=False, repr=False)


Block = Paragraph | KeyValues | Table | FigureBlock


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...]
    anchor: str


@dataclass(frozen=True)
class Document:
    title: str
    subtitle: str
    sections: tuple[Section, ...]

    def tables(self) -> list[Table]:
        return [block for section in self.sections for block in section.blocks if isinstance(block, Table)]

    def figures(self) -> list[FigureBlock]:
        return [
            block for section in self.sections for block in section.blocks if isinstance(block, FigureBlock)
        ]
