"""The registry's command-line: createcentre, createuser, check, and the demo build."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from remission.cli import main
from remission.registry.models import AuditRecord, Centre, Membership, OutcomeEvent
from remission.synth.course import record_example_course


@pytest.fixture
def quiet_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    """Django is already set up by pytest-django; the commands must use that (test) database."""
    for module in ("accounts", "check", "demo", "migrate"):
        monkeypatch.setattr(f"remission.cli.{module}.start_django", lambda settings=None: None)


def test_createcentre_and_createuser(db: None, quiet_setup: None, capsys: Any) -> None:
    assert (
        main(["createcentre", "leiden", "Leiden University MC", "--country", "nl", "--ebmt-cic", "204"]) == 0
    )
    centre = Centre.objects.get(code="leiden")
    assert (centre.country, centre.ebmt_cic) == ("NL", "204")
    code = main(
        [
            "createuser",
            "marta",
            "--role",
            "centre_data_manager",
            "--centre",
            "leiden",
            "--password",
            "a-long-pass-phrase",
        ]
    )
    assert code == 0
    membership = Membership.objects.get(user__username="marta")
    assert (membership.role, membership.centre) == ("centre_data_manager", centre)
    assert AuditRecord.objects.filter(entity="registry.centre", reason="command line").count() == 1
    assert "Created user marta (centre_data_manager at leiden)" in capsys.readouterr().out


def test_createcentre_reports_a_bad_country(db: None, quiet_setup: None, capsys: Any) -> None:
    assert main(["createcentre", "x", "X", "--country", "Netherlands"]) == 2
    assert "country" in capsys.readouterr().out
    assert not Centre.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "centre_viewer"], "needs --centre"),
        (["--role", "registry_statistician", "--centre", "leiden"], "is registry-wide"),
        (["--role", "centre_viewer", "--centre", "nowhere"], "no centre with code"),
    ],
)
def test_createuser_refusals(db: None, quiet_setup: None, capsys: Any, args: list[str], message: str) -> None:
    main(["createcentre", "leiden", "Leiden", "--country", "NL"])
    assert main(["createuser", "bob", "--password", "a-long-pass-phrase", *args]) == 2
    assert message in capsys.readouterr().out


def test_createuser_refuses_a_weak_password(db: None, quiet_setup: None, capsys: Any) -> None:
    main(["createcentre", "leiden", "Leiden", "--country", "NL"])
    assert (
        main(["createuser", "bob", "--role", "centre_viewer", "--centre", "leiden", "--password", "short"])
        == 2
    )
    assert "password" in capsys.readouterr().out


def test_check_is_clean_on_valid_data_and_reports_a_contradiction(
    db: None, quiet_setup: None, capsys: Any
) -> None:
    import random

    from remission.registry.access import SYSTEM
    from remission.registry.services import centre_create

    centre = centre_create(actor=SYSTEM, code="c", name="C", country="NL")
    course = record_example_course(
        actor=SYSTEM, centre=centre, rng=random.Random(3), day0=dt.date(2020, 5, 1)
    )
    assert main(["check", "--quiet"]) == 0
    assert "0 finding(s) in 1 patients" in capsys.readouterr().out
    # A death written around the services (as an old import might have) before the last follow-up.
    OutcomeEvent.objects.create(
        patient=course.patient, event_type="death", date=dt.date(2020, 6, 1), cause_of_death="unknown"
    )
    assert main(["check", "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "date_not_after_death" in out and "alive_not_after_death" in out


def test_check_finds_the_impossible_history_of_issue_22(db: None, quiet_setup: None, capsys: Any) -> None:
    """Written around the services (as an old import might have): a collection before its mobilisation,
    a follow-up saying dead before the infusion, and an alive follow-up after it."""
    import random

    from remission.registry.access import SYSTEM
    from remission.registry.models import CellProduct, FollowUp, Mobilisation
    from remission.registry.services import centre_create

    centre = centre_create(actor=SYSTEM, code="c", name="C", country="NL")
    course = record_example_course(
        actor=SYSTEM, centre=centre, rng=random.Random(3), day0=dt.date(2020, 5, 1)
    )
    mobilisation = Mobilisation.objects.get(patient=course.patient)
    CellProduct.objects.filter(mobilisation=mobilisation).update(
        collection_date=mobilisation.date - dt.timedelta(days=8)
    )
    FollowUp.objects.create(
        patient=course.patient, date=dt.date(2020, 4, 20), vital_status="dead", disease_status="unknown"
    )
    assert main(["check", "--quiet"]) == 1
    out = capsys.readouterr().out
    for rule in ("mobilisation_before_collection", "date_not_after_dead_follow_up", "alive_not_after_death"):
        assert f"[{rule}]" in out


def test_demo_builds_once(db: None, quiet_setup: None, capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("remission.cli.demo.migrate_database", lambda: 0.0)
    assert main(["demo", "--no-serve"]) == 0
    first = capsys.readouterr().out
    assert "Demo logins" in first and "statistician" in first
    centres = Centre.objects.count()
    assert centres > 0 and Centre.objects.filter(is_demo=False).count() == 0
    assert main(["demo", "--no-serve"]) == 0
    assert "already built" in capsys.readouterr().out
    assert Centre.objects.count() == centres
