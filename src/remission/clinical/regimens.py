"""Regimen catalogue: conditioning, CAR-T lymphodepletion and mobilisation, with a versioned intensity rule.

References
----------
- clinical-content.md §2.1 (regimens) and §2.2 (mobilisation), which cite: EBMT 2000 consensus table
  (Cy 50 mg/kg/day × 4, days −5 to −2; BEAM days −7 to −3, etoposide 250 mg/m²/day and Ara-C
  200 mg/m²/day each split twice daily); Burt, Blood 2010 (rATG 6 mg/kg, Northwestern/MIST);
  Burt JAMA 2006 (Cy 200 mg/kg + eATG 90 mg/kg; Cy 2 g/m² + G-CSF 5 µg/kg mobilisation);
  SCOT, Sullivan NEJM 2018 and Nash Blood 2007 (TBI 800 cGy + Cy 120 mg/kg + eATG 90 mg/kg, G-CSF-only
  mobilisation); ASTIS, van Laar JAMA 2014 (Cy 4 g/m² mobilisation); Bu 16 mg/kg + Cy 120 mg/kg;
  Mackensen Nat Med 2022 / Müller NEJM 2024 (Flu/Cy before CD19 CAR-T).
- Intensity: EBMT ADWP convention (EBMT MS guideline, Sharrack BMT 2020; Muraro JAMA Neurol 2017) as
  summarised in clinical-content.md §2.1 — high = TBI- or busulfan-based; intermediate = BEAM ± ATG and
  Cy 200 + ATG; low = Cy alone or melphalan alone without serotherapy. The scheme is from memory (◐,
  clinical-content.md §6 item 5), so it is a versioned rule object; another rule can be passed in.

Provenance
----------
Every agent carries a provenance mark: "verified" (✔ in clinical-content.md), "memory" (◐) or "disputed"
(⚠). Doses and days marked ◐/⚠ are defaults the user can override with :meth:`Regimen.with_agent`
(e.g. ASTIS's rATG 7.5 mg/kg instead of Northwestern's 6 mg/kg). Where only a total is verified, the
split across days is marked ◐. Supportive drugs (MESNA, hyperhydration, methylprednisolone with ATG,
antimicrobial prophylaxis) are left out: they are not part of intensity and are dosed by local protocol.

Days are relative to the graft infusion (day 0) for conditioning and lymphodepletion, and to the first
mobilisation day (day 1) for mobilisation; G-CSF runs until apheresis, so its days are a typical window.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from remission.clinical.dosing import Prescription

# --- error messages -------------------------------------------------------------------------------
UNKNOWN_REGIMEN = "regimen {value!r} is not one of {allowed}"
UNKNOWN_AGENT = "regimen {regimen!r} has no agent {agent!r} (agents: {allowed})"
UNKNOWN_ROLE = "agent {agent!r}: role {value!r} is not one of {allowed}"
UNKNOWN_PROVENANCE = "agent {agent!r}: provenance {value!r} is not one of {allowed}"
UNKNOWN_PURPOSE = "regimen {regimen!r}: purpose {value!r} is not one of {allowed}"
DUPLICATE_AGENT = "regimen {regimen!r} lists agent {agent!r} twice"
BAD_OVERRIDE = "override for {agent!r}: unknown field(s) {fields}; allowed: dose, unit, days"

ROLES = ("chemotherapy", "serotherapy", "radiotherapy", "growth_factor", "antibody")
PROVENANCE = {"verified": "✔", "memory": "◐", "disputed": "⚠", "user": "user"}
PURPOSES = ("conditioning", "lymphodepletion", "mobilisation")
SEROTHERAPY = frozenset({"ratg", "eatg", "alemtuzumab"})


@dataclass(frozen=True)
class Agent:
    """One agent of a regimen: ``dose`` per day in ``unit`` on each of ``days``."""

    code: str
    drug: str
    dose: float
    unit: str
    days: tuple[int, ...]
    role: str
    provenance: str
    source: str
    note: str = ""

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(UNKNOWN_ROLE.format(agent=self.code, value=self.role, allowed=", ".join(ROLES)))
        if self.provenance not in PROVENANCE:
            raise ValueError(
                UNKNOWN_PROVENANCE.format(
                    agent=self.code, value=self.provenance, allowed=", ".join(PROVENANCE)
                )
            )
        self.prescription()  # validates unit, dose and days

    def prescription(self) -> Prescription:
        return Prescription(agent=self.code, drug=self.drug, dose=self.dose, unit=self.unit, days=self.days)

    @property
    def total(self) -> float:
        return self.dose * len(self.days)

    def to_text(self) -> str:
        days = len(self.days)
        per_day = f"{self.dose:g} {self.unit}/day × {days}" if days > 1 else f"{self.dose:g} {self.unit}"
        total = f" = {self.total:g} {self.unit}" if days > 1 else ""
        note = f"; {self.note}" if self.note else ""
        mark = PROVENANCE[self.provenance]
        return f"{self.drug} {per_day}{total} (days {_days(self.days)}) {mark} {self.source}{note}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "drug": self.drug,
            "dose": self.dose,
            "unit": self.unit,
            "days": list(self.days),
            "total": self.total,
            "role": self.role,
            "provenance": self.provenance,
            "source": self.source,
            "note": self.note,
        }


def _days(days: tuple[int, ...]) -> str:
    if len(days) > 1 and list(days) == list(range(days[0], days[0] + len(days))):
        return f"{days[0]:+d} to {days[-1]:+d}"
    return ", ".join(f"{d:+d}" for d in days)


@dataclass(frozen=True)
class Regimen:
    code: str
    name: str
    purpose: str
    agents: tuple[Agent, ...]
    source: str
    used_in: str = ""

    def __post_init__(self) -> None:
        if self.purpose not in PURPOSES:
            raise ValueError(UNKNOWN_PURPOSE.format(regimen=self.code, value=self.purpose, allowed=PURPOSES))
        seen: set[str] = set()
        for agent in self.agents:
            if agent.code in seen:
                raise ValueError(DUPLICATE_AGENT.format(regimen=self.code, agent=agent.code))
            seen.add(agent.code)

    @property
    def agent_codes(self) -> frozenset[str]:
        return frozenset(a.code for a in self.agents)

    def agent(self, code: str) -> Agent:
        for agent in self.agents:
            if agent.code == code:
                return agent
        raise KeyError(
            UNKNOWN_AGENT.format(
                regimen=self.code, agent=code, allowed=", ".join(a.code for a in self.agents)
            )
        )

    def with_agent(self, code: str, **changes: Any) -> Regimen:
        """A copy with one agent's ``dose``, ``unit`` or ``days`` overridden (marked provenance "user")."""
        unknown = set(changes) - {"dose", "unit", "days"}
        if unknown:
            raise ValueError(BAD_OVERRIDE.format(agent=code, fields=", ".join(sorted(unknown))))
        old = self.agent(code)
        if "days" in changes:
            changes["days"] = tuple(changes["days"])
        new = replace(old, provenance="user", source=f"override of {old.source}", **changes)
        return replace(self, agents=tuple(new if a.code == code else a for a in self.agents))

    def with_overrides(self, overrides: Mapping[str, Mapping[str, Any]]) -> Regimen:
        regimen = self
        for code, changes in overrides.items():
            regimen = regimen.with_agent(code, **dict(changes))
        return regimen

    def prescriptions(self) -> tuple[Prescription, ...]:
        return tuple(a.prescription() for a in self.agents)

    def to_text(self) -> str:
        lines = [f"{self.name} [{self.code}] — {self.purpose}; {self.source}"]
        lines += [f"  - {a.to_text()}" for a in self.agents]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "purpose": self.purpose,
            "source": self.source,
            "used_in": self.used_in,
            "agents": [a.to_dict() for a in self.agents],
        }


