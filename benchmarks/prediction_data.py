"""The analysis-set-like data of the prediction benchmarks: the seeded generator of the prediction reference
tests (``tests/reference/prediction/make_dataset.py``), loaded once the same way for every benchmark that
uses it (``benchmarks/predict.py``, ``benchmarks/federated.py``)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

GENERATOR = Path(__file__).resolve().parent.parent / "tests" / "reference" / "prediction" / "make_dataset.py"


def generator() -> Any:
    """The generator module; ``generator().dataset(seed=..., n=...)`` gives one data set."""
    spec = importlib.util.spec_from_file_location("make_dataset", GENERATOR)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
