"""Multiple sclerosis — a selection rule set after the EBMT ADWP/JACIE guidelines (Sharrack 2020).

References
----------
- [@Sharrack2020, abstract] ✔: increasing evidence "to support its use in highly active relapsing
  remitting MS failing to respond to disease modifying therapies"; aHSCT "may have a potential role in
  the treatment of the progressive forms of MS with a significant inflammatory component". This sets the
  shape of the rule set (relapsing course, or progressive with inflammatory activity; activity despite
  DMT), not its thresholds.
- MIST [@Burt2019, abstract] ✔: "at least 2 relapses while receiving DMT in the prior year" — the default
  of ``min_relapses_12m`` (2) and ``min_dmt_failed`` (1).
- Every other threshold is an assumption (setting), not from a named table ◐: the alternative of one
  relapse plus Gd+ or new T2 lesions; the EDSS ceilings (5.5 usual, 6.5 outer); age (45 optimal, 55
  outer); duration < 10 years; and the progressive-MS exception (activity in 12 months, age < 45,
  duration < 10 years, EDSS < 6.0).

Settings: every threshold is in :class:`MsSettings`. Where centres differ (EDSS 5.5 vs 6.5; age 45 vs 55)
the rule is two-tier: beyond the outer value a hard failure, between the values an MDT review.
"aggressive MS" (aHSCT as first line) is outside this rule set: it reads as failed DMT activity and needs
an MDT decision.
"""

from __future__ import annotations

from dataclasses import dataclass

from remission.clinical.eligibility.core import AllOf, AnyOf, Compare, Is, RuleSet, include
from remission.clinical.words import gettext_noop

SOURCE_INDICATION = "[@Sharrack2020, abstract]"
SOURCE_ACTIVITY = gettext_noop(
    "MIST [@Burt2019, abstract]: ≥ 2 relapses on DMT in the prior year; other thresholds ◐"
)
SOURCE_ASSUMED = gettext_noop("assumption (setting), not from a named table ◐")


@dataclass(frozen=True)
class MsSettings:
    min_relapses_12m: int = 2  # ✔ [@Burt2019, abstract] "at least 2 relapses while receiving DMT"
    min_dmt_failed: int = 1  # ✔ [@Burt2019, abstract] relapses "while receiving DMT"
    edss_review_max: float = 5.5  # ◐ assumption: usual ceiling; above it MDT review
    edss_max: float = 6.5  # ◐ assumption: outer ceiling; above it not eligible
    age_review_below: float = 45  # ◐ assumption: optimal
    age_max: float = 55  # ◐ assumption: outer limit
    duration_review_below_years: float = 10  # ◐ assumption
    progressive_edss_below: float = 6.0  # ◐ assumption
    progressive_age_below: float = 45  # ◐ assumption
    progressive_duration_below_years: float = 10  # ◐ assumption


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
            SOURCE_INDICATION,
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
            SOURCE_ACTIVITY,
        ),
        include("edss_max", Compare("edss", "<=", s.edss_max), SOURCE_ASSUMED),
        include(
            "edss_usual",
            Compare("edss", "<=", s.edss_review_max),
            SOURCE_ASSUMED,
            strength="relative",
            note=gettext_noop("EDSS band 5.5–6.5, an assumption"),
        ),
        include("ms_age_max", Compare("age_years", "<=", s.age_max), SOURCE_ASSUMED),
        include(
            "ms_age_optimal",
            Compare("age_years", "<", s.age_review_below),
            SOURCE_ASSUMED,
            strength="relative",
            note=gettext_noop("younger candidates do better (an assumption)"),
        ),
        include(
            "ms_duration",
            Compare("disease_duration_years", "<", s.duration_review_below_years),
            SOURCE_ASSUMED,
            strength="relative",
        ),
    )
    return RuleSet(
        code="ms_sharrack2020",
        title="Multiple sclerosis, after Sharrack 2020",
        version="2020.1",
        source="[@Sharrack2020, abstract]; MIST [@Burt2019, abstract]; other thresholds ◐, settings",
        criteria=criteria,
        disease="ms",
        workup=("MRI brain and spine with gadolinium within 3 months", "EDSS by a certified rater"),
        settings=s,
    )
