"""Benchmark: Cox (Efron) and Fine-Gray in Remission against lifelines, scikit-survival and R.

Each cell (analysis, data flavour, n, tool) runs in its own Python subprocess, which builds the data with
``survival_data.registry_like(n, flavour, seed=1)`` and times the fit only. Peak memory is the worker's
``ru_maxrss`` (for R: ``RUSAGE_CHILDREN`` of the worker, i.e. the Rscript process). R times itself
with ``system.time`` around ``coxph`` / ``crr``. A cell that cannot finish within its timeout is reported
as "> timeout s".

Every tool fits the generator's nine covariates.

    python3 benchmarks/survival_regression.py [n ...]
    python3 benchmarks/survival_regression.py 1000000 --analysis cox --data "tied days" \
        --tool remission --tool lifelines         # only those cells (see --help)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TIMEOUT = 300.0
sys.path.insert(0, str(HERE))
from survival_data import COVARIATES  # noqa: E402

COLUMNS = list(COVARIATES)
# Cells skipped up front because they cannot finish (or fit in memory) at that size.
MAX_N = {("cox", "scikit-survival"): 100_000, ("fine-gray", "R crr"): 100_000}

R_COX = """
suppressPackageStartupMessages(library(survival))
d <- read.csv(commandArgs(TRUE)[1])
f <- Surv(time, event) ~ age + male + ssc + ms + hct_ci_high + era_recent + high_intensity +
  experienced_centre + cd34_dose
t <- system.time(fit <- coxph(f, data = d, ties = "efron"))[["elapsed"]]
cat(t, "\\n")
"""
R_CRR = """
suppressPackageStartupMessages(library(cmprsk))
d <- read.csv(commandArgs(TRUE)[1])
cov <- as.matrix(d[, c("age", "male", "ssc", "ms", "hct_ci_high", "era_recent", "high_intensity",
                       "experienced_centre", "cd34_dose")])
t <- system.time(fit <- crr(d$time, d$cause, cov))[["elapsed"]]
cat(t, "\\n")
"""


def _worker(analysis: str, flavour: str, n: int, tool: str) -> dict:
    sys.path.insert(0, str(HERE))
    import warnings

    from survival_data import registry_like

    data = registry_like(n, flavour, seed=1)
    X = data.X[COLUMNS]
    note = ""
    if tool == "remission":
        from remission.survival import cox, fine_gray

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            if analysis == "cox":
                cox(X, data.time, data.event, ties="efron")
            else:
                fine_gray(X, data.time, data.cause)
            seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    elif tool == "lifelines":
        from lifelines import CoxPHFitter

        frame = X.assign(time=data.time, event=data.event)
        start = time.perf_counter()
        CoxPHFitter().fit(frame, duration_col="time", event_col="event")
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    elif tool == "scikit-survival":
        import numpy as np
        from sksurv.linear_model import CoxPHSurvivalAnalysis

        y = np.array(
            list(zip(data.event.astype(bool), data.time, strict=True)), dtype=[("e", "?"), ("t", "<f8")]
        )
        start = time.perf_counter()
        CoxPHSurvivalAnalysis(ties="efron").fit(X.to_numpy(dtype=float), y)
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    else:  # R
        with tempfile.TemporaryDirectory() as tmp:
            csv = Path(tmp) / "data.csv"
            data.to_frame().to_csv(csv, index=False)
            script = Path(tmp) / "fit.R"
            script.write_text(R_COX if analysis == "cox" else R_CRR)
            out = subprocess.run(
                ["Rscript", str(script), str(csv)], capture_output=True, text=True, check=True
            )
            seconds = float(out.stdout.strip().split()[-1])
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        note = "system.time inside R"
    return {"seconds": seconds, "peak_mb": peak, "note": note}


def _cell(analysis: str, flavour: str, n: int, tool: str) -> dict:
    row = {"analysis": analysis, "data": flavour, "n": n, "tool": tool}
    if n > MAX_N.get((analysis, tool), n):
        return {
            **row,
            "seconds": None,
            "peak_mb": None,
            "note": f"skipped: > {TIMEOUT:.0f} s or out of memory",
        }
    command = [sys.executable, __file__, "--cell", analysis, flavour, str(n), tool]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, env=env)
    except subprocess.TimeoutExpired:
        return {**row, "seconds": None, "peak_mb": None, "note": f"> {TIMEOUT:.0f} s"}
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["failed"])[-1]
        return {**row, "seconds": None, "peak_mb": None, "note": f"failed: {last[:80]}"}
    return {**row, **json.loads(out.stdout.strip().splitlines()[-1])}


ANALYSES: tuple[str, ...] = ("cox", "fine-gray")
FLAVOURS: tuple[str, ...] = ("tied days", "continuous")
TOOLS: dict[str, tuple[str, ...]] = {
    "cox": ("remission", "lifelines", "scikit-survival", "R coxph"),
    "fine-gray": ("remission", "R crr"),
}


def run(
    sizes: list[int],
    analyses: tuple[str, ...] = ANALYSES,
    flavours: tuple[str, ...] = FLAVOURS,
    tools: tuple[str, ...] | None = None,
) -> list[dict]:
    """One row per cell: analysis, data, n, tool, seconds, peak_mb, note. ``tools=None``: every tool."""
    rows = []
    for n in sizes:
        for flavour in flavours:
            for analysis in analyses:
                for tool in TOOLS[analysis]:
                    if tools is None or tool in tools:
                        rows.append(_cell(analysis, flavour, n, tool))
    return rows


def _table(rows: list[dict]) -> str:
    base = {(r["analysis"], r["data"], r["n"]): r["seconds"] for r in rows if r["tool"] == "remission"}
    header = (
        f"{'analysis':10} {'data':10} {'n':>8} {'tool':16} {'seconds':>9} {'x remission':>11} {'peak MB':>8}"
    )
    lines = [header + "  note"]
    for r in rows:
        ref = base.get((r["analysis"], r["data"], r["n"]))
        secs = "—" if r["seconds"] is None else f"{r['seconds']:.3f}"
        ratio = "—" if r["seconds"] is None or not ref else f"{r['seconds'] / ref:.1f}"
        peak = "—" if r["peak_mb"] is None else f"{r['peak_mb']:.0f}"
        cells = (
            f"{r['analysis']:10} {r['data']:10} {r['n']:>8} {r['tool']:16} {secs:>9} {ratio:>11} {peak:>8}"
        )
        lines.append(f"{cells}  {r['note']}")
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--cell":
        analysis, flavour, n, tool = sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
        tool_key = "R" if tool.startswith("R ") else tool
        print(json.dumps(_worker(analysis, flavour, n, tool_key)))
    else:
        parser = argparse.ArgumentParser(description="Cox (Efron) and Fine-Gray against their peers.")
        parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000, 1_000_000])
        parser.add_argument("--analysis", action="append", choices=ANALYSES, help="repeatable; default all")
        parser.add_argument("--data", action="append", choices=FLAVOURS, help="repeatable; default both")
        parser.add_argument(
            "--tool",
            action="append",
            choices=sorted({tool for tools in TOOLS.values() for tool in tools}),
            help="repeatable; default every tool",
        )
        args = parser.parse_args()
        chosen = run(
            args.sizes,
            tuple(args.analysis or ANALYSES),
            tuple(args.data or FLAVOURS),
            tuple(args.tool) if args.tool else None,
        )
        print(_table(chosen))
