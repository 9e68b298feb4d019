"""The import reads and writes a batch at a time: how many queries it issues does not grow with the number
of patients, and what it looks up per batch (registry IDs, source keys) still refuses what it must."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from remission.interop.importing import ImportResult
from remission.interop.models import ImportedRecord
from remission.registry.models import AuditRecord, Patient
from remission.registry.validation import RULE_FIELD
from tests.interop.import_support import (
    export_redcap,
    import_redcap,
    make_source,
    read_csv_rows,
    stored_counts,
    wipe_patients,
    write_csv_rows,
)

SMALL, LARGE = 3, 9  # patients
ID_TAKEN = "Patient with this Registry id already exists."  # Django's message for a unique field


@pytest.fixture
def sources(tmp_path: Path) -> dict[int, tuple[Path, Path]]:
    """REDCap files of the same registry: all of its patients, and its first few; the registry emptied."""
    make_source(count=LARGE, seed=3)
    dictionary, records = export_redcap(tmp_path)
    header, rows = read_csv_rows(records)
    first = list(dict.fromkeys(row["record_id"] for row in rows))[:SMALL]
    small = tmp_path / "small.csv"
    write_csv_rows(small, header, [row for row in rows if row["record_id"] in first])
    wipe_patients()
    return {SMALL: (dictionary, small), LARGE: (dictionary, records)}


def _counted(dictionary: Path, records: Path) -> tuple[ImportResult, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        result = import_redcap(dictionary, records)
    return result, [q["sql"] for q in queries.captured_queries]


def _not_inserts(statements: list[str]) -> list[str]:
    """SQLite's bulk inserts are split by its limit on parameters; PostgreSQL's COPY is one statement."""
    return [s for s in statements if not s.lstrip().upper().startswith("INSERT")]


@pytest.mark.django_db
def test_queries_do_not_grow_with_the_number_of_patients(sources: Any) -> None:
    first, second = {}, {}
    for size, (dictionary, records) in sources.items():
        result, statements = _counted(dictionary, records)
        assert result.committed and result.problems == ()
        assert result.created["patient"] == size
        first[size] = (sum(result.created.values()), statements)
        again, statements = _counted(dictionary, records)  # every row imported before: left alone
        assert again.created == {} and again.unchanged == result.rows
        second[size] = statements
        wipe_patients()
    (small_records, small), (large_records, large) = first[SMALL], first[LARGE]
    assert large_records > 2 * small_records
    assert len(_not_inserts(large)) == len(_not_inserts(small))
    if connection.vendor == "postgresql":
        assert len(large) == len(small)
    inserts = len(large) - len(_not_inserts(large))
    assert inserts < large_records / 10  # a statement (or a few, on SQLite) per table, not per record
    assert len(second[LARGE]) == len(second[SMALL])


@pytest.mark.django_db
def test_a_registry_id_already_stored_is_refused_at_its_column(sources: Any) -> None:
    dictionary, records = sources[SMALL]
    assert import_redcap(dictionary, records).committed
    ImportedRecord.objects.all().delete()  # forgotten: the same patients now come in as new ones
    counts = stored_counts()

    result = import_redcap(dictionary, records)

    assert not result.committed
    refused = {(p.column, p.rule, p.message) for p in result.problems}
    assert refused == {("registry_id", RULE_FIELD, ID_TAKEN)}
    assert len(result.problems) == SMALL
    assert stored_counts() == counts


@pytest.mark.django_db
def test_dry_run_of_a_batch_writes_no_patient_audit_or_memory(sources: Any) -> None:
    dictionary, records = sources[LARGE]
    result = import_redcap(dictionary, records, commit=False)
    assert result.problems == () and not result.committed
    assert result.audit_rows == sum(result.created.values())
    assert not Patient.objects.exists()
    assert not AuditRecord.objects.filter(patient_id__isnull=False).exists()
    assert not ImportedRecord.objects.exists()
