"""Calibration targets for the synthetic registry, as data, each with its citation and confidence mark.

Each target carries a confidence mark: ✔ checked against the named source, ◐ from
memory of the literature (a default to confirm), ⚠ a known ambiguity (here mostly: a per-disease value
the pooled sources did not report, so the synthetic value is our choice inside the published range).

Three kinds of data live here:

* :data:`PUBLISHED` — the published series, each with its citation, kept verbatim as reference
  points; the generator does not read them directly.
* :data:`STRATA` — the per-stratum outcome targets the generator is calibrated to (5-year OS, 5-year
  PFS, 1-year TRM), taken from the "suggested synthetic-cohort defaults" table of §3 and the trial rows.
  The hazards in :mod:`remission.synth.hazards` are solved from these numbers.
* the covariate effects (era, centre experience, JACIE, age) and the disease mix by era.

What a target means: the Kaplan-Meier estimate at ``horizon_years`` over the whole synthetic
registry for that stratum (all eras and centres pooled, censored at last contact) — the same quantity a
registry paper reports. :mod:`remission.synth.hazards` solves for the hazards that make that *estimand*
(not the covariate-averaged survival) equal the target, so covariate-dependent follow-up (recent, better
eras are followed for less time) does not bias the recovered value.
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
FIRST_TRANSPLANT = dt.date(1995, 1, 1)  # EBMT autoimmune registry starts 1994–1996 (Snowden 2017 ✔)


@dataclass(frozen=True)
class Published:
    """One published series: what it reported, as written in its publication."""

    key: str
    citation: str
    population: str
    reported: str
    mark: Mark


PUBLISHED: tuple[Published, ...] = (
    Published(
        "farge2010",
        "Farge D et al. Haematologica 2010;95:284 (EBMT 1996–2007)",
        "900 first autologous HSCT: MS 345, SSc 175, RA 89, SLE 85, JIA 65, cytopenia 37; "
        "64 % F, median 35 y",
        "5-y OS 85 %; 5-y PFS 43 %; 100-d TRM depends on centre experience (p=.003) and disease (p=.03); "
        "PFS better with age < 35, transplant after 2000 and by diagnosis",
        "✔",
    ),
    Published(
        "snowden2017",
        "Snowden JA et al. Blood Adv 2017;1:2742 (EBMT 1994–2015)",
        "1951 autologous, 105 allogeneic; 247 centres, 40 countries; median age 37",
        "OS, PFS (p<1e-5) and NRM (p=.01) improve over time; better PFS with ≥ 23 AD transplants per centre "
        "(p=.001), ≥ 6 y since the centre's first (p=.01) and JACIE accreditation (p=.02)",
        "✔",
    ),
    Published(
        "astis2014",
        "van Laar JM et al. JAMA 2014;311:2490 (ASTIS)",
        "156 dcSSc (79 HSCT); Cy 4 g/m² mobilisation, CD34+ selected, Cy200 + rATG",
        "TRM 10.1 % in year 1; EFS 84 % at 1 y and 72 % at 5.8 y (HSCT arm)",
        "✔",
    ),
    Published(
        "scot2018",
        "Sullivan KM et al. NEJM 2018;378:35 (SCOT)",
        "75 severe SSc (36 HSCT); G-CSF mobilisation, CD34+ selected, TBI 800 + Cy120 + eATG",
        "OS 86 % at 72 mo; EFS 79 % at 54 mo; 12-month TRM 3 %",
        "✔",
    ),
    Published(
        "mist2019",
        "Burt RK et al. JAMA 2019;321:165 (MIST)",
        "110 RRMS (55 HSCT); Cy 2 g/m² + G-CSF; Cy200 + rATG",
        "no deaths; progression 3 vs 34; EDSS 3.38 → 2.36 at 1 y; 5-y PFS ~90.9 % ◐",
        "✔",
    ),
    Published(
        "muraro2017",
        "Muraro PA et al. JAMA Neurol 2017;74:459",
        "281 MS (78 % progressive, median EDSS 6.5), 1995–2006",
        "5-y PFS 46 %; relapsing MS 73 % at 5 y ◐; 5-y OS 92 % ◐; 100-d TRM 2.8 % ◐",
        "✔",
    ),
    Published(
        "burt2021",
        "Burt RK et al. J Neurol 2021 (Northwestern)",
        "507 MS (414 RRMS, 93 SPMS), non-myeloablative",
        "5-y OS 98.8 %; 4-y PFS 95 % (RRMS), 66 % (SPMS); TRM 0.19 %",
        "✔",
    ),
    Published(
        "burt2006",
        "Burt RK et al. JAMA 2006 (SLE)",
        "50 SLE; Cy 2 g/m² + G-CSF; CD34+; Cy200 + eATG 90",
        "5-y OS 84 % ◐; 5-y DFS 50 % ◐; TRM 2 %",
        "✔",
    ),
    Published(
        "burt2010",
        "Burt RK et al. Blood 2010 (Crohn's)",
        "24 Crohn's; Cy 2 g/m²; CD34+; Cy200 + ATG",
        "relapse-free 91/63/57/39/19 % at 1–5 y",
        "✔",
    ),
    Published(
        "cart_sle",
        "Mackensen A et al. Nat Med 2022; Müller F et al. NEJM 2024;390:687 (CD19 CAR-T)",
        "5 SLE; 15 (8 SLE, 3 IIM, 4 SSc); Flu/Cy + CD19 CAR-T",
        "OS 100 %; drug-free remission maintained; CRS grade 1 in 10/15, grade 2 in 1/15; "
        "ICANS grade 1 in 1/15",
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
    trm_by_day100: float = (
        0.7  # ◐ most autologous TRM falls in the first 100 days (Farge 2010 reports 100-d TRM)
    )


STRATA: MappingProxyType[str, StratumTarget] = MappingProxyType(
    {
        t.key: t
        for t in (
            StratumTarget(
                "ms_relapsing", 0.96, 0.78, 0.010, 5,
                "defaults table 'MS, modern RRMS' (OS 95–99 %, PFS 75–90 %, TRM 0.2–1 %) pooled with earlier "
                "eras; Muraro 2017 relapsing 73 % ◐; Burt 2021 OS 98.8 % ✔",
                "◐",
            ),
            StratumTarget(
                "ms_progressive", 0.90, 0.50, 0.025, 5,
                "defaults table 'MS, progressive' (OS ~90 %, PFS 45–65 %, TRM 1–3 %); "
                "Muraro 2017 5-y PFS 46 % ✔",
                "◐",
            ),
            StratumTarget(
                "ssc", 0.85, 0.72, 0.070, 5,
                "defaults table 'dcSSc' (OS 80–90 %, PFS 70–80 %, TRM 3–10 %); ASTIS EFS 72 % ✔; "
                "SCOT OS 86 % ✔",
                "◐",
            ),
            StratumTarget(
                "sle", 0.82, 0.55, 0.060, 5,
                "defaults table 'SLE' (OS 80–85 %, PFS 50–60 %, TRM 2–10 %); Burt 2006 OS 84 %, DFS 50 % ◐",
                "◐",
            ),
            StratumTarget(
                "crohn", 0.97, 0.20, 0.010, 5,
                "defaults table 'Crohn's' (OS > 95 %, treatment-free ~20 % at 5 y, TRM ~1 %); Burt 2010 "
                "relapse-free 19 % at 5 y ✔",
                "◐",
            ),
            StratumTarget(
                "ra", 0.93, 0.25, 0.020, 5,
                "not retrieved per disease (Farge 2010 pooled only); RA relapses in most patients ⚠",
                "⚠",
            ),
            StratumTarget(
                "jia", 0.85, 0.45, 0.080, 5,
                "not retrieved per disease; early JIA series had high TRM (MAS, infection) ⚠",
                "⚠",
            ),
            StratumTarget(
                "aic", 0.75, 0.40, 0.100, 5,
                "autoimmune cytopenias: not retrieved per disease ⚠",
                "⚠",
            ),
            StratumTarget(
                "cidp", 0.97, 0.70, 0.010, 5,
                "CIDP: not retrieved per disease; neurological indications behave like relapsing MS ⚠",
                "⚠",
            ),
            StratumTarget(
                "other_ad", 0.88, 0.45, 0.050, 5,
                "vasculitis, myositis, NMO and the rest: not retrieved per disease ⚠",
                "⚠",
            ),
            StratumTarget(
                "car_t", 0.99, 0.85, 0.002, 2,
                "CD19 CAR-T (Mackensen 2022, Müller 2024 ✔): no deaths, drug-free remission maintained over "
                "median 8–15 mo; 2-y value is our extrapolation ⚠",
                "⚠",
                trm_by_day100=0.9,
            ),
        )
    }
)  # fmt: skip

# Pooled reference the early-era registry should resemble (Farge 2010 ✔): checked, not calibrated.
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
    # defaults table: "low-volume centre or pre-2000 era: ×2–4 multiplier on TRM" ◐; Farge 2010: PFS
    # better after 2000 (p=.0015) ✔; Snowden 2017: NRM (p=.01) and PFS (p<1e-5) improve with time ✔.
    Era("early", 1995, 2000, 3.0, 1.5),
    Era("middle", 2001, 2010, 1.6, 1.2),
    Era("recent", 2011, 2025, 1.0, 1.0),
)

# Snowden 2017 ✔: better PFS with ≥ 23 AD transplants at the centre (p=.001); CIBMTR (Pasquini) ◐: death
# risk RR 3.5–4.2 at centres with ≤ 15 AD transplants. Size of the effects: ◐ (our choice, in range).
EXPERIENCE_THRESHOLD = 23  # Snowden 2017 ✔: ≥ 23 autoimmune-disease transplants per centre
INEXPERIENCED_TRM_MULTIPLIER = 2.5  # inside the defaults table's ×2–4 ◐
INEXPERIENCED_PROGRESSION_HR = 1.35  # ◐ direction from Snowden 2017 ✔
JACIE_PROGRESSION_HR = 0.85  # ◐ direction from Snowden 2017 (p=.02) ✔
JACIE_TRM_MULTIPLIER = 0.8  # ◐
AGE_CUTOFF = 35  # Farge 2010 ✔: PFS better below 35 (p=.004)
OLDER_PROGRESSION_HR = 1.25  # ◐ direction from Farge 2010 ✔
OLDER_TRM_PER_DECADE = 1.3  # ◐ TRM rises with age (HCT-CI/age, Sorror 2014 ✔ direction)

# Background (unrelated) mortality: Gompertz, ~0.1 %/y at 40, doubling every ~8.5 y (European life tables ◐).
BACKGROUND_DEATH_AT_40 = 0.001
BACKGROUND_DEATH_GROWTH = 0.082

# After progression: the hazard of dying of the disease is solved per stratum so that OS hits its target.
# Loss to follow-up (per year; centre-specific around this) and reporting lag before the data cut ◐.
LOSS_TO_FOLLOW_UP_PER_YEAR = 0.03
REPORTING_LAG_DAYS = (0, 300)


# --- who is transplanted, when ----------------------------------------------------------------------------
# Disease mix (shares of first procedures) by era. Early/middle follow Farge 2010 ✔ (MS 345, SSc 175, RA 89,
# SLE 85, JIA 65, cytopenia 37 of 900; the remaining ~104 spread over Crohn's, vasculitis and others ◐).
# Recent: mostly MS and SSc, some Crohn's and CIDP (Snowden 2017 and the EBMT activity surveys ◐).
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
# CD19 CAR-T from 2021 (Mackensen 2022 ✔) at CAR-T centres: this share of their recent procedures.
CAR_T_FIRST_YEAR = 2021
CAR_T_SHARE_AT_CENTRE = 0.3  # ◐ share of a CAR-T centre's procedures from 2021: a few per year
CAR_T_DISEASES = MappingProxyType({"sle": 0.6, "ssc": 0.25, "myositis": 0.15})  # Müller 2024 ✔ 8 : 4 : 3

# Share of MS procedures that are relapsing (vs progressive) by era: Muraro 2017 ✔ 22 % relapsing in
# 1995–2006; Burt 2021 ✔ 414/507 = 82 % relapsing.
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
