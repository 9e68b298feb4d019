"""Synthetic registry, bulk path: patients per second into SQLite and PostgreSQL, and memory.

    python3 benchmarks/synth.py [--patients 100000] [--backend sqlite|postgres|both]
                                [--validate all|sample|none] [--audit record|patient]
                                [--writer auto|orm|copy] [--workers N] [--batch-size N]

Each backend runs in its own process on a brand-new database (an SQLite file in a temporary folder;
PostgreSQL database ``remission_bench_synth`` on ``REMISSION_BENCH_POSTGRES`` or the local server,
dropped and created afresh). The time covers generating, checking and writing every patient with all
its records and audit rows (``remission.synth.bulk.bulk_load``); migrating and solving the outcome
model are timed apart. Memory: resident set size sampled after each quarter of the patients, and the
peak — flat when the first and last quarter agree. CPU seconds are given per process (this one, the
workers preparing ``COPY`` batches, the PostgreSQL backend), with the load average before and after:
the machine may be shared, and the CPU seconds say what the load cost whatever else ran.
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


def _backend_cpu_s(pid: int) -> float:
    """CPU seconds of a PostgreSQL backend on this machine (0 when it is elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_s(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def child(
    patients: int, validate: str, audit: str, writer: str, workers: int | None, batch_size: int
) -> None:
    """Runs inside the benchmark process for one backend; prints one JSON line."""
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "remission.settings.base"
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from tqdm import tqdm

    from remission.synth.bulk import DEFAULT_BATCH, bulk_load
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

    if writer == "auto":
        writer = "copy" if connection.vendor == "postgresql" else "orm"
    backend_pid = 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend_pid = cursor.fetchone()[0]
    cpu_before = (_cpu_s(resource.RUSAGE_SELF), _cpu_s(resource.RUSAGE_CHILDREN), _backend_cpu_s(backend_pid))
    load_before = os.getloadavg()
    result = bulk_load(
        seed=1,
        count=patients,
        validate=validate,
        audit=audit,
        writer=writer,
        workers=workers,
        batch_size=batch_size or DEFAULT_BATCH,
        progress=progress,
    )
    bar.close()
    cpu_after = (_cpu_s(resource.RUSAGE_SELF), _cpu_s(resource.RUSAGE_CHILDREN), _backend_cpu_s(backend_pid))
    main_s, workers_s, database_s = (
        after - before for after, before in zip(cpu_after, cpu_before, strict=True)
    )
    print(
        json.dumps(
            {
                "patients": patients,
                "writer": writer,
                "audit": audit,
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
                "cpu_s": {
                    "main": round(main_s, 1),
                    "workers": round(workers_s, 1),
                    "postgres_backend": round(database_s, 1),
                },
                "load_average": {
                    "before": [round(x, 2) for x in load_before],
                    "after": [round(x, 2) for x in os.getloadavg()],
                },
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
                   args.validate, "--audit", args.audit, "--writer", args.writer,
                   "--batch-size", str(args.batch_size)]  # fmt: skip
        if args.workers is not None:
            command += ["--workers", str(args.workers)]
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
    parser.add_argument("--audit", choices=("record", "patient"), default="patient")
    parser.add_argument("--writer", choices=("auto", "orm", "copy"), default="auto")
    parser.add_argument("--workers", type=int, default=None, help="COPY batch preparers (default: cores)")
    parser.add_argument(
        "--batch-size", type=int, default=0, help="patients per batch (default: the loader's)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.patients, args.validate, args.audit, args.writer, args.workers, args.batch_size)
        return
    backends = ("sqlite", "postgres") if args.backend == "both" else (args.backend,)
    print(f"load average before: {os.getloadavg()[0]:.2f} (the machine is shared; numbers may be noisy)")
    for backend in backends:
        print(json.dumps(run_backend(backend, args)))


if __name__ == "__main__":
    main()
