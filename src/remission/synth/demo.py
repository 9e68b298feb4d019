"""The demo registry behind ``remission demo``.

Until the calibrated synthetic registry exists this builds a clearly labelled *minimal* demo: two
demonstration centres with a few dozen example courses (``synth/course.py``) and one login per role.
Every centre is flagged ``is_demo`` and named "Demo …": nothing here is a real patient.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from remission.registry import services
from remission.registry.access import SYSTEM
from remission.registry.codes import Role
from remission.registry.models import Centre
from remission.synth.course import record_example_course

DEMO_PASSWORD = "remission-demo"
MINIMAL_PATIENTS_PER_CENTRE = 20


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    centre: str | None


DEMO_LOGINS = (
    DemoLogin("datamanager", Role.CENTRE_DATA_MANAGER, "demo-north"),
    DemoLogin("clinician", Role.CENTRE_CLINICIAN, "demo-south"),
    DemoLogin("viewer", Role.CENTRE_VIEWER, "demo-north"),
    DemoLogin("statistician", Role.REGISTRY_STATISTICIAN, None),
    DemoLogin("admin", Role.REGISTRY_ADMINISTRATOR, None),
)
DEMO_CENTRES = (
    ("demo-north", "Demo Centre North (synthetic)", "NL", 2004),
    ("demo-south", "Demo Centre South (synthetic)", "IT", 2011),
)


def demo_exists() -> bool:
    return Centre.objects.filter(is_demo=True).exists()


def build_demo(*, seed: int = 1, progress: Callable[[int], None] | None = None) -> int:
    """Create the demo centres, logins and patients; return the number of patients written."""
    centres = {
        code: services.centre_create(
            actor=SYSTEM,
            code=code,
            name=name,
            country=country,
            first_procedure_year=year,
            is_demo=True,
            reason="demo registry",
        )
        for code, name, country, year in DEMO_CENTRES
    }
    users = {}
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
        users[login.username] = user
    rng = random.Random(seed)
    written = 0
    for centre in centres.values():
        for i in range(MINIMAL_PATIENTS_PER_CENTRE):
            day0 = dt.date(2012, 1, 1) + dt.timedelta(days=rng.randint(0, 12 * 365))
            disease = "ssc" if i % 3 else "ms"
            record_example_course(
                actor=SYSTEM, centre=centre, rng=rng, day0=day0, disease=disease, dies=rng.random() < 0.08
            )
            written += 1
            if progress:
                progress(1)
    return written


def demo_patient_count() -> int:
    return MINIMAL_PATIENTS_PER_CENTRE * len(DEMO_CENTRES)
