"""Who is treated, when and where: the covariates of one synthetic procedure, drawn before any outcome.

:func:`draw_covariates` is the first thing the generator does for a patient, and the only thing the
calibration (:mod:`remission.synth.hazards`) needs: the hazards are solved over a large sample of these
covariates, so the outcome model is calibrated to exactly the population the generator produces.

Demographics by disease ◐ (our assumptions of typical registry values; for scale: median age 37, range
3–76, over 1951 first autologous HSCT in [@Snowden2017, abstract] ✔; 64 %
female and median age 35 over 900 first autologous HSCT in [@Farge2010, abstract] ✔).
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from dataclasses import dataclass
from types import MappingProxyType

from remission.synth.centres import CENTRES, CentreSpec
from remission.synth.targets import (
    CAR_T_DISEASES,
    CAR_T_FIRST_YEAR,
    CAR_T_SHARE_AT_CENTRE,
    DATA_CUT,
    DISEASE_MIX,
    MS_RELAPSING_SHARE,
    REPORTING_LAG_DAYS,
    YEAR_WEIGHTS,
    Era,
    era_of,
    stratum_of,
)


@dataclass(frozen=True)
class Demography:
    female: float  # share of women
    age_mean: float
    age_sd: float
    age_min: float
    age_max: float
    duration_mean: float  # years from diagnosis to transplant
    duration_sd: float


# ◐ registry-typical values (our assumptions); age limits follow common trial inclusion ages ◐.
DEMOGRAPHY: MappingProxyType[str, Demography] = MappingProxyType(
    {
        "ms": Demography(0.66, 36, 9, 18, 62, 7.0, 4.0),
        "ssc": Demography(0.78, 44, 11, 18, 68, 2.0, 1.2),  # ◐ short disease duration before HSCT
        "sle": Demography(0.88, 31, 9, 16, 60, 7.0, 4.5),
        "ra": Demography(0.80, 44, 10, 20, 66, 9.0, 5.0),
        "jia": Demography(0.58, 10, 4, 3, 17, 5.0, 2.5),
        "crohn": Demography(0.55, 31, 8, 18, 55, 10.0, 5.0),  # ◐ (ASTIC: adults up to 50 [@Hawkey2015])
        "cidp": Demography(0.35, 45, 12, 18, 68, 4.0, 3.0),
        "aic": Demography(0.55, 35, 14, 8, 68, 4.0, 3.0),
        "nmo": Demography(0.85, 38, 11, 18, 62, 4.0, 3.0),
        "vasculitis": Demography(0.50, 42, 13, 16, 68, 5.0, 3.0),
        "myositis": Demography(0.65, 42, 12, 16, 66, 4.0, 3.0),
        "other": Demography(0.60, 40, 12, 16, 66, 5.0, 3.0),
    }
)
SUBTYPES: MappingProxyType[str, tuple[tuple[str, float], ...]] = MappingProxyType(
    {
        "ssc": (("diffuse", 0.92), ("limited", 0.05), ("sine", 0.03)),
        "sle": (("adult", 1.0),),
        "ra": (("seropositive", 0.8), ("seronegative", 0.2)),
        "jia": (("systemic", 0.55), ("poly_rf_negative", 0.3), ("oligo_extended", 0.15)),
        "crohn": (("ileocolonic", 0.55), ("colonic", 0.3), ("ileal", 0.15)),
        "aic": (("evans", 0.4), ("itp", 0.3), ("aiha", 0.3)),
        "nmo": (("aqp4_positive", 0.8), ("aqp4_negative", 0.2)),
        "vasculitis": (("gpa", 0.5), ("mpa", 0.2), ("behcet", 0.15), ("takayasu", 0.15)),
        "myositis": (("dermatomyositis", 0.5), ("polymyositis", 0.5)),
    }
)


@dataclass(frozen=True)
class Covariates:
    """Everything about a procedure that is fixed before the outcome is drawn."""

    day0: dt.date
    centre: CentreSpec
    disease: str
    subtype: str
    car_t: bool
    sex: str
    age: float  # years at day 0
    birth_year: int
    birth_month: int
    era: Era
    stratum: str
    inexperienced: bool  # centre below the Snowden 2017 experience threshold on day 0
    follow_up_years: float  # administrative follow-up: day 0 to this patient's data lock (cut − lag)
    loss_rate: float  # loss to follow-up per year


# The latest day 0: a month before the data cut, so every procedure has its first weeks on record.
LATEST_DAY0 = DATA_CUT - dt.timedelta(days=30)
_YEARS = tuple(YEAR_WEIGHTS)
_YEAR_CUMULATIVE = tuple(itertools.accumulate(YEAR_WEIGHTS.values()))


def _pick(rng: random.Random, table: tuple[tuple[str, float], ...] | MappingProxyType[str, float]) -> str:
    pairs = tuple(table.items()) if isinstance(table, MappingProxyType) else table
    x = rng.random() * sum(w for _, w in pairs)
    for value, weight in pairs:
        x -= weight
        if x < 0:
            return value
    return pairs[-1][0]


def _day0(rng: random.Random) -> dt.date:
    year = _YEARS[bisect.bisect_right(_YEAR_CUMULATIVE, rng.random() * _YEAR_CUMULATIVE[-1])]
    start = dt.date(year, 1, 1)
    end = min(dt.date(year, 12, 31), LATEST_DAY0)
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _centre(rng: random.Random, year: int) -> CentreSpec:
    active = [c for c in CENTRES if c.first_year <= year] or [min(CENTRES, key=lambda c: c.first_year)]
    return active[
        bisect.bisect_right(
            list(itertools.accumulate(c.annual_volume for c in active)),
            rng.random() * sum(c.annual_volume for c in active),
        )
    ]


def draw_covariates(rng: random.Random) -> Covariates:
    """Draw one procedure: date, centre, indication, age and sex, and its administrative follow-up."""
    day0 = _day0(rng)
    centre = _centre(rng, day0.year)
    era = era_of(day0.year)
    car_t = centre.car_t and day0.year >= CAR_T_FIRST_YEAR and rng.random() < CAR_T_SHARE_AT_CENTRE
    disease = _pick(rng, CAR_T_DISEASES) if car_t else _pick(rng, DISEASE_MIX[era.key])
    if disease == "ms":
        relapsing = rng.random() < MS_RELAPSING_SHARE[era.key]
        subtype = "rrms" if relapsing else ("spms" if rng.random() < 0.8 else "ppms")
    elif disease == "ssc" and car_t:
        subtype = "diffuse"
    else:
        subtype = _pick(rng, SUBTYPES[disease]) if disease in SUBTYPES else ""
    demo = DEMOGRAPHY[disease]
    sex = "female" if rng.random() < demo.female else "male"
    age = min(demo.age_max, max(demo.age_min, rng.gauss(demo.age_mean, demo.age_sd)))
    if car_t:
        age = min(55.0, max(18.0, rng.gauss(30, 8)))  # ◐; median age 22 in [@Mackensen2022, abstract]
    birth = day0 - dt.timedelta(days=int(age * 365.25))
    birth_month = birth.month
    # the patient's exact age follows from the birth month (the registry keeps month and year only)
    age = (day0 - dt.date(birth.year, birth_month, 1)).days / 365.25
    lag = rng.randint(*REPORTING_LAG_DAYS)
    follow_up = max(0, (DATA_CUT - day0).days - lag) / 365.25
    return Covariates(
        day0=day0,
        centre=centre,
        disease=disease,
        subtype=subtype,
        car_t=car_t,
        sex=sex,
        age=age,
        birth_year=birth.year,
        birth_month=birth_month,
        era=era,
        stratum=stratum_of(disease, subtype, car_t),
        inexperienced=not centre.experienced_on(day0),
        follow_up_years=follow_up,
        loss_rate=centre.loss_to_follow_up,
    )
