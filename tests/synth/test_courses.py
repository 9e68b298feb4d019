"""A generated patient read in memory (:func:`remission.analysis.planned.course_of`) gives the endpoints the
analysis layer derives once the patient is written and loaded back (``load_analysis_set``) — so the
calibration test, which analyses patients in memory, analyses what the registry would hold."""

from __future__ import annotations

import pandas as pd
import pytest

from remission.analysis.dataset import BLANK_IS_MISSING, load_analysis_set
from remission.analysis.endpoints import COLUMNS, InfusionSelection, derive_endpoints
from remission.analysis.planned import course_of
from remission.synth import bulk
from remission.synth.generate import generate_patient

pytestmark = pytest.mark.django_db

SEED = 41
PATIENTS = 150
FIRST_INFUSION = InfusionSelection(sequence=1, product_types=None)
COMPARED = [c for c in COLUMNS if c != "infusion_id"]  # ids exist only once written


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame[COMPARED].copy()
    for name in BLANK_IS_MISSING:  # as load_analysis_set: "" = not recorded
        frame[name] = frame[name].replace("", None)
    return frame.sort_values("registry_id").reset_index(drop=True)


@pytest.mark.slow
def test_courses_in_memory_give_the_endpoints_of_the_written_registry() -> None:
    bulk.bulk_load(seed=SEED, count=PATIENTS, validate="none", audit="patient")
    loaded = load_analysis_set(selection=FIRST_INFUSION).frame
    in_memory = derive_endpoints(
        [course_of(generate_patient(SEED, i)) for i in range(PATIENTS)], selection=FIRST_INFUSION
    ).to_frame()
    assert len(in_memory) == PATIENTS
    pd.testing.assert_frame_equal(_sorted(in_memory), _sorted(loaded))
