"""Body size and dose computation.

References
----------
The formulas are cited in plain text: no page giving their DOI or PMID could be read, so they are not
in the bibliography yet. Each formula was checked against a page that reproduces it (◐ for the
original paper, which was not read).

- Mosteller RD. Simplified calculation of body-surface area. N Engl J Med 1987;317:1098.
  BSA (m²) = sqrt(height[cm] × weight[kg] / 3600).
- Du Bois D, Du Bois EF. A formula to estimate the approximate surface area if height and weight be
  known. Arch Intern Med 1916;17:863. BSA (m²) = 0.007184 × W[kg]^0.425 × H[cm]^0.725.
- Devine BJ. Gentamicin therapy. Drug Intell Clin Pharm 1974;8:650. Ideal body weight (IBW) =
  50 kg (men) or 45.5 kg (women) + 2.3 kg per inch over 5 feet (60 in = 152.4 cm).
- Adjusted body weight: AdjBW = IBW + f × (TBW − IBW). f = 0.25 ("ABW25"): "IBW plus 25% of the
  difference between IBW and ABW" was the dosing weight in 16 of the 45 EBMT centres that adjust
  doses for obesity [@ShemTov2015, abstract] ✔. f = 0.4 is the general pharmacy convention and 0.5
  is used by some protocols for Cy/TBI in obese patients: both ◐ (no source read), settings.
- Obesity policy: no evidence-based standard. The ASBMT committee "determined that clear standards or
  dosing guidelines are unable to be made for the obese population because Level I and II evidence
  are unavailable" (Bubalo et al., Biol Blood Marrow Transplant 2014;20:600, abstract ✔; not in the
  bibliography: no DOI/PMID read). EBMT centres differ: 45 of 56 adjust doses, and "44% also capped
  the dose at 2 m(2)" for BSA-based doses [@ShemTov2015, abstract] ✔. So the weight basis, the
  adjustment factor, the BSA formula, a BSA cap and rounding form a :class:`DosingPolicy` per centre
  and protocol, and every dose line records the weight basis and body-size value it was computed on.

Variables
---------
height_cm (50–250), weight_kg (2–400), sex ("male" / "female"). A prescription is a dose per day in one
of :data:`PRESCRIPTION_UNITS` over a list of days.

Missing values
--------------
The functions here take complete inputs; a missing height, weight or sex raises an error naming the
item (the screening report turns that into "not computable" with the list of what is missing).

Notes
-----
- Devine below 5 ft: the formula is applied as written (it subtracts 2.3 kg per inch under 60 in), as
  most pharmacy references do; the dose line says so.
- "adjusted": when actual weight is at or below IBW the adjustment has no meaning (it would raise the
  dosing weight above actual), so actual weight is used and the dose line says so.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from remission.clinical.words import SEPARATOR, Numbers, Said, Words, as_written, gettext_noop, said

# --- error messages (tests assert on these) -------------------------------------------------------
OUT_OF_RANGE = "{item} = {value!r} is outside the allowed range {low}–{high} {unit}"
NOT_A_NUMBER = "{item} must be a number, got {value!r}"
UNKNOWN_SEX = "sex must be 'male' or 'female' to compute ideal body weight, got {value!r}"
UNKNOWN_WEIGHT_BASIS = "weight basis {value!r} is not one of {allowed}"
UNKNOWN_BSA_FORMULA = "BSA formula {value!r} is not one of {allowed}"
UNKNOWN_UNIT = "dose unit {value!r} is not one of {allowed}"
BAD_FACTOR = "adjusted-weight factor = {value!r} must be between 0 and 1"
BAD_BSA_CAP = "BSA cap = {value!r} m² must be between 1.0 and 3.0"
BAD_ROUNDING = "rounding step = {value!r} must be a positive number"
BAD_DAYS = "a prescription needs at least one day, and each day once (got {value!r})"
BAD_DOSE = "dose = {value!r} must be a positive number"

# --- sentences for people (clinical/words.py): English templates, translated first, formatted after ------
PRESCRIBED = gettext_noop("{dose:g} {unit}/day")
DOSE_TABLE = gettext_noop("Dose table")
DOSE_TABLE_OF = gettext_noop("Dose table — {name} [{code}]")
WEIGHT_BASIS_RULE = gettext_noop("weight basis {basis}")
AGENT_BASIS_RULE = gettext_noop("{agent}: {basis}")
BSA_RULE_CAPPED = gettext_noop("BSA {formula} on {basis}, capped at {cap:g} m²")
BSA_RULE_UNCAPPED = gettext_noop("BSA {formula} on {basis}, no cap")
ROUNDING_RULE = gettext_noop("rounding {steps}")
ROUNDING_STEP = gettext_noop("{unit} to {step:g}")
BSA_NOTE = gettext_noop("BSA {formula} on {basis} weight {weight:.1f} kg")
BSA_CAPPED_NOTE = gettext_noop("BSA capped at {cap:g} m² (uncapped {size:.2f} m²)")
ROUNDED_NOTE = gettext_noop("rounded to {step:g} {unit} (unrounded {amount:.2f})")
SHORT_NOTE = gettext_noop("height under 5 ft: Devine IBW extrapolated below its base")
ACTUAL_NOT_ABOVE_IBW_NOTE = gettext_noop("actual weight ≤ IBW: actual used")
IBW_BELOW_ACTUAL_NOTE = gettext_noop("IBW < actual weight: IBW used")
NO_ADJUSTMENT_NOTE = gettext_noop("actual weight ≤ IBW: no adjustment, actual weight used")
# how the policy's rule names a weight basis ("weight basis actual weight")
BASIS_RULE_WORDS = {
    "actual": gettext_noop("actual weight"),
    "ideal": gettext_noop("ideal weight (Devine)"),
    "adjusted": gettext_noop("adjusted weight (IBW + {factor:g} × (actual − IBW))"),
    "lesser_ideal_actual": gettext_noop("lesser of ideal (Devine) and actual weight"),
}
# what a dose line was computed on, as people name it (the code ``basis`` stays for the API)
BASIS_WORDS = {
    "actual": gettext_noop("actual weight"),
    "ideal": gettext_noop("ideal weight (Devine)"),
    "adjusted": gettext_noop("adjusted weight"),
    "lesser_ideal_actual": gettext_noop("lesser of ideal (Devine) and actual weight"),
    "bsa": gettext_noop("BSA"),
    "fixed": gettext_noop("fixed dose"),
}
# the weight a BSA was computed on, in the note "BSA mosteller on actual weight 62.0 kg" (English: the code)
BSA_NOTE_BASIS_WORDS = {
    "actual": gettext_noop("actual"),
    "ideal": gettext_noop("ideal"),
    "adjusted": gettext_noop("adjusted"),
    "lesser_ideal_actual": gettext_noop("lesser_ideal_actual"),
}
FORMULA_WORDS = {"mosteller": gettext_noop("mosteller"), "dubois": gettext_noop("dubois")}  # in notes
FORMULA_NAMES = {"mosteller": gettext_noop("Mosteller"), "dubois": gettext_noop("Dubois")}  # in the rule

# --- ranges ---------------------------------------------------------------------------------------
HEIGHT_RANGE_CM = (50.0, 250.0)
WEIGHT_RANGE_KG = (2.0, 400.0)

INCH_CM = 2.54
DEVINE_BASE_KG = {"male": 50.0, "female": 45.5}  # Devine 1974
DEVINE_KG_PER_INCH = 2.3  # Devine 1974
DEVINE_BASE_HEIGHT_IN = 60.0  # 5 ft

WEIGHT_BASES = ("actual", "ideal", "adjusted", "lesser_ideal_actual")  # codes match registry WeightBasis
BSA_FORMULAS = ("mosteller", "dubois")

# Prescription unit -> (what it is per, the unit of the absolute dose, multiplier to that unit)
PRESCRIPTION_UNITS: dict[str, tuple[str, str, float]] = {
    "mg/kg": ("kg", "mg", 1.0),
    "ug/kg": ("kg", "ug", 1.0),
    "cells/kg": ("kg", "cells", 1.0),
    "mg/m2": ("m2", "mg", 1.0),
    "g/m2": ("m2", "mg", 1000.0),
    "mg": ("fixed", "mg", 1.0),
    "g": ("fixed", "mg", 1000.0),
    "Gy": ("fixed", "Gy", 1.0),
}


def _number(item: str, value: Any, low: float, high: float, unit: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise ValueError(NOT_A_NUMBER.format(item=item, value=value))
    if not low <= value <= high:
        raise ValueError(OUT_OF_RANGE.format(item=item, value=value, low=low, high=high, unit=unit))
    return float(value)


def _height(height_cm: Any) -> float:
    return _number("height_cm", height_cm, *HEIGHT_RANGE_CM, "cm")


def _weight(weight_kg: Any) -> float:
    return _number("weight_kg", weight_kg, *WEIGHT_RANGE_KG, "kg")


def bsa_mosteller(height_cm: float, weight_kg: float) -> float:
    """Body surface area in m², Mosteller 1987: sqrt(H[cm] × W[kg] / 3600)."""
    return math.sqrt(_height(height_cm) * _weight(weight_kg) / 3600.0)


def bsa_dubois(height_cm: float, weight_kg: float) -> float:
    """Body surface area in m², Du Bois 1916: 0.007184 × W^0.425 × H^0.725."""
    return 0.007184 * _weight(weight_kg) ** 0.425 * _height(height_cm) ** 0.725


BSA_FUNCTIONS = {"mosteller": bsa_mosteller, "dubois": bsa_dubois}


def bmi(height_cm: float, weight_kg: float) -> float:
    """Body-mass index, kg/m²."""
    metres = _height(height_cm) / 100.0
    return _weight(weight_kg) / (metres * metres)


def ideal_body_weight(height_cm: float, sex: str) -> float:
    """Devine 1974 ideal body weight in kg: 50 (male) / 45.5 (female) + 2.3 kg per inch over 60 in."""
    if sex not in DEVINE_BASE_KG:
        raise ValueError(UNKNOWN_SEX.format(value=sex))
    inches = _height(height_cm) / INCH_CM
    return DEVINE_BASE_KG[sex] + DEVINE_KG_PER_INCH * (inches - DEVINE_BASE_HEIGHT_IN)


def adjusted_body_weight(height_cm: float, weight_kg: float, sex: str, factor: float = 0.4) -> float:
    """Adjusted body weight in kg: IBW + factor × (actual − IBW)."""
    _check_factor(factor)
    ibw = ideal_body_weight(height_cm, sex)
    return ibw + factor * (_weight(weight_kg) - ibw)


def _check_factor(factor: Any) -> None:
    if isinstance(factor, bool) or not isinstance(factor, int | float) or not 0.0 <= factor <= 1.0:
        raise ValueError(BAD_FACTOR.format(value=factor))


# --- prescriptions and policy ---------------------------------------------------------------------


@dataclass(frozen=True)
class Prescription:
    """One agent as prescribed: ``dose`` per day in ``unit`` on each of ``days``."""

    agent: str
    drug: str
    dose: float
    unit: str
    days: tuple[int, ...]

    def __post_init__(self) -> None:
        if self.unit not in PRESCRIPTION_UNITS:
            raise ValueError(UNKNOWN_UNIT.format(value=self.unit, allowed=", ".join(PRESCRIPTION_UNITS)))
        if isinstance(self.dose, bool) or not isinstance(self.dose, int | float) or not self.dose > 0:
            raise ValueError(BAD_DOSE.format(value=self.dose))
        if not self.days or len(set(self.days)) != len(self.days):
            raise ValueError(BAD_DAYS.format(value=self.days))

    @property
    def total(self) -> float:
        """The total prescribed dose over all days, in ``unit``."""
        return self.dose * len(self.days)


@dataclass(frozen=True)
class DosingPolicy:
    """A centre's or protocol's rule for the dosing weight and BSA (centres differ: [@ShemTov2015, abstract]).

    ``weight_basis`` applies to per-kg doses; ``agent_weight_basis`` overrides it per agent code
    (suggestions differ by drug, e.g. the lesser of IBW and actual weight for Cy 200 mg/kg ◐).
    ``bsa_weight_basis`` is the weight that goes into the BSA formula (actual weight by default ◐).
    ``bsa_cap_m2`` caps BSA for per-m² doses; ``rounding`` maps an absolute-dose unit ("mg", "ug",
    "cells") to the step each daily dose is rounded to (half up), e.g. {"mg": 10}.
    """

    name: str = "default"
    weight_basis: str = "actual"
    adjusted_factor: float = 0.4
    bsa_formula: str = "mosteller"
    bsa_weight_basis: str = "actual"
    bsa_cap_m2: float | None = None
    rounding: Mapping[str, float] = field(default_factory=dict)
    agent_weight_basis: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for basis in (self.weight_basis, self.bsa_weight_basis, *self.agent_weight_basis.values()):
            if basis not in WEIGHT_BASES:
                raise ValueError(UNKNOWN_WEIGHT_BASIS.format(value=basis, allowed=", ".join(WEIGHT_BASES)))
        if self.bsa_formula not in BSA_FORMULAS:
            raise ValueError(
                UNKNOWN_BSA_FORMULA.format(value=self.bsa_formula, allowed=", ".join(BSA_FORMULAS))
            )
        _check_factor(self.adjusted_factor)
        if self.bsa_cap_m2 is not None and (
            isinstance(self.bsa_cap_m2, bool)
            or not isinstance(self.bsa_cap_m2, int | float)
            or not 1.0 <= self.bsa_cap_m2 <= 3.0
        ):
            raise ValueError(BAD_BSA_CAP.format(value=self.bsa_cap_m2))
        for step in self.rounding.values():
            if isinstance(step, bool) or not isinstance(step, int | float) or not step > 0:
                raise ValueError(BAD_ROUNDING.format(value=step))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DosingPolicy:
        return cls(
            name=str(data.get("name", "default")),
            weight_basis=data.get("weight_basis", "actual"),
            adjusted_factor=data.get("adjusted_factor", 0.4),
            bsa_formula=data.get("bsa_formula", "mosteller"),
            bsa_weight_basis=data.get("bsa_weight_basis", "actual"),
            bsa_cap_m2=data.get("bsa_cap_m2"),
            rounding=dict(data.get("rounding", {})),
            agent_weight_basis=dict(data.get("agent_weight_basis", {})),
        )

    def describe(self) -> str:
        """The rule in English, as the API and the command line write it."""
        return self.describe_in(as_written)

    def describe_in(self, words: Words, numbers: Numbers = as_written) -> str:
        """The rule ("weight basis actual weight; BSA Mosteller on actual weight, no cap") in ``words``."""
        parts = [said(WEIGHT_BASIS_RULE, basis=self._basis(self.weight_basis))]
        parts += [
            said(AGENT_BASIS_RULE, agent=agent, basis=self._basis(basis))
            for agent, basis in sorted(self.agent_weight_basis.items())
        ]
        formula, bsa_on = said(FORMULA_NAMES[self.bsa_formula]), self._basis(self.bsa_weight_basis)
        if self.bsa_cap_m2 is not None:
            parts.append(said(BSA_RULE_CAPPED, formula=formula, basis=bsa_on, cap=self.bsa_cap_m2))
        else:
            parts.append(said(BSA_RULE_UNCAPPED, formula=formula, basis=bsa_on))
        if self.rounding:
            steps = [said(ROUNDING_STEP, unit=u, step=s) for u, s in sorted(self.rounding.items())]
            parts.append(said(ROUNDING_RULE, steps=", ".join(s.text_in(words, numbers) for s in steps)))
        return words(SEPARATOR).join(part.text_in(words, numbers) for part in parts)

    def _basis(self, basis: str) -> Said:
        if basis == "adjusted":
            return said(BASIS_RULE_WORDS[basis], factor=self.adjusted_factor)
        return said(BASIS_RULE_WORDS[basis])


@dataclass(frozen=True)
class BodySize:
    height_cm: float
    weight_kg: float
    sex: str
    ideal_kg: float | None  # None when sex is not male/female (then only actual weight can be used)
    bmi: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "height_cm": self.height_cm,
            "weight_kg": self.weight_kg,
            "sex": self.sex,
            "ideal_weight_kg": None if self.ideal_kg is None else round(self.ideal_kg, 2),
            "bmi": round(self.bmi, 1),
        }


def body_size(height_cm: float, weight_kg: float, sex: str) -> BodySize:
    return BodySize(
        height_cm=_height(height_cm),
        weight_kg=_weight(weight_kg),
        sex=sex,
        ideal_kg=ideal_body_weight(height_cm, sex) if sex in DEVINE_BASE_KG else None,
        bmi=bmi(height_cm, weight_kg),
    )


def dosing_weight(body: BodySize, basis: str, factor: float) -> tuple[float, str, list[Said]]:
    """The dosing weight (kg) under ``basis``, the basis actually applied, and notes."""
    if basis not in WEIGHT_BASES:
        raise ValueError(UNKNOWN_WEIGHT_BASIS.format(value=basis, allowed=", ".join(WEIGHT_BASES)))
    notes: list[Said] = []
    if basis == "actual":
        return body.weight_kg, "actual", notes
    if body.ideal_kg is None:
        raise ValueError(UNKNOWN_SEX.format(value=body.sex))
    if body.height_cm < DEVINE_BASE_HEIGHT_IN * INCH_CM and basis != "actual":
        notes.append(said(SHORT_NOTE))
    if basis == "ideal":
        return body.ideal_kg, "ideal", notes
    if basis == "lesser_ideal_actual":
        if body.weight_kg <= body.ideal_kg:
            return body.weight_kg, "lesser_ideal_actual", [*notes, said(ACTUAL_NOT_ABOVE_IBW_NOTE)]
        return body.ideal_kg, "lesser_ideal_actual", [*notes, said(IBW_BELOW_ACTUAL_NOTE)]
    # adjusted
    if body.weight_kg <= body.ideal_kg:
        return body.weight_kg, "actual", [*notes, said(NO_ADJUSTMENT_NOTE)]
    return body.ideal_kg + factor * (body.weight_kg - body.ideal_kg), "adjusted", notes


@dataclass(frozen=True)
class DoseLine:
    """One agent's computed dose, with the body-size value and weight basis it was computed on."""

    agent: str
    drug: str
    prescribed_dose: float
    prescribed_unit: str
    days: tuple[int, ...]
    basis: str  # actual | ideal | adjusted | lesser_ideal_actual | bsa | fixed
    body_size_value: float | None  # kg for per-kg doses, m² for per-m² doses, None for fixed
    body_size_unit: str | None  # "kg" | "m2" | None
    daily_dose: float
    dose_unit: str
    said_notes: tuple[Said, ...] = ()

    @property
    def total_dose(self) -> float:
        return self.daily_dose * len(self.days)

    @property
    def notes(self) -> tuple[str, ...]:
        """The notes in English, as the API and the command line write them."""
        return self.notes_in(as_written)

    def notes_in(self, words: Words, numbers: Numbers = as_written) -> tuple[str, ...]:
        return tuple(note.text_in(words, numbers) for note in self.said_notes)

    def prescribed_in(self, words: Words, numbers: Numbers = as_written) -> str:
        """The prescription per day ("50 mg/kg/day") in ``words``."""
        return said(PRESCRIBED, dose=self.prescribed_dose, unit=self.prescribed_unit).text_in(words, numbers)

    def basis_in(self, words: Words) -> str:
        """What the dose was computed on ("actual weight", "BSA", "fixed dose"), as people name it."""
        return words(BASIS_WORDS[self.basis]) if self.basis in BASIS_WORDS else self.basis

    def to_dict(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "drug": self.drug,
            "prescribed": self.prescribed_in(as_written),
            "prescribed_dose": self.prescribed_dose,
            "prescribed_unit": self.prescribed_unit,
            "days": list(self.days),
            "basis": self.basis,
            "body_size_value": None if self.body_size_value is None else round(self.body_size_value, 4),
            "body_size_unit": self.body_size_unit,
            "daily_dose": round(self.daily_dose, 2),
            "total_dose": round(self.total_dose, 2),
            "dose_unit": self.dose_unit,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class DoseTable:
    title: Said | str  # a str is shown as it is
    policy: DosingPolicy
    body: BodySize
    lines: tuple[DoseLine, ...]

    def line(self, agent: str) -> DoseLine:
        for line in self.lines:
            if line.agent == agent:
                return line
        raise KeyError(agent)

    def title_in(self, words: Words, numbers: Numbers = as_written) -> str:
        return self.title.text_in(words, numbers) if isinstance(self.title, Said) else self.title

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title_in(as_written),
            "policy": self.policy.name,
            "policy_rule": self.policy.describe(),
            "body": self.body.to_dict(),
            "lines": [line.to_dict() for line in self.lines],
        }

    def to_text(self) -> str:
        head = (
            f"{'agent':<26} {'prescribed':<16} {'days':<14} {'basis':<20} {'size':>9} "
            f"{'per day':>14} {'total':>14}"
        )
        rows = [
            self.title_in(as_written),
            f"  policy: {self.policy.name} — {self.policy.describe()}",
            "  " + head,
        ]
        for ln in self.lines:
            size = "" if ln.body_size_value is None else f"{ln.body_size_value:.2f} {ln.body_size_unit}"
            days = _days_text(ln.days)
            rows.append(
                f"  {ln.drug[:26]:<26} {f'{ln.prescribed_dose:g} {ln.prescribed_unit}':<16} {days:<14} "
                f"{ln.basis:<20} {size:>9} {_amount(ln.daily_dose, ln.dose_unit):>14} "
                f"{_amount(ln.total_dose, ln.dose_unit):>14}"
            )
            rows += [f"      note: {note}" for note in ln.notes]
        return "\n".join(rows)


