"""The analysis set from the registry read as columns equals the one from the per-patient road.

``derive_analysis_set_from_columns`` (columns read by ``read_registry_columns``, endpoints by
``derive_columns``) against ``derive_analysis_set`` (courses read by ``load_courses``, endpoints by
``derive_endpoints``, the oracle): the whole frame (every column, dtype and row), the findings, who was
excluded and left out, and the patient flow, on a synthetic registry, with and without a cohort filter and
a cut-off, for the registry statistician and for one centre's data manager.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from remission.analysis import Cohort
from remission.analysis.columns import read_registry_columns
from remission.analysis.dataset import derive_analysis_set, derive_analysis_set_from_columns
from remission.analysis.flow import DataCutoff, data_cut_off
from remission.analysis.loader import load_courses
from remission.registry.access import SYSTEM
from remission.registry.codes import Role
from remission.registry.models import Centre
from remission.synth import bulk
from tests.analysis.test_columnar import edge_cases  # noqa: F401 (the hand-built patients, a fixture)
from tests.registry.conftest import grant, make_user

SEED = 41
PATIENTS = 400


@pytest.fixture
def synthetic(db: None) -> None:
    bulk.bulk_load(seed=SEED, count=PATIENTS, validate="none", audit="patient")


def _both(user: object, cohort: Cohort | None, cutoff: DataCutoff | None) -> tuple:
    day = cutoff.date if cutoff is not None else None
    oracle = derive_analysis_set(load_courses(user=user, cutoff=day), cohort=cohort, cutoff=cutoff)
    columnar = derive_analysis_set_from_columns(
        read_registry_columns(user, day), cohort=cohort, cutoff=cutoff
    )
    return oracle, columnar


@pytest.mark.parametrize(
    ("cohort", "cutoff"),
    [
        (None, None),
        (Cohort(disease=("ssc", "ms")), data_cut_off(None, extracted=dt.date.today())),
        (Cohort(sex="female"), data_cut_off(dt.date(2024, 6, 30), extracted=dt.date.today())),
    ],
    ids=["everyone", "ssc-ms-today", "female-2024"],
)
def test_the_columnar_road_gives_the_same_analysis_set(
    synthetic: None, cohort: Cohort | None, cutoff: DataCutoff | None
) -> None:
    oracle, columnar = _both(SYSTEM, cohort, cutoff)
    assert len(oracle.frame) > 20  # the cohort holds patients to compare
    pd.testing.assert_frame_equal(columnar.frame, oracle.frame, check_exact=True)
    pd.testing.assert_frame_equal(columnar.findings, oracle.findings, check_exact=True)
    assert columnar.excluded == oracle.excluded
    assert columnar.left_out == oracle.left_out
    assert columnar.flow == oracle.flow
    assert columnar.cutoff == oracle.cutoff


def test_a_centre_user_reads_the_same_set_by_both_roads(synthetic: None) -> None:
    centre = Centre.objects.filter(patients__isnull=False).order_by("code").first()
    user = make_user("centre-reader")
    grant(user, Role.CENTRE_VIEWER, centre)
    oracle, columnar = _both(user, None, None)
    assert 0 < len(oracle.frame) < PATIENTS
    assert set(oracle.frame["centre"]) == {centre.code}
    pd.testing.assert_frame_equal(columnar.frame, oracle.frame, check_exact=True)
    assert columnar.flow == oracle.flow


@pytest.mark.usefixtures("edge_cases")
def test_other_cell_therapies_from_their_recipients_alone_are_those_of_everyone() -> None:
    from remission.analysis.cell_therapy import other_cell_therapies
    from remission.analysis.results import _other_recipients

    cutoff = dt.date.today()
    everyone = other_cell_therapies(load_courses(user=SYSTEM, cutoff=cutoff).courses, cutoff=cutoff)
    courses = _other_recipients(read_registry_columns(SYSTEM, cutoff), user=SYSTEM, cutoff=cutoff)
    recipients = other_cell_therapies(courses, cutoff=cutoff)
    assert {c.product_type for c in everyone} >= {"car_t", "msc"}  # the hand-built patients hold both
    assert [c.product_type for c in recipients] == [c.product_type for c in everyone]
    for mine, oracle in zip(recipients, everyone, strict=True):
        pd.testing.assert_frame_equal(mine.frame, oracle.frame, check_exact=True)
        pd.testing.assert_frame_equal(mine.toxicity, oracle.toxicity, check_exact=True)
        assert mine.also_hsct == oracle.also_hsct
        pd.testing.assert_frame_equal(mine.estimates, oracle.estimates, check_exact=True)
