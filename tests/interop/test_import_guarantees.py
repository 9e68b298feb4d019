"""The import's guarantees: a dry run writes nothing, --commit is all or nothing, re-importing changes
nothing, scoping and audit as for a typed-in record, and each malformed input gives its named error."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from remission.interop import importing, table, values
from remission.interop.mapping import ImportMapping
from remission.interop.redcap import RULE_ENCODING, RULE_HEADER, UNKNOWN_COLUMN, read_redcap
from remission.interop.rows import ReadError
from remission.registry.access import SYSTEM
from remission.registry.models import AuditRecord, FollowUp, Patient
from remission.registry.services.batch import RULE_SCOPE
from remission.registry.services.records import NOT_FOUND
from tests.interop.import_support import (
    export_redcap,
    import_redcap,
    read_csv_rows,
    registry_records,
    stored_counts,
    wipe_patients,
    write_csv_rows,
)


@pytest.fixture
def exported(world: Any, tmp_path: Path) -> tuple[Path, Path, dict[str, Any]]:
    """The world's two patients as REDCap files, and the registry emptied of patients."""
    before = registry_records()
    dictionary, records = export_redcap(tmp_path)
    wipe_patients()
    return dictionary, records, before


def _edit(records: Path, change: Any) -> None:
    header, rows = read_csv_rows(records)
    change(rows)
    write_csv_rows(records, header, rows)


def _line_of(rows: list[dict[str, str]], instrument: str) -> tuple[int, dict[str, str]]:
    for index, row in enumerate(rows):
        if row["redcap_repeat_instrument"] == instrument:
            return index + 2, row  # line 1 is the header
    raise AssertionError(instrument)


def test_dry_run_checks_everything_and_writes_nothing(exported: Any) -> None:
    dictionary, records, _before = exported
    empty = stored_counts()
    result = import_redcap(dictionary, records, commit=False)
    assert result.problems == ()
    assert not result.committed
    assert result.created["patient"] == 2
    assert stored_counts() == empty


def test_commit_audits_each_record_with_the_source_file(exported: Any) -> None:
    dictionary, records, before = exported
    result = import_redcap(dictionary, records)
    assert result.committed
    assert registry_records() == before
    rows = AuditRecord.objects.filter(patient__isnull=False)
    assert rows.count() == sum(result.created.values()) == result.audit_rows
    assert all(r.reason.startswith("import (redcap) from records.csv, line ") for r in rows)


def test_reimporting_the_same_file_changes_nothing(exported: Any) -> None:
    dictionary, records, _before = exported
    first = import_redcap(dictionary, records)
    after_first = stored_counts()
    stored = registry_records()
    second = import_redcap(dictionary, records)
    assert second.committed and second.problems == ()
    assert second.created == {}
    assert second.unchanged == first.rows
    assert stored_counts() == after_first
    assert registry_records() == stored


def test_a_new_record_of_an_imported_patient_goes_through_its_service(exported: Any) -> None:
    dictionary, records, _before = exported
    import_redcap(dictionary, records)
    header, rows = read_csv_rows(records)
    _line, follow_up = _line_of(rows, "follow_up")
    added = dict(follow_up, redcap_repeat_instance="99", fu_date=dt.date.today().isoformat())
    write_csv_rows(records, header, [*rows, added])
    count = FollowUp.objects.count()
    result = import_redcap(dictionary, records)
    assert result.problems == ()
    assert result.created == {"follow-up": 1}
    assert FollowUp.objects.count() == count + 1
    audit = AuditRecord.objects.filter(entity="registry.followup").order_by("pk").last()
    assert audit.reason == f"import (redcap) from records.csv, line {len(rows) + 2}, key " + (
        f"{follow_up['record_id']}/registry_arm_1/follow_up/99"
    )


def test_one_bad_row_refuses_the_whole_commit_with_file_row_column_rule(exported: Any) -> None:
    dictionary, records, _before = exported
    found: dict[str, int] = {}

    def bad_date(rows: list[dict[str, str]]) -> None:
        line, row = _line_of(rows, "infusion")
        row["inf_date"] = "31/02/2022"
        found["line"] = line

    _edit(records, bad_date)
    empty = stored_counts()
    result = import_redcap(dictionary, records)
    assert not result.committed
    assert [str(p) for p in result.problems] == [
        f"records.csv / line {found['line']} / inf_date / {values.RULE_DATE}: "
        + values.BAD_DATE.format(value="31/02/2022", formats="")
    ]
    assert stored_counts() == empty


def test_a_rule_of_the_registry_is_reported_at_the_source_column(exported: Any) -> None:
    dictionary, records, _before = exported
    found: dict[str, Any] = {}

    def future(rows: list[dict[str, str]]) -> None:
        line, row = _line_of(rows, "lab_result")
        row["lab_date"] = "2099-01-01"  # in the future, within the registry's years
        found["line"] = line

    _edit(records, future)
    result = import_redcap(dictionary, records)
    rules = {(p.row, p.column, p.rule) for p in result.problems}
    assert (f"line {found['line']}", "lab_date", "date_not_in_future") in rules
    assert not Patient.objects.exists()


