"""The registry's validation rules: one record against its patient's timeline and the code lists.

Every rule has a code (``RULE_*``) and a message template (module constants; tests assert on them).
:func:`record_problems` checks a record before a service writes it; :func:`patient_findings` runs the
same rules over everything already stored for one patient (``remission check``, the data-quality page).

Timeline rules (dates in a possible order):

* no date in the future, none before the first day of the birth month, none after death;
* first symptom ≤ diagnosis ≤ every infusion; conditioning start, collection ≤ infusion;
* engraftment dates on or after their infusion; a death leaves no later records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models

from remission.registry import catalogue
from remission.registry.codes import (
    ANALYTE_UNITS,
    AdverseEventCategory,
    GradingSystem,
    MissingReason,
    OutcomeType,
    PerformanceScale,
    WeightBasis,
)
from remission.registry.errors import Problem
from remission.registry.ranges import PLAUSIBLE_RANGES

RULE_FUTURE = "date_not_in_future"
RULE_BEFORE_BIRTH = "date_not_before_birth"
RULE_AFTER_DEATH = "date_not_after_death"
RULE_BEFORE_DIAGNOSIS = "infusion_not_before_diagnosis"
RULE_BEFORE_INFUSION = "not_before_infusion"
RULE_AFTER_INFUSION = "not_after_infusion"
RULE_DEATH_BEFORE_RECORDS = "death_not_before_other_records"
RULE_RANGE = "plausible_range"
RULE_UNKNOWN_CODE = "known_code"
RULE_UNIT = "known_unit"
RULE_ITEMS = "instrument_items"
RULE_SCORE = "score_matches_items"
RULE_MISSING_REASON = "missing_reason"
RULE_SAME_PATIENT = "same_patient"
RULE_WEIGHT_BASIS = "unit_matches_weight_basis"
RULE_GRADE = "grade_for_system"
RULE_PERFORMANCE = "performance_score_for_scale"
RULE_FIELD = "field"
RULE_CONSENT_ORDER = "consent_order"
RULE_CONTRADICTION = "no_contradiction"

FUTURE = "{value} is in the future (today is {today})"
BEFORE_BIRTH = "{value} is before the patient's birth ({birth:%B %Y})"
AFTER_DEATH = "{value} is after the patient's death on {death}"
BEFORE_DIAGNOSIS = "infusion on {value} is before the diagnosis on {diagnosis}"
BEFORE_INFUSION = "{value} is before the infusion (day 0) on {infusion}"
AFTER_INFUSION = "{value} is after the infusion (day 0) on {infusion}"
DEATH_BEFORE_RECORDS = "death on {value} is before the patient's {other} on {other_date}"
OUT_OF_RANGE = "{value:g} is not plausible: must be {allowed}"
UNKNOWN_CODE = "{value!r} is not a known {what} code"
UNKNOWN_UNIT = "{value!r} is not a unit for {analyte}; use one of: {allowed}"
LAB_OUT_OF_RANGE = "{value:g} {unit} is not plausible for {analyte}: must be {allowed}"
ITEMS_INVALID = "{detail}"
SCORE_MISMATCH = "score {value:g} does not match the items, which give {computed:g}"
MISSING_REASON_BAD = "missing-value reason for {field!r} must be one of {allowed}, not {value!r}"
MISSING_FIELD_UNKNOWN = "{field!r} is not a field of this record that can be missing"
MISSING_FIELD_FILLED = "{field!r} has a value, so it cannot also be marked missing ({reason})"
OTHER_PATIENT = "{what} belongs to another patient"
WEIGHT_BASIS_MISMATCH = "unit {unit} does not go with weight basis {basis}; use one of: {allowed}"
GRADE_BAD = "grade {value} is not a {system} grade for {category}; allowed {allowed}"
PERFORMANCE_BAD = "{value} is not a {scale} score; allowed {allowed}"
CONSENT_ORDER = "consent withdrawn on {value} is before consent given on {given}"
CONSTRAINT_VIOLATED = "breaks the rule {name}"
DATABASE_REFUSED = "the database refused the write: {detail}"
CONTRADICTION_ALIVE_AFTER_DEATH = "follow-up on {value} says alive, but the patient died on {death}"

UNITS_FOR_BASIS: dict[str, frozenset[str]] = {
    WeightBasis.ACTUAL: frozenset({"mg/kg", "ug/kg"}),
    WeightBasis.IDEAL: frozenset({"mg/kg", "ug/kg"}),
    WeightBasis.ADJUSTED: frozenset({"mg/kg", "ug/kg"}),
    WeightBasis.LESSER_OF_IDEAL_AND_ACTUAL: frozenset({"mg/kg", "ug/kg"}),
    WeightBasis.BSA: frozenset({"mg/m2", "g/m2"}),
    WeightBasis.FIXED: frozenset({"mg", "g", "Gy"}),
}
PERFORMANCE_VALUES: dict[str, tuple[int, ...]] = {
    PerformanceScale.ECOG: (0, 1, 2, 3, 4),
    PerformanceScale.KARNOFSKY: tuple(range(10, 101, 10)),
    PerformanceScale.LANSKY: tuple(range(10, 101, 10)),
}
GRADES: dict[str, tuple[int, ...]] = {
    GradingSystem.CTCAE_V5: (1, 2, 3, 4, 5),
    GradingSystem.ASTCT: (1, 2, 3, 4, 5),
}
SCORE_TOLERANCE = 0.011  # scores are stored to two decimals; a hand-entered score may round the last one


class PatientContext:
    """What the timeline rules need to know about the patient, each part read once and only when needed.

    ``exclude`` is the record being edited: its stored (old) values do not count.
    """

    def __init__(self, patient: Any, *, today: dt.date | None = None, exclude: Any = None) -> None:
        self.patient_id = patient.pk
        self.birth = dt.date(patient.birth_year, patient.birth_month, 1)
        self.today = today or dt.date.today()
        self._exclude = exclude

    def _others(self, model: type[models.Model]) -> models.QuerySet:
        rows = model.objects.filter(patient_id=self.patient_id)
        if self._exclude is not None and isinstance(self._exclude, model) and self._exclude.pk:
            rows = rows.exclude(pk=self._exclude.pk)
        return rows

    @classmethod
    def known(
        cls,
        *,
        birth: dt.date,
        death: dt.date | None,
        diagnosis: dt.date | None,
        infusions: dict[int, dt.date] | None = None,
        today: dt.date | None = None,
    ) -> PatientContext:
        """A context from values the caller already holds (a bulk loader building a patient in memory)."""
        context = cls.__new__(cls)
        context.patient_id = None
        context.birth = birth
        context.today = today or dt.date.today()
        context._exclude = None
        # cached_property stores its value in the instance dict; setting it there means "already known"
        context.__dict__.update(death=death, diagnosis=diagnosis, infusions=dict(infusions or {}))
        return context

    @cached_property
    def death(self) -> dt.date | None:
        from remission.registry.models import OutcomeEvent

        return (
            self._others(OutcomeEvent)
            .filter(event_type=OutcomeType.DEATH)
            .values_list("date", flat=True)
            .first()
        )

    @cached_property
    def diagnosis(self) -> dt.date | None:
        from remission.registry.models import Diagnosis

        return (
            self._others(Diagnosis).filter(is_primary=True).values_list("diagnosis_date", flat=True).first()
        )

    @cached_property
    def infusions(self) -> dict[int, dt.date]:
        from remission.registry.models import Infusion

        return dict(self._others(Infusion).values_list("pk", "date"))


def patient_context(patient: Any, *, today: dt.date | None = None, exclude: Any = None) -> PatientContext:
    """The patient's anchor dates (read lazily); ``exclude`` is the record under edit."""
    return PatientContext(patient, today=today, exclude=exclude)


