"""Benchmark: multi-state Aalen-Johansen with standard errors, Remission against R survfit.

    python3 benchmarks/survival_multistate.py                  # 10^4, 10^5, 10^6 transitions
    python3 benchmarks/survival_multistate.py 10000 100000

The data: a registry after ASCT in days ("tied days") or on a continuous clock ("continuous"), states
infusion -> response <-> relapse -> death with death from every state, a fifth of the patients entering
late (left-truncated) in "response", uniform censoring. Both tools compute the state occupation
probabilities at every time with R's infinitesimal-jackknife standard errors and log intervals:
``multistate(...)`` and ``survfit(Surv(start, stop, event) ~ 1, id = id, istate = istate)``.

As in ``survival_nonparametric.py``, every cell runs in its own subprocess; time is the wall-clock of
the estimator call only (R: ``system.time`` after ``read.csv``), after a warm-up on a small data set;
``peak_mb`` is the ``tracemalloc`` peak above the data (Python) or R's ``gc()`` max used. A cell expected to
run over ``CELL_LIMIT_SECONDS`` (R's cost grows as patients × distinct times) is skipped.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from r_timing import time_in_r

FLAVOURS: tuple[str, ...] = ("tied days", "continuous")
TOOLS: tuple[str, ...] = ("remission", "R")
CELL_LIMIT_SECONDS = 300.0
SEED = 1
# hazards per day from each state to each destination
RATES: dict[str, dict[str, float]] = {
    "infusion": {"response": 1 / 60, "death": 1 / 900},
    "response": {"relapse": 1 / 700, "death": 1 / 3000},
    "relapse": {"response": 1 / 300, "death": 1 / 400},
}
STATE_ORDER: tuple[str, ...] = ("infusion", "response", "relapse", "death")


@dataclass(frozen=True)
class MultistateData:
    frame: pd.DataFrame  # id, start, stop, to_state, istate (the state during the row, as R's istate)

    @property
    def transitions(self) -> int:
        return int((self.frame["to_state"] != "(censored)").sum())


def registry_multistate(n_patients: int, flavour: str = "tied days", seed: int = SEED) -> MultistateData:
    """Simulate ``n_patients`` paths (vectorised over patients, one loop step per sojourn)."""
    rng = np.random.default_rng(seed)
    late = rng.random(n_patients) < 0.2
    now = np.where(late, rng.uniform(1.0, 200.0, n_patients), 0.0)
    if flavour == "tied days":
        now = np.ceil(now)
    state = np.where(late, 1, 0)  # codes into STATE_ORDER
    censor = now + rng.uniform(30.0, 15.0 * 365.25, n_patients)
    if flavour == "tied days":
        censor = np.ceil(censor)
    ids = np.arange(n_patients)
    out: list[pd.DataFrame] = []
    alive = np.ones(n_patients, dtype=bool)
    while alive.any():
        rows = np.flatnonzero(alive)
        names = [STATE_ORDER[s] for s in range(3)]
        total = np.array([sum(RATES[name].values()) for name in names])[state[rows]]
        wait = rng.exponential(1.0 / total)
        stop = now[rows] + wait
        if flavour == "tied days":
            stop = np.maximum(np.ceil(stop), now[rows] + 1.0)
        u = rng.random(rows.shape[0])
        dest = np.empty(rows.shape[0], dtype=np.int64)
        for code, name in enumerate(names):
            mine = state[rows] == code
            targets = list(RATES[name])
            probs = np.cumsum([RATES[name][t] for t in targets]) / sum(RATES[name].values())
            pick = np.searchsorted(probs, u[mine])
            dest[mine] = np.array([STATE_ORDER.index(t) for t in targets])[pick]
        censored = stop >= censor[rows]
        stop = np.where(censored, censor[rows], stop)
        out.append(
            pd.DataFrame(
                {
                    "id": ids[rows],
                    "start": now[rows],
                    "stop": stop,
                    "to_state": np.where(censored, "(censored)", np.array(STATE_ORDER, dtype=object)[dest]),
                    "istate": np.array(STATE_ORDER, dtype=object)[state[rows]],
                }
            )
        )
        now[rows] = stop
        state[rows] = np.where(censored, state[rows], dest)
        alive[rows] = ~censored & (dest != 3)
    frame = pd.concat(out, ignore_index=True)
    return MultistateData(frame=frame.sort_values(["id", "start"], kind="stable").reset_index(drop=True))


def patients_for(transitions: int, flavour: str) -> int:
    """Patients needed for about ``transitions`` transitions (from a pilot of 20,000 patients)."""
    pilot = registry_multistate(20_000, flavour, SEED)
    return max(100, round(transitions * 20_000 / pilot.transitions))


def _run_python_cell(flavour: str, transitions: int) -> dict:
    from remission.survival import multistate

    def call(d: pd.DataFrame) -> object:
        return multistate(d["id"], d["start"], d["stop"], d["to_state"], initial_state=d["istate"])

    call(registry_multistate(500, flavour, SEED + 1).frame)
    data = registry_multistate(patients_for(transitions, flavour), flavour, SEED)
    start = time.perf_counter()
    call(data.frame)
    seconds = time.perf_counter() - start
    tracemalloc.start()
    call(data.frame)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"seconds": seconds, "peak_mb": peak / 2**20, "transitions": data.transitions, "note": ""}


R_FIT = (
    "d$event <- factor(d$to_state, c('(censored)', 'response', 'relapse', 'death'));"
    "fit <- survfit(Surv(start, stop, event) ~ 1, data = d, id = id, istate = istate)"
)


def _run_r_cell(flavour: str, transitions: int) -> dict:
    data = registry_multistate(patients_for(transitions, flavour), flavour, SEED)
    warm = registry_multistate(500, flavour, SEED + 1)
    with tempfile.TemporaryDirectory() as tmp:
        csv, warm_csv = Path(tmp) / "data.csv", Path(tmp) / "warm.csv"
        data.frame.to_csv(csv, index=False, float_format="%.17g")
        warm.frame.to_csv(warm_csv, index=False, float_format="%.17g")
        setup = (
            "suppressPackageStartupMessages(library(survival))\n"
            f'local({{ d <- read.csv("{warm_csv}"); {R_FIT} }})\n'
            f'd <- read.csv("{csv}")\n'
        )
        seconds, peak = time_in_r(setup, R_FIT, timeout=CELL_LIMIT_SECONDS + 120)
    return {
        "seconds": seconds,
        "peak_mb": peak,
        "transitions": data.transitions,
        "note": "R heap (gc max used)",
    }


def _cell(flavour: str, transitions: int, tool: str) -> dict:
    row = {"data": flavour, "target": transitions, "tool": tool}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--cell", flavour, str(transitions), tool]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=CELL_LIMIT_SECONDS + 240)
    except subprocess.TimeoutExpired:
        return {
            **row,
            "seconds": None,
            "peak_mb": None,
            "transitions": None,
            "note": "skipped: over the limit",
        }
    if out.returncode != 0:
        reason = (out.stderr.strip().splitlines() or ["failed"])[-1][:120]
        return {**row, "seconds": None, "peak_mb": None, "transitions": None, "note": reason}
    return {**row, **json.loads(out.stdout.strip().splitlines()[-1])}


def _expected_r_seconds(previous: dict | None, transitions: int, flavour: str) -> float | None:
    """R's work is patients × distinct times: quadratic in n on a continuous clock, linear in days."""
    if previous is None or previous["seconds"] is None:
        return None
    growth = transitions / previous["target"]
    return previous["seconds"] * (growth**2 if flavour == "continuous" else growth)


