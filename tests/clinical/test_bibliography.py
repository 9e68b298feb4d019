"""Every citation in the project names an entry of the bibliography, and every entry can be looked up.

The checks read the project's own files: the Python package, the docs, the README and the tests (tests
quote sources too). A citation is ``[@Key]`` or ``[@Key, where]``, the key an author and a year.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from remission.clinical import bibliography
from remission.clinical.bibliography import (
    AWAITING_IDENTIFIERS,
    BIBLIOGRAPHY,
    DOI,
    KEY,
    PMID,
    SOURCES,
    citations,
    render_markdown,
)

ROOT = Path(__file__).resolve().parents[2]
SOURCES_MD = ROOT / "docs" / "sources.md"


def _project_files() -> list[Path]:
    """The files git tracks or would track (so a new, uncommitted module is read too)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    suffixes = {".py", ".md", ".html", ".R", ".toml", ".txt", ".json", ".cfg"}
    return [ROOT / name for name in listed if Path(name).suffix in suffixes and (ROOT / name).is_file()]


def _cited() -> dict[str, list[str]]:
    """key -> the files that cite it (the generated docs/sources.md is not a citation)."""
    found: dict[str, list[str]] = {}
    for path in _project_files():
        if path in (SOURCES_MD, Path(__file__).resolve()):
            continue
        for key, _where in citations(path.read_text(encoding="utf-8")):
            found.setdefault(key, []).append(str(path.relative_to(ROOT)))
    return found


def test_citation_pattern_reads_key_and_locator() -> None:
    text = (
        "weights [@Sorror2005, Table 1] and age [@Sorror2014]; not citations: [@ x], [@Key, where], [see 2]"
    )
    assert list(citations(text)) == [("Sorror2005", "Table 1"), ("Sorror2014", "")]


def test_every_cited_key_is_in_the_bibliography() -> None:
    missing = {key: files for key, files in _cited().items() if key not in BIBLIOGRAPHY}
    assert not missing, f"cited but not in remission.clinical.bibliography: {missing}"


def test_every_entry_is_cited_somewhere() -> None:
    cited = _cited()
    unused = sorted(key for key in BIBLIOGRAPHY if key not in cited)
    assert not unused, f"bibliography entries cited nowhere: {unused}"


def test_keys_are_unique_and_of_the_citable_form() -> None:
    keys = [s.key for s in SOURCES + AWAITING_IDENTIFIERS]
    twice = [key for key, n in Counter(keys).items() if n > 1]
    assert not twice, f"keys listed more than once: {twice}"
    malformed = [key for key in keys if not re.fullmatch(KEY, key)]
    assert not malformed, f"keys not of the form author + year (+ letter): {malformed}"


# The sources whose DOI and PMID no reachable page showed (issue 19). The list may only shrink: a source
# whose identifiers are read moves to SOURCES, and a new source comes with its identifiers.
AWAITING_NOW = {
    "Burt2006",
    "Burt2011",
    "Hawkey2015",
    "Nash2007",
    "Pasquini2012",
    "Snowden2017",
    "vanLaar2014",
}


def test_sources_awaiting_identifiers_are_named_and_have_none() -> None:
    awaiting = {s.key for s in AWAITING_IDENTIFIERS}
    assert awaiting <= AWAITING_NOW, f"new sources without DOI or PMID: {sorted(awaiting - AWAITING_NOW)}"
    for entry in AWAITING_IDENTIFIERS:
        assert not entry.doi and not entry.pmid, f"{entry.key} has an identifier: move it to SOURCES"
        assert entry.note, f"{entry.key}: say where the reference was checked"


@pytest.mark.parametrize("entry", SOURCES, ids=lambda s: s.key)
def test_entry_has_a_doi_or_pmid_in_the_right_form(entry: bibliography.Source) -> None:
    assert entry.doi or entry.pmid, f"{entry.key}: neither DOI nor PMID"
    if entry.doi:
        assert DOI.match(entry.doi), f"{entry.key}: DOI {entry.doi!r} is not of the form 10.NNNN/…"
    if entry.pmid:
        assert PMID.match(entry.pmid), f"{entry.key}: PMID {entry.pmid!r} is not a number"
    assert entry.authors and entry.title and entry.container and 1800 < entry.year < 2100, entry.key


def test_unknown_key_is_refused_by_name() -> None:
    with pytest.raises(bibliography.UnknownSourceError, match="'Nobody1900'"):
        bibliography.source("Nobody1900")


def test_cited_sources_lists_each_entry_once_in_order_of_first_citation() -> None:
    first, second = SOURCES[0], SOURCES[1]
    text = f"a [@{second.key}, Table 2] b [@{first.key}] c [@{second.key}, p. 3]"
    assert bibliography.cited_sources(text, f"[@{first.key}]") == (second, first)


def test_cited_sources_refuses_an_unknown_key() -> None:
    with pytest.raises(bibliography.UnknownSourceError):
        bibliography.cited_sources("see [@Nobody1900, Table 9]")


def test_docs_sources_md_is_the_rendering_of_the_bibliography() -> None:
    assert SOURCES_MD.read_text(encoding="utf-8") == render_markdown(), (
        "docs/sources.md is stale: run python3 scripts/render_sources.py"
    )


def test_rendered_reference_carries_both_identifiers() -> None:
    entry = bibliography.Source("X2000", "Doe J.", "A title", "J Test", 2000, "1", "2-3", "10.1000/x", "123")
    assert entry.reference() == "Doe J. A title. J Test 2000;1:2-3. doi:10.1000/x; PMID 123."


# Files outside the project that earlier drafts pointed to; the project must stand on its own.
OUTSIDE = re.compile(
    r"clinical-content\.md|registry-anchors\.md|\.\./shared|ARCHITECTURE\.md|DATA-MODEL\.md|STYLE\.md"
)


def test_nothing_points_outside_the_project() -> None:
    here = Path(__file__).resolve()
    pointing = sorted(
        f"{path.relative_to(ROOT)}:{n}"
        for path in _project_files()
        if path != here
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if OUTSIDE.search(line)
    )
    assert not pointing, f"references to files outside the project: {pointing}"
