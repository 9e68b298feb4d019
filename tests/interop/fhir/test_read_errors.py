"""Malformed bundles give the named error (file, resource, element, rule) and import nothing; arbitrary
JSON and mutated bundles give that error and never another exception (Hypothesis)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from remission.interop.fhir import read
from remission.interop.fhir.bundle import bundle_bytes
from remission.interop.fhir.export import bundle_of
from remission.interop.importing import import_rows
from remission.interop.rows import ReadError, RowProblem
from remission.registry.access import SYSTEM as OPERATOR
from remission.registry.models import Patient
from tests.registry.conftest import World

FILE = "R0000TEST.json"


def _bundle(world: World) -> dict[str, Any]:
    return bundle_of(user=OPERATOR, patient=world.patient_a)


def _resource(bundle: dict[str, Any], id_prefix: str, index: int = 0) -> dict[str, Any]:
    found = [e["resource"] for e in bundle["entry"] if e["resource"]["id"].startswith(id_prefix)]
    return found[index]


def _problems(bundle: Any, tmp_path: Path) -> tuple[RowProblem, ...]:
    """Read the bundle as a file, import what was read: the problems, and nothing written."""
    patients = Patient.objects.count()
    (tmp_path / FILE).write_bytes(bundle_bytes(bundle) if isinstance(bundle, dict) else bundle)
    with pytest.raises(ReadError) as caught:
        import_rows(read.read_folder(tmp_path), system=read.SYSTEM, actor=OPERATOR, commit=True)
    assert Patient.objects.count() == patients
    return caught.value.problems


def test_a_wrong_resource_type_at_the_root(world: World, tmp_path: Path) -> None:
    bundle = _bundle(world)
    bundle["resourceType"] = "Observation"
    (problem,) = _problems(bundle, tmp_path)
    assert (problem.source, problem.row, problem.column, problem.rule) == (
        FILE,
        "Bundle",
        "resourceType",
        "resource_type",
    )
    assert problem.message == read.NOT_A_BUNDLE.format(found="Observation")


def test_a_resource_of_the_wrong_type_for_its_profile(world: World, tmp_path: Path) -> None:
    bundle = _bundle(world)
    lab = _resource(bundle, "lab-result")
    bundle["entry"].append(
        {"resource": {"resourceType": "Basic", "id": "odd", "meta": lab["meta"], "code": {"text": "x"}}}
    )
    (problem,) = _problems(bundle, tmp_path)
    assert (problem.row, problem.column, problem.rule) == ("Basic/odd", "resourceType", "resource_type")
    assert "is for Observation, not Basic" in problem.message


def test_a_resource_without_a_remission_profile(world: World, tmp_path: Path) -> None:
    bundle = _bundle(world)
    del _resource(bundle, "infusion")["meta"]["profile"]
    (problem,) = _problems(bundle, tmp_path)
    assert problem.rule == "known_profile"
    assert problem.column == "meta.profile"


def test_a_missing_subject(world: World, tmp_path: Path) -> None:
    bundle = _bundle(world)
    lab = _resource(bundle, "lab-result")
    del lab["subject"]
    (problem,) = _problems(bundle, tmp_path)
    assert (problem.row, problem.column, problem.rule) == (
        f"Observation/{lab['id']}",
        "subject.reference",
        "subject",
    )
    assert problem.message == read.NO_SUBJECT.format(element="subject.reference")


def test_another_patients_subject(world: World, tmp_path: Path) -> None:
    bundle = _bundle(world)
    _resource(bundle, "diagnosis")["subject"] = {"reference": "Patient/RSOMEONE"}
    (problem,) = _problems(bundle, tmp_path)
    assert problem.rule == "subject"
    assert problem.message == read.WRONG_SUBJECT.format(
        found="Patient/RSOMEONE", registry_id=world.patient_a.registry_id
    )


def test_an_unknown_code(world: World, tmp_path: Path) -> None:
    bundle = _bundle(world)
    lab = _resource(bundle, "lab-result")
    lab["code"]["coding"][0]["code"] = "cd99"
    (problem,) = _problems(bundle, tmp_path)
    assert (problem.row, problem.column, problem.rule) == (
        f"Observation/{lab['id']}",
        "code.coding.code",
        "known_code",
    )
    assert problem.message.startswith("'cd99' is not a code of analyte; known codes: cd19, cd3, cd4")


def test_a_bad_date(world: World, tmp_path: Path) -> None:
    bundle = _bundle(world)
    follow_up = _resource(bundle, "follow-up")
    follow_up["effectiveDateTime"] = "2022-06"  # a valid FHIR dateTime, but not the day a visit needs
    (problem,) = _problems(bundle, tmp_path)
    assert (problem.row, problem.column, problem.rule) == (
        f"Observation/{follow_up['id']}",
        "effectiveDateTime",
        "date",
    )
    assert problem.message == "'2022-06' is not a date (YYYY-MM-DD)"


def test_a_date_fhir_itself_refuses(world: World, tmp_path: Path) -> None:
    bundle = _bundle(world)
    follow_up = _resource(bundle, "follow-up")
    follow_up["effectiveDateTime"] = "14/03/2022"
    (problem,) = _problems(bundle, tmp_path)
    assert (problem.row, problem.rule) == (f"Observation/{follow_up['id']}", "fhir_r4")
    assert "effectiveDateTime" in problem.message


def test_a_unit_that_is_not_a_unit_of_the_analyte(world: World, tmp_path: Path) -> None:
    bundle = _bundle(world)
    lab = next(
        r
        for r in (e["resource"] for e in bundle["entry"])
        if r["id"].startswith("lab-result") and r["code"]["coding"][0]["code"] == "cd4"
    )
    lab["valueQuantity"]["unit"] = "mg"
    (problem,) = _problems(bundle, tmp_path)
    assert (problem.source, problem.row, problem.column, problem.rule) == (
        FILE,
        f"Observation/{lab['id']}",
        "valueQuantity.unit",
        "known_unit",
    )
    assert problem.message == read.UNKNOWN_UNIT.format(unit="mg", analyte="cd4", known="10^9/L, cells/uL")
    assert str(problem) == (
        f"{FILE} / Observation/{lab['id']} / valueQuantity.unit / known_unit: "
        "'mg' is not a unit for cd4; known units: 10^9/L, cells/uL"
    )


def test_a_resource_twice(world: World, tmp_path: Path) -> None:
    bundle = _bundle(world)
    lab = _resource(bundle, "lab-result")
    bundle["entry"].append({"resource": copy.deepcopy(lab)})
    (problem,) = _problems(bundle, tmp_path)
    name = f"Observation/{lab['id']}"
    assert (problem.row, problem.column, problem.rule) == (name, "id", "duplicate_id")
    assert problem.message == read.DUPLICATE_ID.format(name=name)


def test_a_patient_without_an_id(world: World, tmp_path: Path) -> None:
    bundle = _bundle(world)
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    del patient["id"]
    problems = _problems(bundle, tmp_path)
    assert [(p.row, p.column, p.rule) for p in problems] == [("Patient/None", "id", "required")]


def test_every_problem_of_every_file_is_reported(world: World, tmp_path: Path) -> None:
    bundle = _bundle(world)
    _resource(bundle, "lab-result")["code"]["coding"][0]["code"] = "cd99"
    infusion = _resource(bundle, "infusion")
    del infusion["subject"]
    (tmp_path / "second.json").write_text("[]", encoding="utf-8")
    problems = _problems(bundle, tmp_path)
    assert sorted((p.source, p.rule) for p in problems) == [
        (FILE, "fhir_r4"),  # Procedure.subject is required by FHIR R4 itself
        (FILE, "known_code"),
        ("second.json", "resource_type"),
    ]
    infusion_problem = next(p for p in problems if p.rule == "fhir_r4")
    assert infusion_problem.row == f"Procedure/{infusion['id']}"
    assert "subject" in infusion_problem.message


def test_not_json_and_an_empty_folder(tmp_path: Path, db: None) -> None:
    (problem,) = _problems(b"{not json", tmp_path)
    assert (problem.source, problem.rule) == (FILE, "json")
    with pytest.raises(ReadError) as caught:
        read.read_folder(tmp_path / "nothing-here")
    assert caught.value.problems[0].rule == "no_files"


# --- fuzzing ---------------------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
KEYS = st.sampled_from(
    [
        "resourceType",
        "type",
        "entry",
        "resource",
        "id",
        "meta",
        "profile",
        "subject",
        "code",
        "coding",
        "system",
        "extension",
        "url",
        "valueQuantity",
        "unit",
        "value",
        "component",
        "effectiveDateTime",
        "security",
    ]
)


def _read_only_named_error(text: str | bytes) -> None:
    try:
        rows = read.read_bundle(FILE, text)
    except ReadError as exc:
        assert exc.problems and all(isinstance(p, RowProblem) for p in exc.problems)
    else:
        assert isinstance(rows, list)


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_arbitrary_json_gives_only_the_named_error(value: Any) -> None:
    _read_only_named_error(json.dumps(value))


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(KEYS, JSON, max_size=5))
def test_arbitrary_bundle_like_objects_give_only_the_named_error(value: dict[str, Any]) -> None:
    _read_only_named_error(json.dumps({"resourceType": "Bundle", "type": "collection", **value}))


def _mutate(node: Any, data: st.DataObject) -> Any:
    """Replace, delete or descend into one randomly chosen element of ``node``."""
    if isinstance(node, dict) and node:
        key = data.draw(st.sampled_from(sorted(node)))
        action = data.draw(st.sampled_from(["replace", "delete", "descend"]))
        if action == "replace":
            node[key] = data.draw(JSON)
        elif action == "delete":
            del node[key]
        else:
            node[key] = _mutate(node[key], data)
        return node
    if isinstance(node, list) and node:
        index = data.draw(st.integers(0, len(node) - 1))
        node[index] = _mutate(node[index], data) if data.draw(st.booleans()) else data.draw(JSON)
        return node
    return data.draw(JSON)


def test_mutated_bundles_give_only_the_named_error(world: World) -> None:
    valid = _bundle(world)

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.data())
    def mutated(data: st.DataObject) -> None:
        bundle = copy.deepcopy(valid)
        for _ in range(data.draw(st.integers(1, 3))):
            bundle = _mutate(bundle, data)
        _read_only_named_error(json.dumps(bundle))

    mutated()


def test_a_row_the_engine_refuses_is_reported_at_its_fhir_element(world: World, tmp_path: Path) -> None:
    bundle = _bundle(world)
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    patient["meta"]["security"][0]["code"] = "gamma"  # no such centre in this registry
    (tmp_path / FILE).write_bytes(bundle_bytes(bundle))
    result = import_rows(read.read_folder(tmp_path), system=read.SYSTEM, actor=OPERATOR, commit=True)
    assert not result.committed
    (problem,) = result.problems
    assert (problem.source, problem.row, problem.column) == (
        FILE,
        f"Patient/{patient['id']}",
        "meta.security",
    )