# --- the agents, as catalogued in clinical-content.md §2.1–2.2 ------------------------------------
CONDITIONING_DAYS = (-5, -4, -3, -2)
_CY200 = Agent(
    "cy", "Cyclophosphamide", 50, "mg/kg", CONDITIONING_DAYS, "chemotherapy", "verified",
    "EBMT 2000 consensus table (50 mg/kg/day × 4, days −5 to −2)",
)  # fmt: skip
_RATG = Agent(
    "ratg", "Rabbit ATG (Thymoglobulin)", 1.5, "mg/kg", CONDITIONING_DAYS, "serotherapy", "memory",
    "Burt, Blood 2010 (total 6 mg/kg ✔; daily split ◐)",
    "ASTIS 7.5 mg/kg ◐, ASSIST 6.5 mg/kg ◐: override the dose",
)  # fmt: skip
_EATG = Agent(
    "eatg", "Equine ATG (ATGAM)", 30, "mg/kg", (-4, -3, -2), "serotherapy", "memory",
    "Burt JAMA 2006; Nash Blood 2007 (total 90 mg/kg ✔; 30 mg/kg/day × 3 ◐)",
)  # fmt: skip

REGIMENS: dict[str, Regimen] = {
    r.code: r
    for r in (
        Regimen(
            "cy200_ratg", "Cy 200 mg/kg + rabbit ATG", "conditioning", (_CY200, _RATG),
            "clinical-content.md §2.1; EBMT 2000 consensus; Burt, Blood 2010", "ASTIS, ASSIST, MIST",
        ),
        Regimen(
            "cy200_eatg", "Cy 200 mg/kg + equine ATG", "conditioning", (_CY200, _EATG),
            "clinical-content.md §2.1; Burt JAMA 2006", "Burt SLE 2006, early Crohn's",
        ),
        Regimen(
            "tbi_cy_eatg", "TBI 800 cGy + Cy 120 mg/kg + equine ATG", "conditioning",
            (
                Agent(
                    "tbi", "Total body irradiation", 4, "Gy", (-5, -4), "radiotherapy", "memory",
                    "SCOT, Sullivan NEJM 2018 (total 800 cGy ✔; 2 × 200 cGy/day ◐)",
                    "lungs shielded to ~200 cGy; kidneys shielded in SCOT",
                ),
                Agent(
                    "cy", "Cyclophosphamide", 60, "mg/kg", (-3, -2), "chemotherapy", "verified",
                    "SCOT; Nash Blood 2007 (60 mg/kg × 2 ✔; days ◐)",
                ),
                _EATG,
            ),
            "clinical-content.md §2.1; Sullivan NEJM 2018; Nash Blood 2007", "SCOT; Nash 2007",
        ),
        Regimen(
            "beam_atg", "BEAM + rabbit ATG", "conditioning",
            (
                Agent(
                    "bcnu", "Carmustine (BCNU)", 300, "mg/m2", (-7,), "chemotherapy", "memory",
                    "clinical-content.md §2.1 ◐ (regimen days −7 to −3 ✔ EBMT 2000 consensus)",
                ),
                Agent(
                    "etoposide", "Etoposide", 250, "mg/m2", (-6, -5, -4, -3), "chemotherapy", "disputed",
                    "EBMT 2000 consensus table (250 mg/m²/day split twice daily ✔; days ◐)",
                    "other protocols 200 mg/m²/day ◐",
                ),
                Agent(
                    "cytarabine", "Cytarabine (Ara-C)", 200, "mg/m2", (-6, -5, -4, -3), "chemotherapy",
                    "verified",
                    "EBMT 2000 consensus table (200 mg/m²/day split twice daily ✔; days ◐)",
                ),
                Agent(
                    "melphalan", "Melphalan", 140, "mg/m2", (-2,), "chemotherapy", "memory",
                    "clinical-content.md §2.1 ◐",
                ),
                Agent(
                    "ratg", "Rabbit ATG (Thymoglobulin)", 2.5, "mg/kg", (-2, -1), "serotherapy", "memory",
                    "clinical-content.md §2.1 (~5 mg/kg total ◐)",
                ),
            ),
            "clinical-content.md §2.1; EBMT 2000 consensus", "Italian and European MS cohorts (ASTIMS)",
        ),
        Regimen(
            "bu_cy", "Busulfan 16 mg/kg + Cy 120 mg/kg", "conditioning",
            (
                Agent(
                    "busulfan", "Busulfan (oral)", 4, "mg/kg", (-7, -6, -5, -4), "chemotherapy", "verified",
                    "clinical-content.md §2.1 (1 mg/kg × 16 doses = 16 mg/kg ✔; 4 doses/day, days ◐)",
                ),
                Agent(
                    "cy", "Cyclophosphamide", 60, "mg/kg", (-3, -2), "chemotherapy", "verified",
                    "clinical-content.md §2.1 (120 mg/kg ✔; 60 mg/kg × 2, days ◐)",
                ),
            ),
            "clinical-content.md §2.1", "early MS, JIA",
        ),
        Regimen(
            "cy_alone", "Cy 200 mg/kg alone", "conditioning", (_CY200,),
            "clinical-content.md §2.1", "early SLE, Crohn's",
        ),
        Regimen(
            "flu_cy", "Fludarabine + cyclophosphamide lymphodepletion (CAR-T)", "lymphodepletion",
            (
                Agent(
                    "fludarabine", "Fludarabine", 25, "mg/m2", (-5, -4, -3), "chemotherapy", "memory",
                    "Mackensen Nat Med 2022; Müller NEJM 2024 (Flu/Cy ✔; doses and days ◐)",
                ),
                Agent(
                    "cy", "Cyclophosphamide", 1000, "mg/m2", (-3,), "chemotherapy", "memory",
                    "Mackensen Nat Med 2022; Müller NEJM 2024 (doses ◐)",
                ),
            ),
            "clinical-content.md §2.1", "CD19 CAR-T in SLE, myositis, SSc",
        ),
        Regimen(
            "mob_cy2_gcsf", "Mobilisation: Cy 2 g/m² + G-CSF", "mobilisation",
            (
                Agent(
                    "cy", "Cyclophosphamide", 2, "g/m2", (1,), "chemotherapy", "verified",
                    "ASSIST, MIST, Burt SLE and Crohn's (clinical-content.md §2.2)",
                ),
                Agent(
                    "gcsf", "G-CSF (filgrastim)", 5, "ug/kg", (6, 7, 8, 9, 10), "growth_factor", "verified",
                    "Burt JAMA 2006 (5 µg/kg/day ✔; range 5–10 ✔; days ◐, until apheresis)",
                ),
            ),
            "clinical-content.md §2.2", "ASSIST, MIST, Burt SLE and Crohn's",
        ),
        Regimen(
            "mob_cy4_gcsf", "Mobilisation: Cy 4 g/m² + G-CSF", "mobilisation",
            (
                Agent(
                    "cy", "Cyclophosphamide", 4, "g/m2", (1,), "chemotherapy", "verified",
                    "ASTIS, van Laar JAMA 2014 (clinical-content.md §2.2)",
                ),
                Agent(
                    "gcsf", "G-CSF (filgrastim)", 10, "ug/kg", (6, 7, 8, 9, 10), "growth_factor", "memory",
                    "clinical-content.md §2.2 (5–10 µg/kg/day ✔; 10 and days ◐, until apheresis)",
                ),
            ),
            "clinical-content.md §2.2", "ASTIS",
        ),
        Regimen(
            "mob_gcsf", "Mobilisation: G-CSF alone", "mobilisation",
            (
                Agent(
                    "gcsf", "G-CSF (filgrastim)", 10, "ug/kg", (1, 2, 3, 4, 5), "growth_factor", "memory",
                    "SCOT (G-CSF only ✔); 10 µg/kg/day for 5 days ◐",
                    "in MS, G-CSF alone risks a flare: Cy + G-CSF recommended ◐",
                ),
            ),
            "clinical-content.md §2.2", "SCOT",
        ),
    )
}  # fmt: skip