def label(record: models.Model) -> str:
    """How a record is named in messages: ``Infusion #12 of patient R7KQ2M4XA``."""
    name = record._meta.verbose_name.capitalize()
    ident = f" #{record.pk}" if record.pk else " (new)"
    patient = getattr(record, "patient", None)
    if patient is not None and getattr(patient, "registry_id", None):
        return f"{name}{ident} of patient {patient.registry_id}"
    if hasattr(record, "registry_id"):
        return f"Patient {record.registry_id or '(new)'}"
    return f"{name}{ident}"


def record_problems(record: models.Model, context: PatientContext | None) -> list[Problem]:
    """Every rule ``record`` breaks, given its patient's ``context`` (None for centre-level records)."""
    problems = _field_problems(record)
    checks = _model_checks.get(type(record).__name__)
    if checks is not None:
        problems.extend(checks(record, context))
    problems.extend(_range_problems(record))
    problems.extend(_missing_problems(record))
    if context is not None:
        problems.extend(_timeline_problems(record, context))
    return problems


def _problem(record: models.Model, field: str, rule: str, message: str) -> Problem:
    return Problem(record=label(record), field=field, rule=rule, message=message)


def _field_problems(record: models.Model) -> list[Problem]:
    """Django's field checks (types, choices, lengths, required) and the unique constraints.

    Foreign keys are not looked up again (the services pass the related objects, and the database
    holds the keys), and check constraints are left to the database: Django would run one query per
    check constraint; a violation comes back as :func:`constraint_problem`.
    """
    foreign_keys = [f.name for f in record._meta.concrete_fields if f.is_relation]
    problems = []
    try:
        record.full_clean(exclude=foreign_keys, validate_unique=True, validate_constraints=False)
    except DjangoValidationError as exc:
        problems.extend(
            _problem(record, field if field != "__all__" else "record", RULE_FIELD, message)
            for field, messages in exc.message_dict.items()
            for message in messages
        )
    for constraint in record._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint):
            try:
                constraint.validate(type(record), record)
            except DjangoValidationError as exc:
                field = constraint.fields[0] if constraint.fields else "record"
                problems.extend(_problem(record, field, constraint.name, m) for m in exc.messages)
    return problems


