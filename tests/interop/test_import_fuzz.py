"""Fuzzing the CSV readers: whatever bytes a file holds, the reader returns rows and problems or raises
its named ReadError, never anything else."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from remission.interop.mapping import ImportMapping
from remission.interop.redcap import RECORD_ID_FIELD, read_redcap, redcap_fields, write_dictionary
from remission.interop.rows import ReadError, SourceRow
from remission.interop.table import read_table

MAPPING = ImportMapping(
    columns={
        "id": "patient.key",
        "sex": "patient.sex",
        "born": "patient.birth_year",
        "day0": "infusion.date",
        "fu": "follow-up.date",
        "alive": "follow-up.vital_status",
    },
    date_formats=("%d/%m/%Y",),
)
HEADINGS = list(MAPPING.columns)
cells = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        ["", " ", "female", "F", "NA", "UNK", "2020-01-01", "31/12/2019", "1e309", "nan", "-0", "4"]
    ),
)


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _check(result: tuple[list[SourceRow], list]) -> None:
    rows, problems = result
    assert all(isinstance(r, SourceRow) for r in rows)
    assert all(str(p) for p in problems)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_table_reader_on_any_bytes(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sheet.csv"
        path.write_bytes(data)
        try:
            _check(read_table(path, MAPPING))
        except ReadError as exc:
            assert exc.problems


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(cells, min_size=0, max_size=8), max_size=6))
def test_table_reader_on_any_cells_under_the_right_header(rows: list[list[str]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sheet.csv"
        path.write_bytes(_csv(HEADINGS, rows))
        try:
            _check(read_table(path, MAPPING))
        except ReadError as exc:
            assert exc.problems


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["", "follow_up", "infusion", "bogus"]),
            st.sampled_from(["", "1", "x"]),
            cells,
            cells,
        ),
        max_size=6,
    )
)
def test_redcap_reader_on_any_records(lines: list[tuple[str, str, str, str]]) -> None:
    header = [RECORD_ID_FIELD, "redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance"]
    header += ["sex", "fu_date", "fu_vital_status"]
    assert {"sex", "fu_date", "fu_vital_status"} <= {f.name for f in redcap_fields()}
    rows = [["P1", "registry_arm_1", form, instance, a, b, b] for form, instance, a, b in lines]
    with tempfile.TemporaryDirectory() as folder:
        dictionary, records = Path(folder) / "d.csv", Path(folder) / "r.csv"
        with dictionary.open("w", encoding="utf-8", newline="") as out:
            write_dictionary(out)
        records.write_bytes(_csv(header, rows))
        try:
            _check(read_redcap(dictionary, records, ImportMapping()))
        except ReadError as exc:
            assert exc.problems