def get_regimen(code: str) -> Regimen:
    try:
        return REGIMENS[code]
    except KeyError:
        raise ValueError(UNKNOWN_REGIMEN.format(value=code, allowed=", ".join(REGIMENS))) from None


# --- intensity ------------------------------------------------------------------------------------


class Intensity(StrEnum):
    """Values match the registry's ``Intensity`` codes; "unknown" = outside the rule's scope."""

    HIGH = "high"
    INTERMEDIATE = "intermediate"
    LOW = "low"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class IntensityClause:
    """Regimen gets ``intensity`` when it holds all of ``all_of``, at least one of ``any_of`` (if given),
    none of ``none_of``, and (if ``only`` is given) no agent outside ``only``."""

    intensity: Intensity
    text: str
    all_of: frozenset[str] = frozenset()
    any_of: frozenset[str] = frozenset()
    none_of: frozenset[str] = frozenset()
    only: frozenset[str] | None = None

    def matches(self, agents: frozenset[str]) -> bool:
        return (
            self.all_of <= agents
            and (not self.any_of or bool(self.any_of & agents))
            and not (self.none_of & agents)
            and (self.only is None or agents <= self.only)
        )


@dataclass(frozen=True)
class IntensityRule:
    code: str
    version: str
    source: str
    applies_to: frozenset[str]
    clauses: tuple[IntensityClause, ...]
    ignore_roles: frozenset[str] = field(default_factory=lambda: frozenset({"growth_factor"}))

    def to_text(self) -> str:
        lines = [f"{self.code} v{self.version} — {self.source}"]
        lines += [f"  {c.intensity.value}: {c.text}" for c in self.clauses]
        lines.append("  otherwise: unknown (not classified by this rule)")
        return "\n".join(lines)