def constraint_problem(record: models.Model, error: Exception) -> Problem:
    """A database constraint violation as a Problem naming the record, the field and the constraint."""
    text = str(error)
    for constraint in record._meta.constraints:
        if constraint.name in text:
            fields = _fields_of(getattr(constraint, "condition", None)) or list(
                getattr(constraint, "fields", ())
            )
            message = CONSTRAINT_VIOLATED.format(name=constraint.name)
            return _problem(record, fields[0] if fields else "record", constraint.name, message)
    first_line = text.splitlines()[0] if text else type(error).__name__
    return _problem(record, "record", "database_constraint", DATABASE_REFUSED.format(detail=first_line))


def _fields_of(condition: Any) -> list[str]:
    """The field names a Q condition mentions, in order (``height_cm__gte`` -> ``height_cm``)."""
    if condition is None:
        return []
    names: list[str] = []
    for child in condition.children:
        if isinstance(child, tuple):
            name = child[0].split("__")[0]
            if name not in names:
                names.append(name)
        else:
            names.extend(n for n in _fields_of(child) if n not in names)
    return names


def _range_problems(record: models.Model) -> list[Problem]:
    problems = []
    for field, plausible in PLAUSIBLE_RANGES.get(record._meta.model_name, {}).items():
        value = getattr(record, field)
        if isinstance(value, int | float) and not isinstance(value, bool) and not plausible.contains(value):
            problems.append(
                _problem(
                    record, field, RULE_RANGE, OUT_OF_RANGE.format(value=value, allowed=plausible.describe())
                )
            )
    return problems


def _missing_problems(record: models.Model) -> list[Problem]:
    missing = getattr(record, "missing", None)
    if not missing:
        return []
    if not isinstance(missing, dict):
        return [_problem(record, "missing", RULE_MISSING_REASON, "must map field names to reasons")]
    problems = []
    allowed = [m.value for m in MissingReason]
    editable = set(getattr(record, "EDITABLE_FIELDS", ())) - {"missing"}
    for field, reason in missing.items():
        if field not in editable:
            problems.append(
                _problem(record, field, RULE_MISSING_REASON, MISSING_FIELD_UNKNOWN.format(field=field))
            )
            continue
        if reason not in allowed:
            message = MISSING_REASON_BAD.format(field=field, allowed=allowed, value=reason)
            problems.append(_problem(record, field, RULE_MISSING_REASON, message))
        if not _is_empty(getattr(record, field, None)):
            message = MISSING_FIELD_FILLED.format(field=field, reason=reason)
            problems.append(_problem(record, field, RULE_MISSING_REASON, message))
    return problems


