"""Body size and dose tables, checked against hand calculations written out step by step."""

from __future__ import annotations

import pytest

from remission.clinical import dosing
from remission.clinical.dosing import (
    DosingPolicy,
    Prescription,
    adjusted_body_weight,
    bsa_dubois,
    bsa_mosteller,
    dose_table,
    ideal_body_weight,
)
from remission.clinical.regimens import REGIMENS


def test_mosteller_170_cm_70_kg() -> None:
    # Mosteller: sqrt(170 × 70 / 3600) = sqrt(11900 / 3600) = sqrt(3.305556) = 1.818119 m²
    assert bsa_mosteller(170, 70) == pytest.approx(1.818119, abs=1e-6)


def test_dubois_170_cm_70_kg() -> None:
    # Du Bois: 0.007184 × 70^0.425 × 170^0.725
    #   70^0.425  = exp(0.425 × ln 70)  = exp(0.425 × 4.248495) = exp(1.805610) = 6.083684
    #   170^0.725 = exp(0.725 × ln 170) = exp(0.725 × 5.135798) = exp(3.723454) = 41.407162
    #   0.007184 × 6.083684 × 41.407162 = 1.809708 m²
    assert bsa_dubois(170, 70) == pytest.approx(1.809708, abs=1e-6)


def test_devine_ideal_body_weight() -> None:
    # Man 180 cm: 180 / 2.54 = 70.866 in; 70.866 − 60 = 10.866 in; × 2.3 = 24.992; + 50 = 74.992 kg
    assert ideal_body_weight(180, "male") == pytest.approx(74.992, abs=1e-3)
    # Woman 160 cm: 160 / 2.54 = 62.992 in; 2.992 × 2.3 = 6.882; + 45.5 = 52.382 kg
    assert ideal_body_weight(160, "female") == pytest.approx(52.382, abs=1e-3)
    # Exactly 5 ft (152.4 cm): the base weights, 50 and 45.5 kg
    assert ideal_body_weight(152.4, "male") == pytest.approx(50.0)
    assert ideal_body_weight(152.4, "female") == pytest.approx(45.5)


def test_adjusted_body_weight() -> None:
    # Man 180 cm, 120 kg: IBW 74.992; excess 120 − 74.992 = 45.008
    #   f = 0.4:  74.992 + 0.4 × 45.008  = 74.992 + 18.003 = 92.995 kg
    #   f = 0.25: 74.992 + 0.25 × 45.008 = 74.992 + 11.252 = 86.244 kg
    assert adjusted_body_weight(180, 120, "male") == pytest.approx(92.995, abs=1e-3)
    assert adjusted_body_weight(180, 120, "male", factor=0.25) == pytest.approx(86.244, abs=1e-3)


def test_out_of_range_and_bad_inputs_raise_named_errors() -> None:
    with pytest.raises(ValueError) as err:
        bsa_mosteller(300, 70)
    assert str(err.value) == dosing.OUT_OF_RANGE.format(
        item="height_cm", value=300, low=50.0, high=250.0, unit="cm"
    )
    with pytest.raises(ValueError) as err:
        bsa_dubois(170, 0.5)
    assert str(err.value) == dosing.OUT_OF_RANGE.format(
        item="weight_kg", value=0.5, low=2.0, high=400.0, unit="kg"
    )
    with pytest.raises(ValueError) as err:
        ideal_body_weight(170, "unknown")
    assert str(err.value) == dosing.UNKNOWN_SEX.format(value="unknown")
    with pytest.raises(ValueError) as err:
        adjusted_body_weight(170, 90, "male", factor=1.5)
    assert str(err.value) == dosing.BAD_FACTOR.format(value=1.5)
    with pytest.raises(ValueError) as err:
        bsa_mosteller("170", 70)  # type: ignore[arg-type]
    assert str(err.value) == dosing.NOT_A_NUMBER.format(item="height_cm", value="170")


