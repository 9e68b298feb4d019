"""Spreadsheets and CSV files by a mapping file: messy real data, merged cells, encodings, both layouts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from remission.interop import table, values
from remission.interop.importing import import_rows
from remission.interop.mapping import ImportMapping, load_mapping, mapping_from
from remission.interop.redcap import RULE_ENCODING
from remission.interop.rows import ReadError
from remission.registry.access import SYSTEM
from remission.registry.models import FollowUp, Patient

PATIENT_MAPPING = """
centre = "alpha"
date_formats = ["%d/%m/%Y"]
ignore = ["Notes"]

[columns]
"Study no" = "patient.key"
"Sex" = "patient.sex"
"Birth year" = "patient.birth_year"
"Birth month" = "patient.birth_month"
"Consent" = "patient.consent_status"
"Consent date" = "patient.consent_date"
"Disease" = "diagnosis.disease"
"Diagnosed" = "diagnosis.diagnosis_date"
"ICD-10" = "diagnosis.icd10"

[codes."patient.sex"]
"M" = "male"
"F" = "female"
"""
HEADER = ["Study no", "Sex", "Birth year", "Birth month", "Consent", "Consent date", "Disease", "Diagnosed",
          "ICD-10", "Notes"]  # fmt: skip


def _workbook(path: Path, rows: list[list[Any]], merge: str = "") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    book.save(path)
    return path


def _mapping(text: str = PATIENT_MAPPING) -> ImportMapping:
    import tomllib

    return mapping_from(tomllib.loads(text), "mapping.toml")


def test_messy_patient_sheet_reads_as_a_data_manager_expects(tmp_path: Path) -> None:
    serial = (dt.date(2019, 5, 17) - values.EXCEL_EPOCH).days  # a date typed as a number
    path = _workbook(
        tmp_path / "patients.xlsx",
        [
            ["P-001 ", " F", 1975, 4, "Given", dt.datetime(2020, 1, 3), "ssc", serial, "M34.0 ", "note"],
            [None, None, None, None, None, None, None, None, None, None],  # a blank row
            ["P-002", "male", 1980, 11, "given", "03/02/2021", "Multiple sclerosis", "2018-06-01", "", ""],
        ],
    )
    rows, problems = table.read_table(path, _mapping())
    assert problems == []
    by_key = {(r.kind, r.key): r for r in rows}
    first = by_key[("patient", "P-001")]
    assert first.row == "row 2"
    assert first.values == {
        "sex": "female",
        "birth_year": 1975,
        "birth_month": 4,
        "consent_status": "given",
        "consent_date": dt.date(2020, 1, 3),
    }
    assert by_key[("diagnosis", "P-001/diagnosis")].values == {
        "disease": "ssc",
        "diagnosis_date": dt.date(2019, 5, 17),
        "icd10": "M34.0",
    }
    second = by_key[("diagnosis", "P-002/diagnosis")]
    assert second.row == "row 4"
    assert second.values["disease"] == "ms"  # matched by its label
    assert by_key[("patient", "P-002")].values["consent_date"] == dt.date(2021, 2, 3)
    assert second.column("diagnosis_date") == "Diagnosed"


@pytest.mark.django_db
def test_sheet_imports_through_the_services_and_again_changes_nothing(world: Any, tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "patients.xlsx",
        [["P-001", "F", 1975, 4, "given", "2020-01-03", "ssc", "2019-05-17", "", ""]],
    )
    rows, problems = table.read_table(path, _mapping())
    before = Patient.objects.count()
    result = import_rows(
        rows,
        system="table",
        actor=world.users["dm_a"],
        commit=True,
        centre=world.centre_a,
        read_problems=problems,
    )
    assert result.problems == () and result.committed
    assert result.created == {"patient": 1, "diagnosis": 1}
    patient = Patient.objects.exclude(pk__in=[world.patient_a.pk, world.patient_b.pk]).get()
    assert patient.centre == world.centre_a
    again = import_rows(rows, system="table", actor=world.users["dm_a"], commit=True)
    assert again.created == {} and again.unchanged == 2
    assert Patient.objects.count() == before + 1


@pytest.mark.django_db
def test_record_layout_adds_follow_ups_to_patients_of_an_earlier_sheet(world: Any, tmp_path: Path) -> None:
    sheet = _workbook(
        tmp_path / "patients.xlsx",
        [["P-001", "F", 1975, 4, "given", "2020-01-03", "ssc", "2019-05-17", "", ""]],
    )
    rows, _ = table.read_table(sheet, _mapping())
    assert import_rows(rows, system="table", actor=SYSTEM, commit=True, centre=world.centre_a).committed
    visits = tmp_path / "visits.csv"
    visits.write_text(
        "Study no,Visit,Status,Disease status\n"
        "P-001,2024-02-01,alive,complete_response\n"
        "P-001,2024-08-01,Alive,Partial response\n",
        encoding="utf-8-sig",
    )
    mapping = _mapping(
        'layout = "record"\nkind = "follow-up"\nkey_columns = ["Study no", "Visit"]\n[columns]\n'
        '"Study no" = "patient.key"\n"Visit" = "follow-up.date"\n"Status" = "follow-up.vital_status"\n'
        '"Disease status" = "follow-up.disease_status"\n'
    )
    rows, problems = table.read_table(visits, mapping)
    assert problems == []
    assert [r.key for r in rows] == ["P-001/2024-02-01", "P-001/2024-08-01"]
    assert [r.row for r in rows] == ["line 2", "line 3"]
    count = FollowUp.objects.count()
    result = import_rows(rows, system="table", actor=SYSTEM, commit=True)
    assert result.problems == () and result.created == {"follow-up": 2}
    assert FollowUp.objects.count() == count + 2


def test_merged_cells_are_refused_naming_the_cells(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "patients.xlsx",
        [
            ["P-001", "F", 1975, 4, "given", "2020-01-03", "ssc", "2019-05-17", "", ""],
            [None, "F", 1975, 4, "given", "2020-01-03", "ssc", "2019-05-17", "", ""],
        ],
        merge="A2:A3",
    )
    with pytest.raises(ReadError) as caught:
        table.read_table(path, _mapping())
    assert [(p.rule, p.message) for p in caught.value.problems] == [
        (table.RULE_MERGED, table.MERGED_CELLS.format(ranges="A2:A3"))
    ]


def test_header_problems_are_all_named_before_any_row(tmp_path: Path) -> None:
    path = tmp_path / "patients.csv"
    path.write_text("Study no,Sex,Shoe size\nP-1,F,42\n", encoding="utf-8")
    with pytest.raises(ReadError) as caught:
        table.read_table(path, _mapping())
    found = {(p.column, p.message) for p in caught.value.problems}
    assert ("Shoe size", table.NOT_MAPPED.format(column="Shoe size")) in found
    assert ("Birth year", table.MAPPED_NOT_FOUND.format(column="Birth year")) in found


def test_cp1252_csv_is_refused_unless_the_mapping_names_the_encoding(tmp_path: Path) -> None:
    path = tmp_path / "patients.csv"
    text = ",".join(HEADER) + "\nP-1,F,1975,4,given,03/01/2020,ssc,17/05/2019,,Café – sí\n"
    path.write_bytes(text.encode("cp1252"))
    with pytest.raises(ReadError) as caught:
        table.read_table(path, _mapping())
    assert [p.rule for p in caught.value.problems] == [RULE_ENCODING]
    rows, problems = table.read_table(
        path, _mapping(PATIENT_MAPPING.replace('centre = "alpha"', 'encoding = "cp1252"'))
    )
    assert problems == [] and [r.kind for r in rows] == ["patient", "diagnosis"]


def test_bad_cells_are_named_by_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "patients.csv"
    path.write_text(
        ",".join(HEADER) + "\nP-1,X,19x5,4,given,2020-13-01,nope,2019-05-17,,\n", encoding="utf-8"
    )
    _rows, problems = table.read_table(path, _mapping())
    assert {(p.row, p.column, p.rule) for p in problems} == {
        ("line 2", "Sex", values.RULE_CODE),
        ("line 2", "Birth year", values.RULE_INTEGER),
        ("line 2", "Consent date", values.RULE_DATE),
        ("line 2", "Disease", values.RULE_CODE),
    }


def test_mapping_file_with_an_unknown_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text('sytem = "x"\n', encoding="utf-8")
    with pytest.raises(ReadError) as caught:
        load_mapping(path)
    assert caught.value.problems[0].column == "sytem"