def _is_empty(value: Any) -> bool:
    """None, an empty string and an empty JSON list or object all count as no value."""
    return value is None or value == "" or value == {} or value == []


def _timeline_problems(record: models.Model, ctx: PatientContext) -> list[Problem]:
    problems = []
    is_death = getattr(record, "event_type", None) == OutcomeType.DEATH
    for field in getattr(record, "TIMELINE_DATES", ()):
        value = getattr(record, field)
        if not isinstance(value, dt.date):
            continue
        if value > ctx.today:
            problems.append(_problem(record, field, RULE_FUTURE, FUTURE.format(value=value, today=ctx.today)))
        if value < ctx.birth:
            problems.append(
                _problem(record, field, RULE_BEFORE_BIRTH, BEFORE_BIRTH.format(value=value, birth=ctx.birth))
            )
        if ctx.death is not None and value > ctx.death and not is_death:
            problems.append(
                _problem(record, field, RULE_AFTER_DEATH, AFTER_DEATH.format(value=value, death=ctx.death))
            )
    return problems


# --- per-model rules -------------------------------------------------------------------------------


def _check_patient(record: Any, ctx: PatientContext | None) -> list[Problem]:
    problems = []
    today = ctx.today if ctx else dt.date.today()
    if record.birth_year and record.birth_month and 1 <= record.birth_month <= 12:
        birth = dt.date(record.birth_year, record.birth_month, 1)
        if birth > today:
            problems.append(
                _problem(
                    record, "birth_year", RULE_FUTURE, FUTURE.format(value=f"{birth:%B %Y}", today=today)
                )
            )
    given, withdrawn = record.consent_date, record.consent_withdrawn_date
    if given and withdrawn and withdrawn < given:
        message = CONSENT_ORDER.format(value=withdrawn, given=given)
        problems.append(_problem(record, "consent_withdrawn_date", RULE_CONSENT_ORDER, message))
    return problems


def _check_diagnosis(record: Any, ctx: PatientContext | None) -> list[Problem]:
    problems = []
    if record.disease and record.disease not in catalogue.disease_codes():
        message = UNKNOWN_CODE.format(value=record.disease, what="disease")
        problems.append(_problem(record, "disease", RULE_UNKNOWN_CODE, message))
    if ctx and record.is_primary and record.diagnosis_date:
        for infusion_date in ctx.infusions.values():
            if infusion_date < record.diagnosis_date:
                message = BEFORE_DIAGNOSIS.format(value=infusion_date, diagnosis=record.diagnosis_date)
                problems.append(_problem(record, "diagnosis_date", RULE_BEFORE_DIAGNOSIS, message))
                break
    return problems


def _check_assessment(record: Any, ctx: PatientContext | None) -> list[Problem]:
    instrument = catalogue.instrument(record.instrument)
    if instrument is None:
        message = UNKNOWN_CODE.format(value=record.instrument, what="instrument")
        return [_problem(record, "instrument", RULE_UNKNOWN_CODE, message)]
    problems = [
        _problem(record, "items", RULE_ITEMS, ITEMS_INVALID.format(detail=detail))
        for detail in instrument.validate(record.items or {})
    ]
    if problems:
        return problems
    computed = catalogue.compute_score(instrument, record.items or {})
    if computed is not None and record.score is not None and abs(computed - record.score) > SCORE_TOLERANCE:
        message = SCORE_MISMATCH.format(value=record.score, computed=computed)
        problems.append(_problem(record, "score", RULE_SCORE, message))
    if record.score is not None:
        low, high = instrument.score_range
        if not low <= record.score <= high:
            message = OUT_OF_RANGE.format(value=record.score, allowed=f"between {low:g} and {high:g}")
            problems.append(_problem(record, "score", RULE_RANGE, message))
    return problems


def _check_workup(record: Any, ctx: PatientContext | None) -> list[Problem]:
    if record.performance_score is None or not record.performance_scale:
        return []
    allowed = PERFORMANCE_VALUES.get(record.performance_scale, ())
    if record.performance_score in allowed:
        return []
    message = PERFORMANCE_BAD.format(
        value=record.performance_score, scale=record.performance_scale, allowed=allowed
    )
    return [_problem(record, "performance_score", RULE_PERFORMANCE, message)]


