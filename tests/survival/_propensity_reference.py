"""Readers for tests/reference/propensity/ (written by its make_reference.R; R rows are 1-based)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "propensity"

LALONDE_COVARIATES = ["age", "educ", "race", "married", "nodegree", "re74", "re75"]
REGISTRY_COVARIATES = ["disease", "age", "edss", "centre", "era"]


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE / name)


def lalonde() -> pd.DataFrame:
    return read("data_lalonde.csv")


def registry() -> pd.DataFrame:
    return read("data_registry.csv")


def scores(name: str) -> pd.DataFrame:
    return read(f"ps_{name}.csv")


def matched_sets(name: str) -> dict[int, list[int]]:
    """R's matched controls of each matched treated unit (0-based), in the order of the rounds."""
    table = read(f"match_{name}.csv")
    sets: dict[int, list[int]] = {}
    for treated_row, control_row in zip(table["treated_row"], table["control_row"], strict=True):
        if pd.isna(control_row):
            continue
        sets.setdefault(int(treated_row) - 1, []).append(int(control_row) - 1)
    return sets


def n_treated_in(name: str) -> int:
    return int(read(f"match_{name}.csv")["treated_row"].nunique())


def weights(name: str) -> np.ndarray:
    return read(f"weights_{name}.csv")["weight"].to_numpy(dtype=float)


def caliper(name: str) -> float:
    return float(read(f"caliper_{name}.csv")["caliper"].iloc[0])
