"""Write the small data sets behind the nonparametric reference tests (seeded; rerun to regenerate).

    python3 tests/reference/nonparametric/make_datasets.py
    Rscript tests/reference/make_reference.R      # then the R reference values

Each data set targets one difficulty: heavy ties, no ties, left truncation, case weights, several
groups and strata, competing causes tied with each other, a group with no events.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SEED = 20240611


def _ties(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Whole-number times 1..20 (heavy ties), three groups, two strata, weights and delayed entry."""
    group = rng.choice(["a", "b", "c"], size=n)
    rate = np.where(group == "a", 0.08, np.where(group == "b", 0.12, 0.18))
    event_time = rng.exponential(1.0 / rate)
    censor_time = rng.uniform(2.0, 25.0, n)
    time = np.minimum(np.ceil(np.minimum(event_time, censor_time)), 20.0)
    event = ((event_time <= censor_time) & (np.ceil(event_time) <= 20.0)).astype(int)
    entry = np.floor(rng.uniform(0.0, 1.0, n) * time * 0.6)
    return pd.DataFrame(
        {
            "time": time,
            "event": event,
            "group": group,
            "stratum": rng.choice(["s1", "s2"], size=n),
            "weight": rng.uniform(0.5, 2.5, n).round(2),
            "entry": entry,
        }
    )


def _no_ties(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Continuous times (no two equal), two groups."""
    group = rng.choice([1, 2], size=n)
    event_time = rng.weibull(1.3, n) * np.where(group == 1, 10.0, 6.0)
    censor_time = rng.uniform(1.0, 15.0, n)
    return pd.DataFrame(
        {
            "time": np.minimum(event_time, censor_time).round(6),
            "event": (event_time <= censor_time).astype(int),
            "group": group,
        }
    )


def _competing(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Whole-number times 1..25 with two causes tied with each other, three groups, two strata."""
    group = rng.choice(["a", "b", "c"], size=n)
    r1 = np.where(group == "a", 0.05, np.where(group == "b", 0.08, 0.04))
    r2 = np.where(group == "a", 0.04, np.where(group == "b", 0.03, 0.08))
    t1 = rng.exponential(1.0 / r1)
    t2 = rng.exponential(1.0 / r2)
    tc = rng.uniform(3.0, 30.0, n)
    time = np.ceil(np.minimum(np.minimum(t1, t2), tc))
    cause = np.where(tc <= np.minimum(t1, t2), 0, np.where(t1 <= t2, 1, 2))
    entry = np.floor(rng.uniform(0.0, 0.5, n) * time)
    return pd.DataFrame(
        {
            "time": time,
            "cause": cause,
            "group": group,
            "stratum": rng.choice(["s1", "s2"], size=n),
            "entry": entry,
        }
    )


def _censored_group(rng: np.random.Generator) -> pd.DataFrame:
    """Three groups; group "z" has only censored rows (no events of any cause)."""
    base = _competing(rng, 60)
    extra = pd.DataFrame(
        {
            "time": rng.integers(1, 20, 8).astype(float),
            "cause": 0,
            "group": "z",
            "stratum": "s1",
            "entry": 0.0,
        }
    )
    both = pd.concat([base[base["group"] != "c"], extra], ignore_index=True)
    both["event"] = (both["cause"] > 0).astype(int)
    return both


def main() -> None:
    rng = np.random.default_rng(SEED)
    _ties(rng, 80).to_csv(HERE / "km_ties.csv", index=False)
    _no_ties(rng, 50).to_csv(HERE / "km_no_ties.csv", index=False)
    _competing(rng, 120).to_csv(HERE / "competing.csv", index=False)
    _censored_group(rng).to_csv(HERE / "censored_group.csv", index=False)
    # small set for the leave-one-out (jackknife) pseudo-values: ties within and across causes
    _competing(rng, 30).to_csv(HERE / "pseudo_small.csv", index=False)
    # S(t) hits 0.5 exactly on a flat stretch: R takes the midpoint for the median
    pd.DataFrame({"time": np.arange(1.0, 9.0), "event": [1, 1, 1, 0, 1, 1, 0, 1]}).to_csv(
        HERE / "km_half.csv", index=False
    )


if __name__ == "__main__":
    main()
