"""One synthetic patient, from diagnosis to last contact: :func:`generate_patient`.

A patient depends only on ``(seed, index)``: its random stream is seeded from both, so patients can be
generated one at a time, in any order, in any process, and the same seed always gives the same registry.
The order of draws is: covariates (:mod:`remission.synth.cohort`), latent outcome times
(:mod:`remission.synth.hazards`), then the clinical detail around them. Every date is placed so the
registry's timeline and order rules hold: nothing before birth, after death or after
:data:`~targets.DATA_CUT`; diagnosis before infusion; mobilisation, then collection, then conditioning,
then the infusion, then engraftment; follow-ups alive until a death, which is the last event.
With ``as_of`` the patient is placed on that day's calendar as a registry in use holds them
(:mod:`remission.synth.present`).

Observation: a patient is followed from day 0 until the first of death, loss to follow-up and their data
lock (the data cut minus a reporting lag). Events inside that window are recorded with their dates; a
patient alive at its end has a last follow-up on that day. So censoring is independent of outcome, as a
Kaplan-Meier analysis assumes, and the calibration holds.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any

from remission.clinical.diseases import DISEASES
from remission.clinical.dosing import body_size, bsa_mosteller, dosing_weight
from remission.clinical.hct_ci import ITEMS as HCT_CI_ITEMS
from remission.clinical.hct_ci import hct_ci
from remission.clinical.regimens import REGIMENS
from remission.registry import catalogue
from remission.synth import complications as cx
from remission.synth import present
from remission.synth.cohort import DEMOGRAPHY, Covariates, draw_covariates
from remission.synth.hazards import Outcome, calibrated, sample_outcome
from remission.synth.plan import PatientPlan, Rec
from remission.synth.therapies import LINES, PRIOR_THERAPIES, STOP_REASONS
from remission.synth.trajectories import INSTRUMENT_FOR, PANELS, DiseaseCourse, ImmuneCourse

YEAR = 365.25
# Scheduled visits (days after day 0, timepoint code): day 100, 6 months, then yearly (our schedule ◐).
VISITS: tuple[tuple[int, str], ...] = (
    (100, "d100"),
    (182, "m6"),
    (365, "y1"),
    (730, "y2"),
    (1096, "y3"),
    (1461, "y4"),
    (1826, "y5"),
    *((round(y * YEAR), "later") for y in range(6, 16)),
)
LAB_VISITS = frozenset({"d100", "m6", "y1", "y2"})
MISSED_VISIT = 0.07  # ◐ share of scheduled visits with no record
ASSESSMENT_NOT_DONE = 0.10  # ◐ visits without a disease score
RELAPSING = frozenset(
    {"rrms", "sle", "crohn", "ra", "jia", "cidp", "aic", "nmo", "vasculitis", "myositis", "other"}
)
CONSENT_VERSIONS = ((2001, "v1.0"), (2011, "v2.0"), (2100, "v3.1"))


def registry_id(seed: int, index: int, prefix: str | None = None) -> str:
    return f"{prefix if prefix is not None else f'S{seed}-'}{index + 1:07d}"


def _days(years: float) -> int:
    return round(years * YEAR)


def _pick(rng: random.Random, pairs: tuple[tuple[Any, float], ...]) -> Any:
    x = rng.random() * sum(w for _, w in pairs)
    for value, weight in pairs:
        x -= weight
        if x < 0:
            return value
    return pairs[-1][0]


class _Builder:
    """Collects one patient's records while keeping every date inside the patient's timeline."""

    def __init__(self, rng: random.Random, cov: Covariates, outcome: Outcome) -> None:
        self.rng = rng
        self.cov = cov
        self.outcome = outcome
        self.day0 = cov.day0
        self.birth = dt.date(cov.birth_year, cov.birth_month, 1)
        self.records: list[Rec] = []
        window = min(cov.follow_up_years, outcome.loss_to_follow_up)
        death = outcome.death
        self.death: dt.date | None = None
        if death <= window:
            self.death = self.day0 + dt.timedelta(days=max(1, _days(death)))
            self.end = self.death
        else:
            self.end = self.day0 + dt.timedelta(days=_days(window))
        self.progression: dt.date | None = None
        if outcome.progression <= min(window, death):
            self.progression = min(
                self.end, self.day0 + dt.timedelta(days=max(1, _days(outcome.progression)))
            )
        self.progression_years = (
            None if self.progression is None else (self.progression - self.day0).days / YEAR
        )

    def add(self, model: str, fields: dict[str, Any], key: str = "", **refs: str) -> Rec:
        rec = Rec(model, fields, key, refs)
        self.records.append(rec)
        return rec

    def after(self, days: int) -> dt.date:
        return self.day0 + dt.timedelta(days=days)

    def observed(self, day: dt.date) -> bool:
        """Whether ``day`` lies inside the observation window (on or before death / last contact)."""
        return day <= self.end


def generate_patient(
    seed: int, index: int, *, id_prefix: str | None = None, as_of: dt.date | None = None
) -> PatientPlan:
    """The ``index``-th patient of the registry with ``seed`` (deterministic).

    ``as_of``: the patient as a registry in use holds them on that day (:mod:`remission.synth.present`,
    the demo); None: as of the data cut, the calibrated registry.
    """
    rng = random.Random(f"remission-synth:{seed}:{index}")
    cov = draw_covariates(rng)
    outcome = sample_outcome(cov, calibrated()[cov.stratum], rng)
    placement = None
    if as_of is not None:
        placement = present.place(cov, as_of, random.Random(f"remission-synth-present:{seed}:{index}"))
        cov = placement.covariates
    b = _Builder(rng, cov, outcome)
    pre = _pretransplant(b)
    treatment = _treatment(b, pre)
    _after_day0(b, pre, treatment)
    consent = pre["consent"]
    records, death, last_contact = b.records, b.death, b.end
    if placement is not None:
        records, death, last_contact = present.settle(
            placement, records, death=death, end=last_contact, consent=consent
        )
    version = next(v for year, v in CONSENT_VERSIONS if consent.year < year)
    patient = {
        "sex": cov.sex,
        "birth_year": cov.birth_year,
        "birth_month": cov.birth_month,
        "consent_status": "given",
        "consent_version": version,
        "consent_date": consent,
    }
    return PatientPlan(
        index=index,
        registry_id=registry_id(seed, index, id_prefix),
        centre=cov.centre.code,
        patient=patient,
        records=records,
        covariates=cov,
        outcome=outcome,
        death=death,
        last_contact=last_contact,
    )


# --- before day 0 ---------------------------------------------------------------------------------------


def _pretransplant(b: _Builder) -> dict[str, Any]:
    rng, cov = b.rng, b.cov
    demo = DEMOGRAPHY[cov.disease]
    collection_lead = rng.randint(28, 45) if cov.car_t else rng.randint(30, 75)
    first_procedure = b.after(-collection_lead)
    workup = first_procedure - dt.timedelta(days=rng.randint(7, 40))
    consent = workup - dt.timedelta(days=rng.randint(0, 30))
    # disease duration at transplant: disease-typical, at least 3 months, not before the first birthday
    duration = max(0.25, rng.gauss(demo.duration_mean, demo.duration_sd))
    diagnosed = b.day0 - dt.timedelta(days=_days(duration))
    earliest = b.birth + dt.timedelta(days=366)
    diagnosed = max(diagnosed, earliest)
    diagnosed = min(diagnosed, workup - dt.timedelta(days=60))
    symptoms = diagnosed - dt.timedelta(days=rng.randint(14, 1000 if cov.disease == "ms" else 600))
    diagnosis: dict[str, Any] = {
        "disease": cov.disease,
        "subtype": cov.subtype,
        "icd10": DISEASES[cov.disease].icd10[0] if DISEASES[cov.disease].icd10 else "",
        "diagnosis_date": diagnosed,
        "first_symptom_date": max(symptoms, b.birth),
        "is_primary": True,
        "missing": {},
    }
    if rng.random() < 0.08:
        diagnosis["first_symptom_date"] = None
        diagnosis["missing"] = {"first_symptom_date": "unknown"}
    b.add("Diagnosis", diagnosis)
    _prior_therapies(b, diagnosed, workup)
    height, weight = _body(b)
    b.add("WorkUp", _workup(b, workup, height, weight))
    instrument = INSTRUMENT_FOR.get(cov.disease)
    course = None
    if instrument is not None:
        course = DiseaseCourse(instrument, rng, progressive_ms=cov.stratum == "ms_progressive")
        items, score = course.items(None, None)
        b.add(
            "Assessment",
            {
                "date": workup,
                "instrument": instrument,
                "items": items,
                "score": score,
                "timepoint": "baseline",
                "during_relapse": None,
                "missing": {},
            },
        )
    return {
        "consent": consent,
        "workup": workup,
        "first_procedure": first_procedure,
        "height": height,
        "weight": weight,
        "course": course,
    }


def _prior_therapies(b: _Builder, diagnosed: dt.date, workup: dt.date) -> None:
    rng, cov = b.rng, b.cov
    start, stop = diagnosed + dt.timedelta(days=14), workup - dt.timedelta(days=30)
    span = (stop - start).days
    low, high = LINES[cov.disease]
    lines = min(rng.randint(low, high), max(1, span // 90))
    if span < 30:
        return
    available = [a for a in PRIOR_THERAPIES[cov.disease] if a[2] <= stop.year] or [
        PRIOR_THERAPIES[cov.disease][0]
    ]
    chosen = sorted(rng.sample(available, min(lines, len(available))), key=lambda a: a[2])
    length = span / len(chosen)
    for i, (agent, agent_class, _year) in enumerate(chosen):
        begin = start + dt.timedelta(days=int(i * length + rng.uniform(0, length * 0.2)))
        end = start + dt.timedelta(days=int((i + 1) * length - rng.uniform(0, length * 0.1)))
        fields: dict[str, Any] = {
            "agent": agent,
            "agent_class": agent_class,
            "start_date": begin,
            "stop_date": max(begin, end),
            "stop_reason": _pick(rng, STOP_REASONS),
            "missing": {},
        }
        if rng.random() < 0.04:
            fields["start_date"] = None
            fields["missing"] = {"start_date": "unknown"}
        b.add("PriorTherapy", fields)


def _body(b: _Builder) -> tuple[float, float]:
    rng, cov = b.rng, b.cov
    if cov.age < 16:  # children: height by age (◐ growth charts, roughly), BMI ~17
        height = min(185.0, max(90.0, 77 + 6.2 * cov.age + rng.gauss(0, 6)))
        bmi = max(12.0, rng.gauss(17, 2.5))
    else:
        height = rng.gauss(165, 7) if cov.sex == "female" else rng.gauss(178, 7)
        mean_bmi = {"ssc": 22.0, "crohn": 21.5}.get(cov.disease, 24.0)
        bmi = min(45.0, max(16.0, rng.gauss(mean_bmi, 4)))
    return round(height, 1), round(bmi * (height / 100) ** 2, 1)


def _workup(b: _Builder, day: dt.date, height: float, weight: float) -> dict[str, Any]:
    rng, cov = b.rng, b.cov
    ssc = cov.disease == "ssc"
    missing: dict[str, str] = {}
    g = rng.gauss
    lvef = round(min(78, max(35, g(60 if ssc else 62, 6 if ssc else 5))))  # a few < 50 %: borderline
    pasp = round(min(60, max(15, g(30, 7)))) if ssc or rng.random() < 0.5 else None
    mpap = round(min(40, max(10, g(19, 4)))) if ssc and rng.random() < 0.6 else None
    lungs = ssc or cov.disease in ("myositis", "sle", "vasculitis") or rng.random() < 0.4
    fvc = round(min(130, max(35, g(78 if ssc else 95, 15 if ssc else 12)))) if lungs else None
    dlco = round(min(120, max(25, g(62 if ssc else 85, 14 if ssc else 12)))) if lungs else None
    crcl = round(min(180, max(25, g(90 if cov.disease == "sle" else 105, 22))))
    for field, value in (("pasp_mmhg", pasp), ("mpap_mmhg", mpap), ("fvc_pct", fvc), ("dlco_pct", dlco)):
        if value is None:
            missing[field] = "not_evaluated"
    if rng.random() < 0.02:
        crcl = None
        missing["creatinine_clearance"] = "unknown"
    if cov.age < 16:
        scale, score = "lansky", rng.choice((70, 80, 90, 90, 100))
    elif cov.centre.performance_scale == "ecog":
        scale, score = "ecog", _pick(rng, ((0, 0.45), (1, 0.45), (2, 0.1)))
    else:
        worse = cov.stratum == "ms_progressive"
        scale = "karnofsky"
        score = _pick(
            rng, ((60, 0.2), (70, 0.4), (80, 0.4)) if worse else ((70, 0.1), (80, 0.3), (90, 0.4), (100, 0.2))
        )
    if rng.random() < 0.04:
        scale, score = "", None
        missing["performance_score"] = "unknown"
    bmi = weight / (height / 100) ** 2
    conditions: dict[str, Any] = {item.code: rng.random() < 0.03 for item in HCT_CI_ITEMS}
    conditions.update(
        psychiatric=rng.random() < 0.10,
        obesity=bmi > 35,
        inflammatory_bowel=cov.disease == "crohn",
        rheumatologic=cov.disease in ("sle", "ra", "myositis"),
        cardiac=lvef <= 50,
    )
    conditions.update(pulmonary_moderate=False, pulmonary_severe=False)
    if dlco is not None:
        conditions["dlco_pct"] = float(dlco)
    result = hct_ci(conditions, disease=cov.disease)
    return {
        "date": day,
        "height_cm": height,
        "weight_kg": weight,
        "performance_scale": scale,
        "performance_score": score,
        "lvef_pct": float(lvef),
        "pasp_mmhg": None if pasp is None else float(pasp),
        "mpap_mmhg": None if mpap is None else float(mpap),
        "fvc_pct": None if fvc is None else float(fvc),
        "dlco_pct": None if dlco is None else float(dlco),
        "creatinine_clearance": None if crcl is None else float(crcl),
        "hct_ci_items": conditions,
        "hct_ci_score": result.score,
        "serology": {
            "hiv": "negative",
            "hbsag": "negative",
            "hcv": "negative",
            "cmv_igg": "positive" if rng.random() < 0.5 else "negative",
            "ebv_igg": "positive" if rng.random() < 0.92 else "negative",
        },
        "missing": missing,
    }


# --- day 0 ----------------------------------------------------------------------------------------------


def _regimen(b: _Builder) -> str:
    rng, cov = b.rng, b.cov
    era, centre = cov.era.key, cov.centre
    if cov.car_t:
        return "flu_cy"
    if cov.disease == "ms":
        loyal = {"early": 0.6, "middle": 0.8, "recent": 0.9}[era]
        if rng.random() < loyal:
            return centre.ms_regimen
        return _pick(rng, (("beam_atg", 0.4), ("cy200_ratg", 0.4), ("bu_cy", 0.2 if era == "early" else 0.0)))
    if cov.disease == "ssc":
        return centre.ssc_regimen if rng.random() < 0.9 else "cy200_ratg"
    if cov.disease == "sle":
        if era == "early" and rng.random() < 0.2:
            return "cy_alone"
        return "cy200_eatg" if centre.country == "US" else "cy200_ratg"
    if cov.disease in ("ra", "crohn") and era == "early":
        return "cy_alone" if rng.random() < (0.7 if cov.disease == "ra" else 0.3) else "cy200_ratg"
    if cov.disease == "jia":
        return "bu_cy" if rng.random() < 0.2 else "cy200_ratg"
    return "cy200_ratg"


def _mobilisation_regimen(b: _Builder) -> str:
    rng, cov = b.rng, b.cov
    if cov.disease == "ssc":
        return cov.centre.ssc_mobilisation
    if cov.disease == "ms":  # G-CSF alone risks a flare in MS ◐: mostly Cy + G-CSF
        return "mob_cy2_gcsf" if rng.random() < 0.85 else "mob_gcsf"
    return "mob_cy2_gcsf" if rng.random() < 0.8 else "mob_gcsf"


def _agents(b: _Builder, regimen_code: str, height: float, weight: float) -> list[dict[str, Any]]:
    """The regimen's agents with the weight basis and body-size value each dose was computed on."""
    cov = b.cov
    body = body_size(height, weight, cov.sex)
    basis = cov.centre.obese_weight_basis if body.bmi >= 30 else "actual"
    dosing_kg, applied, _notes = dosing_weight(body, basis, 0.25)  # ABW25 for conditioning ◐ (a setting)
    bsa = bsa_mosteller(height, weight)
    agents = []
    for agent in REGIMENS[regimen_code].agents:
        if agent.unit in ("mg/kg", "ug/kg"):
            weight_basis, size = applied, round(dosing_kg, 1)
        elif agent.unit in ("mg/m2", "g/m2"):
            weight_basis, size = "bsa", round(bsa, 2)
        else:
            weight_basis, size = "fixed", None
        agents.append(
            {
                "drug": agent.drug,
                "dose": agent.dose,
                "unit": agent.unit,
                "days": len(agent.days),
                "weight_basis": weight_basis,
                "body_size_value": size,
                "missing": {},
            }
        )
    return agents


