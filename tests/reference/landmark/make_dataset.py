"""The landmark reference data set: a seeded, registry-like frame of analysed infusions.

    python3 tests/reference/landmark/make_dataset.py   (writes data_landmark.csv here)

Responders live longer (so the groups differ); response days are spread around the 12-month time point
(some before 6 months, some after 12); MS rows carry NEDA-3 with the date of the first activity; rows of
a disease without a response definition (cidp) are in the frame and must be left out.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
DEFINITIONS = {
    "ssc": ("assist_response", ("response", "no_response", "not_computable")),
    "ra": ("eular_response", ("good", "moderate", "none", "not_computable")),
    "sle": ("doris_remission", ("remission", "no_remission", "not_computable")),
    "crohn": ("cdai_response_100", ("response", "no_response", "not_computable")),
    "ms": ("neda3", ("neda", "evidence_of_activity", "not_computable")),
    "cidp": ("", ("",)),
}


def dataset(seed: int = 3, n: int = 1200) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    disease = rng.choice(list(DEFINITIONS), size=n, p=[0.25, 0.15, 0.15, 0.1, 0.3, 0.05])
    rows = []
    for d in disease:
        definition, decisions = DEFINITIONS[d]
        decision = str(rng.choice(decisions))
        good = decision in ("response", "good", "moderate", "remission", "neda")
        scale = 4000.0 if good else 1800.0
        death = rng.exponential(scale)
        progression = min(death, rng.exponential(scale / 2))
        follow = rng.uniform(200, 3300)
        os_days = int(np.ceil(min(death, follow)))
        pfs_days = int(np.ceil(min(progression, follow)))
        if decision in ("", "not_computable"):
            day = None
        elif d == "ms":
            day = int(rng.integers(60, 900)) if decision == "evidence_of_activity" else None
        else:
            day = int(rng.integers(150, 460))
        rows.append(
            {
                "disease": d,
                "infusion_date": "2015-03-01",
                "os_days": os_days,
                "os_event": int(death <= follow),
                "pfs_days": pfs_days,
                "pfs_event": int(progression <= follow),
                "response_definition": definition,
                "response": decision,
                "response_day": day,
            }
        )
    frame = pd.DataFrame(rows)
    frame["response_day"] = frame["response_day"].astype("Int64")
    return frame


if __name__ == "__main__":
    dataset().to_csv(HERE / "data_landmark.csv", index=False)
