"""``remission synth``: write a large synthetic registry calibrated to published outcomes (bulk path).

remission synth --patients 100000 --seed 1 [--database-url postgres://…] [--validate all|sample|none]
                [--audit patient|record] [--writer auto|orm|copy] [--workers N]

The default audit is one row per patient describing the bulk load (see docs/synth.md); ``--audit record``
writes one per row, as the services do.
"""

from __future__ import annotations

import argparse

from tqdm import tqdm

from remission.cli._django import database_label
from remission.cli.migrate import migrate_database
from remission.settings.startup import start_django


def run(args: argparse.Namespace) -> int:
    start_django(database_url=args.database_url or None)
    from django.db import connection

    from remission.synth import bulk
    from remission.synth.hazards import calibrated

    migrate_database()
    print(f"Database: {database_label()}")
    writer = (
        args.writer if args.writer != "auto" else ("copy" if connection.vendor == "postgresql" else "orm")
    )
    calibrated()  # solve the hazards once, before the progress bar starts
    with tqdm(total=args.patients, unit="patient", desc="Writing synthetic registry") as bar:
        result = bulk.bulk_load(
            seed=args.seed,
            count=args.patients,
            start=args.start,
            batch_size=args.batch_size,
            validate=args.validate,
            audit=args.audit,
            writer=writer,
            workers=args.workers,
            id_prefix=args.id_prefix,
            progress=bar.update,
        )
    rate = result.patients / result.seconds if result.seconds else float("inf")
    print(
        f"Wrote {result.patients} patients ({result.rows} rows, {result.audit_rows} audit rows) in "
        f"{result.seconds:.1f} s — {rate:.0f} patients/s; {result.validated_patients} patients checked "
        "against the registry's rules."
    )
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "synth", help="write a synthetic registry calibrated to published outcomes (bulk, batched)"
    )
    parser.add_argument("--patients", type=int, default=1000, help="number of patients (default 1000)")
    parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same registry")
    parser.add_argument("--start", type=int, default=0, help="index of the first patient (to resume)")
    parser.add_argument("--database-url", default="", help="database to write to (default: DATABASE_URL)")
    parser.add_argument("--batch-size", type=int, default=500, help="patients per transaction")
    parser.add_argument(
        "--validate",
        choices=("all", "sample", "none"),
        default="all",
        help="check every record against the registry's rules (all), a sample of patients, or none",
    )
    parser.add_argument(
        "--audit",
        choices=("patient", "record"),
        default="patient",
        help="one audit row per patient listing what was created (default), or one per record written",
    )
    parser.add_argument(
        "--writer",
        choices=("auto", "orm", "copy"),
        default="auto",
        help="bulk_create (orm) or PostgreSQL COPY (copy); auto = copy on PostgreSQL, else orm",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="processes preparing COPY batches while one writes (default: one per core, at most 2; 0: none)",
    )
    parser.add_argument("--id-prefix", default=None, help="registry-id prefix (default S<seed>-)")
    parser.set_defaults(func=run)
