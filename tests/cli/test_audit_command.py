"""``remission audit verify`` and ``remission audit anchor``: messages and exit codes."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from remission.cli import main
from remission.registry.access import SYSTEM
from remission.registry.codes import AuditAction
from remission.registry.models import AuditAnchor, AuditRecord
from remission.registry.services.audit import audit_write
from tests.audit_support import append_only_lifted


@pytest.fixture
def quiet_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    """Django is already set up by pytest-django; the commands must use that (test) database."""
    monkeypatch.setattr("remission.cli.audit.start_django", lambda settings=None: None)


@pytest.fixture
def trail(db: None) -> list[AuditRecord]:
    for i in range(6):
        audit_write(
            actor=SYSTEM,
            action=AuditAction.EXPORT,
            record=None,
            centre_id=None,
            patient_id=None,
            before=None,
            after={"i": i},
            entity="test.entity",
        )
    return list(AuditRecord.objects.order_by("sequence"))


def test_verify_an_intact_chain(trail: list[AuditRecord], quiet_setup: None, capsys: Any) -> None:
    assert main(["audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert (
        f"audit chain intact: 6 rows, 0 anchor(s) checked, head sequence 6, hash {trail[-1].row_hash}" in out
    )


def test_verify_names_the_first_broken_row(trail: list[AuditRecord], quiet_setup: None, capsys: Any) -> None:
    with append_only_lifted(), connection.cursor() as cursor:
        cursor.execute("UPDATE registry_auditrecord SET entity = 'x' WHERE id = %s", [trail[2].pk])
    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert f"audit chain BROKEN after 2 good rows (first broken row: id {trail[2].pk})" in out
    assert "content hash differs" in out


def test_anchor_prints_and_stores_the_head(trail: list[AuditRecord], quiet_setup: None, capsys: Any) -> None:
    assert main(["audit", "anchor", "--note", "mailed to the DPO"]) == 0
    anchor = AuditAnchor.objects.get()
    assert (anchor.sequence, anchor.row_hash, anchor.note) == (6, trail[-1].row_hash, "mailed to the DPO")
    out = capsys.readouterr().out
    assert f"anchor {anchor.pk}: " in out and f"sequence 6 head hash {trail[-1].row_hash}" in out
    assert AuditRecord.objects.order_by("sequence").last().action == AuditAction.ANCHOR
    assert main(["audit", "verify"]) == 0
    assert "7 rows, 1 anchor(s) checked" in capsys.readouterr().out


def test_a_broken_chain_is_not_anchored(trail: list[AuditRecord], quiet_setup: None, capsys: Any) -> None:
    with append_only_lifted(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM registry_auditrecord WHERE id = %s", [trail[0].pk])
    assert main(["audit", "anchor"]) == 1
    assert "not anchored: the chain must verify first" in capsys.readouterr().out
    assert not AuditAnchor.objects.exists()


def test_anchor_as_an_unknown_account(trail: list[AuditRecord], quiet_setup: None, capsys: Any) -> None:
    assert main(["audit", "anchor", "--as", "nobody"]) == 2
    assert "no active account named 'nobody'" in capsys.readouterr().out
    assert not AuditAnchor.objects.exists()
