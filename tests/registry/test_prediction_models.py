"""Stored prediction models: the round trip, the audit row, who may fit, append-only, the model card.

The model set is fitted on the prediction reference data (tests/reference/prediction/data_prediction.csv)
whose coefficients R's ``coxph``/``crr`` reproduce (tests/analysis/prediction/test_reference.py).
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import math
from typing import Any

import pandas as pd
import pytest

from remission.analysis.prediction import ModelSet, PredictionSettings, fit_prediction_models
from remission.analysis.prediction.model import model_version
from remission.analysis.prediction.stored import current_model_set, model_card, model_set_get, store_model_set
from remission.registry import services
from remission.registry.access import SYSTEM
from remission.registry.audit_chain import verify_chain
from remission.registry.codes import AuditAction, Role
from remission.registry.errors import NotFound, PermissionDenied
from remission.registry.models import AuditRecord, PredictionModelSet
from remission.registry.models.prediction import APPEND_ONLY
from remission.registry.selectors.prediction_models import NO_MODEL, model_set_versions, model_validation
from remission.registry.services.prediction_models import ModelSetExists
from tests.analysis.prediction.conftest import CUTOFF, DATA, EXPECTED
from tests.registry.conftest import grant, make_user

pytestmark = pytest.mark.django_db

Z95 = 1.959963984540054  # the 0.975 quantile of the standard normal (R: qnorm(0.975))
N_FITTED = 835  # rows R fits (tests/reference/prediction/expected_predictions.csv, "n", "fitted")


@pytest.fixture(autouse=True)
def no_parsed_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test reads the stored JSON again (the selector keeps parsed model sets by version)."""
    monkeypatch.setattr("remission.analysis.prediction.stored._PARSED", {})


@pytest.fixture(scope="module")
def model_set() -> ModelSet:
    if not DATA.exists():
        pytest.skip(f"{DATA.name} absent: run tests/reference/prediction/make_dataset.py")
    return fit_prediction_models(pd.read_csv(DATA), cutoff=CUTOFF)


@pytest.fixture(scope="module")
def r_coefficients() -> dict[tuple[str, str], float]:
    """R's coefficients by (endpoint, design column)."""
    with EXPECTED.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {
        (r["what"].removeprefix("coef_"), r["key"]): float(r["value"])
        for r in rows
        if r["what"].startswith("coef_")
    }


@pytest.fixture
def users() -> dict[str, Any]:
    centre = services.centre_create(actor=SYSTEM, code="alpha", name="Alpha Hospital", country="NL")
    roles = {
        "stat": (Role.REGISTRY_STATISTICIAN, None),
        "admin": (Role.REGISTRY_ADMINISTRATOR, None),
        "coordinator": (Role.REGISTRY_DATA_COORDINATOR, None),
        "dm": (Role.CENTRE_DATA_MANAGER, centre),
        "clin": (Role.CENTRE_CLINICIAN, centre),
    }
    out = {}
    for name, (role, where) in roles.items():
        out[name] = make_user(name)
        grant(out[name], role, where)
    out["nobody"] = make_user("nobody")
    return out


def test_store_and_read_back_the_same_model_set(model_set: ModelSet, users: dict[str, Any]) -> None:
    assert current_model_set() is None
    row = store_model_set(model_set, by=users["stat"])
    row = PredictionModelSet.objects.get(pk=row.pk)
    assert row.version == model_set.version
    assert row.data_cutoff == CUTOFF
    assert row.created_by == users["stat"]
    assert row.settings == model_set.settings.to_dict()
    assert row.validation is None
    assert ModelSet.from_dict(row.content) == model_set  # the JSON read back from the database
    back = current_model_set(user=users["clin"])  # every signed-in user reads it
    assert back == model_set
    assert model_version(back.content()) == model_set.version  # the content hashes to its version again
    assert model_set_get(model_set.version) == model_set
    assert [v["version"] for v in model_set_versions()] == [model_set.version]