def test_policy_is_validated_when_built() -> None:
    with pytest.raises(ValueError) as err:
        DosingPolicy(weight_basis="lean")
    assert str(err.value) == dosing.UNKNOWN_WEIGHT_BASIS.format(
        value="lean", allowed=", ".join(dosing.WEIGHT_BASES)
    )
    with pytest.raises(ValueError) as err:
        DosingPolicy(bsa_cap_m2=5)
    assert str(err.value) == dosing.BAD_BSA_CAP.format(value=5)
    with pytest.raises(ValueError) as err:
        DosingPolicy(bsa_formula="haycock")
    assert "haycock" in str(err.value)
    with pytest.raises(ValueError) as err:
        Prescription("cy", "Cyclophosphamide", 50, "mg/lb", (1,))
    assert str(err.value) == dosing.UNKNOWN_UNIT.format(
        value="mg/lb", allowed=", ".join(dosing.PRESCRIPTION_UNITS)
    )


def test_cy200_ratg_actual_weight() -> None:
    # Woman 165 cm, 60 kg, actual weight: Cy 50 mg/kg × 60 kg = 3000 mg/day × 4 days = 12000 mg;
    # rATG 1.5 mg/kg × 60 = 90 mg/day × 4 = 360 mg (= 6 mg/kg total).
    table = dose_table(REGIMENS["cy200_ratg"].prescriptions(), height_cm=165, weight_kg=60, sex="female")
    cy = table.line("cy")
    assert (cy.basis, cy.body_size_value, cy.body_size_unit) == ("actual", 60.0, "kg")
    assert cy.daily_dose == pytest.approx(3000.0)
    assert cy.total_dose == pytest.approx(12000.0)
    assert cy.days == (-5, -4, -3, -2)
    assert table.line("ratg").total_dose == pytest.approx(360.0)


def test_per_agent_weight_basis_for_obese_patient() -> None:
    # Man 180 cm, 120 kg. Policy: ABW25 in general (IBW + 25 % of the excess, the dosing weight of 16 of 45
    # adjusting EBMT centres [@ShemTov2015, abstract]), the lesser of IBW and actual for Cy (◐, a setting).
    #   Cy: IBW 74.992 < 120 → 74.992 kg × 50 mg/kg = 3749.6 mg/day; × 4 = 14998.4 mg
    #   rATG: AdjBW25 = 74.992 + 0.25 × 45.008 = 86.244 kg × 1.5 mg/kg = 129.37 mg/day
    policy = DosingPolicy(
        name="ABW25, Cy on lesser of IBW/actual",
        weight_basis="adjusted",
        adjusted_factor=0.25,
        agent_weight_basis={"cy": "lesser_ideal_actual"},
    )
    table = dose_table(
        REGIMENS["cy200_ratg"].prescriptions(), height_cm=180, weight_kg=120, sex="male", policy=policy
    )
    cy, ratg = table.line("cy"), table.line("ratg")
    assert cy.basis == "lesser_ideal_actual"
    assert cy.body_size_value == pytest.approx(74.992, abs=1e-3)
    assert cy.daily_dose == pytest.approx(3749.6, abs=0.1)
    assert cy.total_dose == pytest.approx(14998.4, abs=0.4)
    assert ratg.basis == "adjusted"
    assert ratg.body_size_value == pytest.approx(86.244, abs=1e-3)
    assert ratg.daily_dose == pytest.approx(129.37, abs=0.01)


def test_adjusted_basis_below_ideal_weight_uses_actual() -> None:
    # Woman 170 cm, 50 kg: IBW = 45.5 + 2.3 × (170/2.54 − 60) = 45.5 + 2.3 × 6.929 = 61.44 kg > 50 kg,
    # so the adjustment does not apply: 50 kg × 50 mg/kg = 2500 mg.
    policy = DosingPolicy(weight_basis="adjusted")
    table = dose_table(
        REGIMENS["cy_alone"].prescriptions(), height_cm=170, weight_kg=50, sex="female", policy=policy
    )
    line = table.line("cy")
    assert line.basis == "actual"
    assert line.daily_dose == pytest.approx(2500.0)
    assert any("no adjustment" in note for note in line.notes)


