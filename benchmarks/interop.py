"""Exchange on a large registry on PostgreSQL: export (and, later, import), with pandas as the floor.

    remission synth --patients 100000 --database-url postgres://postgres@127.0.0.1:5432/remission_interop_bench
    python3 benchmarks/interop.py export [--database-url postgres://…] [--formats parquet,xlsx] [--deidentify]

Part ``export``: the whole registry as the operator at the command line reads it
(``remission.interop.export.export_write``: read through the selectors, written, hashed, audited), once
per format. Targets at 100,000 patients: Parquet ≤ 30 s, Excel ≤ 2 min. The floor is pandas writing the
same DataFrames (read beforehand, the read not timed): ``DataFrame.to_parquet`` (pyarrow) and
``DataFrame.to_excel`` (XlsxWriter engine, from the ``bench`` extra: our own writer no longer uses it), one
file per table; the ratio ours / floor is printed, with the CPU time of each (wall time on a busy machine
is partly waiting for a core). Our time includes reading the registry, the floor's does not. A freshly
synthesised database has no planner statistics yet:
``vacuumdb -h 127.0.0.1 -U postgres --analyze-only remission_interop_bench``.

Part ``import``: a REDCap export of a registry imported into an empty one, validated and audited, with
``--commit`` (``remission import redcap``: read, every record checked by the registry's rules, written
through the batch service with one audit row per record). Target at 10,000 patients (about 200,000
records): ≤ 2 min. ``--source-url`` names the registry to export (``remission redcap dictionary`` and
``records`` run there first, not timed); ``--database-url`` the empty registry to import into (its centres
are created as the synthetic registry's). The floor is ``pandas.read_csv`` reading the same two files
(parsing only: no checks, no writes); PyCap is a client of a live REDCap server's API, which there is no
server for here, so it has no number.

    remission synth --patients 10000 --seed 1 --database-url postgres://postgres@127.0.0.1:5432/remission_src
    createdb -h 127.0.0.1 -U postgres remission_dst
    python3 benchmarks/interop.py import --source-url postgres://…/remission_src \
        --database-url postgres://…/remission_dst
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/remission_interop_bench"
EXPORT_TARGETS = {"parquet": 30.0, "xlsx": 120.0}  # seconds at TARGET_PATIENTS patients
TARGET_PATIENTS = 100_000
EXCEL_FLOOR_MAX_ROWS = 1_048_575  # pandas refuses a larger sheet; the floor writes at most this many rows


def export_part(args: argparse.Namespace, out: Path) -> int:
    from remission.interop.export import export_write
    from remission.interop.extract import registry_extract
    from remission.registry.access import SYSTEM

    formats = [f for f in args.formats.split(",") if f]
    results: dict[str, float] = {}
    patients = 0
    cpu_times: dict[str, float] = {}
    for fmt in formats:
        started, cpu_started = time.perf_counter(), time.process_time()
        result = export_write(
            actor=SYSTEM,
            file_format=fmt,
            out=out / f"extract-{fmt}",
            deidentify=args.deidentify,
            beside=False,
        )
        seconds = time.perf_counter() - started
        results[fmt] = seconds
        cpu_times[fmt] = time.process_time() - cpu_started  # this process only (PostgreSQL works in its own)
        patients = result.patients
        rows = sum(result.row_counts.values())
        size = result.path.stat().st_size / 1e6
        print(
            f"\n{fmt}: {seconds:.1f} s for {result.patients:,} patients, {rows:,} rows ({size:.1f} MB); "
            f"CPU time of this process {cpu_times[fmt]:.1f} s"
        )
        print(f"  load average after it: {_load_average()}")

    started = time.perf_counter()
    extract = registry_extract(actor=SYSTEM, deidentify=args.deidentify)
    frames = {t.name: t.frame() for t in extract.tables()}
    read_seconds = time.perf_counter() - started
    print(f"\nReading the same tables into DataFrames (for the floor; not in its time): {read_seconds:.1f} s")
    floors: dict[str, Callable[[], None]] = {
        "parquet": lambda: _pandas_parquet(frames, out),
        "xlsx": lambda: _pandas_excel(frames, out),
    }
    for fmt, seconds in results.items():
        floor = floors.get(fmt)
        if floor is None:
            print(f"{fmt}: {seconds:.1f} s (no pandas floor for this format)")
            continue
        started, cpu_started = time.perf_counter(), time.process_time()
        floor()
        floor_seconds = time.perf_counter() - started
        floor_cpu = time.process_time() - cpu_started
        ratio = seconds / floor_seconds if floor_seconds else float("nan")
        print(
            f"{fmt}: ours {seconds:.1f} s (read + write + hash + audit); pandas writing the same DataFrames "
            f"{floor_seconds:.1f} s (ratio {ratio:.2f}); "
            f"reading + pandas writing {read_seconds + floor_seconds:.1f} s; "
            f"CPU time ours {cpu_times[fmt]:.1f} s, pandas {floor_cpu:.1f} s "
            f"(on a busy machine wall time is partly waiting for a core)"
        )
        target = EXPORT_TARGETS[fmt]
        if patients >= TARGET_PATIENTS:
            verdict = "within" if seconds <= target else "over"
            print(f"  {verdict} the {target:.0f} s target")
        else:
            print(
                f"  (the {target:.0f} s target is for {TARGET_PATIENTS:,} patients; "
                f"this registry has {patients:,})"
            )
    return 0


def _pandas_parquet(frames: dict, out: Path) -> None:
    folder = out / "floor-parquet"
    folder.mkdir(exist_ok=True)
    for name, frame in frames.items():
        frame.to_parquet(folder / f"{name}.parquet", engine="pyarrow", compression="zstd", index=False)


def _pandas_excel(frames: dict, out: Path) -> None:
    import pandas as pd

    with pd.ExcelWriter(
        out / "floor.xlsx", engine="xlsxwriter", engine_kwargs={"options": {"constant_memory": True}}
    ) as writer:
        for name, frame in frames.items():
            frame.head(EXCEL_FLOOR_MAX_ROWS).to_excel(writer, sheet_name=name, index=False)


# --- import ----------------------------------------------------------------------------------------------

IMPORT_TARGET = 120.0  # seconds at 10,000 patients


def import_part(args: argparse.Namespace, out: Path) -> int:
    import subprocess

    import pandas as pd

    from remission.interop.importing import import_rows
    from remission.interop.mapping import ImportMapping
    from remission.interop.redcap import read_redcap
    from remission.registry.access import SYSTEM
    from remission.registry.models import Patient
    from remission.synth.bulk import ensure_centres

    dictionary, records = out / "dictionary.csv", out / "records.csv"
    if args.source_url:
        env = {**os.environ, "DATABASE_URL": args.source_url}
        started = time.perf_counter()
        for action, path in (("dictionary", dictionary), ("records", records)):
            command = [sys.executable, "-m", "remission", "redcap", action, "--out", str(path)]
            subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
        print(
            f"REDCap export of the source registry: {time.perf_counter() - started:.1f} s (not timed below)"
        )
    if not records.exists():
        print(
            f"no {records}: give --source-url, or --out with dictionary.csv and records.csv", file=sys.stderr
        )
        return 2
    if Patient.objects.exists():
        print("the target registry is not empty: import into an empty database", file=sys.stderr)
        return 2
    ensure_centres()
    size = records.stat().st_size / 1e6
    started, cpu_started = time.perf_counter(), time.process_time()
    rows, problems = read_redcap(dictionary, records, ImportMapping())
    read_seconds = time.perf_counter() - started
    result = import_rows(rows, system="redcap", actor=SYSTEM, commit=True, read_problems=problems)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started  # this process only (PostgreSQL works in its own)
    patients = result.created.get("patient", 0)
    records_written = sum(result.created.values())
    print(
        f"\nimport: {seconds:.1f} s for {patients:,} patients, {records_written:,} records "
        f"({result.audit_rows:,} audit rows; {size:.1f} MB of CSV; reading {read_seconds:.1f} s), "
        f"committed: {result.committed}, problems: {len(result.problems)}; "
        f"CPU time of this process {cpu:.1f} s (wall time on a busy machine is mostly waiting)"
    )
    for problem in result.problems[:5]:
        print(f"  {problem}")
    print(f"  load average after it: {_load_average()}")
    started = time.perf_counter()
    pd.read_csv(dictionary, dtype=str, keep_default_na=False)
    pd.read_csv(records, dtype=str, keep_default_na=False)
    floor = time.perf_counter() - started
    ratio = seconds / floor if floor else float("nan")
    verdict = "within" if seconds <= IMPORT_TARGET else "over"
    print(
        f"import: ours {seconds:.1f} s (read + check + write + audit), pandas.read_csv of the same files "
        f"{floor:.2f} s: ratio {ratio:.0f}; {verdict} the {IMPORT_TARGET:.0f} s target (at 10,000 patients). "
        "PyCap reads from a live REDCap server's API (none here): no PyCap number."
    )
    return 0 if result.committed else 1


PARTS: dict[str, Callable[[argparse.Namespace, Path], int]] = {"export": export_part, "import": import_part}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("part", choices=sorted(PARTS), help="which part to run")
    default_url = os.environ.get("REMISSION_BENCH_INTEROP_DB", DEFAULT_DATABASE)
    parser.add_argument("--database-url", default=default_url)
    parser.add_argument("--formats", default="parquet,xlsx", help="export formats, comma-separated")
    parser.add_argument("--deidentify", action="store_true", help="export de-identified")
    parser.add_argument("--out", default="", help="folder for the files (default: a temporary folder)")
    parser.add_argument("--source-url", default="", help="import: the registry to export to REDCap first")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = args.database_url
    started = time.perf_counter()
    from remission.cli._django import database_label
    from remission.settings.startup import start_django

    start_django()
    from remission.registry.models import Patient

    print(f"Database: {database_label()}; {Patient.objects.count():,} patients in the registry")
    print(f"Start-up (imports, Django): {time.perf_counter() - started:.1f} s, not counted below")
    print(f"Load average before: {_load_average()}")
    out = Path(args.out or tempfile.mkdtemp(prefix="remission-interop-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    return PARTS[args.part](args, out)


def _load_average() -> str:
    """The 1, 5 and 15 minute load averages (timings are only comparable at a similar load)."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
