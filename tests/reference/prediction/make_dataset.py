"""Write the small, seeded analysis-set-like data the prediction reference tests use.

Run from the repository root:   python3 tests/reference/prediction/make_dataset.py
then:                           cd tests/reference/prediction && Rscript make_reference.R
Writes data_prediction.csv: one row per patient with the predictors as the analysis set (plus the work-up
columns hct_ci, performance_scale, performance_score) holds them, and OS, PFS and competing-risks
endpoints in whole days (many ties). Some rows miss a predictor (left out as incomplete), and "ra" has
fewer than 30 patients (left out of the models).

Also writes data_prediction_subtype.csv (read by make_subtype_reference.R): the same rows with the primary
diagnosis's ``subtype`` code added, drawn with its own seed and independent of the outcomes; some blank
(unrecorded).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def dataset(seed: int = 20261204, n: int = 900) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    disease = rng.choice(["ssc", "ms", "crohn", "sle", "ra"], size=n, p=[0.40, 0.30, 0.15, 0.12, 0.03])
    age = np.round(rng.uniform(18.0, 66.0, n), 2)
    sex = rng.choice(["female", "male"], size=n, p=[0.6, 0.4]).astype(object)
    hct_ci = rng.poisson(1.2, n).astype(float)
    ecog_centre = rng.random(n) < 0.5
    scale = np.where(ecog_centre, "ecog", "karnofsky").astype(object)
    score = np.where(
        ecog_centre, rng.choice([0, 1, 2], size=n, p=[0.5, 0.4, 0.1]), rng.choice([70, 80, 90, 100], size=n)
    ).astype(float)
    intensity = rng.choice(["low", "intermediate", "high"], size=n, p=[0.2, 0.45, 0.35]).astype(object)
    year = rng.integers(2003, 2025, n)
    experience = rng.integers(0, 60, n)
    performance_reduced = np.where(ecog_centre, score >= 1, score < 90)
    spline = np.maximum(age - 45.0, 0.0)
    nrm_lin = (
        -3.6
        + 0.025 * (age - 40)
        + 0.04 * spline
        + 0.25 * hct_ci
        + 0.5 * performance_reduced
        + np.select([intensity == "high", intensity == "low"], [0.6, -0.5], 0.0)
        + np.select([disease == "ssc", disease == "sle"], [0.5, 0.3], 0.0)
        - 0.3 * (experience >= 23)
        - 0.3 * (year >= 2010)
    )
    rel_lin = (
        -1.6
        - 0.01 * (age - 40)
        + np.select([disease == "ms", disease == "crohn"], [-0.4, 0.5], 0.0)
        + np.select([intensity == "high", intensity == "low"], [-0.4, 0.4], 0.0)
        + 0.2 * (sex == "male")
    )
    t_nrm = rng.exponential(365.25 * np.exp(-nrm_lin))
    t_rel = rng.exponential(365.25 * np.exp(-rel_lin))
    t_after = rng.exponential(365.25 * 6.0, n)  # death after relapse
    t_cens = rng.uniform(200.0, 365.25 * 10, n)
    days = lambda t: np.maximum(np.ceil(t), 1.0)  # noqa: E731
    relapse_first = t_rel < t_nrm
    t_death = np.where(relapse_first, t_rel + t_after, t_nrm)
    cr_time = np.minimum(np.minimum(t_rel, t_nrm), t_cens)
    cr_cause = np.where(cr_time == t_cens, 0, np.where(relapse_first, 1, 2))
    os_time = np.minimum(t_death, t_cens)
    frame = pd.DataFrame(
        {
            "age": age,
            "sex": sex,
            "disease": disease,
            "hct_ci": hct_ci,
            "performance_scale": scale,
            "performance_score": score,
            "intensity": intensity,
            "infusion_year": year,
            "centre_experience": experience,
            "os_days": days(os_time).astype(int),
            "os_event": (t_death <= t_cens).astype(int),
            "pfs_days": days(cr_time).astype(int),
            "pfs_event": (cr_cause > 0).astype(int),
            "cr_days": days(cr_time).astype(int),
            "cr_cause": cr_cause,
        }
    )
    # incomplete rows: each predictor missing somewhere
    holes = rng.choice(n, size=40, replace=False)
    for k, column in enumerate(("age", "sex", "hct_ci", "performance_score", "intensity")):
        frame.loc[holes[8 * k : 8 * k + 8], column] = None
    frame.loc[holes[16:24], "performance_scale"] = None  # score missing with its scale
    frame.loc[holes[32:36], "intensity"] = "unknown"
    frame.loc[holes[36:40], "sex"] = "unknown"
    return frame


# --- subtype (helper C): data_prediction_subtype.csv for make_subtype_reference.R -----------------------
SUBTYPE_MIX: dict[str, tuple[tuple[str, float], ...]] = {
    "ssc": (("diffuse", 0.55), ("limited", 0.30), ("sine", 0.05), ("", 0.10)),
    "ms": (("rrms", 0.50), ("spms", 0.30), ("ppms", 0.10), ("", 0.10)),
    "crohn": (("ileocolonic", 0.50), ("colonic", 0.30), ("ileal", 0.10), ("", 0.10)),
    "sle": (("adult", 0.85), ("juvenile", 0.05), ("", 0.10)),
    "ra": (("", 1.0),),
}


def with_subtypes(frame: pd.DataFrame, seed: int = 20261205) -> pd.DataFrame:
    """``frame`` with a ``subtype`` column after ``disease``: each disease's codes drawn by SUBTYPE_MIX
    ("" = unrecorded), by their own generator so that the other columns stay those of :func:`dataset`."""
    rng = np.random.default_rng(seed)
    subtype = np.full(len(frame), "", dtype=object)
    for disease, mix in SUBTYPE_MIX.items():
        rows = np.flatnonzero(frame["disease"].to_numpy() == disease)
        codes = [code for code, _ in mix]
        subtype[rows] = rng.choice(codes, size=len(rows), p=[share for _, share in mix])
    out = frame.copy()
    out.insert(out.columns.get_loc("disease") + 1, "subtype", subtype)
    return out


# --- end subtype ---------------------------------------------------------------------------------------


if __name__ == "__main__":
    data = dataset()
    data.to_csv(HERE / "data_prediction.csv", index=False, float_format="%.17g")
    print(f"wrote {len(data)} rows to data_prediction.csv")
    with_subtypes(data).to_csv(HERE / "data_prediction_subtype.csv", index=False, float_format="%.17g")
    print(f"wrote {len(data)} rows to data_prediction_subtype.csv")
