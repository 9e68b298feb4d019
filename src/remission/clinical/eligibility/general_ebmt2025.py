"""General criteria for aHSCT in autoimmune (rheumatic) disease — EBMT 2025 recommendations, Table 2.

Reference
---------
EBMT ADWP recommendations for aHSCT in rheumatic diseases, Bone Marrow Transplant 2025
(s41409-025-02695-y), Table 2 ✔ — age 18–65 (older only exceptionally, with a comorbidity assessment
and MDT agreement, level III); disease active or progressive despite standard therapy (II); an
experienced centre with MDT meetings (II); ECOG ≥ 2 or Karnofsky ≤ 60 % needs careful MDT evaluation.
The organ-function exclusions "common to most protocols" are from memory (◐, clinical-content.md §1.2),
so each threshold is a setting. Where the sources give a range (transaminases > 2–3 × ULN, LVEF
< 45–50 %) the rule is two-tier: beyond the outer value a hard exclusion, inside the band an MDT review.

Fields: see :data:`remission.clinical.eligibility.core.FIELDS`. Missing values: each criterion whose
value is missing reads "missing" and the verdict is at best ``insufficient_data``.
"""

from __future__ import annotations

from dataclasses import dataclass

from remission.clinical.eligibility.core import AllGiven, AnyOf, Compare, Criterion, Is, RuleSet

SOURCE = "EBMT 2025, Table 2"
SOURCE_ORGAN = "organ limits common to most protocols ◐ (clinical-content.md §1.2)"


@dataclass(frozen=True)
class GeneralSettings:
    age_min_years: float = 18  # ✔ EBMT 2025 Table 2
    age_max_years: float = 65  # ✔ above: only exceptionally, with MDT agreement (relative)
    ecog_max: int = 1  # ✔ ECOG ≥ 2 needs MDT evaluation
    karnofsky_review_max: float = 60  # ✔ Karnofsky ≤ 60 % needs MDT evaluation
    bilirubin_max_x_uln: float = 2.0  # ◐
    transaminase_review_x_uln: float = 2.0  # ◐ lower end of "> 2–3 × ULN"
    transaminase_max_x_uln: float = 3.0  # ◐ upper end
    crcl_min_ml_min: float = 40.0  # ◐ (ASTIS, SCOT ✔ use CrCl < 40)
    lvef_min_pct: float = 45.0  # ◐ lower end of "< 45–50 %" (EBMT 2017 SSc ✔ uses < 45)
    lvef_review_pct: float = 50.0  # ◐ upper end
    dlco_min_pct: float = 40.0  # ◐
    fvc_min_pct: float = 45.0  # ◐


def general_ebmt2025(settings: GeneralSettings | None = None) -> RuleSet:
    s = settings or GeneralSettings()
    criteria = (
        Criterion(
            "age_min",
            "inclusion",
            "hard",
            Compare("age_years", ">=", s.age_min_years),
            SOURCE,
            note="younger candidates need the paediatric recommendations",
        ),
        Criterion(
            "age_max",
            "inclusion",
            "relative",
            Compare("age_years", "<=", s.age_max_years),
            SOURCE,
            note="older candidates only exceptionally, with comorbidity assessment and MDT agreement (III)",
        ),
        Criterion("active_disease", "inclusion", "hard", Is("active_despite_standard_therapy"), SOURCE),
        Criterion(
            "experienced_centre",
            "inclusion",
            "relative",
            Is("centre_experienced"),
            SOURCE,
            note="refer to an experienced centre",
        ),
        Criterion(
            "performance_status",
            "inclusion",
            "relative",
            AllGiven((Compare("ecog", "<=", s.ecog_max), Compare("karnofsky", ">", s.karnofsky_review_max))),
            SOURCE,
            note="poor performance status due to reversible disease: careful MDT evaluation",
        ),
        Criterion("no_infection", "exclusion", "hard", Is("active_uncontrolled_infection"), SOURCE_ORGAN),
        Criterion("not_pregnant", "exclusion", "hard", Is("pregnant"), SOURCE_ORGAN),
        Criterion("no_recent_malignancy", "exclusion", "hard", Is("malignancy_within_5y"), SOURCE_ORGAN),
        Criterion(
            "no_psychiatric_illness",
            "exclusion",
            "hard",
            Is("uncontrolled_psychiatric_illness"),
            SOURCE_ORGAN,
        ),
        Criterion(
            "bilirubin",
            "exclusion",
            "hard",
            Compare("bilirubin_x_uln", ">", s.bilirubin_max_x_uln),
            SOURCE_ORGAN,
        ),
        Criterion(
            "transaminases",
            "exclusion",
            "hard",
            AnyOf(
                (
                    Compare("ast_x_uln", ">", s.transaminase_max_x_uln),
                    Compare("alt_x_uln", ">", s.transaminase_max_x_uln),
                )
            ),
            SOURCE_ORGAN,
        ),
        Criterion(
            "transaminases_band",
            "exclusion",
            "relative",
            AnyOf(
                (
                    Compare("ast_x_uln", ">", s.transaminase_review_x_uln),
                    Compare("alt_x_uln", ">", s.transaminase_review_x_uln),
                )
            ),
            SOURCE_ORGAN,
            note="sources give 2–3 × ULN",
        ),
        Criterion(
            "creatinine_clearance",
            "exclusion",
            "hard",
            Compare("creatinine_clearance_ml_min", "<", s.crcl_min_ml_min),
            SOURCE_ORGAN,
        ),
        Criterion("lvef", "exclusion", "hard", Compare("lvef_pct", "<", s.lvef_min_pct), SOURCE_ORGAN),
        Criterion(
            "lvef_band",
            "exclusion",
            "relative",
            Compare("lvef_pct", "<", s.lvef_review_pct),
            SOURCE_ORGAN,
            note="sources give 45–50 %",
        ),
        Criterion("dlco", "exclusion", "hard", Compare("dlco_pct", "<", s.dlco_min_pct), SOURCE_ORGAN),
        Criterion("fvc", "exclusion", "hard", Compare("fvc_pct", "<", s.fvc_min_pct), SOURCE_ORGAN),
    )
    return RuleSet(
        code="general_ebmt2025",
        title="General criteria, EBMT 2025",
        version="2025.1",
        source="EBMT ADWP recommendations for rheumatic diseases, BMT 2025, Table 2",
        criteria=criteria,
        workup=(
            "performance status",
            "HCT-CI",
            "QoL questionnaires",
            "smoking status (with cessation date)",
            "weight, height, BMI, BP, heart rate",
            "nutritional assessment",
            "psychosocial assessment (including PTSD screen)",
            "informed consent covering registry data sharing",
            "fertility assessment with gamete preservation",
        ),
        settings=s,
    )