def _conditioning(
    b: _Builder, regimen_code: str, day0: dt.date, key: str, height: float, weight: float
) -> str:
    regimen = REGIMENS[regimen_code]
    codes = regimen.agent_codes
    serotherapy = "ratg" if "ratg" in codes else ("eatg" if "eatg" in codes else "none")
    tbi = sum(a.total for a in regimen.agents if a.unit == "Gy") or None
    first_day = min(day for a in regimen.agents for day in a.days)
    b.add(
        "Conditioning",
        {
            "regimen": regimen_code,
            "intensity": catalogue.regimen_intensity(regimen_code) or "unknown",
            "serotherapy": serotherapy,
            "tbi_dose_gy": tbi,
            "start_date": day0 + dt.timedelta(days=first_day),
            "missing": {},
        },
        key,
    )
    for i, agent in enumerate(_agents(b, regimen_code, height, weight)):
        b.add("ConditioningAgent", agent, f"{key}-agent{i}", conditioning=key)
    return regimen_code


def _treatment(b: _Builder, pre: dict[str, Any]) -> dict[str, Any]:
    rng, cov = b.rng, b.cov
    collected = pre["first_procedure"]
    selection = False
    if cov.car_t:
        b.add(
            "CellProduct",
            {
                "product_type": "car_t",
                "source": "pb",
                "manipulation": "gene_modification",
                "collection_date": collected,
                "cd34_dose_per_kg": None,
                "cell_dose_per_kg": 1e6,  # 1×10^6 CAR T cells/kg [@Mackensen2022, abstract] ✔
                "viability_pct": round(min(99.0, rng.gauss(90, 4)), 1),
                "missing": {"cd34_dose_per_kg": "not_applicable"},
            },
            "product1",
        )
        yield_ = 0.0
        first_dose = 0.0
    else:
        mob_regimen = _mobilisation_regimen(b)
        # ◐ around the median 5.68 × 10^6 CD34+/kg infused in an MS series (PMC6857075, summary)
        yield_ = round(min(40.0, max(0.8, 6.0 * math.exp(rng.gauss(0, 0.55)))), 2)
        complications = []
        if mob_regimen != "mob_gcsf" and rng.random() < 0.10:
            complications.append("febrile_neutropenia")
        if rng.random() < (0.15 if mob_regimen == "mob_gcsf" and cov.disease == "ms" else 0.02):
            complications.append("disease_flare")
        mobilisation: dict[str, Any] = {
            "date": collected,
            "regimen": mob_regimen,
            "gcsf": True,
            "cd34_yield_per_kg": yield_,
            "apheresis_count": 1 if yield_ >= 5 else (2 if yield_ >= 2 else 3),
            "complications": complications,
            "missing": {},
        }
        b.add("Mobilisation", mobilisation, "mob1")
        selection = cov.centre.cd34_selection and cov.disease in ("ssc", "sle")
        first_dose = round(yield_ * (rng.uniform(0.4, 0.7) if selection else rng.uniform(0.55, 1.0)), 2)
        viability: float | None = round(min(100.0, rng.gauss(95, 3)), 1)
        missing = {}
        if rng.random() < 0.15:
            viability, missing = None, {"viability_pct": "not_evaluated"}
        collection = collected + dt.timedelta(days=5 if mob_regimen == "mob_gcsf" else 10)
        b.add(
            "CellProduct",
            {
                "product_type": "auto_hsc",
                "source": "pb",
                "manipulation": "cd34_selection" if selection else "none",
                "collection_date": collection,
                "cd34_dose_per_kg": max(0.5, first_dose),
                "cell_dose_per_kg": None,
                "viability_pct": viability,
                "missing": missing,
            },
            "product1",
            mobilisation="mob1",
        )
    regimen = _conditioning(b, _regimen(b), b.day0, "cond1", pre["height"], pre["weight"])
    b.add(
        "Infusion",
        {"date": b.day0, "sequence": 1, "missing": {}},
        "inf1",
        product="product1",
        conditioning="cond1",
    )
    _engraftment(b, "inf1", b.day0, regimen, selection)
    return {"regimen": regimen, "selection": selection, "spare_cd34": yield_ - first_dose}


