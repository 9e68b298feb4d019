"""Timing one R fit in its own ``Rscript``, the same way for every benchmark that compares with R.

``time_in_r(setup, fit)`` runs ``setup`` (R code that reads the data into ``d`` and warms the fit up), then
times ``fit`` with ``system.time`` and measures R's heap growth with ``gc()`` (max used above the start).
"""

from __future__ import annotations

import subprocess

MEASURE = """
base <- sum(gc(reset = TRUE)[, 2])
secs <- system.time({{ {fit} }})[["elapsed"]]
peak <- sum(gc()[, 6]) - base
cat(sprintf("RESULT %.6f %.3f\\n", secs, peak))
"""


def time_in_r(setup: str, fit: str, *, timeout: float) -> tuple[float, float]:
    """(elapsed seconds of ``fit``, R heap peak in MB above the start)."""
    out = subprocess.run(
        ["Rscript", "-e", setup + MEASURE.format(fit=fit)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    line = next(x for x in out.stdout.splitlines() if x.startswith("RESULT"))
    _, seconds, peak = line.split()
    return float(seconds), float(peak)
