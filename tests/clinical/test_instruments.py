"""The instrument registry: codes, item specifications, validate() and compute()."""

from __future__ import annotations

import math

import pytest

from remission.clinical.bibliography import BIBLIOGRAPHY, citations
from remission.clinical.instruments import (
    INSTRUMENTS,
    UNKNOWN_INSTRUMENT,
    UnknownInstrumentError,
    instrument_get,
)
from remission.clinical.scores import (
    NOT_A_BOOLEAN,
    NOT_A_NUMBER,
    NOT_AN_ALLOWED_STEP,
    OUT_OF_RANGE,
    UNKNOWN_ITEM,
    ItemKind,
    ScoreInputError,
)

REQUIRED = {
    "mrss",
    "sledai2k",
    "das28_esr",
    "das28_crp",
    "cdai_ra",
    "sdai",
    "jadas10",
    "jadas27",
    "jadas71",
    "cjadas10",
    "cdai_crohn",
    "hbi",
    "edss",
    "haq_di",
    "fvc_pct",
    "dlco_pct",
    "mri_brain",
}


def test_required_codes() -> None:
    assert set(INSTRUMENTS) == REQUIRED


def test_instrument_get_unknown() -> None:
    with pytest.raises(UnknownInstrumentError) as caught:
        instrument_get("basdai")
    assert str(caught.value) == UNKNOWN_INSTRUMENT.format(code="basdai", known=", ".join(INSTRUMENTS))


@pytest.mark.parametrize("code", sorted(REQUIRED))
def test_shape(code: str) -> None:
    instrument = INSTRUMENTS[code]
    assert instrument.code == code
    assert instrument.title and instrument.source
    low, high = instrument.score_range
    assert low < high
    assert instrument.items
    for name, spec in instrument.items.items():
        assert spec.name == name
        assert spec.kind in set(ItemKind)
        if spec.kind in (ItemKind.INT, ItemKind.FLOAT):
            assert spec.min is not None and spec.max is not None and spec.min < spec.max
    assert instrument.diseases  # every instrument measures at least one catalogued disease


@pytest.mark.parametrize("code", sorted(REQUIRED))
def test_empty_items_are_valid_and_not_computable(code: str) -> None:
    instrument = INSTRUMENTS[code]
    assert instrument.validate({}) == []
    result = instrument.compute({})
    assert result.value is None
    assert result.missing


def test_item_counts() -> None:
    assert len(INSTRUMENTS["mrss"].items) == 17
    assert len(INSTRUMENTS["sledai2k"].items) == 24 + 2  # the 24 scored items + PGA and prednisone
    assert len(INSTRUMENTS["haq_di"].items) == 20 + 8  # questions + aids flags


def test_item_names_a_form_stores() -> None:
    assert {"face", "anterior_chest", "abdomen", "upper_arm_right", "upper_arm_left"} <= set(
        INSTRUMENTS["mrss"].items
    )
    assert {"seizure", "low_complement", "increased_dna_binding"} <= set(INSTRUMENTS["sledai2k"].items)
    assert set(INSTRUMENTS["das28_esr"].items) == {"tjc28", "sjc28", "esr", "gh"}


def test_edss_steps_in_the_spec() -> None:
    spec = INSTRUMENTS["edss"].items["edss"]
    assert spec.steps is not None and 0.5 not in spec.steps and 1.0 in spec.steps and 10.0 in spec.steps


def test_validate_lists_every_problem_naming_item_and_rule() -> None:
    problems = INSTRUMENTS["mrss"].validate({"face": 4, "abdomen": "x", "nose": 1, "anterior_chest": 2})
    assert problems == [
        UNKNOWN_ITEM.format(item="nose", instrument="mrss"),
        OUT_OF_RANGE.format(item="face", value=4, low=0, high=3),
        NOT_A_NUMBER.format(item="abdomen", value="x"),
    ]


def test_validate_step_and_boolean() -> None:
    assert INSTRUMENTS["edss"].validate({"edss": 0.5}) == [
        NOT_AN_ALLOWED_STEP.format(
            item="edss",
            value=0.5,
            steps="0, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7, 7.5, 8, 8.5, 9, 9.5, 10",
        )
    ]
    assert INSTRUMENTS["sledai2k"].validate({"seizure": "yes"}) == [
        NOT_A_BOOLEAN.format(item="seizure", value="yes")
    ]
    assert INSTRUMENTS["sledai2k"].validate({"seizure": False, "rash": 1}) == []  # JSON 0/1 allowed