@dataclass(frozen=True)
class IntensityResult:
    intensity: Intensity
    reason: str
    rule: str

    def __str__(self) -> str:
        return self.intensity.value


EBMT_ADWP_INTENSITY = IntensityRule(
    code="ebmt_adwp_intensity",
    version="2017.1",
    source="EBMT ADWP convention (EBMT MS guideline; Muraro JAMA Neurol 2017) ◐, clinical-content.md §2.1",
    applies_to=frozenset({"conditioning"}),
    clauses=(
        IntensityClause(Intensity.HIGH, "TBI- or busulfan-based", any_of=frozenset({"tbi", "busulfan"})),
        IntensityClause(
            Intensity.INTERMEDIATE,
            "BEAM (BCNU, etoposide, cytarabine, melphalan) ± ATG",
            all_of=frozenset({"bcnu", "etoposide", "cytarabine", "melphalan"}),
        ),
        IntensityClause(
            Intensity.INTERMEDIATE,
            "cyclophosphamide + serotherapy (ATG)",
            all_of=frozenset({"cy"}),
            any_of=SEROTHERAPY,
        ),
        IntensityClause(
            Intensity.LOW,
            "cyclophosphamide alone, without serotherapy",
            all_of=frozenset({"cy"}),
            only=frozenset({"cy"}),
        ),
        IntensityClause(
            Intensity.LOW,
            "melphalan alone, without serotherapy",
            all_of=frozenset({"melphalan"}),
            only=frozenset({"melphalan"}),
        ),
    ),
)
INTENSITY_RULES: dict[str, IntensityRule] = {EBMT_ADWP_INTENSITY.code: EBMT_ADWP_INTENSITY}


def assess_intensity(regimen: Regimen, rule: IntensityRule = EBMT_ADWP_INTENSITY) -> IntensityResult:
    """The intensity class of ``regimen`` under ``rule``, with the clause that decided it."""
    if regimen.purpose not in rule.applies_to:
        return IntensityResult(
            Intensity.UNKNOWN,
            f"{regimen.purpose} is outside the rule (it classifies conditioning)",
            rule.code,
        )
    agents = frozenset(a.code for a in regimen.agents if a.role not in rule.ignore_roles)
    for clause in rule.clauses:
        if clause.matches(agents):
            return IntensityResult(clause.intensity, clause.text, f"{rule.code} v{rule.version}")
    return IntensityResult(Intensity.UNKNOWN, "no clause of the rule matches", f"{rule.code} v{rule.version}")


def classify_intensity(regimen: Regimen, rule: IntensityRule = EBMT_ADWP_INTENSITY) -> Intensity:
    return assess_intensity(regimen, rule).intensity
