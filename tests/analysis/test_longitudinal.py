"""Measurements by days since the index infusion: the pure part on hand-built frames, the query part on a
small registry of two centres (scoping).

Every expected value is worked out by hand from the dates and values written here.
"""

from __future__ import annotations

import datetime as dt
import pickle
from typing import Any

import numpy as np
import pandas as pd
import pytest

from remission.analysis import AnalysisSet
from remission.analysis.longitudinal import (
    CD4_CD8_RATIO,
    UNITS,
    Measurements,
    canonical_values,
    cd4_cd8_ratios,
    load_measurements,
    measurements_from,
    tidy_labs,
    tidy_scores,
)
from remission.registry import services
from remission.registry.access import SYSTEM
from remission.registry.codes import ConsentStatus, ProductSource, ProductType, Role, Sex
from tests.registry.conftest import grant, make_user

DAY0_A = dt.date(2020, 1, 10)
DAY0_B = dt.date(2021, 6, 1)


def _patients() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "registry_id": ["P-A", "P-B"],
            "infusion_date": pd.to_datetime([DAY0_A, DAY0_B]),
            "disease": ["ssc", "ms"],
        }
    )


def _raw_scores() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "patient": ["P-A", "P-A", "P-B", "P-X", "P-A"],
            "date": pd.to_datetime(["2019-12-31", "2021-01-10", "2021-06-01", "2021-01-01", "2020-07-10"]),
            "instrument": ["mrss", "mrss", "edss", "edss", "mrss"],
            "score": [30.0, 12.0, 4.5, 6.0, np.nan],
        }
    )


def test_scores_get_days_since_their_patients_infusion() -> None:
    scores = tidy_scores(_patients(), _raw_scores())
    # P-X is not in the analysis set; the score-less row is dropped
    assert scores["patient"].astype(str).tolist() == ["P-A", "P-A", "P-B"]
    # 2019-12-31 is 10 days before 2020-01-10; 2021-01-10 is 366 days after it (2020 is a leap year)
    assert scores["days"].tolist() == [-10, 366, 0]
    assert scores["score"].tolist() == [30.0, 12.0, 4.5]
    assert scores["disease"].astype(str).tolist() == ["ssc", "ssc", "ms"]
    assert scores["instrument"].astype(str).tolist() == ["mrss", "mrss", "edss"]


def test_scores_are_read_only() -> None:
    scores = tidy_scores(_patients(), _raw_scores())
    with pytest.raises(ValueError, match="read-only"):
        scores.loc[0, "score"] = 0.0
    with pytest.raises(ValueError, match="read-only"):
        scores.loc[0, "days"] = 0


def test_units_are_converted_exactly_or_left_out() -> None:
    value, keep, units, left_out = canonical_values(
        np.array(["cd4", "cd4", "igg", "igg", "cd4_naive", "trec"], dtype=object),
        np.array([450.0, 0.45, 8.0, 800.0, 20.0, 5000.0]),
        np.array(["cells/uL", "10^9/L", "g/L", "mg/dL", "%", "copies/mL"], dtype=object),
    )
    assert keep.tolist() == [True, True, True, True, False, False]
    np.testing.assert_allclose(value[keep], [450.0, 450.0, 8.0, 8.0])
    assert list(units[keep]) == ["cells/uL", "cells/uL", "g/L", "g/L"]
    assert left_out == {"cd4_naive in %": 1, "trec in copies/mL": 1}
    assert UNITS["cd4"] == "cells/uL" and UNITS["igg"] == "g/L" and UNITS["platelets"] == "10^9/L"


def test_unit_pairs_are_numbered_as_numpy_s_unique_numbers_them() -> None:
    # canonical_values numbers the (analyte, unit) pairs by counting; np.unique (sorting) is the reference
    from remission.analysis.longitudinal import _pairs

    rng = np.random.default_rng(21)
    cases = [np.empty(0, dtype=np.int64), np.array([-1, -1]), np.array([7, 3, 7, 0, -2, 3])]
    cases += [rng.integers(-4, 30, size=int(rng.integers(1, 60))) for _ in range(200)]
    for combined in cases:
        pairs, inverse = _pairs(combined)
        expected_pairs, expected_inverse = np.unique(combined, return_inverse=True)
        assert pairs.tolist() == expected_pairs.tolist()
        assert inverse.tolist() == expected_inverse.tolist()


def test_a_row_in_a_unit_with_a_conversion_is_scaled_and_the_others_are_untouched() -> None:
    value, keep, _, left_out = canonical_values(
        np.array(["cd4", "igg", "cd4", "igg", "cd4"], dtype=object),
        np.array([0.5, np.nan, 1.25, 3.0, 7.0]),
        np.array(["10^9/L", "mg/dL", "10^9/L", "mm/h", "cells/uL"], dtype=object),
    )
    assert keep.tolist() == [True, True, True, False, True]
    assert value[0] == 500.0 and value[2] == 1250.0 and value[4] == 7.0  # exact: 1000 and 1 as factors
    assert np.isnan(value[1]) and value[3] == 3.0  # missing stays missing; a row left out keeps its value
    assert left_out == {"igg in mm/h": 1}


