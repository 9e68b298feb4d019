"""The transition-model reference data: registry-like rows and their multi-state paths.

    python3 tests/reference/transitions/make_dataset.py   (writes data_patients.csv, data_paths.csv here)

``data_paths.csv`` holds the paths of :func:`remission.analysis.multistate.transitions` (checked by hand in
tests/analysis/test_multistate_paths.py): the input from which R fits its transition-specific Cox models
(make_reference.R). Age and sex act on relapse and on NRM.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from remission.analysis.multistate import transitions

HERE = Path(__file__).resolve().parent


def dataset(seed: int = 8, n: int = 1500) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = np.round(rng.normal(42, 11, n), 1)
    male = rng.random(n) < 0.4
    risk = np.exp(0.02 * (age - 42) + 0.3 * male)
    relapse = np.ceil(rng.exponential(1800 / risk))
    nrm = np.ceil(rng.exponential(9000 / np.exp(0.04 * (age - 42))))
    follow = np.ceil(rng.uniform(30, 3600, n))
    first = np.minimum(relapse, nrm)
    cr_cause = np.where(first > follow, 0, np.where(relapse <= nrm, 1, 2))
    cr_days = np.minimum(first, follow)
    death_after = relapse + np.ceil(rng.exponential(1500, n))
    death = np.where(cr_cause == 2, nrm, np.where(cr_cause == 1, death_after, np.inf))
    os_event = (death <= follow).astype(int)
    os_days = np.where(os_event == 1, death, follow)
    response_day = np.ceil(rng.uniform(90, 500, n))
    day0 = pd.Timestamp("2016-01-01")
    return pd.DataFrame(
        {
            "registry_id": [f"T{i:04d}" for i in range(n)],
            "disease": "ssc",
            "age": age,
            "sex": np.where(male, "male", "female"),
            "infusion_date": day0,
            "os_days": os_days.astype(int),
            "os_event": os_event,
            "cr_days": cr_days.astype(int),
            "cr_cause": cr_cause,
            "response_definition": "assist_response",
            "response": np.where(rng.random(n) < 0.55, "response", "no_response"),
            "response_date": day0 + pd.to_timedelta(response_day, unit="D"),
        }
    )


if __name__ == "__main__":
    frame = dataset()
    frame.to_csv(HERE / "data_patients.csv", index=False)
    transitions(frame).rows.to_csv(HERE / "data_paths.csv", index=False)
