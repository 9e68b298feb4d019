"""Synthetic registry, bulk path: patients per second into SQLite and PostgreSQL, and memory.

    python3 benchmarks/synth.py [--patients 100000] [--backend sqlite|postgres|both]
                                [--validate all|sample|none] [--audit record|patient] [--writer orm|copy]

Each backend runs in its own process on a brand-new database (an SQLite file in a temporary folder;
PostgreSQL database ``remission_bench_synth`` on ``REMISSION_BENCH_POSTGRES`` or the local server,
dropped and created afresh). The time covers generating, checking and writing every patient with all
its records and audit rows (``remission.synth.bulk.bulk_load``); migrating and solving the outcome
model are timed apart. Memory: resident set size sampled after each quarter of the patients, and the
peak — flat when the first and last quarter agree.
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

POSTGRES_SERVER = os.environ.get("REMISSION_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DATABASE = "remission_bench_synth"


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def child(patients: int, validate: str, audit: str, writer: str) -> None:
    """Runs inside the benchmark process for one backend; prints one JSON line."""
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "remission.settings.base"
    django.setup()
    from django.core.management import call_command
    from tqdm import tqdm

    from remission.synth.bulk import bulk_load
    from remission.synth.hazards import calibrated

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    migrate_seconds = time.perf_counter() - started
    started = time.perf_counter()
    calibrated()
    calibrate_seconds = time.perf_counter() - started

    done = 0
    samples: list[float] = []
    quarter = max(1, patients // 4)
    bar = tqdm(total=patients, unit="patient", file=sys.stderr, mininterval=2)

    def progress(n: int) -> None:
        nonlocal done
        done += n
        bar.update(n)
        if done // quarter > len(samples) - 1 or done == patients:
            samples.append(round(_rss_mb(), 1))

    result = bulk_load(
        seed=1, count=patients, validate=validate, audit=audit, writer=writer, progress=progress
    )
    bar.close()
    cpu = resource.getrusage(resource.RUSAGE_SELF)  # this process only: the database server is apart
    print(
        json.dumps(
            {
                "patients": patients,
                "rows": result.rows,
                "audit_rows": result.audit_rows,
                "validated_patients": result.validated_patients,
                "write_s": round(result.seconds, 1),
                "patients_per_s": round(patients / result.seconds, 1),
                "rows_per_s": round((result.rows + result.audit_rows) / result.seconds),
                "migrate_s": round(migrate_seconds, 1),
                "calibrate_s": round(calibrate_seconds, 1),
                "rss_mb_by_quarter": samples,
                "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "python_cpu_s": round(cpu.ru_utime + cpu.ru_stime, 1),
            }
        )
    )


def run_backend(backend: str, args: argparse.Namespace) -> dict:
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        if backend == "sqlite":
            env["DATABASE_URL"] = ""
            env["REMISSION_DATA_DIR"] = tmp
        else:
            import psycopg

            with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
                conn.execute(f"CREATE DATABASE {DATABASE}")
            env["DATABASE_URL"] = f"{POSTGRES_SERVER}/{DATABASE}"
        command = [sys.executable, __file__, "--child", "--patients", str(args.patients), "--validate",
                   args.validate, "--audit", args.audit, "--writer", args.writer]  # fmt: skip
        output = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    result = json.loads(output.strip().splitlines()[-1])
    result["backend"] = backend
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--validate", choices=("all", "sample", "none"), default="sample")
    parser.add_argument("--audit", choices=("record", "patient"), default="record")
    parser.add_argument("--writer", choices=("orm", "copy"), default="orm")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.patients, args.validate, args.audit, args.writer)
        return
    backends = ("sqlite", "postgres") if args.backend == "both" else (args.backend,)
    print(f"load average before: {os.getloadavg()[0]:.2f} (the machine is shared; numbers may be noisy)")
    for backend in backends:
        print(json.dumps(run_backend(backend, args)))


if __name__ == "__main__":
    main()