def _engraftment(b: _Builder, infusion: str, day0: dt.date, regimen: str, selection: bool) -> None:
    rng = b.rng
    if regimen == "flu_cy":
        neutrophil_day, never_below = max(2, round(rng.gauss(8, 2))), rng.random() < 0.8
    else:
        centre = {"beam_atg": 10.5, "tbi_cy_eatg": 11, "bu_cy": 12}.get(regimen, 9.0) + (
            1 if selection else 0
        )
        neutrophil_day, never_below = max(6, round(rng.gauss(centre, 1.5))), rng.random() < 0.2
    platelet_day = max(5, neutrophil_day + round(rng.gauss(1, 2)))
    fields: dict[str, Any] = {
        "neutrophil_date": day0 + dt.timedelta(days=neutrophil_day),
        "platelet_date": None if never_below else day0 + dt.timedelta(days=platelet_day),
        "platelets_never_below_20": never_below,
        "graft_failure": False,
        "missing": {},
    }
    if rng.random() < 0.003 and regimen != "flu_cy":  # ◐ graft failure is rare after autologous HSCT
        fields.update(neutrophil_date=None, platelet_date=None, graft_failure=True)
        fields["missing"] = {"neutrophil_date": "not_applicable"}
    for name in ("neutrophil_date", "platelet_date"):
        value = fields[name]
        if value is not None and not b.observed(value):
            fields[name] = None
            fields["missing"][name] = "not_applicable" if b.death is not None else "unknown"
    b.add("Engraftment", fields, f"{infusion}-engraftment", infusion=infusion)


