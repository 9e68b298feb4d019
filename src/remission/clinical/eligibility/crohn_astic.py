"""Crohn's disease — the ASTIC trial selection criteria.

Reference
---------
Hawkey CJ, et al. Autologous hematopoetic stem cell transplantation for refractory Crohn disease: a
randomized clinical trial (ASTIC). JAMA 2015;314:2524 ✔ (clinical-content.md §1.5): age 18–50;
refractory to ≥ 3 immunosuppressive or biologic agents plus corticosteroids; not amenable to surgery;
screening excluded CDAI < 250.

Settings: every threshold is in :class:`CrohnSettings` with the trial value as default.
"""

from __future__ import annotations

from dataclasses import dataclass

from remission.clinical.eligibility.core import AllOf, Compare, Is, RuleSet, exclude, include

SOURCE = "ASTIC, Hawkey JAMA 2015;314:2524"


@dataclass(frozen=True)
class CrohnSettings:
    age_min_years: float = 18  # ✔
    age_max_years: float = 50  # ✔
    min_agents_failed: int = 3  # ✔
    cdai_min: float = 250  # ✔ screening excluded CDAI < 250


def crohn_astic(settings: CrohnSettings | None = None) -> RuleSet:
    s = settings or CrohnSettings()
    criteria = (
        include(
            "astic_age",
            AllOf((Compare("age_years", ">=", s.age_min_years), Compare("age_years", "<=", s.age_max_years))),
            SOURCE,
        ),
        include(
            "refractory_agents", Compare("immunosuppressants_failed_count", ">=", s.min_agents_failed), SOURCE
        ),
        include("refractory_steroids", Is("corticosteroids_failed"), SOURCE),
        exclude("amenable_to_surgery", Is("amenable_to_surgery"), SOURCE),
        include("cdai", Compare("cdai", ">=", s.cdai_min), SOURCE),
    )
    return RuleSet(
        code="crohn_astic",
        title="Crohn's disease, ASTIC criteria",
        version="2015.1",
        source=SOURCE,
        criteria=criteria,
        disease="crohn",
        workup=("ileocolonoscopy", "MR enterography"),
        settings=s,
    )
