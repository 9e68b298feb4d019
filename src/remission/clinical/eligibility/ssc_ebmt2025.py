"""Systemic sclerosis — EBMT 2025 selection criteria with the EBMT cardiopulmonary exclusions.

References
----------
- EBMT 2025 recommendations for rheumatic diseases, [@Alexander2025, Table 5] ✔: age limit 60 years
  (older "along with co-morbidity assessment and the agreement of the MDT", level III); diffuse
  progressive SSc meeting the 2013 ACR/EULAR criteria; duration < 5 years optimal (I), after 5 years only
  for severe progressive disease (III); second line after 6 months of first-line therapy with sustained
  activity, or intolerance (I), first line possible in high-risk rapidly progressive patients (III);
  "mRSS >15 and visceral involvement with at least 1 organ manifestation OR mRSS >20 without visceral
  organ involvement but evidence of inflammatory disease (increased CRP >10 mg/L …)" (I); progressive
  ILD on chest CT "may be eligible in case of mRSS <15 and limited SSc or even sine scleroderma" (III).
  Exclusions: "absolute contraindications for all protocols are cardiac MRI with septal bounce,
  constrictive pericarditis or cardiac tamponade"; "absolute contraindications for standard protocols
  using high-dose cyclo-phosphamide (200 mg/kg) are PASP >40 mmHg at rest or >45 mmHg with fluid
  challenge, or mPAP >25 mmHg at rest or >30 mmHg with fluid challenge (RHC) according to EBMT
  recommendations".
- The EBMT cardiac exclusions as tabulated in the review [@Penglase2023, Table 3] ✔, column "EBMT
  Recommendations": the PAH limits above; "Decrease or lack of augmentation of CO after fluid challenge";
  "Pulmonary vascular resistance > 3 wood units"; "LVEF < 45%" (covered by the general rule set); "D-sign
  or septal bounce"; "Unrevascularised severe coronary artery disease"; "Untreated severe arrhythmia";
  "Cardiac tamponade Constrictive pericarditis"; "Symptomatic cardiac disease"; "Tricuspid annular plane
  systolic excursion < 1.8 cm". These figures were read in that review, not in the EBMT cardiopulmonary
  recommendations themselves ([@Farge2017], of which only the abstract was read: the recommendations
  combine "pulmonary function tests, echocardiography, cardiac magnetic resonance imaging and invasive
  hemodynamic testing").

Settings: every threshold is in :class:`SscSettings` with the checked value as default. Table 5 goes on
to give limits for cardiac-adapted (reduced-cyclophosphamide) protocols; that text was not retrieved (◐),
so with ``protocol="cardiac_adapted"`` the PAH limits become relative criteria (MDT review), not
exclusions.
"""

from __future__ import annotations

from dataclasses import dataclass

from remission.clinical.eligibility.core import AllOf, AnyOf, Compare, Is, RuleSet, exclude, include
from remission.clinical.words import gettext_noop

SOURCE_2025 = "[@Alexander2025, Table 5]"
SOURCE_PAH = gettext_noop(
    "[@Alexander2025, Table 5] (Cy 200 mg/kg protocols); [@Penglase2023, Table 3] (EBMT column)"
)
SOURCE_CARDIAC = gettext_noop("EBMT recommendations as tabulated in [@Penglase2023, Table 3]")
SOURCE_LEVEL_I = gettext_noop("[@Alexander2025, Table 5] (level I)")
SOURCE_ABSOLUTE = gettext_noop("[@Alexander2025, Table 5] (absolute)")
SOURCE_SEPTAL = gettext_noop(
    "[@Alexander2025, Table 5] (absolute); EBMT recommendations as tabulated in [@Penglase2023, Table 3]"
)

PROTOCOLS = ("standard_cy200", "cardiac_adapted")
UNKNOWN_PROTOCOL = "SSc rule set: protocol {value!r} is not one of {allowed}"