# --- after day 0 ----------------------------------------------------------------------------------------


def _after_day0(b: _Builder, pre: dict[str, Any], treatment: dict[str, Any]) -> None:
    _adverse_events(b, treatment)
    _second_infusion(b, pre, treatment)
    _visits(b, pre, treatment)
    _outcome_events(b)


def _event(b: _Builder, spec: cx.EventSpec, grading: str) -> dt.date | None:
    rng = b.rng
    onset = b.after(rng.randint(*spec.onset_days))
    if not b.observed(onset):
        return None
    resolution: dt.date | None = onset + dt.timedelta(days=rng.randint(*spec.duration_days))
    missing = {}
    if not b.observed(resolution):
        resolution, missing = None, {"resolution_date": "unknown"}
    organism = rng.choice(spec.organisms) if spec.organisms and rng.random() < spec.organism_share else ""
    b.add(
        "AdverseEvent",
        {
            "term": spec.term,
            "category": spec.category,
            "grading_system": grading,
            "grade": _pick(rng, spec.grades),
            "onset_date": onset,
            "resolution_date": resolution,
            "organism": organism,
            "relatedness": spec.relatedness,
            "missing": missing,
        },
        infusion="inf1",
    )
    return onset


def _adverse_events(b: _Builder, treatment: dict[str, Any]) -> None:
    rng, cov = b.rng, b.cov
    regimen = treatment["regimen"]
    for spec in cx.CAR_T_EVENTS if cov.car_t else cx.HSCT_EVENTS:
        if spec.regimens is not None and regimen not in spec.regimens:
            continue
        if spec.diseases is not None and cov.disease not in spec.diseases:
            continue
        if rng.random() < spec.probability * spec.multiplier.get(regimen, 1.0):
            _event(b, spec, "astct" if spec.category in ("crs", "icans") else "ctcae_v5")
    # secondary autoimmune disease and malignancy: one each at most, any time after 3 months
    rate = cx.SECONDARY_AUTOIMMUNITY_PER_YEAR
    rate *= cx.SECONDARY_AUTOIMMUNITY_SLE if cov.disease == "sle" else 1.0
    if treatment["selection"] and regimen in ("cy200_ratg", "cy200_eatg", "tbi_cy_eatg"):
        rate *= cx.SECONDARY_AUTOIMMUNITY_ATG_CD34
    for kind, per_year in (("autoimmune", rate), ("malignancy", cx.MALIGNANCY_PER_YEAR)):
        when = b.after(90 + _days(rng.expovariate(per_year)))
        if not b.observed(when):
            continue
        if kind == "autoimmune":
            term, grade = _pick(rng, tuple(((t, g), w) for t, w, g in cx.SECONDARY_AUTOIMMUNE_TERMS))
            category, event_type, related = "secondary_autoimmunity", "secondary_autoimmune", "possible"
        else:
            term, grade = _pick(rng, cx.MALIGNANCY_TERMS), 3
            category, event_type, related = "malignancy", "malignancy", "possible"
        b.add(
            "AdverseEvent",
            {
                "term": term,
                "category": category,
                "grading_system": "ctcae_v5",
                "grade": grade,
                "onset_date": when,
                "resolution_date": None,
                "organism": "",
                "relatedness": related,
                "missing": {"resolution_date": "unknown"},
            },
            infusion="inf1",
        )
        b.add(
            "OutcomeEvent",
            {"event_type": event_type, "date": when, "cause_of_death": "", "detail": term, "missing": {}},
        )