def run(sizes: list[int]) -> list[dict]:
    rows: list[dict] = []
    for flavour in FLAVOURS:
        last: dict[str, dict] = {}
        for n in sorted(sizes):
            for tool in TOOLS:
                previous = last.get(tool)
                expected = _expected_r_seconds(previous, n, flavour) if tool == "R" else None
                if previous is not None and previous["seconds"] is None:
                    row = {"data": flavour, "target": n, "tool": tool, "seconds": None, "peak_mb": None}
                    row.update({"transitions": None, "note": "skipped: smaller n already over the limit"})
                elif expected is not None and expected > CELL_LIMIT_SECONDS:
                    row = {"data": flavour, "target": n, "tool": tool, "seconds": None, "peak_mb": None}
                    row.update({"transitions": None, "note": f"skipped: ~{expected:,.0f} s expected"})
                else:
                    row = _cell(flavour, n, tool)
                last[tool] = row
                rows.append(row)
                print(_format_row(row, None), file=sys.stderr, flush=True)
    return rows


def _format_row(row: dict, reference: float | None) -> str:
    seconds = "—" if row["seconds"] is None else f"{row['seconds']:.3f}"
    peak = "—" if row["peak_mb"] is None else f"{row['peak_mb']:.0f}"
    transitions = "—" if row.get("transitions") is None else f"{row['transitions']:,}"
    ratio = ""
    if reference and row["seconds"] is not None:
        ratio = f"{row['seconds'] / reference:.1f}×"
    return (
        f"{row['data']:<11} {row['target']:>8} {transitions:>10} {row['tool']:<10} {seconds:>9} {ratio:>8} "
        f"{peak:>8}"
        f"  {row['note']}"
    )


def table(rows: list[dict]) -> str:
    """Text table; ``ratio`` is each tool's time over Remission's in the same cell."""
    columns = ("data", "target", "transitions", "tool", "seconds", "ratio", "peak MB")
    widths = (-11, 8, 10, -10, 9, 8, 8)
    header = " ".join(
        f"{name:<{-w}}" if w < 0 else f"{name:>{w}}" for name, w in zip(columns, widths, strict=True)
    )
    lines = [header + "  note"]
    for row in rows:
        ours = next(
            (
                r["seconds"]
                for r in rows
                if r["tool"] == "remission" and (r["data"], r["target"]) == (row["data"], row["target"])
            ),
            None,
        )
        lines.append(_format_row(row, ours))
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    if argv[:1] == ["--cell"]:
        flavour, transitions, tool = argv[1], int(argv[2]), argv[3]
        result = _run_r_cell(flavour, transitions) if tool == "R" else _run_python_cell(flavour, transitions)
        print(json.dumps(result))
        return
    sizes = [int(a) for a in argv] or [10**4, 10**5, 10**6]
    print(table(run(sizes)))


if __name__ == "__main__":
    main(sys.argv[1:])