@dataclass(frozen=True)
class SscSettings:
    age_max_years: float = 60  # ✔ [@Alexander2025, Table 5]; over 60 only with MDT agreement (relative)
    mrss_with_organ_above: int = 15  # ✔ [@Alexander2025, Table 5] mRSS > 15 + ≥ 1 visceral organ
    mrss_without_organ_above: int = 20  # ✔ [@Alexander2025, Table 5] mRSS > 20 ...
    crp_above_mg_l: float = 10  # ✔ [@Alexander2025, Table 5] ... with CRP > 10 mg/L
    duration_optimal_below_years: float = 5  # ✔ [@Alexander2025, Table 5] < 5 years optimal
    first_line_min_months: float = 6  # ✔ [@Alexander2025, Table 5] "after 6 months of first-line therapy"
    pasp_rest_max_mmhg: float = 40  # ✔ [@Alexander2025, Table 5]; [@Penglase2023, Table 3]
    pasp_fluid_max_mmhg: float = 45  # ✔ [@Alexander2025, Table 5]; [@Penglase2023, Table 3]
    mpap_rest_max_mmhg: float = 25  # ✔ [@Alexander2025, Table 5]; [@Penglase2023, Table 3]
    mpap_fluid_max_mmhg: float = 30  # ✔ [@Alexander2025, Table 5]; [@Penglase2023, Table 3]
    pvr_max_wood: float = 3  # ✔ [@Penglase2023, Table 3], EBMT column
    tapse_min_cm: float = 1.8  # ✔ [@Penglase2023, Table 3], EBMT column
    protocol: str = "standard_cy200"  # ◐ cardiac-adapted limits of [@Alexander2025, Table 5] not retrieved

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
            note=gettext_noop("over 60 only with comorbidity assessment and MDT agreement (III)"),
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
            SOURCE_LEVEL_I,
            exception=Is("progressive_ild"),
            exception_text=gettext_noop(
                "progressive ILD on CT with mRSS < 15, limited SSc or SSc sine (level III)"
            ),
        ),
        include(
            "disease_duration",
            Compare("disease_duration_years", "<", s.duration_optimal_below_years),
            SOURCE_2025,
            strength="relative",
            note=gettext_noop("≥ 5 years only for severe progressive disease (III)"),
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
            SOURCE_LEVEL_I,
            strength="relative",
            note=gettext_noop("first line possible in high-risk, rapidly progressive patients (III)"),
        ),
        exclude("septal_bounce", Is("septal_bounce"), SOURCE_SEPTAL),
        exclude("constrictive_pericarditis", Is("constrictive_pericarditis"), SOURCE_ABSOLUTE),
        exclude("tamponade", Is("tamponade"), SOURCE_ABSOLUTE),
        exclude("pasp_rest", Compare("pasp_rest_mmhg", ">", s.pasp_rest_max_mmhg), SOURCE_PAH, strength=pah),
        exclude(
            "pasp_fluid", Compare("pasp_fluid_mmhg", ">", s.pasp_fluid_max_mmhg), SOURCE_PAH, strength=pah
        ),
        exclude("mpap_rest", Compare("mpap_rest_mmhg", ">", s.mpap_rest_max_mmhg), SOURCE_PAH, strength=pah),
        exclude(
            "mpap_fluid", Compare("mpap_fluid_mmhg", ">", s.mpap_fluid_max_mmhg), SOURCE_PAH, strength=pah
        ),
        exclude("cardiac_output_fluid", Is("cardiac_output_no_rise_on_fluid"), SOURCE_CARDIAC, strength=pah),
        exclude("pvr", Compare("pvr_wood_units", ">", s.pvr_max_wood), SOURCE_CARDIAC, strength=pah),
        exclude("tapse", Compare("tapse_cm", "<", s.tapse_min_cm), SOURCE_CARDIAC),
        exclude("severe_cad", Is("unrevascularised_severe_cad"), SOURCE_CARDIAC),
        exclude("severe_arrhythmia", Is("untreated_severe_arrhythmia"), SOURCE_CARDIAC),
        exclude("symptomatic_cardiac", Is("symptomatic_cardiac_disease"), SOURCE_CARDIAC),
    )
    return RuleSet(
        code="ssc_ebmt2025",
        title=f"Systemic sclerosis, EBMT 2025 + EBMT cardiopulmonary exclusions ({s.protocol})",
        version="2025.1",
        source="EBMT 2025 [@Alexander2025, Table 5]; EBMT cardiac exclusions [@Penglase2023, Table 3]",
        criteria=criteria,
        disease="ssc",
        workup=("right-heart catheter with fluid challenge", "cardiac MRI", "echocardiography with TAPSE"),
        settings=s,
    )
