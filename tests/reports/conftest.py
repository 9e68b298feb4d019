"""A small analysis data set made by hand (no database), shaped like ``remission.analysis.load_cohort``."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from remission.analysis import AnalysisSet
from remission.analysis.cohorts import era_of

CUTOFF = dt.date(2024, 12, 31)


def cohort_frame(n: int = 160, seed: int = 7) -> pd.DataFrame:
    """``n`` patients, two diseases, two centres, exponential times in whole days, censoring at cut-off."""
    rng = np.random.default_rng(seed)
    disease = rng.choice(["ssc", "ms"], size=n, p=[0.45, 0.55])
    day0 = pd.Timestamp("2008-01-01") + pd.to_timedelta(rng.integers(0, 15 * 365, n), unit="D")
    potential = (pd.Timestamp(CUTOFF) - day0).days.to_numpy()
    death = np.ceil(rng.exponential(np.where(disease == "ssc", 4000, 9000))).astype(int)
    relapse = np.ceil(rng.exponential(np.where(disease == "ssc", 3000, 2000))).astype(int)
    lost = np.ceil(rng.exponential(6000, n)).astype(int)
    follow = np.minimum(potential, lost)
    os_days = np.minimum(death, follow)
    os_event = (death <= follow).astype(int)
    pfs_days = np.minimum(np.minimum(relapse, death), follow)
    pfs_event = (np.minimum(relapse, death) <= follow).astype(int)
    cr_cause = np.where(pfs_event == 0, 0, np.where(relapse <= death, 1, 2))
    years = day0.year.to_numpy()
    frame = pd.DataFrame(
        {
            "registry_id": [f"T{i:04d}" for i in range(n)],
            "centre": rng.choice(["north", "south"], size=n),
            "country": "NL",
            "disease": disease,
            "subtype": None,
            "infusion_date": day0,
            "age": rng.normal(42, 11, n).round(1),
            "sex": rng.choice(["female", "male"], size=n),
            "era": era_of(years, (2000, 2010, 2020)),
            "intensity": rng.choice(["high", "intermediate"], size=n),
            "product_type": "auto_hsc",
            "centre_experience": pd.array(rng.integers(0, 60, n), dtype="Int64"),
            "os_days": os_days,
            "os_event": os_event,
            "pfs_days": pfs_days,
            "pfs_event": pfs_event,
            "cr_days": pfs_days,
            "cr_cause": cr_cause,
            "last_contact": day0 + pd.to_timedelta(os_days, unit="D"),
            "infusion_year": years,
            "experienced": pd.array(rng.integers(0, 60, n) >= 23, dtype="boolean"),
        }
    )
    # responses (own generator, so that the columns above do not change): SSc ASSIST, MS NEDA-3
    answers = np.random.default_rng(seed + 1)
    ssc = disease == "ssc"
    frame["response_definition"] = np.where(ssc, "assist_response", "neda3")
    frame["response"] = np.where(
        ssc,
        answers.choice(["response", "no_response"], size=n, p=[0.7, 0.3]),
        answers.choice(["neda", "evidence_of_activity"], size=n, p=[0.6, 0.4]),
    )
    days = answers.integers(150, 460, n)
    dated = ssc | (frame["response"] == "evidence_of_activity").to_numpy()
    frame["response_date"] = (day0 + pd.to_timedelta(days, unit="D")).where(dated)
    return frame


@pytest.fixture(scope="module")
def analysis_set() -> AnalysisSet:
    findings = pd.DataFrame(
        [("T0001", "alive_after_death", "follow-up on 2020-01-01 reports the patient alive after the death")],
        columns=["registry_id", "rule", "message"],
    )
    return AnalysisSet(frame=cohort_frame(), findings=findings, excluded=("X0001",), cutoff=CUTOFF)
