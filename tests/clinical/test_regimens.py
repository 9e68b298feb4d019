"""Regimen catalogue and the versioned intensity rule.

Expected figures are quoted from the sources the catalogue cites (see remission.clinical.regimens), not
produced by running the catalogue.
"""

from __future__ import annotations

import pytest

from remission.clinical import regimens
from remission.clinical.bibliography import BIBLIOGRAPHY, citations
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
        # [@Burt2010, abstract]: "conditioning with cyclophosphamide (200 mg/kg) and either equine
        # antithymocyte globulin (ATG, 90 mg/kg) or rabbit ATG (6 mg/kg)"
        ("cy200_ratg", "cy", 200, "mg/kg"),
        ("cy200_ratg", "ratg", 6, "mg/kg"),
        ("cy200_eatg", "eatg", 90, "mg/kg"),
        ("cy_alone", "cy", 200, "mg/kg"),
        # Nash et al., Blood 2007;110:1388, abstract: "total body irradiation (800 cGy) with lung
        # shielding, cyclophosphamide (120 mg/kg), and equine antithymocyte globulin (90 mg/kg)"
        ("tbi_cy_eatg", "tbi", 8, "Gy"),
        ("tbi_cy_eatg", "cy", 120, "mg/kg"),
        ("tbi_cy_eatg", "eatg", 90, "mg/kg"),
        # [@Burt2010, abstract]: "mobilized ... using cyclophosphamide (2.0 g/m2) and G-CSF (10 μg/kg/day)"
        ("mob_cy2_gcsf", "cy", 2, "g/m2"),
        # [@Vonk2008, abstract]: "collected using cyclophosphamide (4 g/m2) and rHu G-CSF (5 to 10
        # microg/kg/day) ... For conditioning, cyclophosphamide 200 mg/kg was used."
        ("mob_cy4_gcsf", "cy", 4, "g/m2"),
        # not read in a source (◐ defaults); the expected values restate the catalogue's defaults
        ("bu_cy", "busulfan", 16, "mg/kg"),
        ("bu_cy", "cy", 120, "mg/kg"),
        ("beam_atg", "cytarabine", 800, "mg/m2"),  # 200 mg/m²/day × 4 ◐
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
    # ASTIS rATG 7.5 mg/kg (◐, not read): 1.875 mg/kg/day × 4 days = 7.5 mg/kg
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


def test_gcsf_after_cy_2_g_m2_is_10_ug_per_kg_per_day() -> None:
    # [@Burt2010, abstract]: "Stem cells were mobilized from the peripheral blood using cyclophosphamide
    # (2.0 g/m2) and G-CSF (10 μg/kg/day)"; in MS (Burt et al., Lancet Neurol 2009, abstract):
    # "mobilised with 2 g per m2 cyclophosphamide and 10 μg per kg per day filgrastim".
    gcsf = REGIMENS["mob_cy2_gcsf"].agent("gcsf")
    assert (gcsf.dose, gcsf.unit, gcsf.provenance) == (10, "ug/kg", "verified")
    assert "[@Burt2010, abstract]" in gcsf.source


def test_rabbit_atg_total_is_cited_to_what_the_crohn_and_ms_studies_say() -> None:
    # [@Burt2010] is the Crohn's study ("rabbit ATG (6 mg/kg)"); the MS figure is Burt et al., Lancet
    # Neurol 2009, abstract: "200 mg per kg cyclophosphamide and either 20 mg alemtuzumab or 6 mg per kg
    # rabbit antithymocyte globulin".
    ratg = REGIMENS["cy200_ratg"].agent("ratg")
    assert ratg.total == pytest.approx(6.0)
    assert "[@Burt2010, abstract] (Crohn's)" in ratg.source
    assert "Lancet Neurol 2009" in ratg.source


def test_beam_atg_days_are_consistent() -> None:
    # BEAM order (◐ schedule, no source read): carmustine, then etoposide and cytarabine on the same
    # days, then melphalan, all before the graft (day 0); rabbit ATG after it (days +1, +2 ◐).
    beam = REGIMENS["beam_atg"]
    bcnu, eto, arac, mel = (beam.agent(a) for a in ("bcnu", "etoposide", "cytarabine", "melphalan"))
    assert eto.days == arac.days
    assert max(bcnu.days) < min(eto.days) and max(eto.days) < min(mel.days) < 0
    assert beam.agent("ratg").days == (1, 2)
    # the regimen no longer claims a window its agents contradict
    assert all("−7 to −3" not in a.source for a in beam.agents)


def test_every_regimen_and_agent_cites_a_bibliography_key() -> None:
    for regimen in REGIMENS.values():
        for text in (regimen.source, *(a.source for a in regimen.agents)):
            keys = [key for key, _where in citations(text)]
            assert keys, f"{regimen.code}: no bibliography citation in {text!r}"
            assert all(key in BIBLIOGRAPHY for key in keys), (regimen.code, keys)


def test_verified_agents_say_where_they_were_checked() -> None:
    for regimen in REGIMENS.values():
        for agent in regimen.agents:
            if agent.provenance == "verified":
                assert "✔" in agent.source, (regimen.code, agent.code)
                assert any(where for _key, where in citations(agent.source)), (regimen.code, agent.code)


def test_scot_regimen_matches_the_trial_record() -> None:
    # ClinicalTrials.gov NCT00114530 (SCOT), results, arm description: "total body irradiation (800 cGy
    # given over 2 days with lung and kidney shielding limiting exposure to 200cGy), cyclophosphamide
    # (60 mg/kg/day for 2 days), ... equine antithymocyte globulin (ATGAM) (15 mg/kg/day for 3 days) ...
    # After transplantation, participants received additional doses of ... ATGAM (15 mg/kg/day for 3 days.)"
    scot = REGIMENS["tbi_cy_eatg"]
    tbi, cy, eatg = scot.agent("tbi"), scot.agent("cy"), scot.agent("eatg")
    assert (tbi.dose, len(tbi.days), tbi.unit) == (4, 2, "Gy")
    assert (cy.dose, len(cy.days)) == (60, 2)
    assert eatg.dose == 15
    assert len([d for d in eatg.days if d < 0]) == 3 and len([d for d in eatg.days if d > 0]) == 3


def test_cy_200_is_four_equal_fractions_on_days_minus_5_to_minus_2() -> None:
    # ClinicalTrials.gov NCT01445821 (ASSIST-IIb), control arm = the ASSIST conditioning: "200 mg/kg of
    # intravenous cyclophosphamide given in 4 equal fractions on days -5 through -2".
    cy = REGIMENS["cy200_ratg"].agent("cy")
    assert (cy.dose, cy.unit, cy.days) == (50, "mg/kg", (-5, -4, -3, -2))