def test_the_store_leaves_one_audit_row(model_set: ModelSet, users: dict[str, Any]) -> None:
    row = store_model_set(model_set, by=users["admin"])
    audit = AuditRecord.objects.get(action=AuditAction.MODEL_FIT)
    assert (audit.actor_id, audit.entity, audit.record_id) == (
        users["admin"].pk,
        "registry.predictionmodelset",
        row.pk,
    )
    assert audit.centre_id is None and audit.patient_id is None and audit.before is None
    after = audit.after
    assert after["version"] == model_set.version
    assert after["data_cutoff"] == "2025-06-30"
    assert after["n"] == N_FITTED
    assert after["validated"] is False
    assert {e: m["parameters"] for e, m in after["models"].items()} == {"OS": 13, "PFS": 13, "NRM": 13}
    assert {e: m["events"] for e, m in after["models"].items()} == {
        m.endpoint: m.events for m in model_set.models
    }
    canonical = json.dumps(model_set.to_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert after["content_sha256"] == hashlib.sha256(canonical.encode()).hexdigest()
    assert verify_chain().ok


def test_the_operator_is_audited_as_the_command_line(model_set: ModelSet, users: dict[str, Any]) -> None:
    row = store_model_set(model_set, by=SYSTEM)
    assert row.created_by is None
    audit = AuditRecord.objects.get(action=AuditAction.MODEL_FIT)
    assert (audit.actor_id, audit.reason) == (None, "command line")
    assert model_card()["stored"]["created_by"] == "the operator (command line)"


@pytest.mark.parametrize(
    ("who", "role_words"),
    [
        ("dm", "centre data manager"),
        ("clin", "centre clinician"),
        ("coordinator", "registry data coordinator"),
        ("nobody", "none"),
    ],
)
def test_only_registry_statisticians_and_administrators_may_fit(
    model_set: ModelSet, users: dict[str, Any], who: str, role_words: str
) -> None:
    with pytest.raises(PermissionDenied) as refused:
        store_model_set(model_set, by=users[who])
    message = str(refused.value)
    assert "only a registry statistician or a registry administrator" in message
    assert f"(your role: {role_words})" in message
    assert not PredictionModelSet.objects.exists()
    assert not AuditRecord.objects.filter(action=AuditAction.MODEL_FIT).exists()


def test_the_same_fit_is_stored_once_and_a_new_fit_is_a_new_version(
    model_set: ModelSet, users: dict[str, Any]
) -> None:
    first = store_model_set(model_set, by=users["stat"])
    with pytest.raises(ModelSetExists) as again:
        store_model_set(model_set, by=users["admin"])
    assert again.value.row.pk == first.pk
    assert "is already stored" in str(again.value) and "by stat" in str(again.value)
    assert PredictionModelSet.objects.count() == 1
    assert AuditRecord.objects.filter(action=AuditAction.MODEL_FIT).count() == 1
    refit = fit_prediction_models(
        pd.read_csv(DATA), PredictionSettings(knot_quantiles=(0.05, 0.5, 0.95)), cutoff=CUTOFF
    )
    assert refit.version != model_set.version
    store_model_set(refit, by=users["stat"])
    assert current_model_set() == refit  # the latest is the current one
    assert model_set_get(model_set.version) == model_set  # and the earlier stays
    assert [v["version"] for v in model_set_versions()] == [refit.version, model_set.version]


def test_a_stored_row_is_never_changed_or_deleted(model_set: ModelSet, users: dict[str, Any]) -> None:
    row = store_model_set(model_set, by=users["stat"])
    row.validation = {"edited": True}
    with pytest.raises(ValueError, match=APPEND_ONLY):
        row.save()
    with pytest.raises(ValueError, match=APPEND_ONLY):
        row.delete()
    assert PredictionModelSet.objects.get(pk=row.pk).validation is None


def test_a_version_that_is_not_its_content_is_refused(model_set: ModelSet, users: dict[str, Any]) -> None:
    forged = dataclasses.replace(model_set, n=model_set.n + 1)
    with pytest.raises(ValueError, match="is not that of its content"):
        store_model_set(forged, by=users["stat"])
    assert not PredictionModelSet.objects.exists()


def test_the_validation_is_stored_with_not_finite_numbers_as_null(
    model_set: ModelSet, users: dict[str, Any]
) -> None:
    validation = {"model_version": model_set.version, "auc": {"NRM": [0.71, math.nan]}, "brier": math.inf}
    store_model_set(model_set, by=users["stat"], validation=validation)
    card = model_card(model_set.version)
    assert card["validation"] == {
        "model_version": model_set.version,
        "auc": {"NRM": [0.71, None]},
        "brier": None,
    }
    assert AuditRecord.objects.get(action=AuditAction.MODEL_FIT).after["validated"] is True


def test_a_validation_of_another_model_is_refused(model_set: ModelSet, users: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="the validation is of model pm-other"):
        store_model_set(model_set, by=users["stat"], validation={"model_version": "pm-other"})


def test_nothing_stored_is_named(users: dict[str, Any]) -> None:
    assert current_model_set(user=users["clin"]) is None
    with pytest.raises(NotFound, match=NO_MODEL.replace("`", ".")):
        model_card()
    with pytest.raises(NotFound, match="no prediction model set of version 'pm-x'"):
        model_card("pm-x")


def test_the_model_card_numbers(
    model_set: ModelSet, users: dict[str, Any], r_coefficients: dict[tuple[str, str], float]
) -> None:
    store_model_set(model_set, by=users["stat"])
    card = model_card(user=users["dm"])
    assert card["version"] == model_set.version and card["data_cutoff"] == "2025-06-30"
    assert card["n"] == N_FITTED
    assert card["stored"]["created_by"] == "stat"
    for m in card["models"]:
        fitted = model_set.model(m["endpoint"])
        assert m["parameters"] == 13
        assert m["events"] == fitted.events
        assert m["events_per_parameter"] == pytest.approx(fitted.events / 13, rel=1e-12)
        for i, c in enumerate(m["coefficients"]):
            want = r_coefficients[(m["endpoint"], c["term"])]
            assert c["coef"] == pytest.approx(want, abs=1e-6)  # R's coefficient
            assert c["hazard_ratio"] == pytest.approx(math.exp(want), rel=1e-5)
            se = math.sqrt(fitted.covariance[i][i])
            assert c["se"] == pytest.approx(se, rel=1e-12)
            assert c["lower"] == pytest.approx(math.exp(c["coef"] - Z95 * se), rel=1e-12)
            assert c["upper"] == pytest.approx(math.exp(c["coef"] + Z95 * se), rel=1e-12)
            assert c["p"] == pytest.approx(math.erfc(abs(c["coef"] / se) / math.sqrt(2)), rel=1e-9)
    predictors = {p["name"]: p for p in card["predictors"]}
    ages = pd.read_csv(EXPECTED)
    knots = [float(v) for v in ages[ages["what"] == "knot"]["value"]]
    assert predictors["age"]["knots"] == pytest.approx(knots, abs=1e-12)  # R's quantile(type 7)
    assert predictors["age"]["range"] == list(model_set.design.age_range)
    assert predictors["hct_ci"]["range"] == list(model_set.design.hct_ci_range)
    assert predictors["performance"]["levels"][0] == predictors["performance"]["reference"]
    assert json.loads(json.dumps(card)) == card  # JSON-ready


def test_the_current_model_is_read_with_one_small_query(
    model_set: ModelSet, users: dict[str, Any], django_assert_num_queries: Any
) -> None:
    store_model_set(model_set, by=users["stat"], validation={"model_version": model_set.version, "x": 1})
    assert current_model_set() == model_set
    with django_assert_num_queries(1) as queries:
        assert current_model_set() == model_set
    assert '"content"' not in queries.captured_queries[0]["sql"]  # the version only, not the models
    assert model_validation(model_set.version) == {"model_version": model_set.version, "x": 1}
    with pytest.raises(NotFound, match="of version 'pm-x'"):
        model_validation("pm-x")