def _status(b: _Builder, day: dt.date, days: int) -> str:
    if b.progression is not None and day >= b.progression:
        return (
            "relapse"
            if b.cov.subtype in RELAPSING or b.cov.disease in RELAPSING or b.cov.car_t
            else "progression"
        )
    if days <= 120:
        return "partial_response" if b.rng.random() < 0.6 else "stable"
    return "complete_response" if b.rng.random() < 0.55 else "partial_response"


def _therapy(b: _Builder, day: dt.date) -> str:
    if b.progression is not None and day >= b.progression:
        return "disease-modifying therapy restarted"
    return "none" if b.cov.disease in ("ms", "cidp", "nmo") or b.cov.car_t else "low-dose maintenance"


def _visits(b: _Builder, pre: dict[str, Any], treatment: dict[str, Any]) -> None:
    rng, cov = b.rng, b.cov
    course: DiseaseCourse | None = pre["course"]
    panel = PANELS[cov.centre.immune_lab]
    immune = ImmuneCourse(
        rng,
        age=cov.age,
        car_t=cov.car_t,
        slow_t=treatment["selection"] and treatment["regimen"] != "cy_alone",
    )
    lab_days: list[tuple[dt.date, float | None]] = [(pre["workup"], None)]
    if cov.centre.immune_lab == "research":
        lab_days.append((b.after(30), 1.0))
    last_visit: dt.date | None = None
    for days, timepoint in VISITS:
        jitter = rng.randint(-10, 10) if days <= 100 else rng.randint(-20, 20)
        day = b.after(days + jitter)
        if day >= b.end:
            break
        if rng.random() < MISSED_VISIT:
            continue
        _follow_up(b, day, days, "alive")
        last_visit = day
        if course is not None and rng.random() >= ASSESSMENT_NOT_DONE:
            years = (day - b.day0).days / YEAR
            items, score = course.items(years, b.progression_years)
            b.add(
                "Assessment",
                {
                    "date": day,
                    "instrument": course.instrument,
                    "items": items,
                    "score": score,
                    "timepoint": timepoint,
                    "during_relapse": None,
                    "missing": {},
                },
            )
        if timepoint in LAB_VISITS:
            lab_days.append((day, (day - b.day0).days / 30.44))
    for day, months in lab_days:
        if not b.observed(day):
            continue
        for analyte in panel:
            if rng.random() < 0.1:  # ◐ a test not done
                continue
            value, unit = immune.value(analyte, months)
            b.add("LabResult", {"date": day, "analyte": analyte, "value": value, "unit": unit, "missing": {}})
    if b.death is not None:
        _follow_up(b, b.death, (b.death - b.day0).days, "dead")
    elif last_visit != b.end:
        _follow_up(b, b.end, (b.end - b.day0).days, "alive")


