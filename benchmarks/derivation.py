"""Endpoint derivation, per patient against columnar (issue 21: <= 2 s at 100,000 patients).

    python3 benchmarks/derivation.py [--patients 20000]               # a new SQLite registry
    python3 benchmarks/derivation.py --database-url postgres://…/db    # an existing registry, read only

Without ``--database-url`` a brand-new SQLite file in a temporary folder is filled with ``--patients``
synthetic patients by the synthetic registry's bulk path (``remission.synth.bulk.bulk_load``, as
``benchmarks/synth.py`` fills one; not timed). Then, reading as the command line does (every centre):

- per patient (the oracle): ``load_courses`` + ``derive_endpoints(...).to_frame()``;
- columnar: ``read_registry_columns`` + ``derive_columns``, and ``derive_columns`` once more without the
  response columns (``responses=False``, the part that is wholly columnar);

each split into reading and deriving, with the ratios, and a check that both give the same frame and
findings. CPU seconds of this process are printed beside the wall clock (the database server's work is
in the wall clock only; on a shared machine compare runs at a similar load average).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

TARGET_SECONDS = 2.0  # derivation at 100,000 patients (issue 21)


def _timed(what: Callable[[], Any]) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = what()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patients", type=int, default=20_000, help="patients to generate (new SQLite only)")
    parser.add_argument("--database-url", default=None, help="an existing registry (not written to)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    from remission.settings.startup import start_django

    folder = None
    if args.database_url is None:
        folder = tempfile.TemporaryDirectory(prefix="remission-derivation-bench-")
        start_django(database_url="", data_dir=Path(folder.name))
    else:
        start_django(database_url=args.database_url)
    import pandas as pd
    from django.core.management import call_command
    from django.db import connection

    from remission.analysis.columns import read_registry_columns
    from remission.analysis.endpoints import derive_endpoints
    from remission.analysis.endpoints.columnar import derive_columns
    from remission.analysis.loader import load_courses
    from remission.registry.access import SYSTEM
    from remission.registry.models import Patient

    if folder is not None:
        from remission.synth.bulk import bulk_load

        call_command("migrate", interactive=False, verbosity=0)
        started = time.perf_counter()
        bulk_load(seed=args.seed, count=args.patients, validate="none", audit="patient")
        print(f"Generated {args.patients:,} patients in {time.perf_counter() - started:.0f} s (not counted)")
    print(f"Database: {connection.vendor}; {Patient.objects.count():,} patients; load average {_load()}")

    extract, oracle_read, oracle_read_cpu = _timed(lambda: load_courses(user=SYSTEM))
    oracle, oracle_derive, oracle_derive_cpu = _timed(lambda: derive_endpoints(extract.courses))
    expected, oracle_frame, oracle_frame_cpu = _timed(oracle.to_frame)
    tables, columns_read, columns_read_cpu = _timed(lambda: read_registry_columns(SYSTEM, None))
    got, columns_derive, columns_derive_cpu = _timed(lambda: derive_columns(tables))
    _, columnar_only, columnar_only_cpu = _timed(lambda: derive_columns(tables, responses=False))

    pd.testing.assert_frame_equal(got.frame, expected)
    same = got.findings == oracle.findings and got.left_out == oracle.left_out
    per_patient = oracle_derive + oracle_frame
    print(f"{len(expected):,} rows, {len(oracle.findings):,} findings; identical: {'yes' if same else 'NO'}")
    print(f"  {'':<28} {'wall':>8} {'CPU':>8}")
    print(f"  {'read, load_courses':<28} {oracle_read:6.2f} s {oracle_read_cpu:6.2f} s")
    per_patient_cpu = oracle_derive_cpu + oracle_frame_cpu
    print(f"  {'derive_endpoints + to_frame':<28} {per_patient:6.2f} s {per_patient_cpu:6.2f} s")
    print(f"  {'read, read_registry_columns':<28} {columns_read:6.2f} s {columns_read_cpu:6.2f} s")
    print(f"  {'derive_columns':<28} {columns_derive:6.2f} s {columns_derive_cpu:6.2f} s")
    print(f"  {'  without the responses':<28} {columnar_only:6.2f} s {columnar_only_cpu:6.2f} s")
    ratio = per_patient / columns_derive
    print(f"Derivation: {per_patient:.2f} s per patient, {columns_derive:.2f} s columnar ({ratio:.1f}x)")
    total_oracle, total_columns = oracle_read + per_patient, columns_read + columns_derive
    ratio = total_oracle / total_columns
    print(f"Read + derive: {total_oracle:.2f} s per patient, {total_columns:.2f} s columnar ({ratio:.1f}x)")
    print(f"Load average after: {_load()}")
    if folder is not None:
        folder.cleanup()
    return 0 if same else 1


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