def test_unknown_code(exported: Any) -> None:
    dictionary, records, _before = exported

    def unknown(rows: list[dict[str, str]]) -> None:
        rows[0]["sex"] = "x"

    _edit(records, unknown)
    result = import_redcap(dictionary, records)
    assert [(p.row, p.column, p.rule) for p in result.problems] == [("line 2", "sex", values.RULE_CODE)]
    assert result.problems[0].message.startswith("'x' is not a known code for sex; use one of: female")
    assert not Patient.objects.exists()


def test_duplicate_key(exported: Any) -> None:
    dictionary, records, _before = exported

    def duplicate(rows: list[dict[str, str]]) -> None:
        _line, row = _line_of(rows, "follow_up")
        rows.append(dict(row))

    _edit(records, duplicate)
    result = import_redcap(dictionary, records)
    assert [p.rule for p in result.problems] == [importing.RULE_DUPLICATE]
    assert not Patient.objects.exists()


def test_wrong_header(exported: Any) -> None:
    dictionary, records, _before = exported
    header, rows = read_csv_rows(records)
    write_csv_rows(records, [*header, "shoe_size"], rows)
    with pytest.raises(ReadError) as caught:
        read_redcap(dictionary, records, ImportMapping())
    assert [(p.column, p.rule, p.message) for p in caught.value.problems] == [
        ("shoe_size", RULE_HEADER, UNKNOWN_COLUMN.format(column="shoe_size"))
    ]


def test_wrong_encoding_is_named_and_a_named_encoding_reads(exported: Any) -> None:
    dictionary, records, _before = exported
    header, rows = read_csv_rows(records)
    rows[0]["consent_version"] = "versión 2 – café"
    write_csv_rows(records, header, rows, encoding="cp1252")
    with pytest.raises(ReadError) as caught:
        read_redcap(dictionary, records, ImportMapping())
    assert [p.rule for p in caught.value.problems] == [RULE_ENCODING]
    assert "not UTF-8" in caught.value.problems[0].message
    read, problems = read_redcap(dictionary, records, ImportMapping(encoding="cp1252"))
    assert problems == []
    assert read[0].values["consent_version"] == "versión 2 – café"


def test_another_centres_patient_is_not_found_and_nothing_is_written(exported: Any, world: Any) -> None:
    dictionary, records, _before = exported
    result = import_redcap(dictionary, records, actor=world.users["dm_a"])
    refused = [p for p in result.problems if p.rule == RULE_SCOPE]
    registry_id = world.patient_b.registry_id
    assert [p.message for p in refused] == [NOT_FOUND.format(record=f"Patient {registry_id}")]
    assert not Patient.objects.exists()
    viewer = import_redcap(dictionary, records, actor=world.users["viewer_a"])
    assert {p.rule for p in viewer.problems} == {RULE_SCOPE}
    assert not Patient.objects.exists()


def test_unknown_centre_code_is_named(exported: Any) -> None:
    dictionary, records, _before = exported

    def centre(rows: list[dict[str, str]]) -> None:
        rows[0]["centre"] = "gamma"

    _edit(records, centre)
    result = import_redcap(dictionary, records, actor=SYSTEM)
    assert [(p.column, p.rule, p.message) for p in result.problems] == [
        ("centre", importing.RULE_CENTRE, importing.UNKNOWN_CENTRE.format(code="gamma"))
    ]


def test_table_reader_names_a_file_that_is_neither_csv_nor_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "patients.ods"
    path.write_bytes(b"x")
    with pytest.raises(ReadError) as caught:
        table.read_table(path, ImportMapping())
    assert caught.value.problems[0].rule == table.RULE_FORMAT


def test_a_project_named_differently_is_read_through_the_mapping(exported: Any) -> None:
    dictionary, records, before = exported
    # the project calls sex "gender" (coded 1/2/9) and the follow-up instrument "visits"
    dict_header, dict_rows = read_csv_rows(dictionary)
    for row in dict_rows:
        if row["Variable / Field Name"] == "sex":
            row["Variable / Field Name"] = "gender"
            row["Choices, Calculations, OR Slider Labels"] = "1, Female | 2, Male | 9, Unknown"
        if row["Form Name"] == "follow_up":
            row["Form Name"] = "visits"
    write_csv_rows(dictionary, dict_header, dict_rows)
    header, rows = read_csv_rows(records)
    codes = {"female": "1", "male": "2", "unknown": "9"}
    for row in rows:
        row["gender"] = codes.get(row.pop("sex"), "")
        if row["redcap_repeat_instrument"] == "follow_up":
            row["redcap_repeat_instrument"] = "visits"
        row["visits_complete"] = row.pop("follow_up_complete")
    header = [{"sex": "gender", "follow_up_complete": "visits_complete"}.get(h, h) for h in header]
    write_csv_rows(records, header, rows)
    unmapped = import_redcap(dictionary, records, commit=False)
    assert {p.rule for p in unmapped.problems} >= {"unmapped_variable", "known_instrument"}
    mapping = ImportMapping(
        fields={"gender": "sex"},
        instruments={"visits": "follow_up"},
        codes={"sex": {"1": "female", "2": "male", "9": "unknown"}},
    )
    result = import_redcap(dictionary, records, mapping=mapping)
    assert result.problems == ()
    assert registry_records() == before
