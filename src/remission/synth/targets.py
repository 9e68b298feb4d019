"""Calibration targets for the synthetic registry, as data, each with its citation and confidence mark.

Sources are cited by bibliography key and the place read (:mod:`remission.clinical.bibliography`); the
marks mean what they mean everywhere in the project: ✔ checked against the cited source at the place
named; ◐ an assumption (a value we chose, not read in a named table or abstract); ⚠ the sources disagree.
Two sources, [@Snowden2017] and [@Pasquini2012], await a checked DOI or PMID (listed apart in
docs/sources.md); their abstracts were read and the figures taken from them are ✔.

Three kinds of data live here:

* :data:`PUBLISHED` — reference points, each with what its source reports at the place cited (abstract,
  or a named figure or table); the generator does not read them.
* :data:`STRATA` — the per-stratum outcome targets the generator is calibrated to (5-year OS, 5-year
  PFS, 1-year TRM). Each target's ``source`` says how it was chosen: quoted from a source (key and
  place), chosen between published values (both ends cited), or an assumption (◐). Most are the latter
  two: the trials report different endpoints, horizons and populations than a pooled registry stratum.
  The hazards in :mod:`remission.synth.hazards` are solved from these numbers.
* the covariate effects (era, centre experience, JACIE, age) and the disease mix by era.

What a target means: the Kaplan-Meier estimate at ``horizon_years`` over the whole synthetic
registry for that stratum (all eras and centres pooled, censored at last contact) — the same quantity a
registry paper reports. :mod:`remission.synth.hazards` solves for the hazards that make that *estimand*
(not the covariate-averaged survival) equal the target, so covariate-dependent follow-up (recent, better
eras are followed for less time) does not bias the recovered value. PFS here is survival free of
progression or relapse and of death from any cause.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

Mark = Literal["✔", "◐", "⚠"]

# The registry's data lock: every synthetic date is on or before it, so a registry does not depend on the
# day it is built (and passes the "no date in the future" rule on any later day).
DATA_CUT = dt.date(2025, 12, 31)
# EBMT autoimmune-disease HSCT from 1994 ([@Snowden2017, abstract] ✔: "from 1994 to 2015"); 1995: ours ◐.
FIRST_TRANSPLANT = dt.date(1995, 1, 1)


@dataclass(frozen=True)
class Published:
    """One published series: what it reports at the place ``citation`` names, in its own words and terms."""

    key: str
    citation: str
    population: str
    reported: str
    mark: Mark


PUBLISHED: tuple[Published, ...] = (
    Published(
        "farge2010",
        "[@Farge2010, abstract] (EBMT 1996–2007)",
        "900 first autologous HSCT: MS 345, SSc 175, RA 89, SLE 85, JIA 65, cytopenia 37; 64 % F, "
        "median 35 y",
        "5-y survival 85 %, PFS 43 %; 100-d TRM associated with the centre's experience (P = .003) and "
        "the disease (P = .03); PFS better with age < 35 (P = .004), transplant after 2000 (P = .0015) "
        "and by diagnosis (P = .0007)",
        "✔",
    ),
    Published(
        "snowden2017",
        "[@Snowden2017, abstract] (EBMT 1994–2015)",
        "1951 first autologous HSCT (median age 37 [3-76]), 105 allogeneic; 247 centres in 40 countries",
        "chronological improvement in PFS (P < 10−5), relapse/progression (P < 10−5) and NRM (P = .01); "
        "better PFS with experience (≥ 23 transplants for AD, P = .001), time from the centre's first AD "
        "HSCT ≥ 6 y (P = .01) and JACIE accreditation (P = .02) — adults with MS, SSc or Crohn disease",
        "✔",
    ),
    Published(
        "astis2014",
        "[@vanLaar2014, Figure 1 and Figure 2 legends] (ASTIS)",
        "156 early diffuse cutaneous SSc randomised March 2001–October 2009, followed to 31 October 2013",
        "22 patients in the HSCT arm and 31 in the cyclophosphamide arm had an event (death or persistent "
        "major organ failure); event-free survival HR 0.34 (95 % CI 0.16–0.74) from 3 to 10 years, overall "
        "survival HR 0.29 (0.13–0.64); the HSCT hazard is initially high because of treatment-related "
        "mortality. No EFS percentage at a stated time was read; 1 − 22/79 = 72 % is derived from the "
        "event count (crude, not a Kaplan-Meier estimate) and is not quoted",
        "✔",
    ),
    Published(
        "scot2018",
        "[@Sullivan2018, abstract] (SCOT)",
        "75 severe SSc aged 18–69 (36 transplantation, 39 cyclophosphamide); CD34+ selected graft",
        "event-free survival (survival without respiratory, renal or cardiac failure) at 54 months 79 % vs "
        "50 % (per-protocol); at 72 months Kaplan-Meier EFS 74 % vs 47 % and OS 86 % vs 51 %. "
        "Treatment-related mortality 3 % at 54 months and 6 % at 72 months ◐ (that sentence of the abstract "
        "was not legible in the copies read here)",
        "✔",
    ),
    Published(
        "nash2007",
        "[@Nash2007, abstract]",
        "34 diffuse cutaneous SSc; TBI 800 cGy (lung shielding) + Cy 120 mg/kg + eATG 90 mg/kg; "
        "CD34-selected graft",
        "estimated progression-free survival 64 % at 5 years; 12 deaths (8 transplantation-related, 4 SSc)",
        "✔",
    ),
    Published(
        "mist2019",
        "[@Burt2019, abstract] (MIST)",
        "110 RRMS randomised (55 HSCT); Cy 200 mg/kg + rATG",
        "disease progression in 3 (HSCT) vs 34 (DMT) patients; mean EDSS 3.38 → 2.36 in year 1 (HSCT); "
        "no deaths",
        "✔",
    ),
    Published(
        "muraro2017",
        "[@Muraro2017, abstract] (read in a published summary of it)",
        "281 MS transplanted 1995–2006, 78 % progressive, median EDSS 6.5",
        "5-y PFS 46 %; relapsing MS 82 % at 3 y and 78 % at 4 y. 5-y OS and 100-day TRM not read ◐",
        "✔",
    ),
    Published(
        "burt2021",
        "[@Burt2021, abstract] (Northwestern)",
        "507 MS (414 RRMS, 93 newly diagnosed SPMS), non-myeloablative, July 2003–October 2019",
        "1 treatment-related death (0.19 %); 5-y OS 98.8 %; relapse-free survival at 5 y 80.1 % (RRMS); "
        "PFS at 4 y 95 % (RRMS) and 66 % (SPMS)",
        "✔",
    ),
    Published(
        "burt2006",
        "[@Burt2006, abstract] (SLE)",
        "50 SLE enrolled; Cy 2 g/m² + G-CSF mobilisation, CD34+ selected; Cy 200 mg/kg + eATG 90 mg/kg",
        "treatment-related mortality 2 % (1/50); 5-y OS 84 % and 5-y DFS 50 % ◐ (not in the part read)",
        "✔",
    ),
    Published(
        "burt2010",
        "[@Burt2010, abstract] (Crohn's)",
        "24 Crohn disease refractory to anti-TNF; Cy 2 g/m² + G-CSF; CD34+ selected; Cy 200 mg/kg + ATG",
        "clinical relapse-free survival (free of restarting Crohn disease medical therapy) 91/63/57/39/19 % "
        "at 1–5 y",
        "✔",
    ),
    Published(
        "cart_sle",
        "[@Mackensen2022, abstract]; [@Muller2024, abstract] (CD19 CAR-T)",
        "5 SLE (median age 22); 15 (8 SLE, 3 myositis, 4 SSc); Flu/Cy + 1 × 10⁶ CD19 CAR T cells/kg",
        "drug-free remission over median follow-up 8 mo [@Mackensen2022, abstract] and 15 mo "
        "[@Muller2024, abstract]; B cells back after 110 ± 32 d [@Mackensen2022, abstract]; CRS grade 1 "
        "in 10/15, grade 2 in 1/15, ICANS grade 1 in 1/15 [@Muller2024, abstract] (read in a published "
        "summary of it)",
        "✔",
    ),
)


@dataclass(frozen=True)
class StratumTarget:
    """The outcome a stratum of the synthetic registry is calibrated to.

    ``os`` and ``pfs`` are Kaplan-Meier estimates at ``horizon_years``; ``trm_1y`` is the cumulative
    incidence of treatment-related death in year 1 (competing with progression), pooled over eras and
    centres; ``trm_by_day100`` the share of that TRM in the first 100 days.
    """

    key: str
    os: float
    pfs: float
    trm_1y: float
    horizon_years: float
    source: str
    mark: Mark
    # ◐ our choice: most autologous TRM falls in the first 100 days
    trm_by_day100: float = 0.7


# Each ``source`` names, for OS / PFS / TRM in turn, how the value was chosen. "Between" means chosen inside
# the interval the two cited values span (both ends cited); "◐" a value we chose with no source giving it for
# this stratum; a trial's endpoint that is not PFS (event-free survival, relapse-free survival) is named as
# such where it stands in for PFS. Every stratum pools all eras and centres, which no single source does,
# so no stratum as a whole is ✔.
STRATA: MappingProxyType[str, StratumTarget] = MappingProxyType(
    {
        t.key: t
        for t in (
            StratumTarget(
                "ms_relapsing", 0.96, 0.78, 0.010, 5,
                "OS ◐ below the 5-y OS 98.8 % of a recent single centre [@Burt2021, abstract], to allow for "
                "earlier eras; PFS between relapsing MS 78 % at 4 y [@Muraro2017, abstract] and RRMS 95 % "
                "at 4 y [@Burt2021, abstract], at the lower end because early eras are pooled; TRM ◐ above "
                "0.19 % [@Burt2021, abstract] for the same reason",
                "◐",
            ),
            StratumTarget(
                "ms_progressive", 0.90, 0.50, 0.025, 5,
                "OS ◐; PFS between 5-y PFS 46 % of a 78 %-progressive cohort [@Muraro2017, abstract] and "
                "SPMS 66 % at 4 y [@Burt2021, abstract]; TRM ◐",
                "◐",
            ),
            StratumTarget(
                "ssc", 0.85, 0.72, 0.070, 5,
                "OS ◐ near SCOT's 86 % at 72 mo [@Sullivan2018, abstract]; PFS between estimated PFS 64 % "
                "at 5 y [@Nash2007, abstract] and SCOT's event-free survival 74 % at 72 mo "
                "[@Sullivan2018, abstract] — EFS (alive without respiratory, renal or cardiac failure) "
                "stands in for PFS there; ASTIS reports events, not a percentage: 22 of 79 transplanted "
                "patients had death or persistent major organ failure [@vanLaar2014, Figure 1], so 72 % is "
                "derived from those counts, crude, not quoted; TRM ◐ between SCOT (3 % at 54 mo ◐, "
                "abstract sentence not read) and 8 transplant-related deaths of 34 [@Nash2007, abstract]",
                "◐",
            ),
            StratumTarget(
                "sle", 0.82, 0.55, 0.060, 5,
                "OS and PFS ◐ (5-y OS 84 % and DFS 50 % attributed to [@Burt2006] were not in the part of "
                "the abstract read); TRM ◐ above the 2 % (1/50) of [@Burt2006, abstract]",
                "◐",
            ),
            StratumTarget(
                "crohn", 0.97, 0.20, 0.010, 5,
                "OS ◐; PFS from clinical relapse-free survival 19 % at 5 y [@Burt2010, abstract] — survival "
                "free of restarting Crohn disease therapy, which stands in for PFS; TRM ◐",
                "◐",
            ),
            StratumTarget(
                "ra", 0.93, 0.25, 0.020, 5,
                "◐ all three: no per-disease RA series read; RA relapses in most patients",
                "◐",
            ),
            StratumTarget(
                "jia", 0.85, 0.45, 0.080, 5,
                "◐ all three: no per-disease JIA series read; early JIA series had high TRM",
                "◐",
            ),
            StratumTarget(
                "aic", 0.75, 0.40, 0.100, 5,
                "◐ all three: no per-disease series of autoimmune cytopenias read",
                "◐",
            ),
            StratumTarget(
                "cidp", 0.97, 0.70, 0.010, 5,
                "◐ all three: no per-disease CIDP series read; set close to relapsing MS",
                "◐",
            ),
            StratumTarget(
                "other_ad", 0.88, 0.45, 0.050, 5,
                "◐ all three: vasculitis, myositis, NMO and the rest — no per-disease series read",
                "◐",
            ),
            StratumTarget(
                "car_t", 0.99, 0.85, 0.002, 2,
                "◐ all three, 2-y values extrapolated from drug-free remission over median follow-up of "
                "8 mo [@Mackensen2022, abstract] and 15 mo [@Muller2024, abstract]",
                "◐",
                trm_by_day100=0.9,
            ),
        )
    }
)  # fmt: skip

# Farge 2010's pooled 5-y survival 85 % and PFS 43 % (EBMT 1996–2007; [@Farge2010, abstract] ✔), a reference
# the early-era registry may be compared with, not calibrated.
FARGE_2010_POOLED = {"os_5y": 0.85, "pfs_5y": 0.43, "years": (1996, 2007)}


# --- covariate effects ------------------------------------------------------------------------------------
# Multipliers on the TRM hazard and hazard ratios on progression. The stratum targets fix the pooled
# level; these fix the contrasts (the solver rescales the baseline so the pooled target still holds).


@dataclass(frozen=True)
class Era:
    key: str
    first_year: int
    last_year: int
    trm_multiplier: float
    progression_hr: float


ERAS: tuple[Era, ...] = (
    # Directions ✔: chronological improvement in PFS (P < 10−5) and NRM (P = .01) [@Snowden2017, abstract].
    # Sizes ◐ (our choice); "PFS better after 2000" (P = .0015) ✔ [@Farge2010, abstract].
    Era("early", 1995, 2000, 3.0, 1.5),
    Era("middle", 2001, 2010, 1.6, 1.2),
    Era("recent", 2011, 2025, 1.0, 1.0),
)

# Centre experience, direction ✔: better PFS with ≥ 23 AD transplants at the centre (P = .001) and with JACIE
# accreditation (P = .02) [@Snowden2017, abstract]; risk of death RR 3.5 at centres with < 5 and 4.2 with 5–15
# autologous HCT for AID vs > 15 ([@Pasquini2012, abstract] ✔). Sizes of the effects below: ◐.
EXPERIENCE_THRESHOLD = 23  # ✔ ≥ 23 autoimmune-disease transplants per centre [@Snowden2017, abstract]
INEXPERIENCED_TRM_MULTIPLIER = 2.5  # ◐ below the death RR 3.5–4.2 of small centres ([@Pasquini2012], above)
INEXPERIENCED_PROGRESSION_HR = 1.35  # ◐ size; direction ✔ [@Snowden2017, abstract]
JACIE_PROGRESSION_HR = 0.85  # ◐ size; direction ✔ [@Snowden2017, abstract]: P = .02
JACIE_TRM_MULTIPLIER = 0.8  # ◐
AGE_CUTOFF = 35  # ✔ PFS better below 35, P = .004 [@Farge2010, abstract]
OLDER_PROGRESSION_HR = 1.25  # ◐ size; direction ✔ [@Farge2010, abstract]
OLDER_TRM_PER_DECADE = 1.3  # ◐ TRM rises with age (our assumption)

# Background (unrelated) mortality: Gompertz, ~0.1 %/y at 40, doubling every ~8.5 y (European life tables ◐).
BACKGROUND_DEATH_AT_40 = 0.001
BACKGROUND_DEATH_GROWTH = 0.082

# After progression: the hazard of dying of the disease is solved per stratum so that OS hits its target.
# Loss to follow-up (per year; centre-specific around this) and reporting lag before the data cut ◐.
LOSS_TO_FOLLOW_UP_PER_YEAR = 0.03
REPORTING_LAG_DAYS = (0, 300)


# --- who is transplanted, when ----------------------------------------------------------------------------
# Disease mix (shares of first procedures) by era ◐. Early/middle follow the counts of [@Farge2010, abstract]
# (MS 345, SSc 175, RA 89, SLE 85, JIA 65, cytopenia 37 of 900 ✔), the remaining ~104
# spread over Crohn's, vasculitis and others ◐. Recent: mostly MS and SSc, some Crohn's and CIDP ◐.
DISEASE_MIX: MappingProxyType[str, MappingProxyType[str, float]] = MappingProxyType(
    {
        "early": MappingProxyType(
            {"ms": 0.38, "ssc": 0.19, "ra": 0.10, "sle": 0.09, "jia": 0.07, "aic": 0.04, "crohn": 0.03,
             "vasculitis": 0.04, "myositis": 0.02, "cidp": 0.01, "nmo": 0.01, "other": 0.02}
        ),
        "middle": MappingProxyType(
            {"ms": 0.42, "ssc": 0.22, "ra": 0.05, "sle": 0.07, "jia": 0.05, "aic": 0.03, "crohn": 0.07,
             "vasculitis": 0.03, "myositis": 0.01, "cidp": 0.03, "nmo": 0.01, "other": 0.01}
        ),
        "recent": MappingProxyType(
            {"ms": 0.55, "ssc": 0.25, "ra": 0.005, "sle": 0.03, "jia": 0.01, "aic": 0.005, "crohn": 0.06,
             "vasculitis": 0.01, "myositis": 0.01, "cidp": 0.05, "nmo": 0.015, "other": 0.005}
        ),
    }
)  # fmt: skip
# CD19 CAR-T from 2021 at CAR-T centres (first series published 2022 [@Mackensen2022, abstract]; the year ◐).
CAR_T_FIRST_YEAR = 2021
CAR_T_SHARE_AT_CENTRE = 0.3  # ◐ share of a CAR-T centre's procedures from 2021: a few per year
# Close to the 8 SLE : 4 SSc : 3 myositis of [@Muller2024, abstract] ✔ (shares rounded ◐).
CAR_T_DISEASES = MappingProxyType({"sle": 0.6, "ssc": 0.25, "myositis": 0.15})

# Share of MS procedures that are relapsing (vs progressive) by era: 22 % relapsing in 1995–2006 (78 %
# progressive [@Muraro2017, abstract]); 414/507 = 82 % relapsing in 2003–2019 [@Burt2021, abstract]; the
# middle era ◐.
MS_RELAPSING_SHARE = MappingProxyType({"early": 0.2, "middle": 0.35, "recent": 0.82})

# Relative number of procedures per calendar year (EBMT activity grows, dips ~2003–2006, then grows ◐).
YEAR_WEIGHTS = MappingProxyType(
    {year: w for year, w in zip(range(1995, 2026), (
        2, 3, 4, 5, 5, 5, 5, 4, 4, 4, 4, 5, 5, 6, 6, 7, 7, 8, 9, 10,
        11, 12, 13, 14, 15, 14, 15, 17, 18, 19, 20
    ), strict=True)}
)  # fmt: skip


def era_of(year: int) -> Era:
    for era in ERAS:
        if era.first_year <= year <= era.last_year:
            return era
    return ERAS[0] if year < ERAS[0].first_year else ERAS[-1]


def stratum_of(disease: str, subtype: str, car_t: bool) -> str:
    """The calibration stratum of a procedure."""
    if car_t:
        return "car_t"
    if disease == "ms":
        return "ms_relapsing" if subtype == "rrms" else "ms_progressive"
    if disease in STRATA:
        return disease
    return "other_ad"
