"""Regimen catalogue: conditioning, CAR-T lymphodepletion and mobilisation, with a versioned intensity rule.

Sources
-------
Citations give the bibliography key and where the figure was read (see
:mod:`remission.clinical.bibliography`). Figures read in a source whose DOI or PMID could not be read
are cited in plain text; those sources are not in the bibliography yet.

- Northwestern non-myeloablative regimens. [@Burt2010, abstract] (Crohn's disease): "Stem cells were
  mobilized from the peripheral blood using cyclophosphamide (2.0 g/m2) and G-CSF (10 μg/kg/day) ...
  and reinfused after immune suppressive conditioning with cyclophosphamide (200 mg/kg) and either
  equine antithymocyte globulin (ATG, 90 mg/kg) or rabbit ATG (6 mg/kg)". The same doses in multiple
  sclerosis: Burt et al., Lancet Neurol 2009, phase I/II study, abstract: "mobilised with 2 g per m2
  cyclophosphamide and 10 μg per kg per day filgrastim ... 200 mg per kg cyclophosphamide and either
  20 mg alemtuzumab or 6 mg per kg rabbit antithymocyte globulin". MIST [@Burt2019] used the
  Northwestern Cy + ATG regimen; its Interventions paragraph was not read (◐).
- SCOT [@Sullivan2018, abstract] (myeloablative CD34-selected autologous HSCT). Its regimen was read in
  the trial's results record (ClinicalTrials.gov NCT00114530, arm description; a registry record, so
  cited in plain text): "Participants were administered granulocyte colony stimulating factor (G-CSF)
  ... total body irradiation (800 cGy given over 2 days with lung and kidney shielding limiting
  exposure to 200cGy), cyclophosphamide (60 mg/kg/day for 2 days), ... equine antithymocyte globulin
  (ATGAM) (15 mg/kg/day for 3 days) ... After transplantation, participants received additional doses
  of ... ATGAM (15 mg/kg/day for 3 days.)". The same totals in the Seattle phase 2 study, Nash et
  al., Blood 2007;110:1388, abstract: "total body irradiation (800 cGy) with lung shielding,
  cyclophosphamide (120 mg/kg), and equine antithymocyte globulin (90 mg/kg)". The G-CSF dose and the
  exact days were not read (◐).
- BEAM + ATG in multiple sclerosis: "the intermediate-intensity BEAM/ATG regimen (Carmustine,
  Etoposide, ARA-C and Melphalan in combination with polyclonal rabbit ATG)" [@Saccardi2012, section
  on conditioning regimens]; "BEAM + ATG" after "Cy + GCSF" mobilisation in ASTIMS, BEAM + ATG in
  HALT-MS [@Pasquini2010, Table 1]; ASTIMS (Mancardi et al., Neurology 2015;84:981, abstract):
  "mobilization with cyclophosphamide and filgrastim, conditioning with carmustine,
  cytosine-arabinoside, etoposide, melphalan, and anti-thymocyte globulin". Doses and days were not
  read: they are a conventional BEAM schedule as recalled for the Italian protocol, all ◐.
- Busulfan + Cy in MS: the Canadian MS BMT trial, "Busulfan + Cy" [@Pasquini2010, Table 1]; doses ◐.
- CD19 CAR-T: lymphodepletion "with fludarabine and cyclophosphamide" before "1 × 10^6 CAR T cells per
  kg body weight" [@Mackensen2022, abstract]; "preconditioning with fludarabine and cyclophosphamide"
  [@Muller2024, abstract]. Fludarabine and cyclophosphamide doses and days were not read (◐).
- Cy 4 g/m² mobilisation and Cy 200 mg/kg alone in systemic sclerosis [@Vonk2008, abstract]: "collected
  using cyclophosphamide (4 g/m2) and rHu G-CSF (5 to 10 microg/kg/day) ... For conditioning,
  cyclophosphamide 200 mg/kg was used."
- Mobilisation in autoimmune disease, early international series (Bone Marrow Transplant 2001;28:1,
  "Collection of hematopoietic stem cells from patients with autoimmune diseases", abstract):
  "G-CSF (5, 10, or 16 μg/kg/day) or cyclophosphamide (2 or 4 g/m2) with either G-CSF (5 or
  10 μg/kg/day)"; "G-CSF alone was more likely to cause disease exacerbation than the combination of
  cyclophosphamide and G-CSF (P = 0.003)".
- The ASSIST conditioning, as restated in the ASSIST-IIb record (ClinicalTrials.gov NCT01445821, arm
  description; plain text): "200 mg/kg of intravenous cyclophosphamide given in 4 equal fractions on
  days -5 through -2 ... Rabbit antithymocyte globulin (rATG) (Thymoglobulin®) will be dosed at
  0.5 mg/kg on day-5 and then 1.5 mg/kg from day-4 thru day -1" (6.5 mg/kg); mobilisation
  "cyclophosphamide (2 g/m2) followed by 5-10 mcg/kg subcutaneous filgrastrim daily from day 5 until
  completion of apheresis ... apheresis on day 10".
- Not read (◐): ASTIS (van Laar et al., JAMA 2014: rATG 7.5 mg/kg), the ASSIST paper itself (Burt et
  al., Lancet 2011), Burt et al., JAMA 2006 (SLE), the busulfan and Cy doses of Bu/Cy (16 and
  120 mg/kg here), and the daily split of the other totals.

Intensity
---------
The rule :data:`EBMT_ADWP_INTENSITY` — high = TBI- or busulfan-based; intermediate = BEAM ± ATG and
Cy + ATG; low = Cy alone or melphalan alone without serotherapy — is the EBMT ADWP convention as
attributed to [@Sharrack2020] and [@Muraro2017]; it was not read at a table there, so it is ◐ and a
versioned rule object (another rule can be passed in). [@Saccardi2012, section on conditioning
regimens] calls BEAM/ATG "intermediate-intensity" (agrees) but the Northwestern Cy + ATG regimen "a
lower-intensity (non-myeloablative) regimen" (⚠: disagrees with the Cy + ATG clause).

Provenance
----------
Every agent carries a provenance mark: "verified" (✔: its total dose was checked against the source
its ``source`` cites, at the place cited), "memory" (◐: a default not read in a source) or "disputed"
(⚠: sources disagree). How a total is split across days is ◐ unless the source string says otherwise.
Every dose and day is a default the user can override with :meth:`Regimen.with_agent` (e.g. ASTIS's
rATG 7.5 mg/kg instead of Northwestern's 6 mg/kg). Supportive drugs (MESNA, hyperhydration,
methylprednisolone with ATG, antimicrobial prophylaxis) are left out: they are not part of intensity
and are dosed by local protocol.

Days are relative to the graft infusion (day 0) for conditioning and lymphodepletion, and to the first
mobilisation day (day 1) for mobilisation; G-CSF runs until apheresis, so its days are a typical window.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from remission.clinical.dosing import Prescription
from remission.clinical.words import Numbers, Said, Words, as_written, gettext_noop, said

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


# --- the agents ------------------------------------------------------------------------------------
CONDITIONING_DAYS = (-5, -4, -3, -2)
NORTHWESTERN_MS = "Burt et al., Lancet Neurol 2009, abstract"  # no DOI/PMID read: cited in plain text
NASH_2007 = "Nash et al., Blood 2007;110:1388, abstract"  # no DOI/PMID read: cited in plain text
SCOT_RECORD = "ClinicalTrials.gov NCT00114530, results, arm description"  # registry record: plain text
ASSIST_RECORD = "ClinicalTrials.gov NCT01445821 (ASSIST-IIb), arm description"  # registry record: plain text
AID_MOBILISATION_2001 = "Bone Marrow Transplant 2001;28:1, abstract"  # no DOI/PMID read: plain text
BEAM_ATG = "[@Saccardi2012, section on conditioning regimens]; [@Pasquini2010, Table 1]"
_CY200 = Agent(
    "cy", "Cyclophosphamide", 50, "mg/kg", CONDITIONING_DAYS, "chemotherapy", "verified",
    f"[@Burt2010, abstract]; {NORTHWESTERN_MS} (total 200 mg/kg ✔); {ASSIST_RECORD} (4 equal fractions "
    "on days −5 to −2 ✔)",
)  # fmt: skip
_RATG = Agent(
    "ratg", "Rabbit ATG (Thymoglobulin)", 1.5, "mg/kg", CONDITIONING_DAYS, "serotherapy", "verified",
    f"[@Burt2010, abstract] (Crohn's) and {NORTHWESTERN_MS} (MS): total 6 mg/kg ✔; "
    "1.5 mg/kg/day on days −5 to −2 ◐",
    f"ASSIST: 0.5 mg/kg on day −5, then 1.5 mg/kg on days −4 to −1 = 6.5 mg/kg ({ASSIST_RECORD} ✔); "
    "ASTIS 7.5 mg/kg ◐ (not read): override the dose and days",
)  # fmt: skip
_EATG = Agent(
    "eatg", "Equine ATG (ATGAM)", 30, "mg/kg", (-4, -3, -2), "serotherapy", "verified",
    f"[@Burt2010, abstract]; {NASH_2007} (total 90 mg/kg ✔; 30 mg/kg/day on days −4 to −2 ◐)",
)  # fmt: skip

REGIMENS: dict[str, Regimen] = {
    r.code: r
    for r in (
        Regimen(
            "cy200_ratg", gettext_noop("Cy 200 mg/kg + rabbit ATG"), "conditioning", (_CY200, _RATG),
            f"[@Burt2010, abstract]; {NORTHWESTERN_MS}; MIST [@Burt2019] ◐ (Interventions not read)",
            "Northwestern (Crohn's, MS, MIST); ASSIST (6.5 mg/kg) and ASTIS (7.5 mg/kg ◐) with other rATG "
            "totals",
        ),
        Regimen(
            "cy200_eatg", gettext_noop("Cy 200 mg/kg + equine ATG"), "conditioning", (_CY200, _EATG),
            "[@Burt2010, abstract] (Cy 200 mg/kg + equine ATG 90 mg/kg)",
            "Crohn's (Burt 2010); SLE (Burt et al., JAMA 2006 ◐, not read)",
        ),
        Regimen(
            "tbi_cy_eatg", gettext_noop("TBI 800 cGy + Cy 120 mg/kg + equine ATG"), "conditioning",
            (
                Agent(
                    "tbi", "Total body irradiation", 4, "Gy", (-5, -4), "radiotherapy", "verified",
                    f"SCOT [@Sullivan2018, abstract]; {SCOT_RECORD} (800 cGy over 2 days ✔); {NASH_2007} "
                    "(800 cGy ✔); days −5, −4 ◐",
                    "lungs and kidneys shielded to 200 cGy in SCOT ✔",
                ),
                Agent(
                    "cy", "Cyclophosphamide", 60, "mg/kg", (-3, -2), "chemotherapy", "verified",
                    f"SCOT [@Sullivan2018, abstract]; {SCOT_RECORD} (60 mg/kg/day for 2 days ✔); "
                    f"{NASH_2007} (120 mg/kg ✔); days −3, −2 ◐",
                ),
                Agent(
                    "eatg", "Equine ATG (ATGAM)", 15, "mg/kg", (-3, -2, -1, 1, 2, 3), "serotherapy",
                    "verified",
                    f"SCOT [@Sullivan2018, abstract]; {SCOT_RECORD} (15 mg/kg/day for 3 days before and 3 "
                    f"days after the graft ✔); {NASH_2007} (total 90 mg/kg ✔); days −3 to −1, +1 to +3 ◐",
                ),
            ),
            f"SCOT [@Sullivan2018, abstract] (myeloablative, CD34-selected graft); regimen {SCOT_RECORD}; "
            f"totals {NASH_2007}",
            "SCOT; Seattle phase 2 (Nash 2007)",
        ),
        Regimen(
            "beam_atg", gettext_noop("BEAM + rabbit ATG"), "conditioning",
            (
                Agent(
                    "bcnu", "Carmustine (BCNU)", 300, "mg/m2", (-6,), "chemotherapy", "memory",
                    f"{BEAM_ATG} (agent ✔; 300 mg/m² on day −6 ◐)",
                ),
                Agent(
                    "etoposide", "Etoposide", 200, "mg/m2", (-5, -4, -3, -2), "chemotherapy", "memory",
                    f"{BEAM_ATG} (agent ✔; 200 mg/m²/day on days −5 to −2 ◐)",
                    "250 mg/m²/day in other descriptions ◐",
                ),
                Agent(
                    "cytarabine", "Cytarabine (Ara-C)", 200, "mg/m2", (-5, -4, -3, -2), "chemotherapy",
                    "memory",
                    f"{BEAM_ATG} (agent ✔; 200 mg/m²/day on days −5 to −2 ◐)",
                ),
                Agent(
                    "melphalan", "Melphalan", 140, "mg/m2", (-1,), "chemotherapy", "memory",
                    f"{BEAM_ATG} (agent ✔; 140 mg/m² on day −1 ◐)",
                ),
                Agent(
                    "ratg", "Rabbit ATG (Thymoglobulin)", 2.5, "mg/kg", (1, 2), "serotherapy", "memory",
                    f"{BEAM_ATG} (rabbit ATG ✔; 2.5 mg/kg/day on days +1, +2 ◐)",
                    "given after the graft as recalled for the Italian protocol ◐; "
                    "some centres give ATG before infusion: override the days",
                ),
            ),
            f"{BEAM_ATG}; ASTIMS (Mancardi et al., Neurology 2015;84:981, abstract); doses and days ◐ "
            "(Italian protocol as recalled, methods not read)",
            "European MS cohorts (ASTIMS)",
        ),
        Regimen(
            "bu_cy", gettext_noop("Busulfan 16 mg/kg + Cy 120 mg/kg"), "conditioning",
            (
                Agent(
                    "busulfan", "Busulfan (oral)", 4, "mg/kg", (-7, -6, -5, -4), "chemotherapy", "memory",
                    "[@Pasquini2010, Table 1] (busulfan + Cy, Canadian MS trial ✔); 16 mg/kg as "
                    "4 mg/kg/day on days −7 to −4 ◐",
                ),
                Agent(
                    "cy", "Cyclophosphamide", 60, "mg/kg", (-3, -2), "chemotherapy", "memory",
                    "[@Pasquini2010, Table 1] (busulfan + Cy ✔); 120 mg/kg as 60 mg/kg/day on "
                    "days −3, −2 ◐",
                ),
            ),
            "[@Pasquini2010, Table 1] (Canadian MS BMT trial: busulfan + Cy); with rabbit ATG in its report "
            "(Atkins et al., Lancet 2016;388:576, abstract); doses not read ◐",
            "MS (Canadian trial, with rabbit ATG)",
        ),
        Regimen(
            "cy_alone", gettext_noop("Cy 200 mg/kg alone"), "conditioning", (_CY200,),
            "[@Vonk2008, abstract] ('For conditioning, cyclophosphamide 200 mg/kg was used' ✔)",
            "SSc (Dutch series, CD34-selected graft)",
        ),
        Regimen(
            "flu_cy", gettext_noop("Fludarabine + cyclophosphamide lymphodepletion (CAR-T)"),
            "lymphodepletion",
            (
                Agent(
                    "fludarabine", "Fludarabine", 25, "mg/m2", (-5, -4, -3), "chemotherapy", "memory",
                    "[@Mackensen2022, abstract]; [@Muller2024, abstract] (Flu/Cy ✔; 25 mg/m²/day on "
                    "days −5 to −3 ◐)",
                ),
                Agent(
                    "cy", "Cyclophosphamide", 1000, "mg/m2", (-3,), "chemotherapy", "memory",
                    "[@Mackensen2022, abstract]; [@Muller2024, abstract] (Flu/Cy ✔; 1000 mg/m² on "
                    "day −3 ◐)",
                ),
            ),
            "[@Mackensen2022, abstract] (Flu/Cy, then 1 × 10^6 CAR T cells/kg ✔); [@Muller2024, abstract]",
            "CD19 CAR-T in SLE, myositis, SSc",
        ),
        Regimen(
            "mob_cy2_gcsf", gettext_noop("Mobilisation: Cy 2 g/m² + G-CSF"), "mobilisation",
            (
                Agent(
                    "cy", "Cyclophosphamide", 2, "g/m2", (1,), "chemotherapy", "verified",
                    f"[@Burt2010, abstract]; {NORTHWESTERN_MS} (2 g/m² ✔)",
                ),
                Agent(
                    "gcsf", "G-CSF (filgrastim)", 10, "ug/kg", (5, 6, 7, 8, 9, 10), "growth_factor",
                    "verified",
                    f"[@Burt2010, abstract]; {NORTHWESTERN_MS} (10 µg/kg/day ✔); {ASSIST_RECORD} (5–10 "
                    "µg/kg/day from day 5, apheresis on day 10 ✔; Cy taken as day 1 ◐)",
                    "5 µg/kg/day in the first Crohn's patients (Burt et al., Blood 2003;101:2064, "
                    "abstract ✔) and reportedly in SLE (JAMA 2006 ◐, not read): override the dose",
                ),
            ),
            f"[@Burt2010, abstract] (Crohn's); {NORTHWESTERN_MS} (MS); {ASSIST_RECORD} (SSc)",
            "Northwestern protocols (Crohn's, MS, ASSIST)",
        ),
        Regimen(
            "mob_cy4_gcsf", gettext_noop("Mobilisation: Cy 4 g/m² + G-CSF"), "mobilisation",
            (
                Agent(
                    "cy", "Cyclophosphamide", 4, "g/m2", (1,), "chemotherapy", "verified",
                    f"[@Vonk2008, abstract] (4 g/m² ✔); {AID_MOBILISATION_2001} (Cy 2 or 4 g/m² ✔); "
                    "ASTIS ◐ (not read)",
                ),
                Agent(
                    "gcsf", "G-CSF (filgrastim)", 10, "ug/kg", (6, 7, 8, 9, 10), "growth_factor", "memory",
                    "[@Vonk2008, abstract] (5 to 10 µg/kg/day ✔; 10 and days ◐, until apheresis)",
                ),
            ),
            f"[@Vonk2008, abstract] (SSc); {AID_MOBILISATION_2001}; ASTIS ◐ (not read)",
            "SSc (Dutch series); ASTIS ◐",
        ),
        Regimen(
            "mob_gcsf", gettext_noop("Mobilisation: G-CSF alone"), "mobilisation",
            (
                Agent(
                    "gcsf", "G-CSF (filgrastim)", 10, "ug/kg", (1, 2, 3, 4, 5), "growth_factor", "memory",
                    f"SCOT [@Sullivan2018]; {SCOT_RECORD} (G-CSF only ✔, dose not given); "
                    f"{AID_MOBILISATION_2001} (G-CSF alone at 5, 10 or 16 µg/kg/day ✔); "
                    "10 µg/kg/day for 5 days ◐",
                    "SCOT's own dose not read (16 µg/kg/day possible ◐): override the dose; "
                    f"G-CSF alone flared disease more often than Cy + G-CSF ({AID_MOBILISATION_2001} ✔)",
                ),
            ),
            f"SCOT [@Sullivan2018]; {SCOT_RECORD} (G-CSF only); {AID_MOBILISATION_2001}",
            "SCOT",
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
    none of ``none_of``, and (if ``only`` is given) no agent outside ``only``. ``text`` (marked with
    ``gettext_noop``) is the reason the result gives."""

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
    said_reason: Said | str  # the clause's text, or why none applies (a str is shown as it is)
    rule: str

    def __str__(self) -> str:
        return self.intensity.value

    @property
    def reason(self) -> str:
        """The reason in English, as the API and the command line write it."""
        return self.reason_in(as_written)

    def reason_in(self, words: Words, numbers: Numbers = as_written) -> str:
        reason = self.said_reason
        return reason.text_in(words, numbers) if isinstance(reason, Said) else reason

    def intensity_in(self, words: Words) -> str:
        """The class as people name it ("intermediate intensity"); the code is ``intensity.value``."""
        return words(INTENSITY_WORDS[self.intensity])


