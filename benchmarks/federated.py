"""Federated Cox and Fine-Gray on three registries of 100,000 rows each, against the pooled fit.

    python3 benchmarks/federated.py [--rows 100000] [--skip-fine-gray]

The data: three registries from the seeded analysis-set-like generator of the prediction reference tests
(``tests/reference/prediction/make_dataset.py``), seeds 1, 2 and 3, ``--rows`` rows each (whole days,
many ties; a few rows miss a covariate and are dropped at their node). The model: OS (``os_days``,
``os_event``), Efron ties, on age, hct_ci, infusion_year, centre_experience and disease (four dummies,
reference the most frequent pooled disease): 8 design columns. Fine-Gray: ``cr_days``/``cr_cause``, cause 2
(non-relapse mortality), the same covariates, with ``crr``'s sandwich variance.

Timed in one process, one after the other: the pooled :func:`remission.survival.cox.cox` on the 300,000
rows (building its design from the pooled frame included), then
:func:`remission.federated.regression.federated_cox` through :func:`~remission.federated.protocol.local_send`
(every node part run in-process, every reply passed through JSON as it would travel; exact privacy rules),
once with the per-time arrays as base64 float64 (``encoding="binary"``) and once as JSON number lists.
Printed: the times and ratios (target: federated <= 3x pooled; the federated time includes measuring the
bytes, which serialises every reply once more, and is also given without that), iterations, bytes each node
sent (in all and per round) and max |delta beta|; the same for Fine-Gray; the load average before and after
(on a shared machine wall time includes waiting).
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

import numpy as np
import pandas as pd
from prediction_data import generator

from remission.federated.privacy import EXACT
from remission.federated.protocol import local_send
from remission.federated.regression import NODE_PARTS, federated_cox, federated_fine_gray
from remission.survival.cox import cox
from remission.survival.fine_gray import fine_gray

COVARIATES = ["age", "hct_ci", "infusion_year", "centre_experience", "disease"]
TARGET_RATIO = 3.0


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def _pooled_design(
    frames: list[pd.DataFrame], time_column: str, status: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The complete rows of all registries, disease coded with its most frequent level as reference."""
    pooled = pd.concat(frames, ignore_index=True).dropna(subset=[time_column, status, *COVARIATES])
    X = pooled[COVARIATES].copy()
    counts = X["disease"].value_counts()
    top = sorted(counts.index[counts == counts.max()])[0]
    X["disease"] = pd.Categorical(X["disease"], categories=[top, *sorted(set(counts.index) - {top})])
    return pooled, X


def _traffic(traffic: dict[str, Any]) -> str:
    lines = [
        f"  bytes sent per node (all rounds): {traffic['bytes_per_node']}  total {traffic['bytes_total']:,}"
    ]
    lines.append(
        f"  bytes the central sent (requests, each to every node): {traffic['request_bytes_total']:,}"
    )
    for k, r in enumerate(traffic["rounds"]):
        lines.append(
            f"  round {k + 1:2d} {r['part']:<22} per node {r['reply_bytes']}  request {r['request_bytes']:,}"
        )
    return "\n".join(lines)


def _fed_line(label: str, seconds: float, pooled_seconds: float, fit: Any) -> str:
    counting = fit.traffic["counting_seconds"]
    ratio = seconds / pooled_seconds
    verdict = "meets" if ratio <= TARGET_RATIO else "misses"
    return (
        f"  federated, {label}: {seconds:.2f} s ({counting:.2f} s of it re-serialising to count bytes), "
        f"{fit.iterations} iterations, {len(fit.traffic['rounds'])} rounds; ratio to pooled {ratio:.2f} "
        f"({verdict} <= {TARGET_RATIO:g}x; {(seconds - counting) / pooled_seconds:.2f} without the counting)"
    )


def _differences(fit: Any, ref: Any) -> str:
    return (
        f"    max |delta beta| {np.max(np.abs(fit.coef - ref.coef)):.2e}  max |delta var| "
        f"{np.max(np.abs(fit.var - ref.var)):.2e}  |delta loglik| {abs(fit.loglik[1] - ref.loglik[1]):.2e}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000, help="rows per registry (default 100,000)")
    parser.add_argument("--skip-fine-gray", action="store_true")
    args = parser.parse_args()

    print(f"load average before: {_load()}  (cpus: {os.cpu_count()})")
    make = generator()
    frames = [make.dataset(seed=seed, n=args.rows) for seed in (1, 2, 3)]
    send = local_send(frames, NODE_PARTS, EXACT)
    print(f"3 registries x {args.rows:,} rows; covariates {COVARIATES}; exact privacy rules")

    started = time.perf_counter()
    pooled, X = _pooled_design(frames, "os_days", "os_event")
    ref = cox(X, pooled["os_days"], pooled["os_event"], ties="efron")
    pooled_seconds = time.perf_counter() - started
    print("\nCox (Efron), OS")
    print(f"  pooled cox on {ref.n:,} rows: {pooled_seconds:.2f} s, {ref.iterations} iterations")
    fits = {}
    for encoding in ("binary", "json"):
        started = time.perf_counter()
        fit = federated_cox(
            send, time="os_days", event="os_event", covariates=COVARIATES, ties="efron", encoding=encoding
        )
        seconds = time.perf_counter() - started
        fits[encoding] = fit
        print(_fed_line(f"{encoding} arrays", seconds, pooled_seconds, fit))
        print(_differences(fit, ref))
    print(f"  design columns: {len(ref.names)} {ref.names}")
    for encoding, fit in fits.items():
        print(f"  traffic, {encoding} arrays:")
        print(_traffic(fit.traffic))

    if not args.skip_fine_gray:
        started = time.perf_counter()
        pooled, X = _pooled_design(frames, "cr_days", "cr_cause")
        ref_fg = fine_gray(X, pooled["cr_days"], pooled["cr_cause"], cause_of_interest=2)
        pooled_fg_seconds = time.perf_counter() - started
        print("\nFine-Gray, cause 2 (NRM), sandwich variance")
        print(
            f"  pooled fine_gray on {ref_fg.n:,} rows: {pooled_fg_seconds:.2f} s, "
            f"{ref_fg.iterations} iterations"
        )
        fits = {}
        for encoding in ("binary", "json"):
            started = time.perf_counter()
            fg = federated_fine_gray(
                send,
                time="cr_days",
                cause="cr_cause",
                cause_of_interest=2,
                covariates=COVARIATES,
                encoding=encoding,
            )
            seconds = time.perf_counter() - started
            fits[encoding] = fg
            print(_fed_line(f"{encoding} arrays", seconds, pooled_fg_seconds, fg))
            print(_differences(fg, ref_fg))
        for encoding, fg in fits.items():
            print(f"  traffic, {encoding} arrays:")
            print(_traffic(fg.traffic))
    print(f"\nload average after: {_load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
