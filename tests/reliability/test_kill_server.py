"""``remission serve`` killed with SIGKILL while API clients write: afterwards the database passes its own
integrity check, every stored row has its audit row and every audit row its row (no record half-written),
every write the server acknowledged is still there, and ``remission check`` finds nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.serving import build_registry, environment, kill_while_writing, remission, verify

TRIALS = 2


def _kill_trials(folder: Path, env: dict[str, str]) -> None:
    token, centre = build_registry(folder, env, patients=50)
    before = verify(folder, env)
    for trial in range(TRIALS):
        result = kill_while_writing(env, token, centre, writers=4, writes_before_kill=20, seed=trial + 1)
        assert result.acknowledged_writes >= 20
        assert result.server_errors == []
        assert result.lost == []
    after = verify(folder, env)
    assert after["integrity"] == []
    assert after["unaudited"] == {} and after["orphan_audit"] == {}
    assert after["patients"] > before["patients"]
    check = remission(env, "check", "--quiet", check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.splitlines()[-1].startswith("0 finding(s)")


def test_server_killed_mid_write_on_sqlite(tmp_path: Path) -> None:
    env = environment(tmp_path)
    _kill_trials(tmp_path, env)


@pytest.mark.postgres
@pytest.mark.django_db
def test_server_killed_mid_write_on_postgres(tmp_path: Path, scratch_postgres: str) -> None:
    env = environment(tmp_path, scratch_postgres)
    _kill_trials(tmp_path, env)
