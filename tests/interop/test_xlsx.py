"""Our xlsx writer (remission.interop.xlsx): what openpyxl reads back from it, and the zip it writes.

Expected values are written out by hand here (Excel day serials from Excel's own calendar: 1 = 1900-01-01,
61 = 1900-03-01, 45306 = 2024-01-15), never taken from the writer.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest

from remission.interop import xlsx
from remission.interop.export import export_write
from remission.registry.access import SYSTEM
from remission.registry.models import LabResult, Patient

HEADER = ("id", "count", "ratio", "day", "flag", "note")
KINDS: tuple[xlsx.CellKind, ...] = ("text", "number", "number", "date", "boolean", "text")


def _columns() -> list[Any]:
    """Three rows in the column types the extract hands over (pandas nullable and NumPy)."""
    return [
        pd.Series(["P-1", "P-2", "P-3"], dtype=object),
        pd.Series([7, None, -2], dtype="Int64"),
        pd.Series([0.1, np.nan, 2.5]),
        pd.Series(np.array(["2024-01-15", "NaT", "1900-03-01"], dtype="datetime64[D]")),
        pd.Series([True, False, None], dtype="boolean"),
        pd.Series(['a & b <c> "d"', "", None], dtype=object),
    ]


def _write(path: Path, columns: list[Any], **table: Any) -> None:
    with xlsx.Workbook(path) as book:
        book.write_table("table", HEADER, KINDS, [columns], **table)


def _values(sheet: Any) -> list[tuple[Any, ...]]:
    return [tuple(c.value for c in row) for row in sheet.iter_rows()]


def test_sheet_reads_back_with_header_values_and_types(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    _write(path, _columns())
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["table"]
    sheet = book["table"]
    assert _values(sheet) == [
        HEADER,
        ("P-1", 7, 0.1, dt.datetime(2024, 1, 15), True, 'a & b <c> "d"'),
        ("P-2", None, None, None, False, None),
        ("P-3", -2, 2.5, dt.datetime(1900, 3, 1), None, None),
    ]
    assert all(cell.font.b for cell in sheet[1])
    assert not sheet["A2"].font.b
    assert sheet["D2"].is_date and sheet["D2"].number_format == "yyyy-mm-dd"
    assert isinstance(sheet["B2"].value, int) and isinstance(sheet["C2"].value, float)
    assert sheet.freeze_panes == "A2"
    assert sheet.max_row == 4 and sheet.max_column == 6


def test_empty_values_write_no_cell(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    _write(path, _columns())
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    row3 = re.search(r'<row r="3">(.*?)</row>', xml)
    assert row3 is not None
    assert re.findall(r'<c r="([A-Z]+)3"', row3.group(1)) == ["A", "E"]  # P-2 and its flag False only


def test_dates_are_excel_day_serials_with_the_date_style(tmp_path: Path) -> None:
    days = ["2024-01-15", "1900-03-01", "1900-02-28", "1900-01-01", "1899-12-31"]
    path = tmp_path / "t.xlsx"
    with xlsx.Workbook(path) as book:
        book.write_table("d", ("day",), ("date",), [[pd.Series(np.array(days, dtype="datetime64[D]"))]])
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    serials = re.findall(r'<c r="A\d+" s="1"><v>(\d+)</v></c>', xml)
    assert serials == ["45306", "61", "59", "1"]  # Excel counts a 29 February 1900 between 59 and 61
    sheet = openpyxl.load_workbook(path)["d"]
    assert [c.value for c in sheet["A"][1:5]] == [
        dt.datetime(2024, 1, 15),
        dt.datetime(1900, 3, 1),
        dt.datetime(1900, 2, 28),
        dt.datetime(1900, 1, 1),
    ]
    assert sheet["A6"].value == "1899-12-31"  # before Excel's first day: kept as text


def test_numbers_whole_fractional_and_not_finite(tmp_path: Path) -> None:
    values = [3.0, 0.1, 1e-7, 123456789012.0, np.inf, -np.inf, np.nan, -0.5]
    path = tmp_path / "t.xlsx"
    with xlsx.Workbook(path) as book:
        book.write_table("n", ("x",), ("number",), [[pd.Series(values)]])
    got = [c.value for c in openpyxl.load_workbook(path)["n"]["A"][1:]]
    assert got == [3, 0.1, 1e-7, 123456789012, None, None, None, -0.5]


def test_text_survives_escaping_control_characters_and_non_ascii(tmp_path: Path) -> None:
    texts = [
        "fish & chips <b>bold</b> \"quoted\" 'single'",
        "bell\x07 null\x00 escape\x1b vertical\x0b gone",
        "tab\tand\nnewline kept",
        "  leading and trailing spaces  ",
        "Sjögren's, Behçet, 東京, emoji 🧬, α≥β",
        "carriage\rreturn",
        "_x0041_ stays as typed in openpyxl",
    ]
    path = tmp_path / "t.xlsx"
    with xlsx.Workbook(path) as book:
        book.write_table("t", ("text & <more>",), ("text",), [[texts]])
    sheet = openpyxl.load_workbook(path)["t"]
    assert sheet["A1"].value == "text & <more>"
    assert [c.value for c in sheet["A"][1:]] == [
        "fish & chips <b>bold</b> \"quoted\" 'single'",
        "bell null escape vertical gone",
        "tab\tand\nnewline kept",
        "  leading and trailing spaces  ",
        "Sjögren's, Behçet, 東京, emoji 🧬, α≥β",
        "carriage\rreturn",
        "_x0041_ stays as typed in openpyxl",
    ]


def test_lone_surrogates_are_left_out(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    with xlsx.Workbook(path) as book:
        book.write_table("t", ("x",), ("text",), [[["a\ud800b", "\ufffec"]]])
    assert [c.value for c in openpyxl.load_workbook(path)["t"]["A"][1:]] == ["ab", "c"]


def test_a_long_table_splits_into_numbered_sheets_each_with_its_header(
    tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(xlsx, "SLICE_ROWS", 2)  # rows go into XML two at a time as well
    ids = [f"P-{i}" for i in range(1, 8)]
    counts = list(range(1, 8))
    path = tmp_path / "t.xlsx"
    with xlsx.Workbook(path) as book:
        chunks = [[ids[:4], counts[:4]], [ids[4:], counts[4:]]]  # two chunks, not aligned with the sheets
        written = book.write_table("labs", ("id", "n"), ("text", "number"), chunks, max_rows=3)
    assert written == 7
    book_ = openpyxl.load_workbook(path)
    assert book_.sheetnames == ["labs", "labs (2)", "labs (3)", "labs (4)"]
    assert [_values(book_[name]) for name in book_.sheetnames] == [
        [("id", "n"), ("P-1", 1), ("P-2", 2)],
        [("id", "n"), ("P-3", 3), ("P-4", 4)],
        [("id", "n"), ("P-5", 5), ("P-6", 6)],
        [("id", "n"), ("P-7", 7)],
    ]
    assert all(book_[name].freeze_panes == "A2" for name in book_.sheetnames)


def test_read_only_openpyxl_sees_each_sheets_size(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    _write(path, _columns())
    book = openpyxl.load_workbook(path, read_only=True)
    assert (book["table"].max_row, book["table"].max_column) == (4, 6)


def test_the_zip_is_sound_and_holds_the_workbook_parts(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    with xlsx.Workbook(path) as book:
        book.add_sheet("first", ("a",), ("text",)).write_rows([("x",)])
        book.write_table("second", ("b",), ("number",), [[[1, 2]]])
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        assert set(archive.namelist()) == {
            "[Content_Types].xml",
            "_rels/.rels",
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
            "xl/styles.xml",
            "xl/worksheets/sheet1.xml",
            "xl/worksheets/sheet2.xml",
        }
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in archive.infolist())


def test_a_title_row_above_the_header_freezes_both(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    with xlsx.Workbook(path) as book:
        book.add_sheet("k", ("group", "patients"), ("text", "number"), title="k = 2").write_rows(
            [("a", 2), ("b", 3)]
        )
    sheet = openpyxl.load_workbook(path)["k"]
    assert _values(sheet) == [("k = 2", None), ("group", "patients"), ("a", 2), ("b", 3)]
    assert sheet.freeze_panes == "A3"
    assert sheet["A2"].font.b and not sheet["A1"].font.b


def test_an_error_while_writing_leaves_no_workbook_that_looks_whole(tmp_path: Path) -> None:
    def chunks() -> Any:
        yield [["P-1"]]
        raise RuntimeError("the database went away")

    path = tmp_path / "t.xlsx"
    with pytest.raises(RuntimeError), xlsx.Workbook(path) as book:
        book.write_table("t", ("id",), ("text",), chunks())
    with zipfile.ZipFile(path) as archive:
        assert "xl/workbook.xml" not in archive.namelist()
    with pytest.raises(KeyError):  # openpyxl: "There is no item named '[Content_Types].xml' in the archive"
        openpyxl.load_workbook(path)


@pytest.mark.parametrize("name", ["", "a" * 32, "a/b", "x[1]", "what?", "'quoted'"])
def test_a_sheet_name_excel_refuses_is_an_error(tmp_path: Path, name: str) -> None:
    with xlsx.Workbook(tmp_path / "t.xlsx") as book, pytest.raises(ValueError) as error:
        book.add_sheet(name, ("a",), ("text",))
    assert str(error.value) == xlsx.BAD_SHEET_NAME.format(name=name)


def test_two_sheets_of_one_name_are_an_error(tmp_path: Path) -> None:
    with xlsx.Workbook(tmp_path / "t.xlsx") as book:
        book.add_sheet("Labs", ("a",), ("text",))
        with pytest.raises(ValueError) as error:
            book.add_sheet("labs", ("a",), ("text",))
    assert str(error.value) == xlsx.DUPLICATE_SHEET.format(name="labs")


def test_column_letters() -> None:
    assert [xlsx.column_letters(i) for i in (0, 25, 26, 51, 52, 701, 702, 16383)] == [
        "A",
        "Z",
        "AA",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
        "XFD",
    ]


# --- the registry extract as a workbook -----------------------------------------------------------------


def test_extract_workbook_types_and_splits(world: Any, tmp_path: Path, monkeypatch: Any) -> None:
    from remission.interop import writers

    monkeypatch.setattr(writers, "EXCEL_MAX_ROWS", 4)  # 3 data rows per sheet
    result = export_write(actor=SYSTEM, file_format="xlsx", out=tmp_path / "x.xlsx")
    with zipfile.ZipFile(result.path) as archive:
        assert archive.testzip() is None
    book = openpyxl.load_workbook(result.path)
    labs = LabResult.objects.count()
    parts = ["lab_result"] + [f"lab_result ({i})" for i in range(2, (labs + 2) // 3 + 1)]
    assert [s for s in book.sheetnames if s.startswith("lab_result")] == parts
    rows = [row for name in parts for row in _values(book[name])[1:]]
    header = _values(book["lab_result"])[0]
    assert all(_values(book[name])[0] == header for name in parts)
    got = {
        (r["registry_id"], r["date"].date(), r["analyte"], r["value"], r["unit"])
        for r in (dict(zip(header, row, strict=True)) for row in rows)
    }
    assert got == {
        (lab.patient.registry_id, lab.date, lab.analyte, lab.value, lab.unit)
        for lab in LabResult.objects.select_related("patient")
    }
    first = dict(zip(header, rows[0], strict=True))
    assert isinstance(first["date"], dt.datetime) and isinstance(first["value"], int | float)
    assert isinstance(first["record_id"], int)


def test_deidentified_workbook_ends_with_the_k_anonymity_sheet(
    world: Any, tmp_path: Path, settings: Any
) -> None:
    settings.REMISSION_PSEUDONYM_KEY = "test key one"
    result = export_write(actor=SYSTEM, file_format="xlsx", out=tmp_path / "x.xlsx", deidentify=True)
    book = openpyxl.load_workbook(result.path)
    assert book.sheetnames[0] == "dictionary" and book.sheetnames[-1] == "k_anonymity"
    sheet = book["k_anonymity"]
    assert str(sheet["A1"].value).startswith("k-anonymity over ")
    assert sheet.freeze_panes == "A3"
    header = [c.value for c in sheet[2]]
    patients = header.index("patients")
    assert (
        sum(row[patients] for row in sheet.iter_rows(min_row=3, values_only=True)) == Patient.objects.count()
    )
