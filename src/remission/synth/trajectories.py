"""Disease scores and immune reconstitution over time, as item values a form would store.

Disease scores: mRSS falls after SSc transplant (◐ our assumption of about −20 points by 2 years); EDSS
improves about one step in relapsing MS (mean 3.38 → 2.36 in year 1 [@Burt2019, abstract] ✔) and stays put in
progressive MS
unless it progresses (then +1.0, or +0.5 from 6.0: the CDP convention ◐); SLEDAI-2K goes to 0–2
(DORIS-like) in responders; DAS28, JADAS and the Crohn's CDAI fall below their remission cut-offs in
responders and rise again at relapse. Without progression no score worsens by a confirmed step.

Immune reconstitution ◐ (our assumed time courses; no immune-reconstitution series was read for them):
CD4 < 200/µL until 6–12 months and ~75 % of baseline by 2 years; CD8 back by 3–6 months; CD19 near zero to
month 2, then at or above baseline by 6–12 months; NK normal by month 1; TRECs lowest at months 1–3 and back
by 12–24 months; Treg % back by 6–12 months. After CD19 CAR-T, B cells return after 110 ± 32 days
[@Mackensen2022, abstract] ✔.
"""

from __future__ import annotations

import math
import random
from types import MappingProxyType
from typing import Any

from remission.clinical.instruments import INSTRUMENTS
from remission.clinical.scores.mrss_clements1995 import SITES as MRSS_SITES
from remission.clinical.scores.sledai2k_gladman2002 import WEIGHTS as SLEDAI_WEIGHTS
from remission.registry import catalogue

# The instrument each disease is followed with (None: no disease score in the catalogue for it).
INSTRUMENT_FOR: MappingProxyType[str, str] = MappingProxyType(
    {
        "ssc": "mrss",
        "ms": "edss",
        "nmo": "edss",
        "sle": "sledai2k",
        "ra": "das28_esr",
        "jia": "jadas10",
        "crohn": "cdai_crohn",
        "myositis": "haq_di",
    }
)
EDSS_STEPS = (0.0, *(s / 2 for s in range(2, 21)))  # 0, 1.0, 1.5, … 10 (Kurtzke: no 0.5)


def _edss_step(value: float) -> float:
    value = min(9.5, max(0.0, value))
    return min(EDSS_STEPS, key=lambda s: abs(s - value))


