"""Benchmark: Kaplan-Meier (with CI) and Aalen-Johansen (with variance) in Remission, lifelines,
scikit-survival and R (survival::survfit, cmprsk::cuminc).

    python3 benchmarks/survival_nonparametric.py            # 10^4, 10^5, 10^6 rows
    python3 benchmarks/survival_nonparametric.py 10000 100000

Every cell (analysis × data × n × tool) runs in its own subprocess, so that one tool's memory does not
count against another and a cell that runs too long can be stopped:

* time: wall-clock of the estimator call only, after the data are in memory (R: ``system.time`` inside
  R, after ``read.csv``); each tool is warmed up once on 1,000 rows first;
* peak_mb: memory allocated during the call, above what was held before it — ``tracemalloc`` peak for
  the Python tools (NumPy reports its buffers to it), ``gc()`` "max used" for R;
* a cell taking longer than ``CELL_LIMIT_SECONDS`` is stopped and reported with ``seconds = None``.

What is computed is the same everywhere: the Kaplan-Meier curve with a 95% log-log pointwise interval
(lifelines' "exponential Greenwood" is the same interval), and every cause's cumulative incidence with
an Aalen-type (delta-method) variance: cmprsk's, scikit-survival's ``var_type="Aalen"`` with log-log
CI, lifelines' ``AalenJohansenFitter(calculate_variance=True)`` for one cause at a time (it jitters tied
times, so on "tied days" data it solves a slightly different problem).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from r_timing import time_in_r  # noqa: E402
from survival_data import FLAVOURS, registry_like  # noqa: E402

ANALYSES: tuple[str, ...] = ("kaplan-meier + CI", "aalen-johansen + variance")
TOOLS: tuple[str, ...] = ("remission", "lifelines", "scikit-survival", "R")
CELL_LIMIT_SECONDS = 300.0
SEED = 1

R_CODE = {
    "kaplan-meier + CI": (
        "suppressPackageStartupMessages(library(survival));"
        "fit <- survfit(Surv(time, event) ~ 1, data = d, conf.type = 'log-log')"
    ),
    "aalen-johansen + variance": (
        "suppressPackageStartupMessages(library(cmprsk)); fit <- cuminc(d$time, d$cause)"
    ),
}


def _python_call(tool: str, analysis: str, data) -> Callable[[], object]:
    """The estimator call to time, as a closure over the data."""
    time_, event, cause = data.time, data.event, data.cause
    if tool == "remission":
        from remission.survival import aalen_johansen, kaplan_meier

        if analysis == "kaplan-meier + CI":
            return lambda: kaplan_meier(time_, event, conf_type="log-log")
        return lambda: aalen_johansen(time_, cause)
    if tool == "scikit-survival":
        from sksurv.nonparametric import cumulative_incidence_competing_risks, kaplan_meier_estimator

        if analysis == "kaplan-meier + CI":
            return lambda: kaplan_meier_estimator(event.astype(bool), time_, conf_type="log-log")
        return lambda: cumulative_incidence_competing_risks(
            cause, time_, conf_type="log-log", var_type="Aalen"
        )
    if tool == "lifelines":
        import warnings

        from lifelines import AalenJohansenFitter, KaplanMeierFitter

        warnings.simplefilter("ignore")
        if analysis == "kaplan-meier + CI":
            return lambda: KaplanMeierFitter().fit(time_, event)

        def both_causes() -> None:
            for k in (1, 2):
                AalenJohansenFitter(calculate_variance=True, seed=SEED).fit(time_, cause, event_of_interest=k)

        return both_causes
    raise ValueError(tool)


def _run_python_cell(tool: str, analysis: str, flavour: str, n: int) -> dict:
    warm = registry_like(1000, flavour, SEED)
    _python_call(tool, analysis, warm)()
    data = registry_like(n, flavour, SEED)
    call = _python_call(tool, analysis, data)
    start = time.perf_counter()
    call()
    seconds = time.perf_counter() - start
    tracemalloc.start()
    call()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"seconds": seconds, "peak_mb": peak / 2**20, "note": ""}


def _run_r_cell(analysis: str, flavour: str, n: int) -> dict:
    data = registry_like(n, flavour, SEED)
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "data.csv"
        np.savetxt(
            csv,
            np.column_stack([data.time, data.event, data.cause]),
            delimiter=",",
            header="time,event,cause",
            comments="",
            fmt=["%.17g", "%d", "%d"],
        )
        setup = (
            f'd <- read.csv("{csv}")\n'
            "warm <- d[seq_len(min(1000, nrow(d))), ]\n"
            f"local({{ d <- warm; {R_CODE[analysis]} }})\n"
        )
        seconds, peak = time_in_r(setup, R_CODE[analysis], timeout=CELL_LIMIT_SECONDS + 60)
    return {"seconds": seconds, "peak_mb": peak, "note": "R heap (gc max used)"}


def _cell(analysis: str, flavour: str, n: int, tool: str) -> dict:
    """Run one cell in a fresh subprocess and return its row."""
    row = {"analysis": analysis, "data": flavour, "n": n, "tool": tool}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--cell", analysis, flavour, str(n), tool]
    env = dict(os.environ)
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=CELL_LIMIT_SECONDS + 120, env=env)
    except subprocess.TimeoutExpired:
        return {**row, "seconds": None, "peak_mb": None, "note": f"skipped: over {CELL_LIMIT_SECONDS:.0f} s"}
    if out.returncode != 0:
        reason = (out.stderr.strip().splitlines() or ["failed"])[-1][:120]
        if "TimeoutExpired" in out.stderr:
            reason = f"skipped: over {CELL_LIMIT_SECONDS:.0f} s"
        return {**row, "seconds": None, "peak_mb": None, "note": reason}
    return {**row, **json.loads(out.stdout.strip().splitlines()[-1])}


def _skip_reason(analysis: str, flavour: str, n: int, tool: str, previous: dict | None) -> str | None:
    """Why a cell is not run: O(times²) memory, or a time that linear growth already puts over the limit."""
    if tool == "scikit-survival" and analysis == "aalen-johansen + variance":
        # its Aalen variance builds (times × times) matrices: 3.8 GB at 10^4 distinct times
        distinct = np.unique(registry_like(n, flavour, SEED).time).shape[0]
        need_gb = 3.8 * (distinct / 1.0e4) ** 2
        if need_gb > 12.0:
            return f"skipped: O(times²) memory, ~{need_gb:,.0f} GB for {distinct:,} distinct times"
    if previous is not None:
        if previous["seconds"] is None:
            return "skipped: smaller n already failed or over the time limit"
        expected = previous["seconds"] * n / previous["n"]
        if expected > CELL_LIMIT_SECONDS:
            before = f"{previous['seconds']:.1f} s at n={previous['n']}"
            return f"skipped: over {CELL_LIMIT_SECONDS:.0f} s expected ({before})"
    return None


def run(sizes: list[int], tools: tuple[str, ...] = TOOLS) -> list[dict]:
    """Time every (analysis, data flavour, n, tool) cell; rows as described in the module docstring.

    A cell is skipped (``seconds = None``, reason in ``note``) when the tool's time at the previous n,
    grown only linearly, is already over ``CELL_LIMIT_SECONDS``, or when its memory is known to be
    quadratic and would exceed this machine.
    """
    rows: list[dict] = []
    for analysis in ANALYSES:
        for flavour in FLAVOURS:
            last: dict[str, dict] = {}
            for n in sorted(sizes):
                for tool in tools:
                    reason = _skip_reason(analysis, flavour, n, tool, last.get(tool))
                    if reason is not None:
                        row = {"analysis": analysis, "data": flavour, "n": n, "tool": tool}
                        row.update({"seconds": None, "peak_mb": None, "note": reason})
                    else:
                        row = _cell(analysis, flavour, n, tool)
                    last[tool] = row
                    rows.append(row)
                    print(_format_row(row, None), file=sys.stderr, flush=True)
    return rows


def _format_row(row: dict, reference: float | None) -> str:
    seconds = "—" if row["seconds"] is None else f"{row['seconds']:.3f}"
    peak = "—" if row["peak_mb"] is None else f"{row['peak_mb']:.0f}"
    ratio = ""
    if reference and row["seconds"] is not None:
        ratio = f"{row['seconds'] / reference:.1f}×"
    return (
        f"{row['analysis']:<26} {row['data']:<11} {row['n']:>8} {row['tool']:<16} "
        f"{seconds:>9} {ratio:>8} {peak:>8}  {row['note']}"
    )


def table(rows: list[dict]) -> str:
    """A text table; ``ratio`` is each tool's time over Remission's in the same cell."""
    header = f"{'analysis':<26} {'data':<11} {'n':>8} {'tool':<16} {'seconds':>9} {'ratio':>8} {'peak MB':>8}"
    lines = [header + "  note"]
    for row in rows:
        ours = next(
            (
                r["seconds"]
                for r in rows
                if r["tool"] == "remission"
                and (r["analysis"], r["data"], r["n"]) == (row["analysis"], row["data"], row["n"])
            ),
            None,
        )
        lines.append(_format_row(row, ours))
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    if argv[:1] == ["--cell"]:
        analysis, flavour, n, tool = argv[1], argv[2], int(argv[3]), argv[4]
        if tool == "R":
            result = _run_r_cell(analysis, flavour, n)
        else:
            result = _run_python_cell(tool, analysis, flavour, n)
        print(json.dumps(result))
        return
    sizes = [int(a) for a in argv] or [10**4, 10**5, 10**6]
    print(table(run(sizes)))


if __name__ == "__main__":
    main(sys.argv[1:])