def _check_regimen(record: Any, ctx: PatientContext | None) -> list[Problem]:
    if record.regimen and record.regimen not in catalogue.regimen_codes():
        return [
            _problem(
                record,
                "regimen",
                RULE_UNKNOWN_CODE,
                UNKNOWN_CODE.format(value=record.regimen, what="regimen"),
            )
        ]
    return []


def _check_agent(record: Any, ctx: PatientContext | None) -> list[Problem]:
    problems = _same_patient(record, "conditioning")
    allowed = UNITS_FOR_BASIS.get(record.weight_basis)
    if allowed is not None and record.unit not in allowed:
        message = WEIGHT_BASIS_MISMATCH.format(
            unit=record.unit, basis=record.weight_basis, allowed=sorted(allowed)
        )
        problems.append(_problem(record, "unit", RULE_WEIGHT_BASIS, message))
    return problems


def _check_product(record: Any, ctx: PatientContext | None) -> list[Problem]:
    return _same_patient(record, "mobilisation")


def _check_infusion(record: Any, ctx: PatientContext | None) -> list[Problem]:
    problems = _same_patient(record, "product") + _same_patient(record, "conditioning")
    if problems or ctx is None or not record.date:
        return problems
    if ctx.diagnosis and record.date < ctx.diagnosis:
        message = BEFORE_DIAGNOSIS.format(value=record.date, diagnosis=ctx.diagnosis)
        problems.append(_problem(record, "date", RULE_BEFORE_DIAGNOSIS, message))
    anchors = (
        ("conditioning", "start_date", "conditioning start"),
        ("product", "collection_date", "collection"),
    )
    for relation, field, what in anchors:
        related = getattr(record, relation, None) if getattr(record, f"{relation}_id", None) else None
        other = getattr(related, field, None) if related is not None else None
        if other is not None and record.date < other:
            message = f"infusion on {record.date} is before the {what} on {other}"
            problems.append(_problem(record, "date", RULE_BEFORE_INFUSION, message))
    return problems


def _check_engraftment(record: Any, ctx: PatientContext | None) -> list[Problem]:
    problems = _same_patient(record, "infusion")
    if problems or not record.infusion_id:
        return problems
    day0 = record.infusion.date
    for field in ("neutrophil_date", "platelet_date"):
        value = getattr(record, field)
        if value is not None and value < day0:
            message = BEFORE_INFUSION.format(value=value, infusion=day0)
            problems.append(_problem(record, field, RULE_BEFORE_INFUSION, message))
    return problems


def _check_adverse_event(record: Any, ctx: PatientContext | None) -> list[Problem]:
    problems = _same_patient(record, "infusion")
    if record.grade is not None and record.grading_system in GRADES:
        allowed = GRADES[record.grading_system]
        if record.grade not in allowed:
            message = GRADE_BAD.format(
                value=record.grade, system=record.grading_system, category=record.category, allowed=allowed
            )
            problems.append(_problem(record, "grade", RULE_GRADE, message))
    if record.category in (
        AdverseEventCategory.CRS,
        AdverseEventCategory.ICANS,
    ) and record.grading_system != (GradingSystem.ASTCT):
        message = f"{record.category} is graded with the ASTCT consensus, not {record.grading_system}"
        problems.append(_problem(record, "grading_system", RULE_GRADE, message))
    return problems


def _check_lab(record: Any, ctx: PatientContext | None) -> list[Problem]:
    units = ANALYTE_UNITS.get(record.analyte)
    if units is None:
        return []  # the choices check already names an unknown analyte
    if record.unit not in units:
        message = UNKNOWN_UNIT.format(value=record.unit, analyte=record.analyte, allowed=", ".join(units))
        return [_problem(record, "unit", RULE_UNIT, message)]
    low, high = units[record.unit]
    if record.value is not None and not low <= record.value <= high:
        message = LAB_OUT_OF_RANGE.format(
            value=record.value,
            unit=record.unit,
            analyte=record.analyte,
            allowed=f"between {low:g} and {high:g}",
        )
        return [_problem(record, "value", RULE_RANGE, message)]
    return []


def _check_follow_up(record: Any, ctx: PatientContext | None) -> list[Problem]:
    return []


