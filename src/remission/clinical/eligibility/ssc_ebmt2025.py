"""Systemic sclerosis — EBMT 2025 selection criteria with the EBMT 2017 cardiopulmonary exclusions.

References
----------
- EBMT 2025 recommendations for rheumatic diseases, BMT 2025 (s41409-025-02695-y), Table 5 ✔:
  age ≤ 60 recommended (over 60 only with comorbidity assessment and MDT agreement); diffuse progressive
  SSc meeting the 2013 ACR/EULAR criteria; duration < 5 years optimal (I), ≥ 5 years only for severe
  progressive disease (III); second line after ≥ 6 months of first-line therapy with sustained activity,
  or intolerance (I), first line possible in high-risk rapidly progressive patients (III);
  **mRSS > 15 + ≥ 1 visceral organ**, or **mRSS > 20 without visceral involvement but CRP > 10 mg/L**
  (I); exception: progressive ILD on CT with mRSS < 15, limited SSc or SSc sine scleroderma (III).
  Absolute exclusions, all protocols: septal bounce on cardiac MRI, constrictive pericarditis,
  tamponade. Standard Cy 200 mg/kg protocols: PASP > 40 mmHg at rest or > 45 with fluid challenge, or
  mPAP > 25 at rest or > 30 with fluid challenge (right-heart catheter).
- Farge et al., BMT 2017;52:1495, Table 3 ✔ (via PMC10242691): PAH limits as above; fall in, or no rise
  of, cardiac output after fluid; PVR > 3 Wood units; LVEF < 45 % (covered by the general rule set);
  D-sign or septal bounce; unrevascularised severe CAD; untreated severe arrhythmia; tamponade or
  constrictive pericarditis; symptomatic cardiac disease; TAPSE < 1.8 cm.

Settings: every threshold is in :class:`SscSettings` with the verified value as default. The limits for
cardiac-adapted (reduced-Cy) protocols were not retrieved (⚠, clinical-content.md §1.3), so with
``protocol="cardiac_adapted"`` the PAH limits become relative criteria (MDT review), not exclusions.
"""

from __future__ import annotations

from dataclasses import dataclass

from remission.clinical.eligibility.core import AllOf, AnyOf, Compare, Is, RuleSet, exclude, include

SOURCE_2025 = "EBMT 2025, Table 5"
SOURCE_PAH = "EBMT 2025, Table 5 (Cy 200 mg/kg protocols); Farge, BMT 2017, Table 3"
SOURCE_2017 = "Farge, BMT 2017;52:1495, Table 3"

PROTOCOLS = ("standard_cy200", "cardiac_adapted")
UNKNOWN_PROTOCOL = "SSc rule set: protocol {value!r} is not one of {allowed}"


@dataclass(frozen=True)
class SscSettings:
    age_max_years: float = 60  # ✔ over 60 only with MDT agreement (relative)
    mrss_with_organ_above: int = 15  # ✔ mRSS > 15 + ≥ 1 visceral organ
    mrss_without_organ_above: int = 20  # ✔ mRSS > 20 ...
    crp_above_mg_l: float = 10  # ✔ ... with CRP > 10 mg/L
    duration_optimal_below_years: float = 5  # ✔ < 5 years optimal
    first_line_min_months: float = 6  # ✔
    pasp_rest_max_mmhg: float = 40  # ✔
    pasp_fluid_max_mmhg: float = 45  # ✔
    mpap_rest_max_mmhg: float = 25  # ✔
    mpap_fluid_max_mmhg: float = 30  # ✔
    pvr_max_wood: float = 3  # ✔ EBMT 2017
    tapse_min_cm: float = 1.8  # ✔ EBMT 2017
    protocol: str = "standard_cy200"  # ⚠ cardiac-adapted limits not retrieved

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise ValueError(UNKNOWN_PROTOCOL.format(value=self.protocol, allowed=", ".join(PROTOCOLS)))


