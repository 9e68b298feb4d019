"""Registry write path: time to migrate a new database, and to write patients through the services.

    python3 benchmarks/registry.py [--patients 10000] [--backend sqlite|postgres|both]

Each backend runs in its own process on a brand-new database (an SQLite file in a temporary folder;
PostgreSQL database ``remission_bench`` on ``REMISSION_BENCH_POSTGRES`` or the local server, dropped
and created afresh). Every patient gets 20 records (``synth/course.py``), each written by a service:
validated, centre-checked, in a transaction and audited — the same path a data manager's form takes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time

POSTGRES_SERVER = os.environ.get("REMISSION_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")


def child(patients: int) -> None:
    """Runs inside the benchmark process for one backend; prints one JSON line."""
    import datetime as dt

    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "remission.settings.base"
    django.setup()
    from django.core.management import call_command
    from tqdm import tqdm

    from remission.registry import services
    from remission.registry.access import SYSTEM
    from remission.registry.models import AuditRecord
    from remission.synth.course import record_example_course

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    migrate_seconds = time.perf_counter() - started

    centre = services.centre_create(actor=SYSTEM, code="bench", name="Benchmark Centre", country="NL")
    rng = random.Random(1)
    records = 0
    started = time.perf_counter()
    for _ in tqdm(range(patients), unit="patient", file=sys.stderr, mininterval=2):
        day0 = dt.date(2010, 1, 1) + dt.timedelta(days=rng.randint(0, 13 * 365))
        records += record_example_course(actor=SYSTEM, centre=centre, rng=rng, day0=day0).records + 1
    write_seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "migrate_s": migrate_seconds,
                "patients": patients,
                "records": records,
                "audit_rows": AuditRecord.objects.count(),
                "write_s": write_seconds,
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def run_backend(backend: str, patients: int) -> dict:
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        if backend == "sqlite":
            env["DATABASE_URL"] = ""
            env["REMISSION_DATA_DIR"] = tmp
        else:
            import psycopg

            with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as conn:
                conn.execute("DROP DATABASE IF EXISTS remission_bench")
                conn.execute("CREATE DATABASE remission_bench")
            env["DATABASE_URL"] = f"{POSTGRES_SERVER}/remission_bench"
        out = subprocess.run(
            [sys.executable, __file__, "--child", "--patients", str(patients)],
            env=env,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["backend"] = backend
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.patients)
        return
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    rows = [run_backend(b, args.patients) for b in backends]
    columns = ("backend", "migrate s", "patients", "records", "write s", "records/s", "ms/record", "peak MB")
    print("\n" + " ".join(f"{c:>10}" for c in columns))
    for r in rows:
        cells = (
            r["backend"],
            f"{r['migrate_s']:.2f}",
            r["patients"],
            r["records"],
            f"{r['write_s']:.1f}",
            f"{r['records'] / r['write_s']:.0f}",
            f"{1000 * r['write_s'] / r['records']:.2f}",
            f"{r['peak_mb']:.0f}",
        )
        print(" ".join(f"{c:>10}" for c in cells))


if __name__ == "__main__":
    main()