def _days_text(days: tuple[int, ...]) -> str:
    if len(days) > 1 and list(days) == list(range(days[0], days[0] + len(days))):
        return f"{days[0]:+d} to {days[-1]:+d}"
    return ", ".join(f"{d:+d}" for d in days)


def _amount(value: float, unit: str) -> str:
    if unit == "cells":
        return f"{value:.3g} cells"
    return f"{value:,.1f} {unit}"


def _round(value: float, step: float | None) -> float:
    if not step:
        return value
    return math.floor(value / step + 0.5) * step


def dose_line(prescription: Prescription, body: BodySize, policy: DosingPolicy) -> DoseLine:
    """Turn one prescription into an absolute daily dose under ``policy``."""
    per, dose_unit, multiplier = PRESCRIPTION_UNITS[prescription.unit]
    notes: list[Said] = []
    size: float | None
    size_unit: str | None
    if per == "kg":
        basis_wanted = policy.agent_weight_basis.get(prescription.agent, policy.weight_basis)
        size, basis, notes = dosing_weight(body, basis_wanted, policy.adjusted_factor)
        size_unit = "kg"
    elif per == "m2":
        weight, weight_basis, weight_notes = dosing_weight(
            body, policy.bsa_weight_basis, policy.adjusted_factor
        )
        size = BSA_FUNCTIONS[policy.bsa_formula](body.height_cm, weight)
        basis, size_unit = "bsa", "m2"
        formula, on = said(FORMULA_WORDS[policy.bsa_formula]), said(BSA_NOTE_BASIS_WORDS[weight_basis])
        notes = [said(BSA_NOTE, formula=formula, basis=on, weight=weight), *weight_notes]
        if policy.bsa_cap_m2 is not None and size > policy.bsa_cap_m2:
            notes.append(said(BSA_CAPPED_NOTE, cap=policy.bsa_cap_m2, size=size))
            size = float(policy.bsa_cap_m2)
    else:
        size, basis, size_unit = None, "fixed", None
    amount = prescription.dose * multiplier * (size if size is not None else 1.0)
    step = policy.rounding.get(dose_unit)
    rounded = _round(amount, step)
    if step and rounded != amount:
        notes.append(said(ROUNDED_NOTE, step=step, unit=dose_unit, amount=amount))
    return DoseLine(
        agent=prescription.agent,
        drug=prescription.drug,
        prescribed_dose=float(prescription.dose),
        prescribed_unit=prescription.unit,
        days=tuple(prescription.days),
        basis=basis,
        body_size_value=size,
        body_size_unit=size_unit,
        daily_dose=rounded,
        dose_unit=dose_unit,
        said_notes=tuple(notes),
    )


def dose_table(
    prescriptions: Iterable[Prescription],
    *,
    height_cm: float,
    weight_kg: float,
    sex: str,
    policy: DosingPolicy | None = None,
    title: Said | str | None = None,
) -> DoseTable:
    """The dose table for ``prescriptions`` for one patient under ``policy`` (default: actual weight)."""
    policy = policy or DosingPolicy()
    body = body_size(height_cm, weight_kg, sex)
    return DoseTable(
        title=said(DOSE_TABLE) if title is None else title,
        policy=policy,
        body=body,
        lines=tuple(dose_line(p, body, policy) for p in prescriptions),
    )