# the classes as people read them (the faces translate them: clinical/words.py)
INTENSITY_WORDS = {
    Intensity.HIGH: gettext_noop("high intensity"),
    Intensity.INTERMEDIATE: gettext_noop("intermediate intensity"),
    Intensity.LOW: gettext_noop("low intensity"),
    Intensity.UNKNOWN: gettext_noop("intensity unknown"),
}
PURPOSE_WORDS = {
    "conditioning": gettext_noop("conditioning"),
    "lymphodepletion": gettext_noop("lymphodepletion"),
    "mobilisation": gettext_noop("mobilisation"),
}
OUTSIDE_THE_RULE = gettext_noop("{purpose} is outside the rule (it classifies conditioning)")
NO_CLAUSE_MATCHES = gettext_noop("no clause of the rule matches")

EBMT_ADWP_INTENSITY = IntensityRule(
    code="ebmt_adwp_intensity",
    version="2017.1",
    source=(
        "EBMT ADWP convention as attributed to [@Sharrack2020] and [@Muraro2017] ◐ (not read at a table); "
        "BEAM/ATG intermediate ✔, Cy + ATG lower ⚠ [@Saccardi2012, section on conditioning regimens]"
    ),
    applies_to=frozenset({"conditioning"}),
    clauses=(
        IntensityClause(
            Intensity.HIGH, gettext_noop("TBI- or busulfan-based"), any_of=frozenset({"tbi", "busulfan"})
        ),
        IntensityClause(
            Intensity.INTERMEDIATE,
            gettext_noop("BEAM (BCNU, etoposide, cytarabine, melphalan) ± ATG"),
            all_of=frozenset({"bcnu", "etoposide", "cytarabine", "melphalan"}),
        ),
        IntensityClause(
            Intensity.INTERMEDIATE,
            gettext_noop("cyclophosphamide + serotherapy (ATG)"),
            all_of=frozenset({"cy"}),
            any_of=SEROTHERAPY,
        ),
        IntensityClause(
            Intensity.LOW,
            gettext_noop("cyclophosphamide alone, without serotherapy"),
            all_of=frozenset({"cy"}),
            only=frozenset({"cy"}),
        ),
        IntensityClause(
            Intensity.LOW,
            gettext_noop("melphalan alone, without serotherapy"),
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
            Intensity.UNKNOWN, said(OUTSIDE_THE_RULE, purpose=said(PURPOSE_WORDS[regimen.purpose])), rule.code
        )
    agents = frozenset(a.code for a in regimen.agents if a.role not in rule.ignore_roles)
    for clause in rule.clauses:
        if clause.matches(agents):
            return IntensityResult(clause.intensity, said(clause.text), f"{rule.code} v{rule.version}")
    return IntensityResult(Intensity.UNKNOWN, said(NO_CLAUSE_MATCHES), f"{rule.code} v{rule.version}")


def classify_intensity(regimen: Regimen, rule: IntensityRule = EBMT_ADWP_INTENSITY) -> Intensity:
    return assess_intensity(regimen, rule).intensity
