"""The demo registry behind ``remission demo``: about 1,500 synthetic patients in 20 synthetic centres.

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

from remission.registry import services
from remission.registry.access import SYSTEM
from remission.registry.codes import Role
from remission.registry.models import Centre
from remission.synth.bulk import bulk_load, ensure_centres
from remission.synth.demo_password import DEMO_PASSWORD

DEMO_PATIENTS = 1500
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
    # Data-quality queries do not exist yet. When they do, the demo opens its open queries here: one for
    # each finding on a planted legacy error (``patient_findings``; each planted record says what is wrong
    # with it in ``Rec.defect``) and one for each overdue follow-up form (``present.overdue_visit``).
    return result.patients


def demo_patient_count() -> int:
    return DEMO_PATIENTS