def _raw_labs() -> pd.DataFrame:
    rows = [
        ("P-A", "2020-01-01", "cd4", 600.0, "cells/uL"),  # day -9
        ("P-A", "2020-01-01", "cd8", 300.0, "cells/uL"),
        ("P-A", "2020-04-09", "cd4", 0.12, "10^9/L"),  # day 90: 120 cells/µL
        ("P-A", "2020-04-09", "cd8", 400.0, "cells/uL"),
        ("P-A", "2020-04-09", "cd8", 200.0, "cells/uL"),  # two CD8 the same day: median 300
        ("P-A", "2020-07-08", "cd4", 150.0, "cells/uL"),  # no CD8 that day: no ratio
        ("P-B", "2021-07-01", "cd4", 200.0, "cells/uL"),  # day 30, CD8 = 0: no ratio
        ("P-B", "2021-07-01", "cd8", 0.0, "cells/uL"),
        ("P-B", "2021-07-01", "igg", 650.0, "mg/dL"),  # 6.5 g/L
        ("P-B", "2021-07-01", "cd4_naive", 12.0, "%"),  # left out
        ("P-X", "2021-07-01", "cd4", 900.0, "cells/uL"),  # not in the analysis set
    ]
    frame = pd.DataFrame(rows, columns=["patient", "date", "analyte", "value", "unit"])
    return frame.assign(date=pd.to_datetime(frame["date"]))


def test_labs_days_units_and_ratio() -> None:
    labs, left_out = tidy_labs(_patients(), _raw_labs())
    assert left_out == {"cd4_naive in %": 1}
    a = labs[labs["patient"] == "P-A"]
    cd4 = a[a["analyte"] == "cd4"]
    assert cd4["days"].tolist() == [-9, 90, 180]
    np.testing.assert_allclose(cd4["value"], [600.0, 120.0, 150.0])
    ratio = a[a["analyte"] == CD4_CD8_RATIO]
    assert ratio["days"].tolist() == [-9, 90]
    np.testing.assert_allclose(ratio["value"], [2.0, 120.0 / 300.0])
    assert set(ratio["unit"].astype(str)) == {"ratio"}
    b = labs[labs["patient"] == "P-B"]
    assert sorted(b["analyte"].astype(str)) == ["cd4", "cd8", "igg"]
    igg = b[b["analyte"] == "igg"]
    np.testing.assert_allclose(igg["value"], [6.5])
    assert igg["unit"].astype(str).tolist() == ["g/L"] and igg["days"].tolist() == [30]
    assert "P-X" not in set(labs["patient"].astype(str))


def test_ratio_without_cd8_is_empty() -> None:
    labs = pd.DataFrame(
        {
            "patient": ["P-A"],
            "date": pd.to_datetime(["2020-01-01"]),
            "days": [-9],
            "analyte": ["cd4"],
            "value": [500.0],
        }
    )
    assert cd4_cd8_ratios(labs).empty


def test_measurements_from_lists_what_has_data() -> None:
    measurements = measurements_from(_patients(), _raw_scores(), _raw_labs())
    assert measurements.instruments() == ("edss", "mrss")
    assert measurements.analytes() == ("cd4", "cd4_cd8_ratio", "cd8", "igg")
    assert dict(measurements.left_out) == {"cd4_naive in %": 1}


def test_a_patient_twice_in_the_set_is_named() -> None:
    patients = pd.concat([_patients(), _patients().iloc[:1]], ignore_index=True)
    with pytest.raises(ValueError, match="P-A appears twice"):
        tidy_scores(patients, _raw_scores())


def test_missing_columns_are_named() -> None:
    with pytest.raises(ValueError, match="tidy_labs needs the columns"):
        tidy_labs(_patients(), _raw_scores())


# -- the query part, on the database ------------------------------------------------------------------


def _register(centre: Any, registry_id: str, day0: dt.date) -> Any:
    patient = services.patient_register(
        actor=SYSTEM,
        centre=centre,
        sex=Sex.FEMALE,
        birth_year=1975,
        birth_month=3,
        consent_status=ConsentStatus.GIVEN,
        consent_date=day0 - dt.timedelta(days=60),
        registry_id=registry_id,
    )
    product = services.cell_product_record(
        actor=SYSTEM,
        patient=patient,
        product_type=ProductType.AUTOLOGOUS_HSC,
        source=ProductSource.PERIPHERAL_BLOOD,
    )
    services.infusion_record(actor=SYSTEM, patient=patient, product=product, date=day0)
    return patient


