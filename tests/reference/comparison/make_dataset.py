"""The comparison reference data set: a seeded, registry-like frame of analysed infusions.

    python3 tests/reference/comparison/make_dataset.py   (writes data_comparison.csv here)

MS patients given Cy 200 + rATG or BEAM + ATG, with confounding (BEAM more often in progressive MS, in the
earlier era and at experienced centres), some rows of another regimen and another disease (not eligible),
some with a covariate missing (left out), and OS, PFS and relapse/NRM as competing risks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def dataset(seed: int = 11, n: int = 900) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    disease = rng.choice(["ms", "ssc"], size=n, p=[0.85, 0.15])
    age = np.round(rng.normal(38, 9, n), 1)
    sex = rng.choice(["female", "male"], size=n, p=[0.65, 0.35])
    subtype = rng.choice(["rrms", "spms", "ppms", ""], size=n, p=[0.55, 0.3, 0.1, 0.05])
    era = rng.choice(["2000–2009", "2010–2019", "≥2020"], size=n, p=[0.25, 0.5, 0.25])
    hct_ci = rng.choice([0, 1, 2, 3], size=n, p=[0.5, 0.25, 0.15, 0.1]).astype(float)
    experienced = rng.random(n) < 0.6
    logit = (
        -0.4
        + 0.9 * (subtype == "spms")
        + 1.2 * (subtype == "ppms")
        + 0.8 * (era == "2000–2009")
        - 0.6 * (era == "≥2020")
        + 0.03 * (age - 38)
        + 0.5 * experienced
    )
    beam = rng.random(n) < 1 / (1 + np.exp(-logit))
    regimen = np.where(beam, "beam_atg", "cy200_ratg")
    regimen[rng.random(n) < 0.05] = "cy_alone"
    hct_ci[rng.random(n) < 0.03] = np.nan
    risk = np.exp(0.4 * beam + 0.5 * (subtype != "rrms") + 0.02 * (age - 38))
    progression = rng.exponential(5000 / risk)
    nrm = rng.exponential(30000 / np.exp(0.7 * beam + 0.2 * np.nan_to_num(hct_ci)))
    death_after = progression + rng.exponential(3000, n)
    follow = rng.uniform(100, 4000, n)
    first = np.minimum(progression, nrm)
    cr_cause = np.where(first > follow, 0, np.where(progression <= nrm, 1, 2))
    cr_days = np.ceil(np.minimum(first, follow))
    death = np.where(cr_cause == 2, nrm, death_after)
    os_event = (death <= follow).astype(int)
    os_days = np.ceil(np.minimum(death, follow))
    os_days = np.maximum(os_days, cr_days)
    return pd.DataFrame(
        {
            "registry_id": [f"C{i:04d}" for i in range(n)],
            "disease": disease,
            "regimen": regimen,
            "age": age,
            "sex": sex,
            "subtype": subtype,
            "era": era,
            "hct_ci": hct_ci,
            "experienced": experienced,
            "os_days": os_days.astype(int),
            "os_event": os_event,
            "pfs_days": cr_days.astype(int),
            "pfs_event": (cr_cause > 0).astype(int),
            "cr_days": cr_days.astype(int),
            "cr_cause": cr_cause,
        }
    )


if __name__ == "__main__":
    dataset().to_csv(HERE / "data_comparison.csv", index=False)
