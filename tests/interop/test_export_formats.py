"""Each export format read back with its own reader equals the extract, and each export is audited."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from remission.interop import fields
from remission.interop.export import export_write
from remission.interop.writers import DICTIONARY_FILE, value_labels
from remission.registry.access import SYSTEM
from remission.registry.codes import AuditAction
from remission.registry.models import AdverseEvent, AuditRecord, LabResult, Patient

FORMATS = ("csv", "xlsx", "parquet", "dta", "sav")


def _lab_rows() -> set[tuple[str, str, str, float, str]]:
    """The laboratory results as the registry holds them (registry ID, ISO date, analyte, value, unit)."""
    return {
        (lab.patient.registry_id, lab.date.isoformat(), lab.analyte, lab.value, lab.unit)
        for lab in LabResult.objects.select_related("patient")
    }


def _read_back(path: Path, fmt: str, table: str) -> pd.DataFrame:
    if fmt == "xlsx":
        return pd.read_excel(path, sheet_name=table, engine="openpyxl")
    with zipfile.ZipFile(path) as archive:
        data = archive.read(
            f"{table}.{ {'csv': 'csv', 'parquet': 'parquet', 'dta': 'dta', 'sav': 'sav'}[fmt] }"
        )
    if fmt == "csv":
        return pd.read_csv(io.BytesIO(data), keep_default_na=False, na_values=[""])
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.read_table(io.BytesIO(data)).to_pandas()
    import pyreadstat

    suffix = "." + fmt
    tmp = path.with_name(path.name + suffix)
    tmp.write_bytes(data)
    frame, _meta = (pyreadstat.read_dta if fmt == "dta" else pyreadstat.read_sav)(
        str(tmp), apply_value_formats=True
    )
    return frame


def _iso(value: Any) -> str:
    return pd.Timestamp(value).date().isoformat()


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_reads_back_as_the_registry_holds_it(world: Any, tmp_path: Path, fmt: str) -> None:
    result = export_write(actor=SYSTEM, file_format=fmt, out=tmp_path / f"extract.{fmt}")
    labs = _read_back(result.path, fmt, "lab_result")
    if fmt in ("dta", "sav"):  # coded columns come back as their labels
        analyte_labels = dict(fields.table("lab_result").column("analyte").codes)
        unit_labels = dict(fields.table("lab_result").column("unit").codes)
        expected = {(r, d, analyte_labels[a], v, unit_labels[u]) for r, d, a, v, u in _lab_rows()}
    else:
        expected = _lab_rows()
    got = {
        (r, _iso(d), a, float(v), u)
        for r, d, a, v, u in zip(
            labs["registry_id"], labs["date"], labs["analyte"], labs["value"], labs["unit"], strict=True
        )
    }
    assert got == expected
    patients = _read_back(result.path, fmt, "patient")
    assert sorted(patients["registry_id"]) == sorted(Patient.objects.values_list("registry_id", flat=True))
    assert sorted(int(b) for b in patients["birth_year"]) == sorted(
        Patient.objects.values_list("birth_year", flat=True)
    )
    events = _read_back(result.path, fmt, "adverse_event")
    assert sorted(events["term"]) == sorted(AdverseEvent.objects.values_list("term", flat=True))
    assert result.row_counts["lab_result"] == LabResult.objects.count()


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_export_leaves_one_audit_row_with_the_files_sha256(world: Any, tmp_path: Path, fmt: str) -> None:
    before = AuditRecord.objects.filter(action=AuditAction.EXPORT).count()
    result = export_write(
        actor=world.users["dm_a"], file_format=fmt, out=tmp_path / f"x.{fmt}", disease="ssc"
    )
    rows = AuditRecord.objects.filter(action=AuditAction.EXPORT).order_by("pk")
    assert rows.count() == before + 1
    audit = rows.last()
    assert audit.actor_id == world.users["dm_a"].pk
    assert audit.after["sha256"] == hashlib.sha256(result.path.read_bytes()).hexdigest()
    assert audit.after["filters"]["disease"] == "ssc"
    assert audit.after["scope"] == "centres: alpha"
    assert audit.centre_id == world.centre_a.pk
    assert (
        audit.after["row_counts"]["lab_result"]
        == LabResult.objects.filter(patient__centre__code="alpha").count()
    )


def test_excel_has_a_frozen_header_and_the_dictionary_sheet(world: Any, tmp_path: Path) -> None:
    import openpyxl

    result = export_write(actor=SYSTEM, file_format="xlsx", out=tmp_path / "x.xlsx")
    book = openpyxl.load_workbook(result.path, read_only=False)
    assert book.sheetnames[0] == "dictionary"
    assert book["lab_result"].freeze_panes == "A2"
    header = [c.value for c in book["dictionary"][1]]
    assert tuple(header) == fields.DICTIONARY_HEADER
    assert book["dictionary"].max_row - 1 == len(list(fields.dictionary_rows()))


def test_excel_splits_a_table_at_the_row_limit(world: Any, tmp_path: Path, monkeypatch: Any) -> None:
    import openpyxl

    from remission.interop import writers

    monkeypatch.setattr(writers, "EXCEL_MAX_ROWS", 3)  # 2 data rows per sheet
    result = export_write(actor=SYSTEM, file_format="xlsx", out=tmp_path / "x.xlsx")
    book = openpyxl.load_workbook(result.path, read_only=True)
    labs = LabResult.objects.count()
    parts = ["lab_result"] + [f"lab_result ({i})" for i in range(2, (labs + 1) // 2 + 1)]
    assert [s for s in book.sheetnames if s.startswith("lab_result")] == parts
    assert sum(book[s].max_row - 1 for s in parts) == labs


def test_zips_hold_the_dictionary(world: Any, tmp_path: Path) -> None:
    for fmt in ("csv", "parquet", "dta", "sav"):
        result = export_write(actor=SYSTEM, file_format=fmt, out=tmp_path / f"x.{fmt}")
        with zipfile.ZipFile(result.path) as archive:
            names = set(archive.namelist())
            dictionary = pd.read_csv(io.BytesIO(archive.read(DICTIONARY_FILE)), keep_default_na=False)
        assert {f"{t.name}.{fmt}" for t in fields.tables()} | {DICTIONARY_FILE} == names
        assert len(dictionary) == len(list(fields.dictionary_rows()))


def test_stata_value_labels_follow_the_code_list(world: Any, tmp_path: Path) -> None:
    import pyreadstat

    result = export_write(actor=SYSTEM, file_format="dta", out=tmp_path / "x.dta")
    with zipfile.ZipFile(result.path) as archive:
        (tmp_path / "lab.dta").write_bytes(archive.read("lab_result.dta"))
    frame, meta = pyreadstat.read_dta(str(tmp_path / "lab.dta"))
    analyte = fields.table("lab_result").column("analyte")
    labels = meta.variable_value_labels["analyte"]
    numbers = value_labels(analyte, pd.Series([c for c, _ in analyte.codes]))
    assert {float(numbers[c]): label for c, label in analyte.codes} == {
        float(k): v for k, v in labels.items()
    }
    assert meta.column_names_to_labels["analyte"] == analyte.label
    assert np.isin(frame["analyte"].to_numpy(), list(labels)).all()


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_empty_extract_is_written_in_every_format(world: Any, tmp_path: Path, fmt: str) -> None:
    result = export_write(actor=world.users["nobody"], file_format=fmt, out=tmp_path / f"empty.{fmt}")
    assert set(result.row_counts) == {t.name for t in fields.tables()}
    assert not any(result.row_counts.values())
    patients = _read_back(result.path, fmt, "patient")
    assert len(patients) == 0
    assert list(patients.columns) == [c.name for c in fields.table("patient").columns_for(deidentify=False)]