class DiseaseCourse:
    """One patient's disease activity: a baseline and its level at any time after day 0."""

    def __init__(self, instrument: str, rng: random.Random, *, progressive_ms: bool) -> None:
        self.instrument = instrument
        self.progressive_ms = progressive_ms
        self.rng = rng
        g = rng.gauss
        if instrument == "edss":
            centre = (
                6.0 if progressive_ms else 3.5
            )  # ◐; median 6.5 [@Muraro2017, abstract], mean 3.38 [@Burt2019, abstract]
            self.baseline = _edss_step(max(1.5, g(centre, 0.9 if progressive_ms else 1.1)))
            # relapsing MS improves by about a step (3.38 → 2.36 at 1 y [@Burt2019, abstract]);
            # progressive stays
            self.gain = 0.0 if progressive_ms else rng.choice((0.0, 0.5, 1.0, 1.0, 1.5))
        elif instrument == "mrss":
            self.baseline = float(round(min(45, max(10, g(25, 7)))))  # ◐ mRSS > 15 (some borderline)
            self.gain = rng.uniform(0.55, 0.8)  # share of the skin score lost by 2 years ◐
        elif instrument == "sledai2k":
            # ◐; median SLEDAI-2K 16 in [@Mackensen2022, abstract]
            self.baseline = float(round(min(40, max(6, g(15, 5)))))
            self.gain = 1.0
        elif instrument == "cdai_crohn":
            # ◐; inclusion CDAI ≥ 250 [@Hawkey2015, Figure], > 250 [@Burt2010, abstract]
            self.baseline = float(round(min(600, max(220, g(330, 70)))))
            self.gain = 1.0
        elif instrument == "haq_di":
            self.baseline = round(min(3.0, max(0.5, g(1.6, 0.5))) * 8) / 8
            self.gain = 0.5
        else:  # das28_esr, jadas10: the items carry the level
            self.baseline = 1.0
            self.gain = rng.uniform(0.6, 0.9)

    def activity(self, years: float, progression: float | None) -> float:
        """Relative activity: 1 at baseline, falling after transplant, rising again after progression."""
        fall = self.gain * (1 - math.exp(-years / 0.6))
        level = 1 - fall
        if progression is not None and years >= progression:
            level = min(1.0, level + 0.6 * (1 - math.exp(-(years - progression) / 0.5)))
        return level

    def items(self, years: float | None, progression: float | None) -> tuple[dict[str, Any], float | None]:
        """Item values and score at ``years`` after day 0 (None = baseline)."""
        rng = self.rng
        if self.instrument == "edss":
            if years is None:
                value = self.baseline
            else:
                value = self.baseline - self.gain * (1 - math.exp(-years / 0.5))
                value = _edss_step(value + rng.choice((-0.5, 0.0, 0.0, 0.0, 0.5)))
                value = min(value, self.baseline + 0.5)  # no confirmed worsening without progression
                if progression is not None and years >= progression:
                    step = 0.5 if self.baseline >= 6.0 else 1.0  # CDP convention ◐
                    value = _edss_step(self.baseline + step + 0.5 * int((years - progression) / 2))
            return {"edss": value}, value
        level = 1.0 if years is None else self.activity(years, progression)
        if self.instrument == "mrss":
            return self._mrss(round(self.baseline * level + rng.gauss(0, 1.5)))
        if self.instrument == "sledai2k":
            target = (
                self.baseline
                if years is None
                else (rng.choice((0, 0, 0, 2, 4)) if level < 0.3 else round(self.baseline * level))
            )
            return self._sledai(int(target))
        if self.instrument == "cdai_crohn":
            value = float(round(max(0, self.baseline * (level * 0.9 + 0.1) + rng.gauss(0, 25))))
            return {}, value
        if self.instrument == "haq_di":
            value = round(min(3.0, max(0.0, self.baseline * level + rng.gauss(0, 0.15))) * 8) / 8
            return {}, value
        if self.instrument == "das28_esr":
            items = {
                "tjc28": max(0, min(28, round(13 * level + rng.gauss(0, 1.5)))),
                "sjc28": max(0, min(28, round(9 * level + rng.gauss(0, 1.2)))),
                "esr": float(max(2, min(120, round(48 * level + 8 + rng.gauss(0, 6))))),
                "gh": float(max(0, min(100, round(68 * level + 10 + rng.gauss(0, 8))))),
            }
            return items, catalogue.compute_score(INSTRUMENTS["das28_esr"], items)
        if self.instrument == "jadas10":
            items = {
                "physician_global": round(max(0.0, min(10.0, 7 * level + rng.gauss(0, 0.7))), 1),
                "parent_global": round(max(0.0, min(10.0, 7 * level + 0.5 + rng.gauss(0, 0.8))), 1),
                "active_joints": max(0, min(40, round(9 * level + rng.gauss(0, 1.0)))),
                "esr": float(max(2, min(120, round(50 * level + 8 + rng.gauss(0, 6))))),
            }
            return items, catalogue.compute_score(INSTRUMENTS["jadas10"], items)
        raise ValueError(f"no course for instrument {self.instrument!r}")

    def _mrss(self, total: int) -> tuple[dict[str, Any], float | None]:
        total = max(0, min(51, total))
        sites = dict.fromkeys(MRSS_SITES, 0)
        open_sites = list(MRSS_SITES)
        for _ in range(total):
            site = self.rng.choice(open_sites)
            sites[site] += 1
            if sites[site] == 3:
                open_sites.remove(site)
        return sites, float(total)

    def _sledai(self, target: int) -> tuple[dict[str, Any], float | None]:
        codes = list(SLEDAI_WEIGHTS)
        self.rng.shuffle(codes)
        items = dict.fromkeys(SLEDAI_WEIGHTS, False)
        total = 0
        for code in codes:
            weight = SLEDAI_WEIGHTS[code][1]
            if total + weight <= target:
                items[code] = True
                total += weight
        return items, float(total)


# --- immune reconstitution ------------------------------------------------------------------------------