def _follow_up(b: _Builder, day: dt.date, days: int, vital: str) -> None:
    rng = b.rng
    status = _status(b, day, days)
    missing: dict[str, str] = {}
    therapy = _therapy(b, day)
    roll = rng.random()
    if roll < 0.04:
        status = "not_evaluated"
    elif roll < 0.07:
        status = "unknown"
    if rng.random() < 0.05:
        therapy, missing = "", {"current_therapy": "unknown"}
    b.add(
        "FollowUp",
        {
            "date": day,
            "vital_status": vital,
            "disease_status": status,
            "current_therapy": therapy,
            "missing": missing,
        },
    )


def _outcome_events(b: _Builder) -> None:
    rng, cov = b.rng, b.cov
    response = b.after(182 + rng.randint(-20, 20))
    early_progression = b.progression is not None and b.progression <= response
    if not early_progression and b.observed(response) and rng.random() < 0.85:
        b.add(
            "OutcomeEvent",
            {"event_type": "response", "date": response, "cause_of_death": "", "detail": "", "missing": {}},
        )
    if b.progression is not None:
        relapsing = cov.subtype in RELAPSING or cov.disease in RELAPSING or cov.car_t
        b.add(
            "OutcomeEvent",
            {
                "event_type": "relapse" if relapsing else "progression",
                "date": b.progression,
                "cause_of_death": "",
                "detail": "",
                "missing": {},
            },
        )
    if b.death is None:
        return
    kind = b.outcome.death_kind
    if kind == "trm":
        causes = (
            cx.TRM_CAUSES_CAR_T
            if cov.car_t
            else (cx.TRM_CAUSES_SSC if cov.disease == "ssc" else cx.TRM_CAUSES_HSCT)
        )
        cause = _pick(rng, causes)
        if cause in cx.FATAL_EVENT:
            term, category = cx.FATAL_EVENT[cause]
            onset = max(b.day0, b.death - dt.timedelta(days=rng.randint(0, 10)))
            b.add(
                "AdverseEvent",
                {
                    "term": term,
                    "category": category,
                    "grading_system": "astct" if category == "crs" else "ctcae_v5",
                    "grade": 5,
                    "onset_date": onset,
                    "resolution_date": None,
                    "organism": "",
                    "relatedness": "probable",
                    "missing": {"resolution_date": "not_applicable"},
                },
                infusion="inf1",
            )
    elif kind == "disease":
        cause = "disease"
    else:
        cause = _pick(rng, cx.UNRELATED_CAUSES)
    b.add(
        "OutcomeEvent",
        {"event_type": "death", "date": b.death, "cause_of_death": cause, "detail": "", "missing": {}},
    )


