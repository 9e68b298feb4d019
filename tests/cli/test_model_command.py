"""``remission model fit`` and ``remission model show``: store a versioned model set, print its card.

The fit runs on the prediction reference data (tests/reference/prediction/data_prediction.csv) given to
the command as its analysis set; R's coefficients on the same data (expected_predictions.csv) are what the
card must print.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pytest

from remission.analysis.dataset import AnalysisSet
from remission.analysis.prediction import ModelSet, fit_prediction_models
from remission.analysis.prediction.stored import current_model_set, model_card, store_model_set
from remission.cli import main
from remission.cli.model import _validator
from remission.registry import services
from remission.registry.access import SYSTEM
from remission.registry.codes import AuditAction, Role
from remission.registry.models import AuditRecord, PredictionModelSet
from tests.analysis.prediction.conftest import CUTOFF, DATA, EXPECTED
from tests.registry.conftest import grant, make_user
from tests.registry.table_contents import checksums, django_rows

pytestmark = pytest.mark.django_db

Z95 = 1.959963984540054  # R: qnorm(0.975)


@pytest.fixture
def quiet_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    """Django is already set up by pytest-django; the command must use that (test) database."""
    monkeypatch.setattr("remission.cli.model.start_django", lambda settings=None: None)


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    if not DATA.exists():
        pytest.skip(f"{DATA.name} absent: run tests/reference/prediction/make_dataset.py")
    return pd.read_csv(DATA)


@pytest.fixture(autouse=True)
def no_parsed_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test reads the stored JSON again (the selector keeps parsed model sets by version)."""
    monkeypatch.setattr("remission.analysis.prediction.stored._PARSED", {})


@pytest.fixture(scope="module")
def model_set(data: pd.DataFrame) -> ModelSet:
    return fit_prediction_models(data, cutoff=CUTOFF)


@pytest.fixture
def reference_set(monkeypatch: pytest.MonkeyPatch, data: pd.DataFrame) -> list[Any]:
    """``load_analysis_set`` gives the reference data; the users it was asked for are kept."""
    asked: list[Any] = []

    def load(**kwargs: Any) -> AnalysisSet:
        asked.append(kwargs.get("user"))
        return AnalysisSet(frame=data, findings=pd.DataFrame(), excluded=(), cutoff=CUTOFF)

    monkeypatch.setattr("remission.analysis.dataset.load_analysis_set", load)
    return asked


@dataclass(frozen=True)
class FakeValidation:
    model_version: str
    bootstrap: int
    seed: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"model_version": self.model_version, "bootstrap": self.bootstrap, "seed": self.seed}


def r_coefficients() -> dict[tuple[str, str], float]:
    with EXPECTED.open(newline="") as handle:
        return {
            (r["what"].removeprefix("coef_"), r["key"]): float(r["value"])
            for r in csv.DictReader(handle)
            if r["what"].startswith("coef_")
        }


def test_show_prints_the_card_numbers(quiet_setup: None, model_set: ModelSet, capsys: Any) -> None:
    store_model_set(model_set, by=SYSTEM)
    before = django_rows()
    assert main(["model", "show"]) == 0
    out = capsys.readouterr().out
    assert f"Prediction model set {model_set.version}\n" in out
    assert "  data cut-off: 2025-06-30\n" in out
    assert "  patients: 835 " in out  # R: the rows coxph fits
    assert "stored " in out and "by the operator (command line)" in out
    r = r_coefficients()
    for fitted in model_set.models:
        events = fitted.events
        assert f"events {events}," in out
        assert f"events per parameter {events / 13:.1f}" in out
        for i, term in enumerate(fitted.columns):
            coef = r[(fitted.endpoint, term)]
            se = math.sqrt(fitted.covariance[i][i])
            hr = f"{math.exp(coef):.3f}"
            ci = f"{math.exp(coef - Z95 * se):.3f}–{math.exp(coef + Z95 * se):.3f}"
            line = next(
                line
                for line in out.splitlines()[out.splitlines().index(f"{fitted.endpoint}: {fitted.method}") :]
                if line.split()[:1] == [term]
            )
            assert line.split()[3:5] == [hr, ci], line
    assert "age          age at day 0 (years), restricted cubic spline: range " in out
    assert "knots 22.46, 41.88, 61.56" in out  # R's quantile(age, c(.1, .5, .9)) in the fitted rows
    assert "Validation: none stored" in out
    after = django_rows()
    assert [t for t in before if checksums(before)[t] != checksums(after)[t]] == []  # read only