def _check_outcome(record: Any, ctx: PatientContext | None) -> list[Problem]:
    if ctx is None or record.event_type != OutcomeType.DEATH or not record.date:
        return []
    later = _latest_record_date(record.patient_id, exclude=record)
    if later is not None and later[1] > record.date:
        message = DEATH_BEFORE_RECORDS.format(value=record.date, other=later[0], other_date=later[1])
        return [_problem(record, "date", RULE_DEATH_BEFORE_RECORDS, message)]
    return []


def _same_patient(record: Any, relation: str) -> list[Problem]:
    related_id = getattr(record, f"{relation}_id", None)
    if related_id is None:
        return []
    related = getattr(record, relation)
    if related.patient_id != record.patient_id:
        return [_problem(record, relation, RULE_SAME_PATIENT, OTHER_PATIENT.format(what=relation))]
    return []


def _latest_record_date(patient_id: int, *, exclude: Any = None) -> tuple[str, dt.date] | None:
    """The latest date on the patient's timeline, with what it is (for the death rule), in one query: the
    latest value of each dated field of each record table, combined with UNION ALL."""
    from django.db.models import IntegerField, Max, Value

    from remission.registry.models import PATIENT_RECORD_MODELS

    labels: list[str] = []
    parts: list[models.QuerySet] = []
    for model in PATIENT_RECORD_MODELS:
        rows = model.objects.filter(patient_id=patient_id)
        if exclude is not None and isinstance(exclude, model) and exclude.pk:
            rows = rows.exclude(pk=exclude.pk)
        for field in model.TIMELINE_DATES:
            what = Value(len(labels), output_field=IntegerField())
            latest = rows.order_by().values("patient_id").annotate(latest=Max(field))
            parts.append(latest.values_list(what, "latest"))
            labels.append(f"{model._meta.verbose_name} {field.replace('_', ' ')}")
    found = [(value, index) for index, value in parts[0].union(*parts[1:], all=True) if value is not None]
    if not found:
        return None
    value, index = max(found, key=lambda pair: (pair[0], -pair[1]))  # ties: the first table, as listed
    return labels[index], value


_model_checks = {
    "Patient": _check_patient,
    "Diagnosis": _check_diagnosis,
    "Assessment": _check_assessment,
    "WorkUp": _check_workup,
    "Mobilisation": _check_regimen,
    "Conditioning": _check_regimen,
    "ConditioningAgent": _check_agent,
    "CellProduct": _check_product,
    "Infusion": _check_infusion,
    "Engraftment": _check_engraftment,
    "AdverseEvent": _check_adverse_event,
    "LabResult": _check_lab,
    "FollowUp": _check_follow_up,
    "OutcomeEvent": _check_outcome,
}


# --- whole-patient findings (remission check, data-quality page) -------------------------------------


@dataclass(frozen=True)
class Finding:
    """A rule broken by data already stored (imported before a rule existed, or a contradiction)."""

    centre_id: int
    patient_id: int
    registry_id: str
    entity: str
    record_id: int | None
    problem: Problem


def patient_findings(patient: Any, *, today: dt.date | None = None) -> list[Finding]:
    """Run every rule over every record of ``patient`` as stored, plus the cross-record contradictions."""
    from remission.registry.models import PATIENT_RECORD_MODELS, FollowUp

    context = patient_context(patient, today=today)
    findings: list[Finding] = []

    def add(record: models.Model, problems: Iterable[Problem]) -> None:
        for problem in problems:
            findings.append(
                Finding(
                    patient.centre_id,
                    patient.pk,
                    patient.registry_id,
                    record._meta.model_name,
                    record.pk,
                    problem,
                )
            )

    add(patient, record_problems(patient, None))
    for model in PATIENT_RECORD_MODELS:
        for record in model.objects.filter(patient_id=patient.pk):
            record.patient = patient
            add(record, record_problems(record, context))
    if context.death is not None:
        alive_after = FollowUp.objects.filter(
            patient_id=patient.pk, vital_status="alive", date__gt=context.death
        )
        for follow_up in alive_after:
            follow_up.patient = patient
            message = CONTRADICTION_ALIVE_AFTER_DEATH.format(value=follow_up.date, death=context.death)
            add(follow_up, [_problem(follow_up, "vital_status", RULE_CONTRADICTION, message)])
    return findings