def test_validate_partial_items_is_fine() -> None:
    assert INSTRUMENTS["das28_esr"].validate({"tjc28": 3}) == []


def test_compute_raises_on_what_validate_rejects() -> None:
    with pytest.raises(ScoreInputError, match="tjc28"):
        INSTRUMENTS["das28_esr"].compute({"tjc28": 29, "sjc28": 0, "esr": 10, "gh": 0})


def test_compute_das28_esr_through_the_registry() -> None:
    # 0.56·√4 + 0.28·√2 + 0.70·ln 30 + 0.014·50 = 1.12 + 0.395980 + 2.380838 + 0.70 = 4.596818
    result = INSTRUMENTS["das28_esr"].compute({"tjc28": 4, "sjc28": 2, "esr": 30, "gh": 50})
    assert result.value == pytest.approx(4.596818, abs=1e-6)
    assert result.category == "moderate"


def test_compute_partial_lists_missing() -> None:
    result = INSTRUMENTS["sdai"].compute({"tjc28": 4, "sjc28": 2})
    assert result.value is None
    assert result.missing == ("patient_global", "evaluator_global", "crp")


def test_compute_edss_and_lung_function() -> None:
    assert INSTRUMENTS["edss"].compute({"edss": 3.5, "fs_pyramidal": 2}).value == 3.5
    assert INSTRUMENTS["fvc_pct"].compute({"fvc_pct": 72.5}).value == 72.5
    assert INSTRUMENTS["dlco_pct"].compute({"dlco_pct": 41}).value == 41


def test_compute_jadas_versions_through_the_registry() -> None:
    items = {"physician_global": 3, "parent_global": 4, "active_joints": 12, "esr": 35}
    # 3 + 4 + min(12, 10) + (35 − 20)/10 = 18.5; 27 and 71 do not cap 12: 20.5; cJADAS-10: 17
    assert INSTRUMENTS["jadas10"].compute(items).value == 18.5
    assert INSTRUMENTS["jadas27"].compute(items).value == 20.5
    assert INSTRUMENTS["jadas71"].compute(items).value == 20.5
    assert INSTRUMENTS["cjadas10"].validate(items) == [UNKNOWN_ITEM.format(item="esr", instrument="cjadas10")]
    assert INSTRUMENTS["cjadas10"].compute(items).value == 17


def test_score_ranges() -> None:
    assert INSTRUMENTS["mrss"].score_range == (0, 51)
    assert INSTRUMENTS["sledai2k"].score_range == (0, 105)
    assert INSTRUMENTS["jadas10"].score_range == (0, 40)
    assert INSTRUMENTS["jadas27"].score_range == (0, 57)
    assert INSTRUMENTS["jadas71"].score_range == (0, 101)
    assert INSTRUMENTS["cjadas10"].score_range == (0, 30)
    assert INSTRUMENTS["haq_di"].score_range == (0, 3)
    assert INSTRUMENTS["edss"].score_range == (0, 10)
    assert INSTRUMENTS["cdai_ra"].score_range == (0, 76)


def test_nan_and_infinity_rejected() -> None:
    assert INSTRUMENTS["fvc_pct"].validate({"fvc_pct": math.nan}) == [
        NOT_A_NUMBER.format(item="fvc_pct", value=math.nan)
    ]
    assert INSTRUMENTS["fvc_pct"].validate({"fvc_pct": math.inf})


def test_diseases_come_from_the_catalogue() -> None:
    assert INSTRUMENTS["edss"].diseases == ("ms", "nmo")
    assert INSTRUMENTS["mrss"].diseases == ("ssc",)


@pytest.mark.parametrize("code", sorted(INSTRUMENTS))
def test_every_instrument_source_cites_the_bibliography(code: str) -> None:
    keys = [key for key, _where in citations(INSTRUMENTS[code].source)]
    assert keys, f"{code}: source {INSTRUMENTS[code].source!r} cites no [@Key]"
    assert all(key in BIBLIOGRAPHY for key in keys), keys