def test_show_json_and_a_named_version(quiet_setup: None, model_set: ModelSet, capsys: Any) -> None:
    store_model_set(model_set, by=SYSTEM)
    assert main(["model", "show", model_set.version, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == model_card(model_set.version)
    assert main(["model", "show", "pm-nowhere"]) == 2
    assert "no prediction model set of version 'pm-nowhere' is stored" in capsys.readouterr().err


def test_show_with_nothing_stored(quiet_setup: None, capsys: Any) -> None:
    assert main(["model", "show"]) == 2
    assert "no prediction model set is stored: fit one with `remission model fit`" in capsys.readouterr().err
    assert main(["model"]) == 2  # no action: the help
    assert "fit" in capsys.readouterr().out


def test_fit_validates_stores_and_prints_the_card(
    quiet_setup: None,
    reference_set: list[Any],
    model_set: ModelSet,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
) -> None:
    calls: list[tuple[Any, ...]] = []

    def validate(frame: pd.DataFrame, fitted: ModelSet, settings: Any, **options: Any) -> FakeValidation:
        calls.append((len(frame), fitted.version, options))
        return FakeValidation(fitted.version, options["bootstrap"], options.get("seed"))

    monkeypatch.setattr("remission.cli.model._validator", lambda: validate)
    centre = services.centre_create(actor=SYSTEM, code="alpha", name="Alpha", country="NL")
    stat = make_user("stat")
    grant(stat, Role.REGISTRY_STATISTICIAN, None)
    assert main(["model", "fit", "--as", "stat", "--bootstrap", "7", "--seed", "11"]) == 0
    captured = capsys.readouterr()
    assert reference_set == [stat]
    assert calls == [(900, model_set.version, {"bootstrap": 7, "seed": 11})]
    assert f"Stored prediction model set {model_set.version}" in captured.err
    assert f"Prediction model set {model_set.version}\n" in captured.out
    assert '"bootstrap": 7' in captured.out  # the validation is on the card
    row = PredictionModelSet.objects.get()
    assert (row.created_by, row.validation) == (
        stat,
        {"model_version": model_set.version, "bootstrap": 7, "seed": 11},
    )
    assert current_model_set() == model_set
    assert AuditRecord.objects.filter(action=AuditAction.MODEL_FIT, actor=stat).count() == 1
    # the same data again: not validated again, nothing written, the stored card printed, exit 0
    assert main(["model", "fit", "--bootstrap", "7", "--seed", "11"]) == 0
    captured = capsys.readouterr()
    assert f"note: the prediction model set {model_set.version} is already stored" in captured.err
    assert "by stat): the same data and settings give the same version; nothing written" in captured.err
    assert len(calls) == 1
    assert '"bootstrap": 7' in captured.out  # the stored card, with the stored validation
    assert PredictionModelSet.objects.count() == 1
    assert centre.pk  # a registry with a centre, unused by the fit


def test_fit_without_the_validation_module_stores_unvalidated(
    quiet_setup: None, reference_set: list[Any], monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setattr("remission.cli.model.VALIDATE_MODULE", "remission.analysis.prediction.no_such_thing")
    assert main(["model", "fit"]) == 0
    captured = capsys.readouterr()
    assert "note: the validation module (remission.analysis.prediction.no_such_thing) is not installed" in (
        captured.err
    )
    assert reference_set == [SYSTEM]
    assert PredictionModelSet.objects.get().validation is None
    assert "Validation: none stored" in captured.out


def test_fit_brief_prints_one_line(
    quiet_setup: None,
    reference_set: list[Any],
    model_set: ModelSet,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
) -> None:
    monkeypatch.setattr("remission.cli.model.VALIDATE_MODULE", "remission.analysis.prediction.no_such_thing")
    assert main(["model", "fit", "--brief"]) == 0
    out = capsys.readouterr().out
    per = {m.endpoint: m for m in model_set.models}
    expected = f"Prediction models {model_set.version}: {model_set.n} patients; " + ", ".join(
        f"{e} {per[e].events} events ({per[e].events / len(per[e].columns):.1f} per parameter)"
        for e in ("OS", "PFS", "NRM")
    )
    assert out.strip() == expected
    with pytest.raises(SystemExit):  # one way of printing at a time
        main(["model", "fit", "--brief", "--json"])


def test_fit_refusals_write_nothing(
    quiet_setup: None, reference_set: list[Any], monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setattr("remission.cli.model._validator", lambda: pytest.fail("no validation when refused"))
    centre = services.centre_create(actor=SYSTEM, code="alpha", name="Alpha", country="NL")
    dm = make_user("dm")
    grant(dm, Role.CENTRE_DATA_MANAGER, centre)
    assert main(["model", "fit", "--as", "dm"]) == 2
    err = capsys.readouterr().err
    assert "remission model fit: only a registry statistician or a registry administrator may fit" in err
    assert "(your role: centre data manager)" in err
    assert reference_set == []  # refused before the analysis set is read
    assert main(["model", "fit", "--as", "nobody"]) == 2
    assert "no active account named 'nobody'" in capsys.readouterr().err
    assert main(["model", "fit", "--bootstrap", "-1"]) == 2
    assert "--bootstrap must be 0 or more, not -1" in capsys.readouterr().err
    assert not PredictionModelSet.objects.exists()
    assert not AuditRecord.objects.filter(action=AuditAction.MODEL_FIT).exists()


def test_fit_on_a_registry_with_nothing_to_fit_says_why(quiet_setup: None, capsys: Any) -> None:
    services.centre_create(actor=SYSTEM, code="alpha", name="Alpha", country="NL")
    assert main(["model", "fit", "--bootstrap", "0"]) == 2
    assert "remission model fit: the models cannot be fitted: " in capsys.readouterr().err
    assert not PredictionModelSet.objects.exists()


def test_show_prints_the_validation_table(quiet_setup: None, model_set: ModelSet, capsys: Any) -> None:
    metrics = {"auc": 0.71234, "harrell_c": 0.7, "uno_c": 0.69, "brier": 0.08, "scaled_brier": 0.1}
    validation = {
        "model_version": model_set.version,
        "n": 835,
        "bootstrap": 200,
        "seed": 5,
        "bootstrap_fitted": 198,
        "bootstrap_failures": [{"reason": "no convergence", "count": 2}],
        "results": [
            {
                "endpoint": "NRM",
                "horizon": "100 days",
                "apparent": {**metrics, "n": 835, "events": 40, "competing": 12, "censored": 3},
                "optimism": {"auc": 0.02},
                "corrected": {"auc": 0.69234},
                "pooled": None,
                "centres_scored": 0,
            }
        ],
    }
    store_model_set(model_set, by=SYSTEM, validation=validation)
    assert main(["model", "show"]) == 0
    out = capsys.readouterr().out
    assert "Validation: 835 patients; 200 bootstrap resamples (198 refitted, seed 5)" in out
    assert "  resamples not refitted: 2 (no convergence)" in out
    assert "  NRM at 100 days: 40 events by then, 12 competing, 3 censored before (n 835)" in out
    assert "    AUC(t)                0.7123    0.0200    0.6923         —" in out
    assert "    calibration slope          —         —         —         —" in out


def test_fit_on_the_synthetic_registry(quiet_setup: None, capsys: Any) -> None:
    """The whole path on registry data: load, fit, validate (no resamples), store, print; then show."""
    from remission.synth.bulk import bulk_load

    bulk_load(seed=5, count=3500, validate="none", audit="patient", workers=0)
    assert main(["model", "fit", "--bootstrap", "0"]) == 0
    fitted = capsys.readouterr()
    row = PredictionModelSet.objects.get()
    assert f"Stored prediction model set {row.version}" in fitted.err
    stored = current_model_set()
    assert stored is not None and stored.version == row.version
    assert row.version.startswith(f"pm-{row.data_cutoff.isoformat()}-")
    assert all(m.events >= 5 * len(m.coef) and m.converged for m in stored.models)
    if _validator() is not None:  # the validation module is installed: the set is stored validated
        assert row.validation is not None and row.validation["model_version"] == row.version
        assert row.validation["bootstrap"] == 0
    assert f"  patients: {stored.n} " in fitted.out
    assert main(["model", "show"]) == 0
    shown = capsys.readouterr().out
    assert shown == fitted.out  # the card printed at the fit is the stored one


def test_report_writes_the_model_report_and_nothing_else(
    quiet_setup: None, model_set: ModelSet, tmp_path: Any, capsys: Any
) -> None:
    validation = {"model_version": model_set.version, "n": 835, "bootstrap": 3}
    store_model_set(model_set, by=SYSTEM, validation=validation)
    before = django_rows()
    html, pdf = tmp_path / "card.html", tmp_path / "out" / "card.pdf"
    assert main(["model", "report", "--out", str(html)]) == 0
    assert f"Model report of {model_set.version}: {html}" in capsys.readouterr().out
    text = html.read_text(encoding="utf-8")
    assert model_set.version in text and "Prediction model report" in text
    assert main(["model", "report", model_set.version, "--out", str(pdf)]) == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    after = django_rows()
    assert [t for t in before if checksums(before)[t] != checksums(after)[t]] == []  # read only
    assert main(["model", "report", "pm-none", "--out", str(html)]) == 2
    assert "no prediction model set of version 'pm-none' is stored" in capsys.readouterr().err
    french = tmp_path / "carte.html"
    assert main(["model", "report", "--language", "fr", "--out", str(french)]) == 0
    assert '<html lang="fr"' in french.read_text(encoding="utf-8")
    assert "Prediction model report" not in french.read_text(encoding="utf-8")


def test_report_with_nothing_stored(quiet_setup: None, tmp_path: Any, capsys: Any) -> None:
    assert main(["model", "report", "--out", str(tmp_path / "card.html")]) == 2
    assert "no prediction model set is stored" in capsys.readouterr().err
    assert not (tmp_path / "card.html").exists()
    with pytest.raises(SystemExit):
        main(["model", "report", "--out", str(tmp_path / "card.txt")])
    assert "--out must end in .html or .pdf, not" in capsys.readouterr().err
