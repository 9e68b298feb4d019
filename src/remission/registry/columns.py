"""Read a queryset's rows as typed NumPy columns, for the analyses and extracts that read millions of records.

:func:`read_columns` takes a queryset (already scoped to the reading user by the registry's selectors)
and the fields to read, each with a :data:`Kind`, and returns one array per field. On PostgreSQL the
queryset's own SQL runs inside ``COPY (…) TO STDOUT`` and the CSV that comes back is parsed by pyarrow's
CSV reader, each column straight to its type (dates included): no Python tuple per row is ever built. On
any other database the rows come through ``values_list`` and are turned into the same columns.

Kinds:

- ``"int"`` — int64; the field must not be NULL;
- ``"float"`` — float64, NULL as NaN;
- ``"date"`` — datetime64[D], NULL as NaT;
- ``"text"`` — an object array of ``str``, NULL as ``None`` (COPY writes NULL as an unquoted ``\\N``, its
  marker here, and quotes a stored text that is exactly ``\\N``, which therefore reads as that text);
- ``"code"`` — a coded text (an analyte, an instrument, a status) as a ``pandas.Categorical``, its
  categories sorted, NULL as missing (code -1): the values are parsed once per distinct code rather than
  turned into one Python string per row (on PostgreSQL the CSV reader builds the dictionary).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from operator import itemgetter
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet
from pyarrow import csv

from remission.registry.dates import as_days

Kind = Literal["int", "float", "date", "text", "code"]
KINDS: tuple[Kind, ...] = ("int", "float", "date", "text", "code")
Column = np.ndarray | pd.Categorical  # what one field reads as: a Categorical for "code", else an array
NULL = r"\N"  # how COPY writes NULL in CSV here, so that NULL and an empty string stay apart
# how each kind is typed when the CSV is parsed (an int column holding NULL comes back as float64)
ARROW_TYPES: dict[Kind, pa.DataType] = {
    "int": pa.int64(),
    "float": pa.float64(),
    "date": pa.date32(),
    "text": pa.string(),
    "code": pa.dictionary(pa.int32(), pa.string()),
}
UNKNOWN_KIND = "field {field}: kind {kind!r} is not one of {kinds}"
NULL_INT = "{model}.{field}: NULL in an integer column (read it as 'float')"


def read_columns(rows: QuerySet, fields: Mapping[str, Kind]) -> dict[str, Column]:
    """The values of ``fields`` (Django field paths, ``"product__product_type"`` included) of every row of
    ``rows``, as one array per field, in the queryset's order."""
    for field, kind in fields.items():
        if kind not in KINDS:
            raise ValueError(UNKNOWN_KIND.format(field=field, kind=kind, kinds=KINDS))
    selected = rows.values_list(*fields)
    if connections[rows.db].vendor == "postgresql":
        columns = _copied(selected, fields)
    else:
        columns = _listed(selected, fields)
    for field, kind in fields.items():
        if kind == "int" and columns[field].dtype != np.int64:
            raise ValueError(NULL_INT.format(model=rows.model.__name__, field=field))
    return columns


def _copied(selected: QuerySet, fields: Mapping[str, Kind]) -> dict[str, Column]:
    """PostgreSQL: the queryset's SQL through ``COPY … TO STDOUT`` as CSV, parsed by pyarrow."""
    try:
        sql, params = selected.query.get_compiler(using=selected.db).as_sql()
    except EmptyResultSet:  # a filter no row can match (``pk__in=[]``): Django sends no query either
        return {field: _empty(kind) for field, kind in fields.items()}
    buffer = io.BytesIO()
    statement = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, NULL '{NULL}')"
    with (
        connections[selected.db].cursor() as cursor,
        _logged(cursor, statement, params),
        cursor.cursor.copy(statement, params) as copy,
    ):
        for block in copy:
            buffer.write(block)
    if not buffer.getbuffer().nbytes:
        return {field: _empty(kind) for field, kind in fields.items()}
    buffer.seek(0)
    table = csv.read_csv(
        buffer,
        read_options=csv.ReadOptions(column_names=list(fields)),
        parse_options=csv.ParseOptions(newlines_in_values=True),
        convert_options=csv.ConvertOptions(
            column_types={field: ARROW_TYPES[kind] for field, kind in fields.items()},
            null_values=[NULL],
            strings_can_be_null=True,  # an unquoted \N is NULL ...
            quoted_strings_can_be_null=False,  # ... a quoted "\N" (COPY quotes a text that is \N) is text
        ),
    )
    return {
        field: _coded(table[field].to_pandas().array) if kind == "code" else table[field].to_numpy()
        for field, kind in fields.items()
    }


def _coded(values: pd.Categorical) -> pd.Categorical:
    """The categories sorted, as ``pd.Categorical`` sorts them (the CSV reader keeps them as met)."""
    return values.reorder_categories(sorted(values.categories))


def _logged(cursor: Any, sql: str, params: Any) -> AbstractContextManager[None]:
    """Django's query log (``connection.queries``, ``CaptureQueriesContext``) gets the COPY statement, as it
    gets every query run through Django's cursor, when queries are being logged."""
    return cursor.debug_sql(sql, params) if hasattr(cursor, "debug_sql") else nullcontext()


def _listed(selected: QuerySet, fields: Mapping[str, Kind]) -> dict[str, Column]:
    """Any database: ``values_list`` rows turned into the same columns."""
    rows = list(selected)
    columns: dict[str, Column] = {}
    for position, (field, kind) in enumerate(fields.items()):
        values = list(map(itemgetter(position), rows))
        columns[field] = _typed(values, kind)
    return columns


def _typed(values: list[Any], kind: Kind) -> Column:
    if kind == "code":
        return pd.Categorical(values)
    if kind == "date":
        return as_days(values)
    if kind == "text":
        return np.asarray(values, dtype=object) if values else np.empty(0, dtype=object)
    if kind == "float":
        return np.asarray([np.nan if v is None else v for v in values], dtype=np.float64)
    if any(v is None for v in values):
        return np.asarray(values, dtype=object)  # read_columns names the NULL
    return np.asarray(values, dtype=np.int64)


def _empty(kind: Kind) -> Column:
    if kind == "code":
        return pd.Categorical([])
    return {
        "int": np.empty(0, dtype=np.int64),
        "float": np.empty(0, dtype=np.float64),
        "date": np.empty(0, dtype="datetime64[D]"),
        "text": np.empty(0, dtype=object),
    }[kind]
