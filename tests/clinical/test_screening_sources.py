"""A screening report names every source its criteria, HCT-CI, regimen and doses cite, each once."""

from __future__ import annotations

import json
from pathlib import Path

from remission.clinical.bibliography import BIBLIOGRAPHY, citations
from remission.clinical.candidate import check_and_screen
from remission.clinical.screening import ScreeningReport

ROOT = Path(__file__).resolve().parents[2]


def _report() -> ScreeningReport:
    candidate = json.loads((ROOT / "docs/examples/candidate-ssc.json").read_text(encoding="utf-8"))
    report, problems = check_and_screen(candidate)
    assert report is not None and not problems
    return report


def test_every_key_cited_by_a_criterion_or_the_hct_ci_is_listed_once() -> None:
    report = _report()
    listed = [s.key for s in report.sources]
    assert len(listed) == len(set(listed))
    cited_by_criteria = {
        key for c in report.eligibility.to_dict()["criteria"] for key, _ in citations(c["source"])
    }
    assert cited_by_criteria, "the SSc criteria cite no source"
    assert cited_by_criteria | {"Sorror2005"} <= set(listed)
    assert all(key in BIBLIOGRAPHY for key in listed)


def test_the_text_ends_with_the_full_references() -> None:
    text = _report().to_text()
    tail = text[text.index("Sources (docs/sources.md):") :]
    assert "[@Sorror2005] Sorror ML, Maris MB, Storb R, et al." in tail and "PMID 15994282" in tail
