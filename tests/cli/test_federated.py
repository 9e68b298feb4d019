"""``remission federated demo``: three synthetic registries, pooled and federated estimates side by side.

In the test process Django already runs (pytest-django's test database), so the command builds the three
registries there; the fresh-process path (a temporary embedded SQLite registry, as after a fresh clone) is
run once as a subprocess.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from remission.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _check_side_by_side(out: str) -> None:
    assert "pooled" in out and "federated" in out and "min cell 5" in out
    for title in ("Kaplan-Meier", "Aalen-Johansen", "Log-rank", "Gray's test", "Table 1", "Cox", "Fine-Gray"):
        assert title in out
    # the printed estimates agree, column for column, with exact rules
    exact = out.split("1. Exact rules", 1)[1].split("2. Default rules", 1)[0]
    rows = re.findall(r"^  (S\(\d+ y\)|HR \w+)\s+(\S+)\s+(\S+)$", exact, re.M)
    assert len(rows) >= 5
    assert all(pooled == federated for _, pooled, federated in rows)
    largest = re.search(r"Largest \|pooled − federated\| over all analyses: (\S+) \(≤ 1e-9: (\w+)\)", out)
    assert largest is not None and largest.group(2) == "yes"
    assert float(largest.group(1)) <= 1e-9
    assert "Coarsening moved the main estimates by at most: KM S(t)" in out


@pytest.mark.slow
def test_the_demo_prints_pooled_and_federated_side_by_side(
    db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["federated", "demo", "--patients", "60"]) == 0
    captured = capsys.readouterr()
    _check_side_by_side(captured.out)
    assert "Building registry C" in captured.err
    assert re.search(r"registry B: seed 202, 60 patients written, \d+ analysed \(neurological", captured.out)


@pytest.mark.slow
def test_the_demo_runs_in_a_fresh_process_on_a_temporary_registry(tmp_path: Path) -> None:
    environ = {**os.environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/never-touched"}
    environ.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "-m", "remission", "federated", "demo", "--patients", "40"],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    _check_side_by_side(done.stdout)
    assert "Temporary registry:" in done.stderr
    assert list(tmp_path.iterdir()) == []  # nothing left behind in the working folder


def test_too_few_patients_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["federated", "demo", "--patients", "5"])
    assert "--patients must be a whole number >= 20, not '5'" in capsys.readouterr().err