# Months after day 0 at which the recovery fractions below are given (piecewise linear between them).
MONTHS = (0.0, 1.0, 3.3, 6.0, 12.0, 24.0, 60.0)
RECOVERY: MappingProxyType[str, tuple[float, ...]] = MappingProxyType(
    {
        "cd4": (1.0, 0.08, 0.15, 0.25, 0.45, 0.75, 0.9),
        "cd8": (1.0, 0.35, 0.9, 1.1, 1.1, 1.0, 1.0),
        "cd19": (1.0, 0.02, 0.3, 1.0, 1.3, 1.1, 1.0),
        "nk": (1.0, 1.0, 1.1, 1.0, 1.0, 1.0, 1.0),
        "cd4_naive": (1.0, 0.02, 0.05, 0.1, 0.3, 0.7, 1.0),
        "trec": (1.0, 0.1, 0.1, 0.4, 0.9, 1.2, 1.2),
        "treg_pct": (1.0, 0.6, 0.6, 0.8, 1.0, 1.05, 1.0),
        "igg": (1.0, 0.7, 0.65, 0.75, 0.9, 1.0, 1.0),
    }
)
# Baseline (median, unit) ◐ adult reference values.
BASELINE: MappingProxyType[str, tuple[float, str]] = MappingProxyType(
    {
        "cd4": (750, "cells/uL"),
        "cd8": (450, "cells/uL"),
        "cd19": (220, "cells/uL"),
        "nk": (220, "cells/uL"),
        "cd3": (1250, "cells/uL"),
        "cd4_naive": (300, "cells/uL"),
        "trec": (3000, "copies/ug DNA"),
        "treg_pct": (6.0, "%"),
        "igg": (10.0, "g/L"),
    }
)
PANELS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {
        "none": (),
        "basic": ("cd4", "cd8", "cd19", "igg"),
        "research": ("cd3", "cd4", "cd8", "cd19", "nk", "cd4_naive", "treg_pct", "trec", "igg"),
    }
)


def _interpolate(months: float, values: tuple[float, ...]) -> float:
    if months >= MONTHS[-1]:
        return values[-1]
    for i in range(1, len(MONTHS)):
        if months <= MONTHS[i]:
            share = (months - MONTHS[i - 1]) / (MONTHS[i] - MONTHS[i - 1])
            return values[i - 1] + share * (values[i] - values[i - 1])
    return values[-1]


class ImmuneCourse:
    """One patient's immune reconstitution: individual baselines, then the recovery curves above."""

    def __init__(self, rng: random.Random, *, age: float, car_t: bool, slow_t: bool) -> None:
        self.rng = rng
        self.car_t = car_t
        self.slow_t = slow_t  # ATG + CD34 selection: slower T-cell recovery ◐
        self.b_cell_return = max(45.0, rng.gauss(110, 32)) / 30.4  # months; [@Mackensen2022, abstract]
        age_factor = math.exp(-0.03 * max(0.0, age - 30))  # thymic output falls with age ◐
        self.base = {
            name: median * math.exp(rng.gauss(0, 0.3)) * (age_factor if name in ("trec", "cd4_naive") else 1)
            for name, (median, _unit) in BASELINE.items()
        }

    def value(self, analyte: str, months: float | None) -> tuple[float, str]:
        unit = BASELINE[analyte][1]
        if months is None:
            fraction = 1.0
        elif analyte == "cd3":
            cd4 = self._fraction("cd4", months) * BASELINE["cd4"][0]
            cd8 = self._fraction("cd8", months) * BASELINE["cd8"][0]
            fraction = (cd4 + cd8) * 1.1 / BASELINE["cd3"][0]
        else:
            fraction = self._fraction(analyte, months)
        value = self.base[analyte] * fraction * math.exp(self.rng.gauss(0, 0.2))
        digits = 1 if unit in ("%", "g/L") else 0
        return round(value, digits), unit

    def _fraction(self, analyte: str, months: float) -> float:
        if self.car_t:
            if analyte == "cd19":
                return (
                    0.0 if months < self.b_cell_return else min(1.0, 0.5 + (months - self.b_cell_return) / 6)
                )
            if analyte == "igg":
                return 0.85 if months < 12 else 0.9
            return min(1.0, 0.5 + months / 6)
        fraction = _interpolate(months, RECOVERY[analyte])
        if self.slow_t and analyte in ("cd4", "cd4_naive", "trec") and months < 24:
            fraction *= 0.8
        return fraction