def ssc_ebmt2025(settings: SscSettings | None = None) -> RuleSet:
    s = settings or SscSettings()
    pah = "hard" if s.protocol == "standard_cy200" else "relative"
    diffuse = Compare("ssc_subset", "==", "diffuse")
    criteria = (
        include(
            "ssc_age",
            Compare("age_years", "<=", s.age_max_years),
            SOURCE_2025,
            strength="relative",
            note="over 60 only with comorbidity assessment and MDT agreement (III)",
        ),
        include("acr_eular_2013", Is("acr_eular_2013"), SOURCE_2025),
        include(
            "skin_and_organs",
            AnyOf(
                (
                    AllOf(
                        (
                            diffuse,
                            Compare("mrss", ">", s.mrss_with_organ_above),
                            Is("visceral_organ_involvement"),
                        )
                    ),
                    AllOf(
                        (
                            diffuse,
                            Compare("mrss", ">", s.mrss_without_organ_above),
                            Compare("crp_mg_l", ">", s.crp_above_mg_l),
                        )
                    ),
                )
            ),
            SOURCE_2025 + " (level I)",
            exception=Is("progressive_ild"),
            exception_text="progressive ILD on CT with mRSS < 15, limited SSc or SSc sine (level III)",
        ),
        include(
            "disease_duration",
            Compare("disease_duration_years", "<", s.duration_optimal_below_years),
            SOURCE_2025,
            strength="relative",
            note="≥ 5 years only for severe progressive disease (III)",
        ),
        include(
            "line_of_therapy",
            AnyOf(
                (
                    AllOf(
                        (
                            Compare("first_line_therapy_months", ">=", s.first_line_min_months),
                            Is("sustained_activity_on_first_line"),
                        )
                    ),
                    Is("first_line_intolerance"),
                )
            ),
            SOURCE_2025 + " (level I)",
            strength="relative",
            note="first line possible in high-risk, rapidly progressive patients (III)",
        ),
        exclude("septal_bounce", Is("septal_bounce"), SOURCE_2025 + " (absolute); " + SOURCE_2017),
        exclude("constrictive_pericarditis", Is("constrictive_pericarditis"), SOURCE_2025 + " (absolute)"),
        exclude("tamponade", Is("tamponade"), SOURCE_2025 + " (absolute)"),
        exclude("pasp_rest", Compare("pasp_rest_mmhg", ">", s.pasp_rest_max_mmhg), SOURCE_PAH, strength=pah),
        exclude(
            "pasp_fluid", Compare("pasp_fluid_mmhg", ">", s.pasp_fluid_max_mmhg), SOURCE_PAH, strength=pah
        ),
        exclude("mpap_rest", Compare("mpap_rest_mmhg", ">", s.mpap_rest_max_mmhg), SOURCE_PAH, strength=pah),
        exclude(
            "mpap_fluid", Compare("mpap_fluid_mmhg", ">", s.mpap_fluid_max_mmhg), SOURCE_PAH, strength=pah
        ),
        exclude("cardiac_output_fluid", Is("cardiac_output_no_rise_on_fluid"), SOURCE_2017, strength=pah),
        exclude("pvr", Compare("pvr_wood_units", ">", s.pvr_max_wood), SOURCE_2017, strength=pah),
        exclude("tapse", Compare("tapse_cm", "<", s.tapse_min_cm), SOURCE_2017),
        exclude("severe_cad", Is("unrevascularised_severe_cad"), SOURCE_2017),
        exclude("severe_arrhythmia", Is("untreated_severe_arrhythmia"), SOURCE_2017),
        exclude("symptomatic_cardiac", Is("symptomatic_cardiac_disease"), SOURCE_2017),
    )
    return RuleSet(
        code="ssc_ebmt2025",
        title=f"Systemic sclerosis, EBMT 2025 + EBMT 2017 cardiopulmonary ({s.protocol})",
        version="2025.1",
        source="EBMT 2025 Table 5; Farge, BMT 2017 Table 3",
        criteria=criteria,
        disease="ssc",
        workup=("right-heart catheter with fluid challenge", "cardiac MRI", "echocardiography with TAPSE"),
        settings=s,
    )
