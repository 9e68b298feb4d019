"""Helpers for the tests that compare with R: where the files are, and how to read them.

The files are written by ``tests/reference/nonparametric/make_datasets.py`` (data) and
``tests/reference/nonparametric/make_reference.R`` (R's numbers); the tests only read them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "nonparametric"

# Tolerances. R writes 15 significant digits, and both sides do the same arithmetic in doubles, so the
# agreement is ~1e-13; 1e-6 relative is the house standard for estimates, SEs and statistics. The absolute
# floor 1e-12 only matters for values that are 0 in R (e.g. a variance before the first event).
RTOL = 1e-6
ATOL = 1e-12


@cache
def read(name: str) -> pd.DataFrame:
    return pd.read_csv(REFERENCE / name, keep_default_na=True)


def assert_matches(actual: object, expected: object, *, rtol: float, atol: float = ATOL) -> None:
    """Equal within tolerance, with NaN (R's NA) in the same places."""
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float),
        np.asarray(expected, dtype=float),
        rtol=rtol,
        atol=atol,
        equal_nan=True,
    )
