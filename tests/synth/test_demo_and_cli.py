"""The demo registry and the ``remission synth`` command."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from remission.cli import build_parser
from remission.registry.models import Centre, Membership, Patient
from remission.synth import demo

pytestmark = pytest.mark.django_db


def test_synth_command_is_registered_with_its_options() -> None:
    args = build_parser().parse_args(["synth", "--patients", "100000", "--seed", "1", "--validate", "sample"])
    assert (args.patients, args.seed, args.validate, args.audit) == (100000, 1, "sample", "patient")
    assert args.workers is None
    args = build_parser().parse_args(["synth", "--audit", "record", "--workers", "0"])
    assert (args.audit, args.workers) == ("record", 0)


@pytest.mark.slow
def test_demo_builds_about_1500_patients_in_20_demo_centres_with_a_login_per_role() -> None:
    written = demo.build_demo(seed=1)
    assert written == demo.DEMO_PATIENTS == Patient.objects.filter(registry_id__startswith="DEMO-").count()
    centres = Centre.objects.all()
    assert centres.count() == 20 and all(c.is_demo and "(synthetic)" in c.name for c in centres)
    assert demo.demo_exists()
    users = get_user_model().objects.filter(username__in=[login.username for login in demo.DEMO_LOGINS])
    assert users.count() == len(demo.DEMO_LOGINS)
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == {login.role for login in demo.DEMO_LOGINS}
    assert Patient.objects.values("centre").distinct().count() == 20
