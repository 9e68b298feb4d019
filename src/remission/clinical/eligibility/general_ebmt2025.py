"""General criteria for aHSCT in autoimmune (rheumatic) disease — EBMT 2025 recommendations, Table 2.

Reference
---------
[@Alexander2025, Table 2] ✔ — age 18–65 ("In exceptional cases, older patients could be considered along
with co-morbidity assessment and the agreement of the MDT", level III); disease active or progressive
despite standard therapy (II); a centre combining haematological and RMD specialist teams with MDT
meetings (II); "Careful MDT evaluation is needed for patients with poor performance status (ECOG ≥2,
Karnofsky ≤60%)" (III).

The general exclusions (active infection, pregnancy, recent malignancy, uncontrolled psychiatric illness)
and the limits for bilirubin and AST/ALT are not taken from a named table: each is an assumption
(setting) ◐, a default in :class:`GeneralSettings`. Three organ limits are exclusions of the SSc trials,
read in the comparison [@Walker2018, Table 1] ✔: "Creatinine clearance <40 mL/min" (ASTIS and SCOT
columns), "FVC<45% predicted" and "DLCO<40% predicted" (the column they belong to is not legible in the
text read); applying them to every disease is a setting. Where sources give a range the rule is two-tier
(beyond the outer value a hard exclusion, inside the band an MDT review); for LVEF the band is cited at
both ends ⚠: "LVEF < 45%" in the EBMT recommendations column and "LVEF < 50% by echocardiogram" in the
SCOT column of [@Penglase2023, Table 3]. The transaminase band (2–3 × ULN) is an assumption ◐.

Fields: see :data:`remission.clinical.eligibility.core.FIELDS`. Missing values: each criterion whose
value is missing reads "missing" and the verdict is at best ``insufficient_data``.
"""

from __future__ import annotations

from dataclasses import dataclass

from remission.clinical.eligibility.core import AllGiven, AnyOf, Compare, Criterion, Is, RuleSet
from remission.clinical.words import gettext_noop

SOURCE = "[@Alexander2025, Table 2]"
SOURCE_ORGAN = gettext_noop("assumption (setting), not from a named table ◐")
SOURCE_LVEF = gettext_noop("⚠ setting; SSc sources give EBMT < 45 %, SCOT < 50 % [@Penglase2023, Table 3]")
SOURCE_CRCL = gettext_noop("SSc trials ASTIS, SCOT [@Walker2018, Table 1]; for every disease a setting")
SOURCE_LUNG = gettext_noop("SSc trial exclusion [@Walker2018, Table 1]; for every disease a setting")


@dataclass(frozen=True)
class GeneralSettings:
    age_min_years: float = 18  # ✔ [@Alexander2025, Table 2] "18–65 years old"
    age_max_years: float = 65  # ✔ [@Alexander2025, Table 2]; older only exceptionally, with MDT (relative)
    ecog_max: int = 1  # ✔ [@Alexander2025, Table 2] "ECOG ≥2" needs careful MDT evaluation
    karnofsky_review_max: float = 60  # ✔ [@Alexander2025, Table 2] "Karnofsky ≤60%" needs MDT evaluation
    bilirubin_max_x_uln: float = 2.0  # ◐ assumption (setting), not from a named table
    transaminase_review_x_uln: float = 2.0  # ◐ assumption: lower end of a 2–3 × ULN band
    transaminase_max_x_uln: float = 3.0  # ◐ assumption: upper end
    crcl_min_ml_min: float = 40.0  # ✔ ASTIS, SCOT exclusion [@Walker2018, Table 1]; all diseases: a setting
    lvef_min_pct: float = 45.0  # ⚠ "LVEF < 45%", EBMT column of [@Penglase2023, Table 3]
    lvef_review_pct: float = 50.0  # ⚠ "LVEF < 50% by echocardiogram", SCOT column of [@Penglase2023, Table 3]
    dlco_min_pct: float = 40.0  # ✔ "DLCO<40% predicted", SSc trial exclusion [@Walker2018, Table 1]
    fvc_min_pct: float = 45.0  # ✔ "FVC<45% predicted", SSc trial exclusion [@Walker2018, Table 1]


def general_ebmt2025(settings: GeneralSettings | None = None) -> RuleSet:
    s = settings or GeneralSettings()
    criteria = (
        Criterion(
            "age_min",
            "inclusion",
            "hard",
            Compare("age_years", ">=", s.age_min_years),
            SOURCE,
            note=gettext_noop("younger candidates need the paediatric recommendations"),
        ),
        Criterion(
            "age_max",
            "inclusion",
            "relative",
            Compare("age_years", "<=", s.age_max_years),
            SOURCE,
            note=gettext_noop(
                "older candidates only exceptionally, with comorbidity assessment and MDT agreement (III)"
            ),
        ),
        Criterion("active_disease", "inclusion", "hard", Is("active_despite_standard_therapy"), SOURCE),
        Criterion(
            "experienced_centre",
            "inclusion",
            "relative",
            Is("centre_experienced"),
            SOURCE,
            note=gettext_noop("refer to an experienced centre"),
        ),
        Criterion(
            "performance_status",
            "inclusion",
            "relative",
            AllGiven((Compare("ecog", "<=", s.ecog_max), Compare("karnofsky", ">", s.karnofsky_review_max))),
            SOURCE,
            note=gettext_noop("poor performance status due to reversible disease: careful MDT evaluation"),
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
            note=gettext_noop("band 2–3 × ULN, an assumption"),
        ),
        Criterion(
            "creatinine_clearance",
            "exclusion",
            "hard",
            Compare("creatinine_clearance_ml_min", "<", s.crcl_min_ml_min),
            SOURCE_CRCL,
        ),
        Criterion("lvef", "exclusion", "hard", Compare("lvef_pct", "<", s.lvef_min_pct), SOURCE_LVEF),
        Criterion(
            "lvef_band",
            "exclusion",
            "relative",
            Compare("lvef_pct", "<", s.lvef_review_pct),
            SOURCE_LVEF,
            note=gettext_noop("sources give 45–50 %"),
        ),
        Criterion("dlco", "exclusion", "hard", Compare("dlco_pct", "<", s.dlco_min_pct), SOURCE_LUNG),
        Criterion("fvc", "exclusion", "hard", Compare("fvc_pct", "<", s.fvc_min_pct), SOURCE_LUNG),
    )
    return RuleSet(
        code="general_ebmt2025",
        title="General criteria, EBMT 2025",
        version="2025.1",
        source="EBMT 2025 recommendations for rheumatic diseases [@Alexander2025, Table 2]",
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