def test_bsa_cap_and_units_in_mobilisation() -> None:
    # Man 190 cm, 110 kg: Mosteller sqrt(190 × 110 / 3600) = sqrt(5.805556) = 2.409472 m².
    #   No cap: Cy 2 g/m² = 2000 mg/m² × 2.409472 = 4818.94 mg.  Cap 2.0 m²: 2000 × 2.0 = 4000 mg.
    #   G-CSF 10 µg/kg × 110 kg = 1100 µg/day (10 µg/kg/day: [@Burt2010, abstract]).
    rx = REGIMENS["mob_cy2_gcsf"].prescriptions()
    uncapped = dose_table(rx, height_cm=190, weight_kg=110, sex="male")
    assert uncapped.line("cy").body_size_value == pytest.approx(2.409472, abs=1e-6)
    assert uncapped.line("cy").daily_dose == pytest.approx(4818.94, abs=0.01)
    assert uncapped.line("cy").dose_unit == "mg"
    capped = dose_table(rx, height_cm=190, weight_kg=110, sex="male", policy=DosingPolicy(bsa_cap_m2=2.0))
    cy = capped.line("cy")
    assert (cy.basis, cy.body_size_value, cy.daily_dose) == ("bsa", 2.0, pytest.approx(4000.0))
    assert any("capped" in note for note in cy.notes)
    gcsf = capped.line("gcsf")
    assert (gcsf.daily_dose, gcsf.dose_unit) == (pytest.approx(1100.0), "ug")


def test_dubois_on_adjusted_weight_and_rounding() -> None:
    # Flu/Cy for a man 170 cm, 70 kg, BSA by Du Bois on actual weight = 1.809708 m² (see above).
    #   Fludarabine 25 mg/m² × 1.809708 = 45.24 mg → rounded to 5 mg = 45 mg
    #   Cy 1000 mg/m² × 1.809708 = 1809.71 mg → rounded to 5 mg = 1810 mg
    policy = DosingPolicy(bsa_formula="dubois", rounding={"mg": 5})
    table = dose_table(
        REGIMENS["flu_cy"].prescriptions(), height_cm=170, weight_kg=70, sex="male", policy=policy
    )
    assert table.line("fludarabine").daily_dose == pytest.approx(45.0)
    assert table.line("fludarabine").total_dose == pytest.approx(135.0)
    assert table.line("cy").daily_dose == pytest.approx(1810.0)


def test_fixed_dose_and_unknown_sex_with_actual_weight() -> None:
    # TBI is a fixed dose (4 Gy/day × 2); actual-weight dosing needs no sex: eATG 15 mg/kg × 80 kg = 1200 mg
    # (SCOT: "ATGAM (15 mg/kg/day for 3 days)" before and after the graft, ClinicalTrials.gov NCT00114530).
    table = dose_table(REGIMENS["tbi_cy_eatg"].prescriptions(), height_cm=175, weight_kg=80, sex="unknown")
    tbi = table.line("tbi")
    assert (tbi.basis, tbi.body_size_value, tbi.daily_dose, tbi.dose_unit) == ("fixed", None, 4.0, "Gy")
    assert tbi.total_dose == pytest.approx(8.0)
    assert table.line("eatg").daily_dose == pytest.approx(1200.0)
    with pytest.raises(ValueError) as err:
        dose_table(
            REGIMENS["cy_alone"].prescriptions(),
            height_cm=175,
            weight_kg=80,
            sex="unknown",
            policy=DosingPolicy(weight_basis="ideal"),
        )
    assert str(err.value) == dosing.UNKNOWN_SEX.format(value="unknown")


def test_dose_table_records_basis_in_dict_and_text() -> None:
    table = dose_table(REGIMENS["cy200_ratg"].prescriptions(), height_cm=165, weight_kg=60, sex="female")
    row = table.to_dict()["lines"][0]
    assert (row["agent"], row["basis"], row["body_size_value"], row["body_size_unit"]) == (
        "cy",
        "actual",
        60.0,
        "kg",
    )
    text = table.to_text()
    assert "Cyclophosphamide" in text and "actual" in text and "12,000.0 mg" in text
