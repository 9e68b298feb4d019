"""The house's layers (docs/architecture.md): a package imports only its own floor and the floors below,
and a face (web, api, cli) never imports another face — except the departures the document names."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "remission"
FLOOR = {
    "clinical": 0, "survival": 0,
    "registry": 1, "interop": 1, "synth": 1,
    "analysis": 2,
    "reports": 3, "federated": 3,  # federated: vantage6 algorithms over analysis, beside reports
    "web": 4, "api": 4, "cli": 4,
}  # fmt: skip
FACES = {"web", "api", "cli"}
# (importing package, imported package): the places docs/architecture.md lists under "Where the house
# departs from the plan". A new departure fails here until it is fixed or written down there.
DEPARTURES: set[tuple[str, str]] = set()
IMPORT = re.compile(r"^\s*(?:from|import)\s+remission\.([a-z_]+)", re.M)


def _imports() -> set[tuple[str, str]]:
    found = set()
    for path in PACKAGE.rglob("*.py"):
        own = path.relative_to(PACKAGE).parts[0]
        if own not in FLOOR:
            continue
        for other in IMPORT.findall(path.read_text(encoding="utf-8")):
            if other in FLOOR and other != own:
                found.add((own, other))
    return found


def test_every_import_goes_down_or_is_a_named_departure() -> None:
    wrong = {
        (a, b)
        for a, b in _imports()
        if (FLOOR[b] > FLOOR[a] or (a in FACES and b in FACES)) and (a, b) not in DEPARTURES
    }
    assert not wrong, f"imports against the layers, not named in docs/architecture.md: {sorted(wrong)}"


def test_each_named_departure_still_exists_and_is_written_down() -> None:
    doc = (PACKAGE.parents[1] / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = doc.split("## Where the house departs from the plan", 1)[1]
    bullets = ["- " + b for b in section.split("\n- ")[1:]]
    imports = _imports()
    for a, b in DEPARTURES:
        assert (a, b) in imports, f"{a} no longer imports {b}: remove it from DEPARTURES and the document"
        assert any(f"`{a}/" in bullet and f"`{b}/" in bullet for bullet in bullets), f"{a} → {b} not listed"


def test_reports_take_only_result_types_from_the_statistics_engine() -> None:
    # reports lay out and render what the analysis computed (docs/reports.md): from remission.survival
    # they may name a result's type (KaplanMeierResult, …), never call an estimator
    import ast

    called = []
    for path in (PACKAGE / "reports").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("remission.survival"):
                called += [f"{path.name}: {a.name}" for a in node.names if not a.name[:1].isupper()]
            elif isinstance(node, ast.Import):
                called += [
                    f"{path.name}: {a.name}" for a in node.names if a.name.startswith("remission.survival")
                ]
    assert not called, f"reports call the statistics engine (compute it in remission.analysis): {called}"