@pytest.fixture
def two_centres(db: None) -> dict[str, Any]:
    north = services.centre_create(actor=SYSTEM, code="north", name="North", country="NL")
    south = services.centre_create(actor=SYSTEM, code="south", name="South", country="DE")
    a = _register(north, "P-A", DAY0_A)
    b = _register(south, "P-B", DAY0_B)
    services.assessment_record(actor=SYSTEM, patient=a, date=dt.date(2020, 7, 8), instrument="mrss", score=20)
    services.assessment_record(
        actor=SYSTEM, patient=b, date=dt.date(2021, 9, 9), instrument="edss", score=3.5
    )
    services.workup_record(actor=SYSTEM, patient=a, date=dt.date(2019, 12, 1), fvc_pct=78.0)
    services.lab_result_record(
        actor=SYSTEM, patient=a, date=dt.date(2020, 4, 9), analyte="cd4", value=0.2, unit="10^9/L"
    )
    services.lab_result_record(
        actor=SYSTEM, patient=a, date=dt.date(2020, 4, 9), analyte="cd8", value=400, unit="cells/uL"
    )
    services.lab_result_record(
        actor=SYSTEM, patient=a, date=dt.date(2025, 1, 1), analyte="cd19", value=90, unit="cells/uL"
    )
    services.lab_result_record(
        actor=SYSTEM, patient=b, date=dt.date(2021, 7, 1), analyte="igg", value=7.0, unit="g/L"
    )
    viewer = make_user("north-viewer")
    grant(viewer, Role.CENTRE_VIEWER, north)
    return {"viewer": viewer}


def _analysis_set(cutoff: dt.date | None = None) -> AnalysisSet:
    return AnalysisSet(frame=_patients(), findings=pd.DataFrame(), excluded=(), cutoff=cutoff)


def test_the_registry_is_read_by_days_since_infusion(two_centres: dict[str, Any]) -> None:
    measurements = load_measurements(_analysis_set(dt.date(2024, 12, 31)), user=SYSTEM)
    scores = measurements.scores
    assert list(zip(scores["patient"].astype(str), scores["instrument"].astype(str), strict=True)) == [
        ("P-A", "fvc_pct"),
        ("P-A", "mrss"),
        ("P-B", "edss"),
    ]
    # 2019-12-01 is 40 days before 2020-01-10; 2020-07-08 is day 180; 2021-09-09 is day 100 after 2021-06-01
    assert scores["days"].tolist() == [-40, 180, 100]
    assert scores["score"].tolist() == [78.0, 20.0, 3.5]
    labs = measurements.labs
    # the CD19 of 2025 is after the cut-off; CD4 0.2 ×10⁹/L is 200 cells/µL; ratio 200/400
    assert sorted(
        zip(labs["patient"].astype(str), labs["analyte"].astype(str), labs["value"], strict=True)
    ) == [
        ("P-A", "cd4", 200.0),
        ("P-A", "cd4_cd8_ratio", 0.5),
        ("P-A", "cd8", 400.0),
        ("P-B", "igg", 7.0),
    ]
    assert set(labs.loc[labs["patient"] == "P-A", "days"]) == {90}


def test_a_centre_reads_only_its_own_patients(two_centres: dict[str, Any]) -> None:
    """The analysis set names both patients; the North viewer gets North's values only."""
    measurements = load_measurements(_analysis_set(), user=two_centres["viewer"])
    assert set(measurements.scores["patient"].astype(str)) == {"P-A"}
    assert set(measurements.labs["patient"].astype(str)) == {"P-A"}
    assert "cd19" in measurements.analytes()  # no cut-off: the 2025 value is read


def test_reading_takes_a_fixed_number_of_queries(two_centres: dict[str, Any]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        load_measurements(_analysis_set(), user=SYSTEM)
    assert len(queries.captured_queries) == 4


def test_no_readable_patient_gives_empty_frames(two_centres: dict[str, Any]) -> None:
    stranger = make_user("stranger")
    measurements = load_measurements(_analysis_set(), user=stranger)
    assert isinstance(measurements, Measurements)
    assert measurements.scores.empty and measurements.labs.empty


def test_measurements_travel_between_processes_read_only() -> None:
    sent = measurements_from(_patients(), _raw_scores(), _raw_labs())
    arrived = pickle.loads(pickle.dumps(sent))
    pd.testing.assert_frame_equal(arrived.scores, sent.scores)
    pd.testing.assert_frame_equal(arrived.labs, sent.labs)
    assert dict(arrived.left_out) == dict(sent.left_out)
    with pytest.raises(ValueError, match="read-only"):
        arrived.labs.loc[0, "value"] = 0.0
    with pytest.raises(TypeError):
        arrived.left_out["cd4 in %"] = 1  # type: ignore[index]


@pytest.mark.parametrize("spread", [1_000, 2**60])  # one int64 key; ranges too wide for one: lexsort
def test_rows_sort_by_patient_code_then_days_stably(spread: int) -> None:
    from remission.analysis.longitudinal import _sorted_rows

    rng = np.random.default_rng(5)
    n = 5_000
    patient = rng.integers(0, 300, n)
    code = rng.integers(-1, 4, n).astype(np.int8)  # a categorical's codes, -1 missing
    days = rng.integers(-spread, spread, n)
    rows = _sorted_rows([patient, code, days])
    # by hand: Python's sort is stable, the tuple compares patient, then code, then days
    expected = sorted(range(n), key=lambda i: (patient[i], code[i], days[i]))
    assert rows.tolist() == expected
