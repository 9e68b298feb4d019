"""screen(): guideline lookup, verdict order, validation of candidates and rule sets."""

from __future__ import annotations

import pytest

from remission.clinical import eligibility
from remission.clinical.eligibility import RULESETS, VERDICTS, build_rulesets, core, screen
from remission.clinical.eligibility.core import Compare, CriterionResult, RuleSet, combine, include


def _result(status: str, strength: str) -> CriterionResult:
    return CriterionResult("c", "inclusion", strength, status, "t", None, "s", "text", missing_fields=("f",))


@pytest.mark.parametrize(
    ("statuses", "verdict"),
    [
        ([("met", "hard"), ("met", "relative")], "eligible"),
        ([("failed", "relative")], "mdt_review"),
        ([("missing", "relative"), ("failed", "relative")], "insufficient_data"),
        ([("missing", "hard"), ("failed", "hard")], "not_eligible"),  # a hard failure decides
        ([("failed", "hard"), ("failed", "relative")], "not_eligible"),
    ],
)
def test_verdict_order(statuses: list[tuple[str, str]], verdict: str) -> None:
    assert combine(tuple(_result(s, k) for s, k in statuses))[0] == verdict
    assert verdict in VERDICTS


def test_disease_without_rule_set_goes_to_mdt_at_best() -> None:
    guideline, rulesets = build_rulesets("sle")
    assert guideline == "ebmt2025"
    assert [r.code for r in rulesets] == ["general_ebmt2025", "sle_none"]
    result = screen({}, disease="sle")
    assert result.criterion("disease_specific_rules").status == "failed"


def test_unknown_disease_guideline_setting_and_field() -> None:
    with pytest.raises(ValueError) as err:
        screen({}, disease="psoriasis")
    assert str(err.value).startswith("eligibility: unknown disease 'psoriasis'")
    with pytest.raises(ValueError) as err:
        screen({}, disease="ms", guideline="ebmt2025")
    assert str(err.value) == eligibility.UNKNOWN_GUIDELINE.format(
        value="ebmt2025", disease="ms", allowed="sharrack2020"
    )
    with pytest.raises(ValueError) as err:
        screen({}, disease="ms", settings={"ms_sharrack2020": {"edss_cap": 6}})
    assert str(err.value).startswith("eligibility: rule set ms_sharrack2020 has no setting 'edss_cap'")
    with pytest.raises(ValueError) as err:
        screen({"lvef": 50}, disease="ms")
    assert str(err.value) == core.UNKNOWN_FIELD.format(field="lvef")


def test_out_of_range_and_wrong_type_values_raise() -> None:
    with pytest.raises(ValueError) as err:
        screen({"lvef_pct": 120}, disease="ssc")
    assert str(err.value) == core.FIELD_OUT_OF_RANGE.format(
        field="lvef_pct", value=120, low=5, high=90, unit="%"
    )
    with pytest.raises(ValueError) as err:
        screen({"pregnant": "no"}, disease="ssc")
    assert str(err.value) == core.FIELD_NOT_BOOLEAN.format(field="pregnant", value="no")
    with pytest.raises(ValueError) as err:
        screen({"ms_course": "cis"}, disease="ms")
    assert str(err.value) == core.FIELD_NOT_CHOICE.format(
        field="ms_course", value="cis", choices="rrms, spms, ppms"
    )
    with pytest.raises(ValueError) as err:
        screen({"mrss": 20.5}, disease="ssc")
    assert str(err.value) == core.FIELD_NOT_INTEGER.format(field="mrss", value=20.5)


def test_rule_sets_are_validated_when_built() -> None:
    with pytest.raises(ValueError) as err:
        RuleSet("x", "X", "1", "test", (include("a", Compare("lvef", "<", 45), "test"),))
    assert str(err.value) == core.RULE_UNKNOWN_FIELD.format(ruleset="x", criterion="a", field="lvef")
    with pytest.raises(ValueError) as err:
        RuleSet("x", "X", "1", "test", (include("a", Compare("lvef_pct", "<", 145), "test"),))
    assert "threshold 145" in str(err.value)
    with pytest.raises(ValueError) as err:
        RuleSet("x", "X", "1", "test", (include("a", Compare("lvef_pct", "~", 45), "test"),))
    assert str(err.value) == core.RULE_BAD_OP.format(ruleset="x", criterion="a", op="~")
    dup = include("a", Compare("lvef_pct", "<", 45), "test")
    with pytest.raises(ValueError) as err:
        RuleSet("x", "X", "1", "test", (dup, dup))
    assert str(err.value) == core.RULE_DUPLICATE.format(ruleset="x", criterion="a")


@pytest.mark.parametrize("disease", ["ssc", "ms", "crohn", "sle"])
def test_criterion_codes_unique_across_combined_rule_sets(disease: str) -> None:
    _, rulesets = build_rulesets(disease)
    codes = [c.code for r in rulesets for c in r.criteria]
    assert len(codes) == len(set(codes))


def test_every_rule_set_builds_with_defaults() -> None:
    for builder, settings in RULESETS.values():
        assert builder(settings()).criteria
