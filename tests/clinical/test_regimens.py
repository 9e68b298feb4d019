"""Regimen catalogue and the versioned intensity rule (clinical-content.md §2.1–2.2)."""

from __future__ import annotations

import pytest

from remission.clinical import regimens
from remission.clinical.regimens import (
    EBMT_ADWP_INTENSITY,
    REGIMENS,
    Agent,
    Intensity,
    Regimen,
    assess_intensity,
    classify_intensity,
    get_regimen,
)

STABLE_CODES = {
    "cy200_ratg",
    "cy200_eatg",
    "tbi_cy_eatg",
    "beam_atg",
    "bu_cy",
    "cy_alone",
    "flu_cy",
    "mob_cy2_gcsf",
    "mob_cy4_gcsf",
    "mob_gcsf",
}


def test_stable_codes_present() -> None:
    assert set(REGIMENS) >= STABLE_CODES


@pytest.mark.parametrize(
    ("code", "agent", "total", "unit"),
    [
        ("cy200_ratg", "cy", 200, "mg/kg"),  # Cy 50 mg/kg/day × 4 = 200 mg/kg ✔
        ("cy200_ratg", "ratg", 6, "mg/kg"),  # Northwestern/MIST 6 mg/kg ✔ (Burt, Blood 2010)
        ("cy200_eatg", "eatg", 90, "mg/kg"),  # equine ATG 90 mg/kg ✔
        ("tbi_cy_eatg", "tbi", 8, "Gy"),  # TBI 800 cGy ✔
        ("tbi_cy_eatg", "cy", 120, "mg/kg"),  # 60 mg/kg × 2 ✔
        ("bu_cy", "busulfan", 16, "mg/kg"),  # 1 mg/kg × 16 ✔
        ("bu_cy", "cy", 120, "mg/kg"),
        ("cy_alone", "cy", 200, "mg/kg"),
        ("beam_atg", "cytarabine", 800, "mg/m2"),  # 200 mg/m²/day × 4
        ("mob_cy2_gcsf", "cy", 2, "g/m2"),
        ("mob_cy4_gcsf", "cy", 4, "g/m2"),
        ("flu_cy", "fludarabine", 75, "mg/m2"),  # 25 mg/m²/day × 3 ◐
    ],
)
def test_totals_match_the_reference(code: str, agent: str, total: float, unit: str) -> None:
    a = REGIMENS[code].agent(agent)
    assert (a.total, a.unit) == (pytest.approx(total), unit)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("tbi_cy_eatg", Intensity.HIGH),  # TBI-based
        ("bu_cy", Intensity.HIGH),  # busulfan-based
        ("beam_atg", Intensity.INTERMEDIATE),  # BEAM ± ATG
        ("cy200_ratg", Intensity.INTERMEDIATE),  # Cy 200 + ATG
        ("cy200_eatg", Intensity.INTERMEDIATE),
        ("cy_alone", Intensity.LOW),  # Cy alone, no serotherapy
        ("flu_cy", Intensity.UNKNOWN),  # lymphodepletion is outside the rule
        ("mob_cy2_gcsf", Intensity.UNKNOWN),
        ("mob_gcsf", Intensity.UNKNOWN),
    ],
)
def test_intensity_rule(code: str, expected: Intensity) -> None:
    assert classify_intensity(REGIMENS[code]) is expected
    assert str(assess_intensity(REGIMENS[code])) == expected.value  # the registry stores str(...)


def test_melphalan_alone_is_low_and_melphalan_with_atg_is_not() -> None:
    mel = Agent("melphalan", "Melphalan", 140, "mg/m2", (-2,), "chemotherapy", "memory", "test")
    atg = Agent("ratg", "Rabbit ATG", 2.5, "mg/kg", (-2, -1), "serotherapy", "memory", "test")
    assert classify_intensity(Regimen("mel", "Mel", "conditioning", (mel,), "test")) is Intensity.LOW
    assert (
        classify_intensity(Regimen("mel_atg", "Mel+ATG", "conditioning", (mel, atg), "test"))
        is Intensity.UNKNOWN
    )


def test_override_marks_user_provenance_and_keeps_catalogue() -> None:
    # ASTIS used rATG 7.5 mg/kg ◐: 1.875 mg/kg/day × 4 days = 7.5 mg/kg
    astis = REGIMENS["cy200_ratg"].with_agent("ratg", dose=1.875)
    assert astis.agent("ratg").total == pytest.approx(7.5)
    assert astis.agent("ratg").provenance == "user"
    assert REGIMENS["cy200_ratg"].agent("ratg").total == pytest.approx(6.0)
    assert classify_intensity(astis) is Intensity.INTERMEDIATE
    with pytest.raises(ValueError) as err:
        REGIMENS["cy200_ratg"].with_agent("ratg", route="po")
    assert str(err.value) == regimens.BAD_OVERRIDE.format(agent="ratg", fields="route")


def test_unknown_regimen_and_bad_agent_raise() -> None:
    with pytest.raises(ValueError) as err:
        get_regimen("cy300")
    assert str(err.value) == regimens.UNKNOWN_REGIMEN.format(value="cy300", allowed=", ".join(REGIMENS))
    with pytest.raises(ValueError) as err:
        Agent("x", "X", 1, "mg/kg", (1,), "magic", "memory", "test")
    assert str(err.value).startswith("agent 'x': role 'magic'")
    with pytest.raises(ValueError):
        Agent("x", "X", 1, "mg/kg", (1,), "chemotherapy", "guess", "test")


def test_rule_and_regimen_render_as_text() -> None:
    text = EBMT_ADWP_INTENSITY.to_text()
    assert "high: TBI- or busulfan-based" in text
    assert "v2017.1" in text
    rendered = REGIMENS["cy200_ratg"].to_text()
    assert "Cyclophosphamide 50 mg/kg/day × 4 = 200 mg/kg" in rendered
    assert "◐" in rendered and "✔" in rendered
