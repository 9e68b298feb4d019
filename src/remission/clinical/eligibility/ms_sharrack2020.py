"""Multiple sclerosis — the typical selection rule set after Sharrack et al., BMT 2020 (EBMT ADWP/JACIE).

References
----------
- Sharrack B, et al. Autologous haematopoietic stem cell transplantation and other cellular therapy in
  multiple sclerosis and immune-mediated neurological diseases: updated guidelines and recommendations
  from the EBMT ADWP and JACIE. BMT 2020;55:283 ✔ (abstract): main indication highly active RRMS failing
  DMTs; a possible role in progressive MS with a significant inflammatory component.
- The thresholds of the "typical rule set" are from memory (◐, clinical-content.md §1.4 and §6 item 2):
  inflammatory activity in the past 12 months despite ≥ 1 full course of DMT (≥ 2 relapses, or 1 relapse
  plus Gd+ or new T2 lesions at a separate time point); EDSS ≤ 5.5 usual (MIST 2.0–6.0; some centres
  ≤ 6.5); age < 45 optimal (up to 50–55 in protocols); duration < 10 years; progressive MS only with
  activity in the past 12 months, age < 45, duration < 10 years and EDSS < 6.0. MIST required ≥ 2 relapses
  on DMT in the prior year ✔ (PMC6439765).

Settings: every threshold is in :class:`MsSettings`. Where centres differ (EDSS 5.5 vs 6.5; age 45 vs 55)
the rule is two-tier: beyond the outer value a hard failure, between the values an MDT review.
"aggressive MS" (aHSCT as first line) is outside this rule set: it reads as failed DMT activity and needs
an MDT decision.
"""

from __future__ import annotations

from dataclasses import dataclass

from remission.clinical.eligibility.core import AllOf, AnyOf, Compare, Is, RuleSet, include

SOURCE = "Sharrack, BMT 2020 (EBMT ADWP/JACIE), typical rule set ◐"


@dataclass(frozen=True)
class MsSettings:
    min_relapses_12m: int = 2  # ◐ (MIST ✔ ≥ 2 relapses on DMT)
    min_dmt_failed: int = 1  # ◐ "≥ 1 full course of (high-efficacy) DMT"
    edss_review_max: float = 5.5  # ◐ usual ceiling; above it MDT review
    edss_max: float = 6.5  # ◐ the highest centre ceiling; above it not eligible
    age_review_below: float = 45  # ◐ optimal
    age_max: float = 55  # ◐ protocol limit
    duration_review_below_years: float = 10  # ◐
    progressive_edss_below: float = 6.0  # ◐ from a secondary summary
    progressive_age_below: float = 45  # ◐
    progressive_duration_below_years: float = 10  # ◐


def ms_sharrack2020(settings: MsSettings | None = None) -> RuleSet:
    s = settings or MsSettings()
    progressive_active = AllOf(
        (
            Compare("ms_course", "in", ("spms", "ppms")),
            AnyOf((Compare("relapses_12m", ">=", 1), Is("mri_activity_12m"))),
            Compare("age_years", "<", s.progressive_age_below),
            Compare("disease_duration_years", "<", s.progressive_duration_below_years),
            Compare("edss", "<", s.progressive_edss_below),
        )
    )
    criteria = (
        include(
            "relapsing_course",
            Compare("ms_course", "==", "rrms"),
            SOURCE,
            exception=progressive_active,
            exception_text=(
                f"progressive MS, clinical or MRI activity in 12 months, age < {s.progressive_age_below:g}, "
                f"duration < {s.progressive_duration_below_years:g} y and EDSS < {s.progressive_edss_below:g}"
            ),
        ),
        include(
            "inflammatory_activity",
            AllOf(
                (
                    Compare("dmt_failed_count", ">=", s.min_dmt_failed),
                    AnyOf(
                        (
                            Compare("relapses_12m", ">=", s.min_relapses_12m),
                            AllOf((Compare("relapses_12m", ">=", 1), Is("mri_activity_12m"))),
                        )
                    ),
                )
            ),
            SOURCE,
        ),
        include("edss_max", Compare("edss", "<=", s.edss_max), SOURCE),
        include(
            "edss_usual",
            Compare("edss", "<=", s.edss_review_max),
            SOURCE,
            strength="relative",
            note="EDSS ceilings differ between centres (5.5–6.5)",
        ),
        include("ms_age_max", Compare("age_years", "<=", s.age_max), SOURCE),
        include(
            "ms_age_optimal",
            Compare("age_years", "<", s.age_review_below),
            SOURCE,
            strength="relative",
            note="best candidates are younger (NMSS 2021: under 50)",
        ),
        include(
            "ms_duration",
            Compare("disease_duration_years", "<", s.duration_review_below_years),
            SOURCE,
            strength="relative",
        ),
    )
    return RuleSet(
        code="ms_sharrack2020",
        title="Multiple sclerosis, Sharrack 2020 typical rule set",
        version="2020.1",
        source="Sharrack et al., BMT 2020;55:283 (thresholds ◐, settings)",
        criteria=criteria,
        disease="ms",
        workup=("MRI brain and spine with gadolinium within 3 months", "EDSS by a certified rater"),
        settings=s,
    )
