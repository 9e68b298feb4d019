"""``remission compare``: the emulated target trial from the command line, read-only.

The analysis set is the comparison reference data (tests/reference/comparison/data_comparison.csv); the
hazard ratios printed must be R's (expected_effects.csv, protocol "ate_stabilised", the default).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from remission.analysis.dataset import AnalysisSet
from remission.cli import main
from tests.registry.table_contents import django_rows

pytestmark = pytest.mark.django_db

HERE = Path(__file__).resolve().parent.parent / "reference" / "comparison"


@pytest.fixture
def reference_set(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Django is set up by pytest-django; ``load_analysis_set`` gives the reference data."""
    frame = pd.read_csv(HERE / "data_comparison.csv", keep_default_na=False, na_values=["NA", "nan", ""])
    asked: list[Any] = []

    def load(**kwargs: Any) -> AnalysisSet:
        asked.append(kwargs)
        return AnalysisSet(frame=frame, findings=pd.DataFrame(), excluded=(), cutoff=None)

    monkeypatch.setattr("remission.cli.compare.start_django", lambda settings=None: None)
    monkeypatch.setattr("remission.analysis.dataset.load_analysis_set", load)
    return asked


def _expected(endpoint: str) -> str:
    r = pd.read_csv(HERE / "expected_effects.csv")
    row = r[(r["protocol"] == "ate_stabilised") & (r["endpoint"] == endpoint)].iloc[0]
    # the command prints two decimals: R's values rounded here, by hand
    return f"HR {row.hazard_ratio:.2f} ({row.lower:.2f}–{row.upper:.2f})"


def test_compare_prints_rs_hazard_ratios_and_writes_the_document(
    reference_set: list[Any], tmp_path: Path, capsys: Any
) -> None:
    before = django_rows()
    out = tmp_path / "cy-vs-beam.html"
    code = main(
        [
            "compare",
            "--disease",
            "ms",
            "--treatment",
            "cy200_ratg",
            "--comparator",
            "beam_atg",
            "--out",
            str(out),
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0
    assert f"OS (weighted Cox): {_expected('OS')}" in printed
    assert f"PFS (weighted Cox): {_expected('PFS')}" in printed
    html = out.read_text(encoding="utf-8")
    for part in ("Eligibility", "Treatment strategies", "Time zero", "Causal contrast"):
        assert part in html
    order = [html.index(text) for text in ("Eligibility", "Covariate balance before and after", "Effect of")]
    assert order == sorted(order)  # the protocol, then the balance, then the effects
    assert django_rows() == before  # a command that reads writes nothing


def test_compare_pdf_and_matching(reference_set: list[Any], tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "matched.pdf"
    code = main(
        [
            "compare", "--disease", "ms", "--treatment", "cy200_ratg", "--comparator", "beam_atg",
            "--method", "matching", "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 0
    assert out.read_bytes().startswith(b"%PDF")
    assert "caliper" in capsys.readouterr().out


def test_compare_refuses_a_level_not_in_the_cohort(
    reference_set: list[Any], tmp_path: Path, capsys: Any
) -> None:
    out = tmp_path / "x.html"
    code = main(["compare", "--treatment", "cy200_ratg", "--comparator", "bu_cy", "--out", str(out)])
    assert code == 2
    assert "'bu_cy' is not in the cohort" in capsys.readouterr().err
    assert not out.exists()


def test_bad_options_are_refused(tmp_path: Path, capsys: Any) -> None:
    with pytest.raises(SystemExit):
        main(["compare", "--treatment", "a", "--comparator", "b", "--out", str(tmp_path / "x.docx")])
    with pytest.raises(SystemExit):
        main(["compare", "--treatment", "a", "--comparator", "b", "--trim", "0.9,0.1", "--out", "x.html"])
    assert "--trim is 'crump' or two numbers" in capsys.readouterr().err


def test_compare_writes_the_document_in_the_language_asked(reference_set: list[Any], tmp_path: Path) -> None:
    out = tmp_path / "comparaison.html"
    code = main(
        [
            "compare", "--disease", "ms", "--treatment", "cy200_ratg", "--comparator", "beam_atg",
            "--language", "fr", "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 0
    html = out.read_text(encoding="utf-8")
    assert '<html lang="fr"' in html and "Survie globale" in html and "Overall survival" not in html
    assert (
        main(["compare", "--treatment", "a", "--comparator", "b", "--language", "nl", "--out", str(out)]) == 2
    )