def _second_infusion(b: _Builder, pre: dict[str, Any], treatment: dict[str, Any]) -> None:
    """A second autologous HSCT with the stored back-up cells, for a few patients who progress (◐)."""
    rng, cov = b.rng, b.cov
    if b.progression is None or cov.car_t or treatment["spare_cd34"] < 1.0:
        return
    if cov.disease not in ("ms", "ssc", "crohn", "sle", "ra", "cidp") or b.progression.year < 2005:
        return
    if rng.random() >= 0.12:
        return
    day0 = b.progression + dt.timedelta(days=rng.randint(120, 300))
    if not b.observed(day0 + dt.timedelta(days=30)) or (b.death is not None and day0 >= b.death):
        return
    collection = next(r for r in b.records if r.key == "product1").fields["collection_date"]
    b.add(
        "CellProduct",
        {
            "product_type": "auto_hsc",
            "source": "pb",
            "manipulation": "none",
            "collection_date": collection,
            "cd34_dose_per_kg": round(treatment["spare_cd34"], 2),
            "cell_dose_per_kg": None,
            "viability_pct": None,
            "missing": {"viability_pct": "unknown"},
        },
        "product2",
        mobilisation="mob1",
    )
    regimen = _conditioning(b, "cy200_ratg", day0, "cond2", pre["height"], pre["weight"])
    b.add(
        "Infusion",
        {"date": day0, "sequence": 2, "missing": {}},
        "inf2",
        product="product2",
        conditioning="cond2",
    )
    _engraftment(b, "inf2", day0, regimen, False)


def patients(
    seed: int, count: int, *, start: int = 0, id_prefix: str | None = None, as_of: dt.date | None = None
) -> Any:
    """Generate patients ``start`` … ``start + count − 1`` of the registry with ``seed``, one at a time."""
    for index in range(start, start + count):
        yield generate_patient(seed, index, id_prefix=id_prefix, as_of=as_of)
