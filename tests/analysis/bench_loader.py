"""Time loading + deriving N patients on PostgreSQL (not a test; run by hand).

    python3 tests/analysis/bench_loader.py [N] [postgres://postgres@127.0.0.1:5432]

Creates (or reuses) the database ``remission_bench_analysis`` on that server, fills it with N synthetic
patients by ``bulk_create`` (no services: speed, not realism), then times ``load_courses`` +
``derive_endpoints`` and ``load_analysis_set``.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
SERVER = sys.argv[2] if len(sys.argv) > 2 else "postgres://postgres@127.0.0.1:5432"
NAME = "remission_bench_analysis"


def ensure_database() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (NAME,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{NAME}"')


def fill(n: int) -> None:
    from django.core.management import call_command

    from remission.registry import models as m
    from tests.audit_support import append_only_lifted

    call_command("migrate", verbosity=0)
    if m.Patient.objects.count() >= n:
        return
    with append_only_lifted():  # the audit table refuses DELETE (tests/audit_support.py)
        for model in (
            m.AuditRecord,
            m.LabResult,
            m.AdverseEvent,
            m.Assessment,
            m.FollowUp,
            m.OutcomeEvent,
            m.Engraftment,
            m.Infusion,
            m.CellProduct,
            m.Diagnosis,
            m.Patient,
            m.Centre,
        ):
            model.objects.all().delete()
    rng = random.Random(1)
    centres = m.Centre.objects.bulk_create(
        [
            m.Centre(code=f"c{i}", name=f"Centre {i}", country=rng.choice(["NL", "DE", "FR", "IT", "GB"]))
            for i in range(200)
        ]
    )
    diseases = ["ms", "ssc", "sle", "ra", "crohn", "cidp"]
    chunk = 10_000
    for start in range(0, n, chunk):
        size = min(chunk, n - start)
        patients = m.Patient.objects.bulk_create(
            [
                m.Patient(
                    registry_id=f"B{start + i:07d}",
                    centre=rng.choice(centres),
                    sex=rng.choice(["female", "male"]),
                    birth_year=rng.randint(1950, 2000),
                    birth_month=rng.randint(1, 12),
                    consent_status="not_asked",
                )
                for i in range(size)
            ]
        )
        day0s = [dt.date(1995, 1, 1) + dt.timedelta(days=rng.randint(0, 10_000)) for _ in patients]
        m.Diagnosis.objects.bulk_create(
            [
                m.Diagnosis(
                    patient=p, disease=rng.choice(diseases), diagnosis_date=d0 - dt.timedelta(days=900)
                )
                for p, d0 in zip(patients, day0s, strict=True)
            ]
        )
        products = m.CellProduct.objects.bulk_create(
            [m.CellProduct(patient=p, product_type="auto_hsc", source="pb") for p in patients]
        )
        infusions = m.Infusion.objects.bulk_create(
            [
                m.Infusion(patient=p, product=pr, date=d0, sequence=1)
                for p, pr, d0 in zip(patients, products, day0s, strict=True)
            ]
        )
        m.Engraftment.objects.bulk_create(
            [
                m.Engraftment(
                    patient=p,
                    infusion=inf,
                    neutrophil_date=d0 + dt.timedelta(days=10),
                    platelet_date=d0 + dt.timedelta(days=14),
                )
                for p, inf, d0 in zip(patients, infusions, day0s, strict=True)
            ]
        )
        follow_ups, outcomes, assessments, labs, aes = [], [], [], [], []
        for p, d0 in zip(patients, day0s, strict=True):
            horizon = rng.randint(100, 3000)
            for k in range(5):
                follow_ups.append(
                    m.FollowUp(
                        patient=p,
                        date=d0 + dt.timedelta(days=horizon * (k + 1) // 5),
                        vital_status="alive",
                        disease_status="stable",
                    )
                )
            if rng.random() < 0.3:
                outcomes.append(
                    m.OutcomeEvent(patient=p, event_type="relapse", date=d0 + dt.timedelta(days=horizon // 2))
                )
            if rng.random() < 0.1:
                outcomes.append(
                    m.OutcomeEvent(
                        patient=p,
                        event_type="death",
                        date=d0 + dt.timedelta(days=horizon),
                        cause_of_death=rng.choice(["disease", "trm_infection", "unrelated"]),
                    )
                )
            for k, offset in enumerate((-30, 180, 365, 730)):
                assessments.append(
                    m.Assessment(
                        patient=p,
                        date=d0 + dt.timedelta(days=offset),
                        instrument="edss",
                        score=3.0 + 0.5 * (k % 2),
                    )
                )
            for offset in (90, 180, 365):
                labs.append(
                    m.LabResult(
                        patient=p,
                        date=d0 + dt.timedelta(days=offset),
                        analyte="cd4",
                        value=300,
                        unit="cells/uL",
                    )
                )
            aes.append(
                m.AdverseEvent(
                    patient=p,
                    term="febrile neutropenia",
                    category="infection",
                    grade=3,
                    onset_date=d0 + dt.timedelta(days=5),
                )
            )
        m.FollowUp.objects.bulk_create(follow_ups)
        m.OutcomeEvent.objects.bulk_create(outcomes)
        m.Assessment.objects.bulk_create(assessments)
        m.LabResult.objects.bulk_create(labs)
        m.AdverseEvent.objects.bulk_create(aes)
        print(f"  filled {start + size}", flush=True)


def main() -> None:
    ensure_database()
    os.environ["DATABASE_URL"] = f"{SERVER}/{NAME}"
    from remission.settings.startup import start_django

    start_django()
    fill(N)
    from remission.analysis import derive_endpoints, load_analysis_set
    from remission.analysis.loader import load_courses
    from remission.registry.access import SYSTEM

    t0, c0 = time.perf_counter(), time.process_time()
    extract = load_courses(user=SYSTEM)
    t1, c1 = time.perf_counter(), time.process_time()
    result = derive_endpoints(extract.courses)
    t2, c2 = time.perf_counter(), time.process_time()
    analysis = load_analysis_set()
    t3, c3 = time.perf_counter(), time.process_time()
    print(
        f"CPU of this process: load {c1 - c0:.2f} s, derive {c2 - c1:.2f} s, "
        f"load_analysis_set {c3 - c2:.2f} s"
    )
    print(
        f"patients {len(extract.courses)}: load {t1 - t0:.2f} s, derive {t2 - t1:.2f} s "
        f"({len(result.rows)} rows, {len(result.findings)} findings); load_analysis_set {t3 - t2:.2f} s "
        f"({len(analysis.frame)} rows)"
    )


if __name__ == "__main__":
    main()
