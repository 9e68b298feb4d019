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
def test_demo_builds_about_5000_patients_in_20_demo_centres_with_a_login_per_role() -> None:
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


def test_the_demo_fits_its_models_through_model_fit_once(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """``remission demo`` takes the road of ``remission model fit --brief`` (as the operator, the demo's
    resamples and seed) when no model set is stored, and not when one is; a failed fit is said."""
    from remission.cli import demo as demo_command

    calls = []
    monkeypatch.setattr("remission.analysis.prediction.stored.current_model_set", lambda user=None: None)
    monkeypatch.setattr(demo_command.model, "fit", lambda args: calls.append(vars(args)) or 2)
    demo_command.fit_models(seed=3)
    assert calls == [
        {"as_user": None, "bootstrap": demo_command.DEMO_BOOTSTRAP, "seed": 3, "json": False, "brief": True}
    ]
    assert demo_command.NO_MODELS in capsys.readouterr().out
    monkeypatch.setattr("remission.analysis.prediction.stored.current_model_set", lambda user=None: object())
    demo_command.fit_models(seed=3)
    assert len(calls) == 1


def test_a_demo_too_small_to_fit_still_finishes_and_says_why(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from remission.analysis.prediction.stored import current_model_set
    from remission.cli import demo as demo_command

    monkeypatch.setattr("remission.synth.demo.DEMO_PATIENTS", 40)
    demo.build_demo(seed=2)
    demo_command.fit_models(seed=2)
    captured = capsys.readouterr()
    assert "remission model fit: the models cannot be fitted:" in captured.err
    # 40 patients over several diseases: none reaches the 30 complete cases a disease needs
    assert "no complete-case patients of a disease with at least 30 patients" in captured.err
    assert demo_command.NO_MODELS in captured.out
    assert current_model_set() is None
