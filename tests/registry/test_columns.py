"""Reading querysets as typed columns: the same values on SQLite (values_list) and PostgreSQL (COPY as CSV).

Every expected value is written here by hand; the suite runs this file on both databases.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from django.db import DataError, ProgrammingError, connection, transaction
from django.db.models import ExpressionWrapper, IntegerField, Value
from django.db.models.functions import Cast, Substr
from psycopg import pq

from remission.registry import services
from remission.registry.access import SYSTEM
from remission.registry.codes import ConsentStatus, Sex
from remission.registry.columns import read_columns
from remission.registry.models import Centre, WorkUp

AWKWARD_NAMES = ('Leiden, "LUMC"', "two\nlines", "", "Ünïcödé — São Paulo", "plain")


@pytest.fixture
def centres(db: None) -> None:
    for number, name in enumerate(AWKWARD_NAMES):
        Centre.objects.create(
            code=f"c{number}",
            name=name,
            country="NL",
            first_procedure_year=None if number % 2 else 1990 + number,
        )


def test_text_survives_commas_quotes_newlines_and_empty_strings(centres: None) -> None:
    columns = read_columns(Centre.objects.order_by("code"), {"code": "text", "name": "text"})
    assert columns["name"].tolist() == list(AWKWARD_NAMES)
    assert columns["code"].tolist() == ["c0", "c1", "c2", "c3", "c4"]
    assert columns["name"].dtype == object


def test_null_numbers_read_as_nan_and_integers_stay_integers(centres: None) -> None:
    columns = read_columns(Centre.objects.order_by("code"), {"id": "int", "first_procedure_year": "float"})
    assert columns["id"].dtype == np.int64
    years = columns["first_procedure_year"]
    assert years.dtype == np.float64
    assert years[[0, 2, 4]].tolist() == [1990.0, 1992.0, 1994.0]
    assert np.isnan(years[[1, 3]]).all()


def test_a_null_in_an_integer_column_is_named(centres: None) -> None:
    with pytest.raises(ValueError, match=r"Centre\.first_procedure_year: NULL in an integer column"):
        read_columns(Centre.objects.all(), {"first_procedure_year": "int"})


def test_an_unknown_kind_is_named(centres: None) -> None:
    with pytest.raises(ValueError, match="field name: kind 'str' is not one of"):
        read_columns(Centre.objects.all(), {"name": "str"})  # type: ignore[dict-item]


def test_dates_and_null_floats(db: None) -> None:
    centre = services.centre_create(actor=SYSTEM, code="north", name="North", country="NL")
    patient = services.patient_register(
        actor=SYSTEM,
        centre=centre,
        sex=Sex.FEMALE,
        birth_year=1940,  # the work-up before 1970 is after birth
        birth_month=3,
        consent_status=ConsentStatus.GIVEN,
        consent_date=dt.date(2019, 1, 1),
        registry_id="P-1",
    )
    services.workup_record(actor=SYSTEM, patient=patient, date=dt.date(2019, 12, 1), fvc_pct=78.5)
    services.workup_record(actor=SYSTEM, patient=patient, date=dt.date(1969, 12, 31))
    columns = read_columns(
        WorkUp.objects.order_by("date"), {"patient_id": "int", "date": "date", "fvc_pct": "float"}
    )
    assert columns["date"].dtype == np.dtype("datetime64[D]")
    assert columns["date"].tolist() == [dt.date(1969, 12, 31), dt.date(2019, 12, 1)]
    assert np.isnan(columns["fvc_pct"][0]) and columns["fvc_pct"][1] == 78.5
    assert columns["patient_id"].tolist() == [patient.pk, patient.pk]


def test_no_rows_give_empty_typed_columns(centres: None) -> None:
    kinds = {"id": "int", "name": "text", "first_procedure_year": "float"}
    for rows in (Centre.objects.filter(code="nowhere"), Centre.objects.filter(pk__in=[])):
        columns = read_columns(rows, kinds)  # type: ignore[arg-type]
        assert [columns[f].dtype for f in kinds] == [np.int64, object, np.float64]
        assert all(len(columns[f]) == 0 for f in kinds)


def test_the_queryset_filter_is_kept(centres: None) -> None:
    columns = read_columns(Centre.objects.filter(code__in=["c1", "c3"]).order_by("-code"), {"code": "text"})
    assert columns["code"].tolist() == ["c3", "c1"]


def test_a_text_that_is_the_null_marker_reads_as_text(db: None) -> None:
    # COPY writes NULL as an unquoted \N and quotes a stored text that is \N: the two stay apart
    Centre.objects.create(code="marker", name="\\N", country="NL")
    Centre.objects.create(code="nothing", name="", country="NL")
    columns = read_columns(Centre.objects.order_by("code"), {"code": "text", "name": "text"})
    assert columns["name"].tolist() == ["\\N", ""]


def test_codes_read_as_categoricals_with_sorted_categories_and_null_missing(db: None) -> None:
    for code, name, country in (("z", "Zwolle", "NL"), ("a", "Aachen", "DE"), ("m", "Madrid", "ES")):
        Centre.objects.create(code=code, name=name, country=country)
    Centre.objects.create(code="b", name="\\N", country="NL")  # a text that is the null marker
    rows = Centre.objects.order_by("name")  # Aachen, Madrid, Zwolle, \N
    columns = read_columns(rows, {"country": "code", "name": "code"})
    country = columns["country"]
    assert isinstance(country, pd.Categorical)
    assert list(country.categories) == ["DE", "ES", "NL"]  # sorted, not in the order met
    assert country.tolist() == ["DE", "ES", "NL", "NL"]
    assert columns["name"].tolist() == ["Aachen", "Madrid", "Zwolle", "\\N"]  # quoted \N stays text
    # a NULL is missing (code -1): the first procedure year read as a code, for want of a nullable text
    years = read_columns(Centre.objects.order_by("code"), {"first_procedure_year": "code"})
    assert years["first_procedure_year"].codes.tolist() == [-1, -1, -1, -1]


def test_no_rows_give_an_empty_categorical(db: None) -> None:
    columns = read_columns(Centre.objects.filter(pk__in=[]), {"country": "code"})
    assert isinstance(columns["country"], pd.Categorical) and len(columns["country"]) == 0


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="errors COPY reports")
def test_an_error_is_raised_as_djangos_and_the_connection_reads_on(centres: None) -> None:
    # 1 / (the code's number - 2) divides by zero at the third centre (c2); with no ORDER BY the rows
    # stream out as scanned, so COPY has sent c0 and c1 when it fails
    failing = Centre.objects.order_by().annotate(
        ratio=ExpressionWrapper(
            Value(1) / (Cast(Substr("code", 2), IntegerField()) - Value(2)), output_field=IntegerField()
        )
    )
    with pytest.raises(DataError, match="division by zero"), transaction.atomic():
        read_columns(failing, {"code": "text", "ratio": "int"})
    # a statement the server refuses before any row (no such column)
    refused = Centre.objects.extra(select={"nothing": "no_such_column"})
    with pytest.raises(ProgrammingError, match="no_such_column"), transaction.atomic():
        read_columns(refused, {"code": "text", "nothing": "text"})
    # each savepoint rolled back, the same connection reads the next statement
    after = read_columns(Centre.objects.order_by("code"), {"code": "text"})
    assert after["code"].tolist() == ["c0", "c1", "c2", "c3", "c4"]


@pytest.mark.django_db(transaction=True)
def test_a_read_opening_djangos_transaction_runs_inside_it() -> None:
    # psycopg begins the transaction Django opens at its next statement; the COPY must not run before it
    Centre.objects.create(code="committed", name="Committed", country="NL")
    with transaction.atomic():
        columns = read_columns(Centre.objects.all(), {"code": "text"})
        if connection.vendor == "postgresql":
            assert connection.connection.info.transaction_status == pq.TransactionStatus.INTRANS
        Centre.objects.create(code="inside", name="Inside", country="NL")
        inside = read_columns(Centre.objects.order_by("code"), {"code": "text"})
    assert columns["code"].tolist() == ["committed"]
    assert inside["code"].tolist() == ["committed", "inside"]  # the transaction's own row is seen
