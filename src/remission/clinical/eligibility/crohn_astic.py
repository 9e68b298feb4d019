"""Crohn's disease — the ASTIC trial selection criteria.

Reference
---------
ASTIC, [@Hawkey2015, abstract] ✔: "Patients were aged 18 to 50 years with impaired quality of life from
refractory Crohn disease not amenable to surgery despite treatment with 3 or more immunosuppressive or
biologic agents and corticosteroids." The trial's flow chart [@Hawkey2015, Figure] ✔ lists among the
screening exclusions "Crohn Disease Activity Index less than 250".

Settings: every threshold is in :class:`CrohnSettings` with the trial value as default.
"""

from __future__ import annotations

from dataclasses import dataclass

from remission.clinical.eligibility.core import AllOf, Compare, Is, RuleSet, exclude, include
from remission.clinical.words import gettext_noop

SOURCE = "ASTIC [@Hawkey2015, abstract]"
SOURCE_CDAI = gettext_noop("ASTIC [@Hawkey2015, Figure]: screening excluded CDAI < 250")


@dataclass(frozen=True)
class CrohnSettings:
    age_min_years: float = 18  # ✔ [@Hawkey2015, abstract] "aged 18 to 50 years"
    age_max_years: float = 50  # ✔ [@Hawkey2015, abstract]
    min_agents_failed: int = 3  # ✔ [@Hawkey2015, abstract] "3 or more immunosuppressive or biologic agents"
    cdai_min: float = 250  # ✔ [@Hawkey2015, Figure] screening excluded "CDAI less than 250"


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
        include("cdai", Compare("cdai", ">=", s.cdai_min), SOURCE_CDAI),
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
