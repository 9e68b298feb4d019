"""Write the small, seeded data sets the regression reference tests use (Cox and Fine-Gray).

Run from the repository root:   python3 tests/reference/regression/make_datasets.py
then:                           Rscript tests/reference/make_reference.R
The R script reads these files (and R's own lung, ovarian, veteran, heart) and writes the reference
values next to them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def tied_days(seed: int = 20240601, n: int = 300) -> pd.DataFrame:
    """Whole-day times (many ties), a numeric, a binary, two factors, weights, strata and clusters."""
    rng = np.random.default_rng(seed)
    disease = rng.choice(["ssc", "ms", "crohn"], size=n, p=[0.4, 0.4, 0.2])
    sex = rng.choice(["F", "M"], size=n)
    x1 = rng.normal(0.0, 1.0, n).round(3)
    x2 = rng.integers(0, 2, n)
    centre = rng.choice(["A", "B", "C"], size=n)
    lin = 0.5 * x1 - 0.4 * x2 + np.where(disease == "ms", -0.3, np.where(disease == "crohn", 0.4, 0.0))
    lin += np.where(sex == "M", 0.3, 0.0)
    t_event = rng.exponential(200.0 * np.exp(-lin))
    t_cens = rng.uniform(20.0, 500.0, n)
    time = np.ceil(np.minimum(t_event, t_cens) / 7.0)  # weeks: heavy ties
    event = (t_event <= t_cens).astype(int)
    return pd.DataFrame(
        {
            "time": time,
            "event": event,
            "x1": x1,
            "x2": x2,
            "disease": disease,
            "sex": sex,
            "centre": centre,
            "w": rng.uniform(0.5, 2.0, n).round(3),
            "cluster": rng.integers(1, 61, n),
        }
    )


def continuous(seed: int = 20240602, n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1 = rng.normal(0.0, 1.0, n)
    x2 = rng.gamma(2.0, 1.0, n)
    x3 = rng.integers(0, 2, n)
    lin = 0.7 * x1 - 0.2 * x2 + 0.5 * x3
    t_event = rng.exponential(np.exp(-lin))
    t_cens = rng.exponential(1.5, n)
    return pd.DataFrame(
        {
            "time": np.minimum(t_event, t_cens),
            "event": (t_event <= t_cens).astype(int),
            "x1": x1,
            "x2": x2,
            "x3": x3,
        }
    )


def counting(seed: int = 20240603, n: int = 150) -> pd.DataFrame:
    """Left-truncated subjects with a covariate that switches on at a random time (two rows each)."""
    rng = np.random.default_rng(seed)
    rows = []
    for subject in range(1, n + 1):
        entry = float(rng.integers(0, 30))
        age = round(float(rng.normal(50, 10)), 1)
        switch = entry + float(rng.integers(5, 120))
        end = entry + float(rng.integers(10, 300))
        # Event hazard doubles after the switch.
        hazard_before, hazard_after = 0.004 * np.exp(0.02 * (age - 50)), 0.012 * np.exp(0.02 * (age - 50))
        t_before = entry + rng.exponential(1.0 / hazard_before)
        if t_before <= min(switch, end):
            rows.append((subject, entry, np.ceil(t_before), 1, 0, age))
            continue
        if end <= switch:
            rows.append((subject, entry, end, 0, 0, age))
            continue
        rows.append((subject, entry, switch, 0, 0, age))
        t_after = switch + rng.exponential(1.0 / hazard_after)
        if t_after <= end:
            rows.append((subject, switch, np.ceil(t_after), 1, 1, age))
        else:
            rows.append((subject, switch, end, 0, 1, age))
    frame = pd.DataFrame(rows, columns=["id", "start", "stop", "event", "treated", "age"])
    return frame[frame["stop"] > frame["start"]].reset_index(drop=True)


def competing(seed: int = 20240604, n: int = 300, tied: bool = False) -> pd.DataFrame:
    """Two causes and censoring; x1 numeric, x2 binary, a censoring group, integer weights."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(0.0, 1.0, n)
    x2 = rng.integers(0, 2, n)
    group = rng.choice([1, 2], size=n)
    t1 = rng.exponential(np.exp(-(0.5 * x1 + 0.4 * x2)) * 2.0)
    t2 = rng.exponential(np.exp(-(-0.3 * x1 + 0.2 * x2)) * 3.0)
    tc = rng.uniform(0.2, 4.0, n) * np.where(group == 1, 1.0, 0.6)
    time = np.minimum(np.minimum(t1, t2), tc)
    cause = np.where(time == tc, 0, np.where(time == t1, 1, 2))
    time = np.ceil(time * 20.0) / 20.0 if tied else time.round(6)
    return pd.DataFrame(
        {
            "time": time,
            "cause": cause,
            "x1": x1.round(4),
            "x2": x2,
            "group": group,
            "w": rng.integers(1, 4, n),
        }
    )


def competing_groups(seed: int = 20261204, n: int = 240) -> pd.DataFrame:
    """Two causes, three censoring groups with different censoring and cause mix; times on a 1/10 grid.

    For the censoring-group (``cengroup``) part of crr's variance: group 3 is censored early and often,
    and the cause of interest is more frequent in group 2, so the groups' q(u) terms differ.
    """
    rng = np.random.default_rng(seed)
    x1 = rng.normal(0.0, 1.0, n)
    x2 = rng.integers(0, 2, n)
    group = rng.choice([1, 2, 3], size=n, p=[0.4, 0.35, 0.25])
    t1 = rng.exponential(np.exp(-(0.4 * x1 - 0.5 * x2)) * np.where(group == 2, 1.2, 2.5))
    t2 = rng.exponential(np.exp(-(0.2 * x1 + 0.3 * x2)) * np.where(group == 1, 1.5, 3.0))
    tc = rng.uniform(0.3, 5.0, n) * np.select([group == 1, group == 2], [1.0, 0.7], 0.35)
    time = np.minimum(np.minimum(t1, t2), tc)
    cause = np.where(time == tc, 0, np.where(time == t1, 1, 2))
    return pd.DataFrame(
        {"time": np.ceil(time * 10.0) / 10.0, "cause": cause, "x1": x1.round(4), "x2": x2, "group": group}
    )


def main() -> None:
    tied_days().to_csv(HERE / "cox_tied.csv", index=False)
    continuous().to_csv(HERE / "cox_continuous.csv", index=False)
    counting().to_csv(HERE / "cox_counting.csv", index=False)
    competing().to_csv(HERE / "fg_continuous.csv", index=False)
    competing(seed=20240605, tied=True).to_csv(HERE / "fg_tied.csv", index=False)
    competing_groups().to_csv(HERE / "fg_groups.csv", index=False)


if __name__ == "__main__":
    main()
