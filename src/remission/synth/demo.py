"""The demo registry behind ``remission demo``: about 5,000 synthetic patients in 20 synthetic centres.

5,000 so that the prediction models can be fitted on it: with seed 1, built on 2026-12-04, the
non-relapse mortality model has 185 events for 26 design columns (7.1 per column; fitting needs 5),
where 1,500 patients gave 42 for 18.

The patients come from the calibrated generator (:mod:`remission.synth.generate`) as a registry in use
holds them on the day the demo is built (:mod:`remission.synth.present`: dated up to that day, forms
entered with a lag, some follow-up overdue, a few patients in work-up, a few errors in data imported
before the rules existed), through the bulk path (:mod:`remission.synth.bulk`, every record checked
against the registry's rules except the planted errors, one audit row per record); the centres and the
logins go through the services. Every centre is flagged ``is_demo`` and named "… (synthetic)"; registry
ids start with ``DEMO-``: nothing here is a real patient.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from remission.registry import services
from remission.registry.access import SYSTEM
from remission.registry.codes import Role, Severity
from remission.registry.models import Centre, Patient
from remission.registry.services import queries
from remission.registry.services.quality_run import quality_run
from remission.registry.validation import patient_findings
from remission.synth.bulk import bulk_load, ensure_centres
from remission.synth.demo_password import DEMO_PASSWORD

DEMO_PATIENTS = 5000
DEMO_ID_PREFIX = "DEMO-"
DEMO_BATCH = 250


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    centre: str | None


DEMO_LOGINS = (
    DemoLogin("datamanager", Role.CENTRE_DATA_MANAGER, "syn-leiden"),
    DemoLogin("clinician", Role.CENTRE_CLINICIAN, "syn-genoa"),
    DemoLogin("viewer", Role.CENTRE_VIEWER, "syn-leiden"),
    DemoLogin("statistician", Role.REGISTRY_STATISTICIAN, None),
    DemoLogin("coordinator", Role.REGISTRY_DATA_COORDINATOR, None),
    DemoLogin("admin", Role.REGISTRY_ADMINISTRATOR, None),
)


def demo_exists() -> bool:
    return Centre.objects.filter(is_demo=True).exists()


def build_demo(
    *, seed: int = 1, progress: Callable[[int], None] | None = None, today: dt.date | None = None
) -> int:
    """Create the demo centres, logins and patients as of ``today`` (default: the current date); return
    the number of patients written."""
    today = today or dt.date.today()
    centre_ids = ensure_centres(is_demo=True, reason="demo registry")
    centres = {c.code: c for c in Centre.objects.filter(pk__in=centre_ids.values())}
    for login in DEMO_LOGINS:
        user = services.user_create(
            actor=SYSTEM, username=login.username, password=DEMO_PASSWORD, reason="demo"
        )
        services.membership_grant(
            actor=SYSTEM,
            user=user,
            role=login.role,
            centre=centres.get(login.centre or ""),
            valid_from=dt.date(2000, 1, 1),
        )
    result = bulk_load(
        seed=seed,
        count=DEMO_PATIENTS,
        batch_size=DEMO_BATCH,
        validate="all",
        audit="record",
        id_prefix=DEMO_ID_PREFIX,
        is_demo=True,
        progress=progress,
        as_of=today,
    )
    open_demo_queries(today=today)
    return result.patients


# The demo's data-quality work: the forms due and the rule queries of a nightly run, and the registry data
# coordinator's own queries on the planted legacy errors of the two demo centres with logins, a few of
# them answered by the centre and one closed, so that every step of a query's life is on show.
DEMO_PERSON_QUERIES = 8
DEMO_ANSWERED = 3
DEMO_ANSWER = "Checked against the source document: corrected in the record."


def open_demo_queries(*, today: dt.date) -> None:
    users = {
        u.username: u for u in get_user_model().objects.filter(username__in=["coordinator", "datamanager"])
    }
    coordinator, manager = users["coordinator"], users["datamanager"]
    quality_run(actor=SYSTEM, today=today)
    raised = []
    for patient in Patient.objects.filter(centre__code__in=["syn-leiden", "syn-genoa"]).order_by(
        "registry_id"
    ):
        finding = next((f for f in patient_findings(patient, today=today) if f.record_id is not None), None)
        if finding is None:
            continue
        record = patient if finding.entity == "patient" else None
        entity = None if record is not None else f"registry.{finding.entity.lower()}"
        raised.append(
            queries.query_raise(
                actor=coordinator,
                record=record,
                entity=entity,
                record_id=None if record is not None else finding.record_id,
                field=finding.problem.field,
                text=f"Please check: {finding.problem.message}",
                severity=Severity.ERROR,
            )
        )
        if len(raised) == DEMO_PERSON_QUERIES:
            break
    leiden = [q for q in raised if q.centre.code == "syn-leiden"]
    for query in leiden[:DEMO_ANSWERED]:
        queries.query_answer(actor=manager, query=query, text=DEMO_ANSWER)
    if leiden:
        queries.query_close(actor=coordinator, query=leiden[0], text="Thank you.")


def demo_patient_count() -> int:
    return DEMO_PATIENTS
