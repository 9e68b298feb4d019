"""The ``COPY`` text of generated records: escaping, NULLs, defaults and JSON, without a database."""

from __future__ import annotations

import datetime as dt

from remission.synth.centres import CENTRES
from remission.synth.copy_text import batch_text, copy_escape, layout, rows_text


def test_copy_escape_escapes_what_copy_text_format_reads_specially() -> None:
    assert copy_escape("plain text") == "plain text"
    assert copy_escape("a\tb\\c\nd\re") == "a\\tb\\\\c\\nd\\re"


def test_a_follow_up_row_in_column_order_with_nulls_and_defaults() -> None:
    spec = layout("FollowUp")
    assert spec.columns == (
        "id", "patient_id", "created_at", "updated_at",
        "version", "missing", "date", "vital_status", "disease_status", "current_therapy",
    )  # fmt: skip
    record = {"date": dt.date(2020, 1, 31), "vital_status": "alive", "disease_status": "unknown",
              "current_therapy": "x\ty"}  # fmt: skip
    lines, snapshots = rows_text(spec, [record], snapshots=True)
    assert lines == ["1\t{}\t2020-01-31\talive\tunknown\tx\\ty"]
    assert snapshots[0] == (
        '"version": 1, "missing": {}, "date": "2020-01-31", "vital_status": "alive", '
        '"disease_status": "unknown", "current_therapy": "x\\\\ty"'
    )


def test_nulls_json_and_booleans() -> None:
    spec = layout("Engraftment")
    data = {"neutrophil_date": None, "platelet_date": None, "platelets_never_below_20": True,
            "graft_failure": False, "missing": {"neutrophil_date": "not_applicable"}}  # fmt: skip
    lines, _ = rows_text(spec, [data, {**data, "missing": {}}], snapshots=False)
    assert lines == [
        '1\t{"neutrophil_date": "not_applicable"}\t\\N\t\\N\tTrue\tFalse',
        "1\t{}\t\\N\t\\N\tTrue\tFalse",
    ]


def test_a_batch_numbers_rows_within_the_batch() -> None:
    centre_ids = {c.code: i for i, c in enumerate(CENTRES, start=1)}
    batch = batch_text(7, 10, 3, id_prefix=None, centre_ids=centre_ids, snapshots=False)
    assert batch.first == 10 and batch.patients == 3
    patients = batch.tables["Patient"]
    assert patients.patients == [0, 1, 2] and all("S7-00000" in v for v in patients.values)
    assert len(patients.snapshots) == 3  # the patient rows always carry theirs (per-patient audit)
    infusions = batch.tables["Infusion"]
    assert infusions.patients == sorted(infusions.patients)  # a patient's rows are adjacent
    products = batch.tables["CellProduct"]
    assert all(0 <= r < len(products.values) for r in infusions.refs["product_id"])
    assert batch.tables["LabResult"].snapshots == []
