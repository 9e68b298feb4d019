"""A small two-centre registry for the registry tests, built through the services."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from remission.registry import services
from remission.registry.access import SYSTEM
from remission.registry.codes import Role
from remission.registry.models import Centre, Infusion, Patient
from remission.synth.course import record_example_course

PASSWORD = "correct horse battery staple"


def make_user(username: str) -> Any:
    return get_user_model().objects.create_user(username=username, password=PASSWORD)


def grant(user: Any, role: str, centre: Centre | None, **dates: dt.date) -> None:
    services.membership_grant(actor=SYSTEM, user=user, role=role, centre=centre, **dates)


@dataclass
class World:
    centre_a: Centre
    centre_b: Centre
    patient_a: Patient
    patient_b: Patient
    infusion_a: Infusion
    infusion_b: Infusion
    users: dict[str, Any]


def build_world() -> World:
    """Two centres, one example course each, and one user per role (plus an outsider and a former member)."""
    centre_a = services.centre_create(
        actor=SYSTEM, code="alpha", name="Alpha Hospital", country="NL", ebmt_cic="701"
    )
    centre_b = services.centre_create(
        actor=SYSTEM, code="beta", name="Beta Klinikum", country="DE", cibmtr_ccn="10234"
    )
    names = ("dm_a", "clin_a", "viewer_a", "dm_b", "stat", "admin", "nobody", "former_a")
    users = {name: make_user(name) for name in names}
    grant(users["dm_a"], Role.CENTRE_DATA_MANAGER, centre_a)
    grant(users["clin_a"], Role.CENTRE_CLINICIAN, centre_a)
    grant(users["viewer_a"], Role.CENTRE_VIEWER, centre_a)
    grant(users["dm_b"], Role.CENTRE_DATA_MANAGER, centre_b)
    grant(users["stat"], Role.REGISTRY_STATISTICIAN, None)
    grant(users["admin"], Role.REGISTRY_ADMINISTRATOR, None)
    grant(
        users["former_a"],
        Role.CENTRE_DATA_MANAGER,
        centre_a,
        valid_from=dt.date(2020, 1, 1),
        valid_to=dt.date(2021, 1, 1),
    )
    rng = random.Random(7)
    course_a = record_example_course(actor=users["dm_a"], centre=centre_a, rng=rng, day0=dt.date(2022, 3, 14))
    course_b = record_example_course(actor=users["dm_b"], centre=centre_b, rng=rng, day0=dt.date(2021, 9, 1))
    for course, user in ((course_a, users["dm_a"]), (course_b, users["dm_b"])):
        services.hospital_identifier_add(
            actor=user, patient=course.patient, system="MRN", value=f"H-{course.patient.pk}"
        )
    return World(
        centre_a=centre_a,
        centre_b=centre_b,
        patient_a=course_a.patient,
        patient_b=course_b.patient,
        infusion_a=course_a.infusion,
        infusion_b=course_b.infusion,
        users=users,
    )


def reload(world: World) -> World:
    """Fresh copies of the world's objects, so that one test's in-memory changes never reach the next."""
    return World(
        centre_a=Centre.objects.get(pk=world.centre_a.pk),
        centre_b=Centre.objects.get(pk=world.centre_b.pk),
        patient_a=Patient.objects.get(pk=world.patient_a.pk),
        patient_b=Patient.objects.get(pk=world.patient_b.pk),
        infusion_a=Infusion.objects.get(pk=world.infusion_a.pk),
        infusion_b=Infusion.objects.get(pk=world.infusion_b.pk),
        users={name: get_user_model().objects.get(pk=user.pk) for name, user in world.users.items()},
    )


@pytest.fixture(scope="module")
def stored_world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """Built once per test module; each test runs in a transaction that is rolled back afterwards, and
    the tables are emptied when the module is done, so that no other test module sees this world."""
    with django_db_blocker.unblock():
        world = build_world()
    yield world
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def world(stored_world: World, db: None) -> World:
    return reload(stored_world)
