"""Adverse events by period after day 0, and the causes of death.

HSCT event rates and windows ◐ are our assumptions (infections common in months 0–6, rare later); no
series was read for them. CAR-T rates follow [@Muller2024, abstract] ✔ (CRS grade 1 in 10/15, grade 2 in
1/15, ICANS grade 1 in 1/15; read in a published summary of the abstract). Secondary autoimmune disease:
cumulative incidence 9.8 % ± 2 % at 5 years after autologous HSCT, with SLE as primary disease and ATG plus
CD34+ graft selection as risk factors [@Daikeler2011, abstract] ✔.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class EventSpec:
    """A complication that may happen once in a window of days after day 0."""

    term: str
    category: str
    probability: float
    onset_days: tuple[int, int]
    duration_days: tuple[int, int]
    grades: tuple[tuple[int, float], ...]
    relatedness: str
    organisms: tuple[str, ...] = ()
    organism_share: float = 0.0
    regimens: frozenset[str] | None = None  # only after these conditioning regimens (None: any)
    diseases: frozenset[str] | None = None
    multiplier: MappingProxyType[str, float] = field(
        default_factory=lambda: MappingProxyType({})
    )  # by regimen


_BACTERIA = ("Escherichia coli", "Klebsiella pneumoniae", "Staphylococcus epidermidis",
             "Enterococcus faecium",
             "Pseudomonas aeruginosa", "Streptococcus mitis")  # fmt: skip
_ATG = frozenset({"cy200_ratg", "cy200_eatg", "tbi_cy_eatg", "beam_atg"})

HSCT_EVENTS: tuple[EventSpec, ...] = (
    EventSpec("Febrile neutropenia", "infection", 0.55, (3, 9), (3, 8), ((3, 0.9), (4, 0.1)), "probable",
              _BACTERIA, 0.35,
              multiplier=MappingProxyType({"beam_atg": 1.35, "tbi_cy_eatg": 1.35, "bu_cy": 1.3})),
    EventSpec("Oral mucositis", "organ_toxicity", 0.15, (3, 7), (5, 12), ((2, 0.6), (3, 0.4)), "definite",
              multiplier=MappingProxyType({"beam_atg": 4.0, "bu_cy": 3.3, "tbi_cy_eatg": 2.7})),
    EventSpec("Engraftment syndrome", "other", 0.05, (7, 12), (2, 6), ((2, 0.8), (3, 0.2)), "probable"),
    EventSpec("Serum sickness", "other", 0.05, (7, 14), (3, 8), ((2, 0.9), (3, 0.1)), "probable",
              regimens=_ATG),
    EventSpec("Haemorrhagic cystitis", "organ_toxicity", 0.03, (1, 20), (5, 20), ((2, 0.7), (3, 0.3)),
              "probable"),
    EventSpec("Cardiac failure", "organ_toxicity", 0.05, (0, 30), (7, 40), ((3, 0.7), (4, 0.3)), "possible",
              diseases=frozenset({"ssc"})),
    EventSpec("Cytomegalovirus reactivation", "infection", 0.18, (20, 60), (14, 35), ((2, 0.8), (3, 0.2)),
              "probable", ("cytomegalovirus",), 1.0, regimens=_ATG),
    EventSpec("Epstein-Barr virus reactivation", "infection", 0.08, (30, 90), (14, 40), ((2, 0.9), (3, 0.1)),
              "probable", ("Epstein-Barr virus",), 1.0, regimens=frozenset({"cy200_ratg", "beam_atg"})),
    EventSpec("Pneumonia", "infection", 0.05, (30, 180), (7, 21), ((3, 0.8), (4, 0.2)), "possible",
              ("Streptococcus pneumoniae", "Pneumocystis jirovecii", "influenza A virus"), 0.5),
    EventSpec("Herpes zoster", "infection", 0.08, (60, 365), (10, 30), ((2, 0.85), (3, 0.15)), "possible",
              ("varicella-zoster virus",), 1.0),
    EventSpec("Fever-related neurological worsening", "disease_flare", 0.10, (0, 20), (3, 15),
              ((2, 0.9), (3, 0.1)), "probable", diseases=frozenset({"ms", "nmo", "cidp"})),
)  # fmt: skip
CAR_T_EVENTS: tuple[EventSpec, ...] = (
    EventSpec("Cytokine release syndrome", "crs", 11 / 15, (1, 3), (1, 4), ((1, 10 / 11), (2, 1 / 11)),
              "definite"),
    EventSpec("Immune effector cell-associated neurotoxicity syndrome", "icans", 1 / 15, (4, 8), (1, 3),
              ((1, 1.0),), "definite"),
    EventSpec("Febrile neutropenia", "infection", 0.15, (4, 12), (2, 6), ((3, 1.0),), "probable",
              _BACTERIA, 0.3),
)  # fmt: skip

SECONDARY_AUTOIMMUNITY_PER_YEAR = 0.019  # ◐ chosen so that, with the factors below, ≈ 9.8 % at 5 y (Daikeler)
SECONDARY_AUTOIMMUNITY_SLE = 2.0  # risk factor ✔ [@Daikeler2011, abstract]; size ◐
SECONDARY_AUTOIMMUNITY_ATG_CD34 = 1.5  # risk factor ✔ [@Daikeler2011, abstract]; size ◐
SECONDARY_AUTOIMMUNE_TERMS = (("Autoimmune thyroiditis", 0.5, 2), ("Immune thrombocytopenia", 0.25, 3),
                              ("Autoimmune haemolytic anaemia", 0.1, 3), ("Acquired haemophilia", 0.05, 3),
                              ("Autoimmune hepatitis", 0.1, 3))  # fmt: skip
MALIGNANCY_PER_YEAR = 0.002  # ◐ secondary MDS/AML and solid tumours after alkylators/TBI
MALIGNANCY_TERMS = (
    ("Myelodysplastic syndrome", 0.4),
    ("Acute myeloid leukaemia", 0.2),
    ("Solid tumour", 0.4),
)

# Causes of death by kind (codes of registry.codes.CauseOfDeath) ◐.
TRM_CAUSES_HSCT = (("trm_infection", 0.50), ("trm_organ_toxicity", 0.27), ("trm_haemorrhage", 0.05),
                   ("trm_graft_failure", 0.03), ("trm_other", 0.15))  # fmt: skip
TRM_CAUSES_SSC = (
    ("trm_infection", 0.40),
    ("trm_organ_toxicity", 0.45),
    ("trm_haemorrhage", 0.03),
    ("trm_graft_failure", 0.02),
    ("trm_other", 0.10),
)  # fmt: skip — more organ-toxicity (cardiac) TRM in SSc ◐
TRM_CAUSES_CAR_T = (("trm_crs_icans", 0.3), ("trm_infection", 0.7))
UNRELATED_CAUSES = (("unrelated", 0.75), ("secondary_malignancy", 0.12), ("unknown", 0.13))
FATAL_EVENT = MappingProxyType(
    {"trm_infection": ("Fatal sepsis", "infection"),
     "trm_organ_toxicity": ("Fatal organ failure", "organ_toxicity"),
     "trm_crs_icans": ("Fatal cytokine release syndrome", "crs")}
)  # fmt: skip
