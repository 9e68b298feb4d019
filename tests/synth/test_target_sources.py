"""Every calibration target says where it comes from (issue 19): a published series cites its source by
key and the place read; a stratum target is quoted, chosen between two cited values, or an assumption."""

from __future__ import annotations

import pytest

from remission.clinical.bibliography import BIBLIOGRAPHY, citations
from remission.synth.targets import PUBLISHED, STRATA, Published, StratumTarget


@pytest.mark.parametrize("series", PUBLISHED, ids=lambda p: p.key)
def test_a_published_series_cites_its_source_and_where_it_was_read(series: Published) -> None:
    cited = list(citations(series.citation))
    assert cited, f"{series.key}: no [@Key] in {series.citation!r}"
    assert all(key in BIBLIOGRAPHY for key, _ in cited)
    if series.mark == "✔":
        assert all(where for _, where in cited), f"{series.key}: ✔ without the place it was read"


@pytest.mark.parametrize("target", STRATA.values(), ids=lambda t: t.key)
def test_a_stratum_target_is_cited_or_called_an_assumption(target: StratumTarget) -> None:
    cited = [key for key, _ in citations(target.source)]
    assert cited or "◐" in target.source, f"{target.key}: neither a citation nor ◐"
    assert all(key in BIBLIOGRAPHY for key in cited)
    if "between" in target.source:
        # chosen between published values: both ends are cited
        assert len(cited) >= 2, f"{target.key}: 'between' with fewer than two citations"
