"""The registry's validation rules: one record against its patient's history and the code lists.

Every rule has a code (``RULE_*``) and a message template (module constants; tests assert on them). The
services run :func:`record_problems` on every record before they write it (the web forms, the API and the
importers all write through the services); :func:`patient_findings` runs the same rules over everything
already stored for one patient (``remission check``, the data-quality page).

**Order rules.** A patient's dates must be in a possible order. A broken rule names the record, the field,
the rule and both dates. When a record is written the rule is checked both ways: a record dated before one
it must follow, and an earlier record edited (or a death added) to fall after one that must follow it.
Over stored data each broken pair is reported once, by the record that follows (or links) the other.

* Every date: not in the future (``date_not_in_future``), not before the first day of the birth month
  (``date_not_before_birth``).
* Death is the last event. Nothing is dated after the death (``date_not_after_death``); a death is not
  dated before a stored record (``death_not_before_other_records``); one death per patient
  (``one_death``). A follow-up with vital status *dead* says the patient was dead by its date: nothing is
  dated after it (``date_not_after_dead_follow_up``), it is not dated before a stored record
  (``dead_follow_up_not_before_other_records``), and a death dated after it contradicts it
  (``death_not_after_dead_follow_up``). No follow-up says *alive* after a death or a *dead* follow-up
  (``alive_not_after_death``): vital status never goes from dead to alive.
* The disease: first symptom ≤ diagnosis (``symptom_before_diagnosis``) ≤ every infusion
  (``infusion_not_before_diagnosis``, the primary diagnosis).
* The treatment, along the links the records hold (a cell product's mobilisation, an infusion's product
  and conditioning, an engraftment's infusion): mobilisation → collection of the product
  (``mobilisation_before_collection``) → start of conditioning → infusion, day 0
  (``mobilisation_before_infusion``, ``collection_before_infusion``, ``conditioning_before_infusion``)
  → neutrophil and platelet engraftment (``infusion_before_engraftment``).
  Collection before conditioning (``collection_before_conditioning``, ``mobilisation_before_conditioning``)
  holds for **autologous** products only: the patient's own auto-HSC graft, a product collected in one of
  the patient's own mobilisations, and CAR-T cells. Conditioning ablates the marrow and lymphodepletion
  (fludarabine/cyclophosphamide) empties the T cells that leukapheresis collects, so a patient's own cells
  are collected before it starts. A donor's product is another matter: an allogeneic HSC graft is
  collected from the donor, often on day −1 or day 0 while the recipient is being conditioned, and banked
  products (cord blood, off-the-shelf MSC) long before; the recipient's conditioning says nothing about
  when they were collected. MSC, Treg and other products may be the patient's own or a donor's, and the
  registry does not record which, so the rule does not apply to them unless they come from one of the
  patient's mobilisations. (An off-the-shelf CAR-T product is collected weeks before the recipient's
  lymphodepletion for its manufacture, so the CAR-T rule cannot refuse a true allogeneic history either.)
  An adverse event's link to an infusion is not an order: toxicity of conditioning begins before day 0.
* Within one record: prior therapy start ≤ stop (``therapy_start_before_stop``), adverse event onset ≤
  resolution (``onset_before_resolution``), consent given ≤ withdrawn (``consent_order``), membership
  valid from ≤ to (``valid_from_before_to``).

**Database constraints.** Every constraint of every table (:data:`CHECK_RULES`, :data:`UNIQUE_RULES`,
the plausible ranges of :mod:`remission.registry.ranges`) is checked here first, with a named rule and a
sentence a clinician can read, so the database never has to refuse a write the services let through.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import F, IntegerField, Max, Min, Q, Value
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from remission.registry import catalogue
from remission.registry.codes import (
    ANALYTE_UNITS,
    AdverseEventCategory,
    GradingSystem,
    MissingReason,
    OutcomeType,
    PerformanceScale,
    ProductType,
    VitalStatus,
    WeightBasis,
)
from remission.registry.errors import Problem
from remission.registry.findings import Finding
from remission.registry.labels import field_label, model_label
from remission.registry.ranges import (
    EARLIEST_YEAR,
    PLAUSIBLE_RANGES,
    RULE_DATE_RANGE,
    date_in_range,
    date_out_of_range,
    year_in_range,
)

RULE_FUTURE = "date_not_in_future"
RULE_BEFORE_BIRTH = "date_not_before_birth"
RULE_AFTER_DEATH = "date_not_after_death"
RULE_AFTER_DEAD_FOLLOW_UP = "date_not_after_dead_follow_up"
RULE_DEATH_BEFORE_RECORDS = "death_not_before_other_records"
RULE_DEAD_FOLLOW_UP_BEFORE_RECORDS = "dead_follow_up_not_before_other_records"
RULE_DEATH_AFTER_DEAD_FOLLOW_UP = "death_not_after_dead_follow_up"
RULE_ALIVE_AFTER_DEATH = "alive_not_after_death"
RULE_BEFORE_DIAGNOSIS = "infusion_not_before_diagnosis"
RULE_MOBILISATION_BEFORE_COLLECTION = "mobilisation_before_collection"
RULE_MOBILISATION_BEFORE_CONDITIONING = "mobilisation_before_conditioning"
RULE_MOBILISATION_BEFORE_INFUSION = "mobilisation_before_infusion"
RULE_COLLECTION_BEFORE_CONDITIONING = "collection_before_conditioning"
RULE_COLLECTION_BEFORE_INFUSION = "collection_before_infusion"
RULE_CONDITIONING_BEFORE_INFUSION = "conditioning_before_infusion"
RULE_INFUSION_BEFORE_ENGRAFTMENT = "infusion_before_engraftment"
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
# the database's constraints, checked first (CHECK_RULES, UNIQUE_RULES)
RULE_SYMPTOM_BEFORE_DIAGNOSIS = "symptom_before_diagnosis"
RULE_THERAPY_START_BEFORE_STOP = "therapy_start_before_stop"
RULE_ONSET_BEFORE_RESOLUTION = "onset_before_resolution"
RULE_VALID_FROM_BEFORE_TO = "valid_from_before_to"
RULE_ASTCT_ONLY_CRS_ICANS = "astct_only_for_crs_icans"
RULE_ORGANISM_ONLY_INFECTION = "organism_only_for_infection"
RULE_LAB_NOT_NEGATIVE = "lab_value_not_negative"
RULE_CAUSE_OF_DEATH = "cause_only_for_death"
RULE_PERFORMANCE_SCALE = "performance_scale_given"
RULE_GRAFT_FAILURE = "graft_failure_not_fully_engrafted"
RULE_BIRTH_MONTH = "birth_month"
RULE_BIRTH_YEAR = "birth_year"
RULE_CONSENT_DATED = "consent_dated"
RULE_WITHDRAWAL_DATED = "withdrawal_dated"
RULE_COUNTRY = "country_code"
RULE_CCN = "ccn_five_digits"
RULE_FIRST_YEAR = "first_procedure_year"
RULE_ROLE_CENTRE = "role_matches_centre"
RULE_ONE_PRIMARY_DIAGNOSIS = "one_primary_diagnosis"
RULE_ONE_DEATH = "one_death"
RULE_INFUSION_SEQUENCE = "one_infusion_per_number"
RULE_EBMT_CIC = "ebmt_cic_unique"
RULE_CIBMTR_CCN = "cibmtr_ccn_unique"
RULE_ONE_MEMBERSHIP = "one_membership_per_role"
RULE_ONE_IDENTIFIER = "one_identifier_per_system"
RULE_ONE_ENGRAFTMENT = "one_engraftment_per_infusion"
RULE_DATABASE = "database_constraint"

FUTURE = _("{value} is in the future (today is {today})")
BEFORE_BIRTH = _("{value} is before the patient's birth ({birth})")
AFTER_DEATH = _("{value} is after the patient's death on {death}")
AFTER_DEAD_FOLLOW_UP = _("{value} is after the follow-up on {dead} that records the patient as dead")
DEATH_BEFORE_RECORDS = _("death on {value} is before the patient's {other} on {other_date}")
DEAD_FOLLOW_UP_BEFORE_RECORDS = _(
    "follow-up on {value} records the patient as dead, but the patient's {other} is on {other_date}"
)
DEATH_AFTER_DEAD_FOLLOW_UP = _(
    "death on {value} is after the follow-up on {dead} that already records the patient as dead"
)
ALIVE_AFTER_DEATH = _("follow-up on {value} says alive, but the patient died on {death}")
ALIVE_AFTER_DEAD_FOLLOW_UP = _(
    "follow-up on {value} says alive, but the follow-up on {dead} records the patient as dead"
)
BEFORE_DIAGNOSIS = _("infusion on {value} is before the diagnosis on {diagnosis}")
ORDER_BEFORE = _("{what} on {value} is before the {other} on {other_date} ({other_record})")
ORDER_AFTER = _("{what} on {value} is after the {other} on {other_date} ({other_record})")
ORDER_LINKED = _(
    "the {later} on {later_date} ({later_record}) "
    "is before the {earlier} on {earlier_date} ({earlier_record})"
)
OUT_OF_RANGE = _("{value:g} is not plausible: must be {allowed}")
UNKNOWN_CODE = _("{value!r} is not a known {what} code")
UNKNOWN_UNIT = _("{value!r} is not a unit for {analyte}; use one of: {allowed}")
LAB_OUT_OF_RANGE = _("{value:g} {unit} is not plausible for {analyte}: must be {allowed}")
ITEMS_INVALID = _("{detail}")
SCORE_MISMATCH = _("score {value:g} does not match the items, which give {computed:g}")
MISSING_REASON_BAD = _("missing-value reason for {field!r} must be one of {allowed}, not {value!r}")
MISSING_FIELD_UNKNOWN = _("{field!r} is not a field of this record that can be missing")
MISSING_FIELD_FILLED = _("{field!r} has a value, so it cannot also be marked missing ({reason})")
OTHER_PATIENT = _("{what} belongs to another patient")
WEIGHT_BASIS_MISMATCH = _("unit {unit} does not go with weight basis {basis}; use one of: {allowed}")
GRADE_BAD = _("grade {value} is not a {system} grade for {category}; allowed {allowed}")
PERFORMANCE_BAD = _("{value} is not a {scale} score; allowed {allowed}")
CONSENT_ORDER = _("consent withdrawn on {value} is before consent given on {given}")
# the database's check constraints, in words (formatted with the record's field values)
SYMPTOM_AFTER_DIAGNOSIS = _(
    "first symptom on {first_symptom_date} is after the diagnosis on {diagnosis_date}"
)
THERAPY_STOP_BEFORE_START = _("stopped on {stop_date}, before it started on {start_date}")
RESOLUTION_BEFORE_ONSET = _("resolved on {resolution_date}, before its onset on {onset_date}")
VALID_TO_BEFORE_FROM = _("valid to {valid_to} is before valid from {valid_from}")
ASTCT_NOT_FOR_CATEGORY = _(
    "the ASTCT consensus grades only CRS and ICANS; grade this event ({category_label}) with CTCAE v5"
)
ORGANISM_NOT_INFECTION = _(
    "an organism ({organism}) is recorded only for an infection, not for this event ({category_label})"
)
LAB_NEGATIVE = _("a laboratory value cannot be negative ({value:g})")
DEATH_NEEDS_CAUSE = _("a death needs its cause (choose 'unknown' if it is not known)")
CAUSE_ONLY_FOR_DEATH = _("only a death has a cause of death, not this event ({event_type_label})")
PERFORMANCE_SCALE_MISSING = _(
    "a performance score ({performance_score}) needs its scale (ECOG, Karnofsky or Lansky)"
)
GRAFT_FAILURE_ENGRAFTED = _(
    "graft failure cannot go with both neutrophil ({neutrophil_date}) and platelet ({platelet_date}) "
    "engraftment; untick graft failure or clear a date"
)
BIRTH_MONTH_BAD = _("birth month must be 1 to 12, not {birth_month}")
BIRTH_YEAR_BAD = _("birth year must be between 1900 and 2100, not {birth_year}")
CONSENT_UNDATED = _("consent given needs the date it was given")
WITHDRAWAL_UNDATED = _("consent withdrawn needs the date it was withdrawn")
COUNTRY_BAD = _("country must be a two-letter ISO 3166 code in capitals, such as NL, not {country!r}")
CCN_BAD = _("the CIBMTR centre number (CCN) has five digits, not {cibmtr_ccn!r}")
FIRST_YEAR_BAD = _("first procedure year must be between 1970 and 2100, not {first_procedure_year}")
CENTRE_ROLE_NEEDS_CENTRE = _("the role {role_label} is held at a centre: choose the centre")
REGISTRY_ROLE_NO_CENTRE = _("the role {role_label} is registry-wide: it is not held at a centre")
# the database's unique constraints, in words (``other`` is the stored record in the way)
PRIMARY_DIAGNOSIS_TAKEN = _(
    "patient {patient} already has a primary diagnosis ({other_disease}, {other}); "
    "untick 'primary' or edit that one"
)
DEATH_TAKEN = _("patient {patient} already has a death recorded (on {other_date}, {other}); edit that one")
INFUSION_NUMBER_TAKEN = _(
    "patient {patient} already has an infusion number {sequence} (on {other_date}, {other}); "
    "give this one the next number"
)
EBMT_CIC_TAKEN = _("EBMT CIC {ebmt_cic} is already the code of another centre ({other})")
CIBMTR_CCN_TAKEN = _("CIBMTR CCN {cibmtr_ccn} is already the number of another centre ({other})")
MEMBERSHIP_TAKEN = _(
    "this user already has the role {role_label} there ({other}); edit or end that membership"
)
IDENTIFIER_TAKEN = _(
    "patient {patient} already has an identifier of system {system} ({other}); edit that one"
)
ENGRAFTMENT_TAKEN = _("this infusion already has its engraftment recorded ({other}); edit that one")
CONSTRAINT_VIOLATED = _("breaks the rule {name}")
DUPLICATE_IN_PATIENT = _("another record of this patient in the same batch already has {fields} = {values}")
UNIQUE_RACED = _(
    "another record with the same values was saved at the same moment ({rule}); reload and try again"
)
DATABASE_REFUSED = _("the database refused the write: {detail}")
BETWEEN = _("between {low:g} and {high:g}")
ASTCT_FOR_CRS_ICANS = _("{category} is graded with the ASTCT consensus, not {system}")
MISSING_NOT_A_MAPPING = _("must map field names to reasons")
# the steps of the treatment (STEPS), as messages name them
STEP_WORDS = {
    "mobilisation": _("mobilisation"),
    "collection": _("collection"),
    "conditioning start": _("conditioning start"),
    "infusion": _("infusion"),
    "neutrophil engraftment": _("neutrophil engraftment"),
    "platelet engraftment": _("platelet engraftment"),
}
# a dated field of a record (the death rules' "latest record"): "infusion date"
RECORD_DATE = _("{record} {field}")

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
# products collected from the patient (see the module docstring); a product linked to one of the
# patient's mobilisations counts as autologous whatever its type
AUTOLOGOUS_PRODUCTS = frozenset({ProductType.AUTOLOGOUS_HSC, ProductType.CAR_T})


class PatientContext:
    """What the history rules need to know about the patient, each part read once and only when needed.

    ``exclude`` is the record being edited: its stored (old) values do not count. ``later_records`` says
    whether a record is also checked against the stored records that must follow it (at entry, yes; over
    stored data, no: every record is checked in its own turn, so each broken pair is reported once).
    """

    def __init__(
        self,
        patient: Any,
        *,
        today: dt.date | None = None,
        exclude: Any = None,
        later_records: bool = True,
    ) -> None:
        self.patient_id = patient.pk
        self.birth = birth_month_start(patient.birth_year, patient.birth_month)
        self.today = today or dt.date.today()
        self.later_records = later_records
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
        dead_by: dt.date | None = None,
        today: dt.date | None = None,
    ) -> PatientContext:
        """A context from values the caller already holds (a bulk loader building a patient in memory):
        nothing of the patient is stored yet, so nothing is read from the database."""
        context = cls.__new__(cls)
        context.patient_id = None
        context.birth = birth
        context.today = today or dt.date.today()
        context.later_records = True
        context._exclude = None
        # cached_property stores its value in the instance dict; setting it there means "already known"
        context.__dict__.update(
            death=death, dead_by=dead_by, diagnosis=diagnosis, infusions=dict(infusions or {}), latest=None
        )
        return context

    @property
    def stored(self) -> bool:
        """Whether the patient's records are in the database (not a context built by :meth:`known`)."""
        return self.patient_id is not None

    @cached_property
    def _ends(self) -> dict[int, dt.date]:
        """The death (0) and the earliest follow-up that says dead (1), in one query."""
        from remission.registry.models import FollowUp, OutcomeEvent

        parts = []
        for index, rows in enumerate(
            (
                self._others(OutcomeEvent).filter(event_type=OutcomeType.DEATH),
                self._others(FollowUp).filter(vital_status=VitalStatus.DEAD),
            )
        ):
            first = rows.order_by().values("patient_id").annotate(first=Min("date"))
            parts.append(first.values_list(Value(index, output_field=IntegerField()), "first"))
        return {index: value for index, value in parts[0].union(parts[1], all=True) if value is not None}

    @cached_property
    def death(self) -> dt.date | None:
        return self._ends.get(0)

    @cached_property
    def dead_by(self) -> dt.date | None:
        """The date of the earliest follow-up that records the patient as dead."""
        return self._ends.get(1)

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

    @cached_property
    def latest(self) -> tuple[str, dt.date] | None:
        """The latest date of the patient's other records, with what it is (for the death rules)."""
        return _latest_record_date(self.patient_id, exclude=self._exclude)


def patient_context(
    patient: Any, *, today: dt.date | None = None, exclude: Any = None, later_records: bool = True
) -> PatientContext:
    """The patient's anchor dates (read lazily); ``exclude`` is the record under edit."""
    return PatientContext(patient, today=today, exclude=exclude, later_records=later_records)


def month_year(day: dt.date) -> str:
    """A birth month as people read it in the active language: ``March 1980``, ``mars 1980``."""
    return date_format(day, "YEAR_MONTH_FORMAT")


def step_word(step: str) -> str:
    """A step of the treatment (:data:`STEPS`) in the active language."""
    word = STEP_WORDS.get(step)
    return step if word is None else str(word)


def label(record: models.Model) -> str:
    """How a record is named in messages: ``Infusion #12 of patient R7KQ2M4XA``."""
    name = capfirst(str(record._meta.verbose_name))
    ident = f" #{record.pk}" if record.pk else " (new)"
    patient = getattr(record, "patient", None)
    if patient is not None and getattr(patient, "registry_id", None):
        return f"{name}{ident} of patient {patient.registry_id}"
    if hasattr(record, "registry_id"):
        return f"Patient {record.registry_id or '(new)'}"
    return f"{name}{ident}"


def short_label(record: models.Model) -> str:
    """A record named within its patient's messages: ``Mobilisation #4`` (``Mobilisation (new)``)."""
    return f"{capfirst(str(record._meta.verbose_name))} {f'#{record.pk}' if record.pk else '(new)'}"


def record_problems(
    record: models.Model, context: PatientContext | None, *, unique_fields: bool = True
) -> list[Problem]:
    """Every rule ``record`` breaks, given its patient's ``context`` (None for centre-level records).

    ``unique_fields=False``: the record's unique fields (a patient's registry ID) are not looked up in
    the database for this one record; the caller (a batch) has looked them up for many records at once
    and found them free."""
    problems = _field_problems(record, unique_fields=unique_fields)
    out_of_range = _date_range_problems(record)
    if out_of_range:  # the rules below compute with the dates: a date outside the registry's years stops here
        return list(dict.fromkeys([*problems, *out_of_range]))
    # the unique constraints are looked up in the database for a record of a stored patient at entry.
    # Stored data already holds them (the database saw to it); a patient built in memory
    # (PatientContext.known) has nothing stored to collide with, and its parents may carry ids that are
    # not (yet) theirs in the database: its records are checked against each other instead
    # (unique_problems_among, by the caller that holds them all).
    unique = context is None or (context.stored and context.later_records)
    problems.extend(constraint_problems(record, unique=unique))
    checks = _model_checks.get(type(record).__name__)
    if checks is not None:
        problems.extend(checks(record, context))
    problems.extend(_range_problems(record))
    problems.extend(_missing_problems(record))
    if context is not None:
        problems.extend(_timeline_problems(record, context))
        problems.extend(_order_problems(record, context))
    return list(dict.fromkeys(problems))  # a pair reached along two links is one problem


def _problem(record: models.Model, field: str, rule: str, message: str) -> Problem:
    return Problem(record=label(record), field=field, rule=rule, message=message)


@cache
def _foreign_keys(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if f.is_relation]


@cache
def _has_unique_fields(model: type[models.Model]) -> bool:
    """Whether Django's unique checks of ``model`` (foreign keys aside) look at more than the id: a
    unique field, ``unique_together`` or a ``unique_for_date``. Without any, they read the database
    only for a record that is being added with an id of its own."""
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.is_relation]
    return bool(
        meta.unique_together
        or any(f.unique and not f.primary_key for f in fields)
        or any(f.unique_for_date or f.unique_for_year or f.unique_for_month for f in fields)
    )


def _field_problems(record: models.Model, *, unique_fields: bool = True) -> list[Problem]:
    """Django's field checks (types, choices, lengths, required, unique fields).

    Foreign keys are not looked up again (the services pass the related objects, and the database
    holds the keys); the constraints are checked by :func:`constraint_problems`, each with its rule.
    Django's unique checks run only where they can find something (``unique_fields``: see
    :func:`record_problems`); a new record of a model whose only unique field is its id has nothing
    to collide with.
    """
    model = type(record)
    own_id = record.pk is not None and record._state.adding
    validate_unique = unique_fields and (_has_unique_fields(model) or own_id)
    exclude = list(_foreign_keys(model))
    unseen: list[tuple[models.Field, type, Any]] = []
    stored = record.__dict__
    for model_field, clean in _clean_values(model):
        if model_field.attname not in stored:  # deferred: Django reads it, and checks it
            continue
        value = stored[model_field.attname]
        key = _remembered_as(value)
        if key is _UNREMEMBERED:  # a value that cannot be remembered (a filled list): checked every time
            continue
        if key in clean.get(type(value), ()):
            exclude.append(model_field.name)
        else:
            unseen.append((model_field, type(value), key))
    try:
        record.full_clean(exclude=exclude, validate_unique=validate_unique, validate_constraints=False)
    except DjangoValidationError as exc:
        return [
            _problem(record, field if field != "__all__" else "record", RULE_FIELD, message)
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    for model_field, kind, key in unseen:  # clean, and left as it was (not converted): clean again
        value = stored.get(model_field.attname)
        if type(value) is kind and _remembered_as(value) == key:
            _remember(model, model_field, kind, key)
    return []


# Values Django's field checks passed unchanged, by model, field and the value's type: a field's check is
# a function of its value alone (types, choices, lengths, ranges), so a value that passed once passes
# again; an importer's records repeat their codes and dates many times over. An empty dict or list (a
# JSON field's default) is remembered as EMPTY; another dict or list is checked every time.
_CLEAN_VALUES: dict[tuple[type[models.Model], str], dict[type, set[Any]]] = {}
CLEAN_VALUES_KEPT = 200_000
_EMPTY = ("empty",)
_UNREMEMBERED = object()
_clean_count = 0


def _remembered_as(value: Any) -> Any:
    """The key a clean ``value`` is remembered by (itself if it can be a set member)."""
    if type(value) is dict or type(value) is list:
        return _UNREMEMBERED if value else _EMPTY
    try:
        hash(value)
    except TypeError:
        return _UNREMEMBERED
    return value


@cache
def _clean_values(model: type[models.Model]) -> tuple[tuple[models.Field, dict[type, set[Any]]], ...]:
    """Each field of :func:`_plain_fields` with the clean values remembered for it, by type."""
    return tuple((f, _CLEAN_VALUES.setdefault((model, f.attname), {})) for f in _plain_fields(model))


def _remember(model: type[models.Model], model_field: models.Field, kind: type, key: Any) -> None:
    global _clean_count
    if _clean_count >= CLEAN_VALUES_KEPT:
        for by_type in _CLEAN_VALUES.values():
            by_type.clear()
        _clean_count = 0
    _CLEAN_VALUES[(model, model_field.attname)].setdefault(kind, set()).add(key)
    _clean_count += 1


@cache
def _plain_fields(model: type[models.Model]) -> tuple[models.Field, ...]:
    """The fields of ``model`` whose check depends on the value alone: Django's own field types,
    neither the id, nor a link, nor unique (a unique field is also looked up in the database); none
    for a model with ``unique_together`` or ``unique_for_date`` (their checks skip excluded fields)."""
    meta = model._meta
    if meta.unique_together or any(
        f.unique_for_date or f.unique_for_year or f.unique_for_month for f in meta.concrete_fields
    ):
        return ()
    return tuple(
        f
        for f in meta.concrete_fields
        if not (f.primary_key or f.is_relation or f.unique) and type(f).__module__.startswith("django.")
    )


# --- the database's constraints, checked first ------------------------------------------------------


@dataclass(frozen=True)
class ConstraintRule:
    """A database constraint as the services check it: the rule, the field it is shown at, the message.

    ``message`` is a template formatted with the record's field values (and, for a unique constraint,
    ``patient``, ``other`` — the stored record in the way — and that record's values as ``other_*``), or
    a function of the record choosing one (a constraint with two ways to break it).
    """

    rule: str
    field: str
    message: str | Callable[[Any], str]


def _cause_message(record: Any) -> str:
    return DEATH_NEEDS_CAUSE if record.event_type == OutcomeType.DEATH else CAUSE_ONLY_FOR_DEATH


def _role_message(record: Any) -> str:
    from remission.registry.codes import CENTRE_ROLES

    return CENTRE_ROLE_NEEDS_CENTRE if record.role in CENTRE_ROLES else REGISTRY_ROLE_NO_CENTRE


CHECK_RULES: dict[str, ConstraintRule] = {
    "centre_country_iso2": ConstraintRule(RULE_COUNTRY, "country", COUNTRY_BAD),
    "centre_ccn_five_digits": ConstraintRule(RULE_CCN, "cibmtr_ccn", CCN_BAD),
    "centre_first_year_plausible": ConstraintRule(RULE_FIRST_YEAR, "first_procedure_year", FIRST_YEAR_BAD),
    "membership_centre_matches_role": ConstraintRule(RULE_ROLE_CENTRE, "centre", _role_message),
    "membership_valid_to_after_from": ConstraintRule(
        RULE_VALID_FROM_BEFORE_TO, "valid_to", VALID_TO_BEFORE_FROM
    ),
    "patient_birth_month": ConstraintRule(RULE_BIRTH_MONTH, "birth_month", BIRTH_MONTH_BAD),
    "patient_birth_year": ConstraintRule(RULE_BIRTH_YEAR, "birth_year", BIRTH_YEAR_BAD),
    "patient_withdrawal_dated": ConstraintRule(
        RULE_WITHDRAWAL_DATED, "consent_withdrawn_date", WITHDRAWAL_UNDATED
    ),
    "patient_consent_dated": ConstraintRule(RULE_CONSENT_DATED, "consent_date", CONSENT_UNDATED),
    "diagnosis_symptom_before_diagnosis": ConstraintRule(
        RULE_SYMPTOM_BEFORE_DIAGNOSIS, "first_symptom_date", SYMPTOM_AFTER_DIAGNOSIS
    ),
    "prior_therapy_stop_after_start": ConstraintRule(
        RULE_THERAPY_START_BEFORE_STOP, "stop_date", THERAPY_STOP_BEFORE_START
    ),
    "workup_performance_scale_given": ConstraintRule(
        RULE_PERFORMANCE_SCALE, "performance_scale", PERFORMANCE_SCALE_MISSING
    ),
    "engraftment_failure_not_fully_engrafted": ConstraintRule(
        RULE_GRAFT_FAILURE, "graft_failure", GRAFT_FAILURE_ENGRAFTED
    ),
    "adverse_event_resolution_after_onset": ConstraintRule(
        RULE_ONSET_BEFORE_RESOLUTION, "resolution_date", RESOLUTION_BEFORE_ONSET
    ),
    "adverse_event_astct_only_crs_icans": ConstraintRule(
        RULE_ASTCT_ONLY_CRS_ICANS, "grading_system", ASTCT_NOT_FOR_CATEGORY
    ),
    "adverse_event_organism_only_infection": ConstraintRule(
        RULE_ORGANISM_ONLY_INFECTION, "organism", ORGANISM_NOT_INFECTION
    ),
    "lab_value_not_negative": ConstraintRule(RULE_LAB_NOT_NEGATIVE, "value", LAB_NEGATIVE),
    "outcome_cause_only_for_death": ConstraintRule(RULE_CAUSE_OF_DEATH, "cause_of_death", _cause_message),
}
UNIQUE_RULES: dict[str, ConstraintRule] = {
    "centre_ebmt_cic_unique": ConstraintRule(RULE_EBMT_CIC, "ebmt_cic", EBMT_CIC_TAKEN),
    "centre_cibmtr_ccn_unique": ConstraintRule(RULE_CIBMTR_CCN, "cibmtr_ccn", CIBMTR_CCN_TAKEN),
    "membership_unique": ConstraintRule(RULE_ONE_MEMBERSHIP, "role", MEMBERSHIP_TAKEN),
    "identifier_one_per_system": ConstraintRule(RULE_ONE_IDENTIFIER, "system", IDENTIFIER_TAKEN),
    "diagnosis_one_primary": ConstraintRule(
        RULE_ONE_PRIMARY_DIAGNOSIS, "is_primary", PRIMARY_DIAGNOSIS_TAKEN
    ),
    "infusion_sequence_unique": ConstraintRule(RULE_INFUSION_SEQUENCE, "sequence", INFUSION_NUMBER_TAKEN),
    "outcome_one_death": ConstraintRule(RULE_ONE_DEATH, "event_type", DEATH_TAKEN),
    # a one-to-one link is a unique field: "<model>.<field>"
    "engraftment.infusion": ConstraintRule(RULE_ONE_ENGRAFTMENT, "infusion", ENGRAFTMENT_TAKEN),
}
# the plausible ranges are constraints too, checked by _range_problems (rule plausible_range)
RANGE_CONSTRAINTS = frozenset(
    f"{model}_{field}_range" for model, fields in PLAUSIBLE_RANGES.items() for field in fields
)

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "exact": lambda a, b: a == b,
    "gte": lambda a, b: a >= b,
    "lte": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "lt": lambda a, b: a < b,
}


def _value(record: models.Model, name: str) -> Any:
    model_field = record._meta.get_field(name)
    return getattr(record, model_field.attname)


def condition_holds(condition: Q, record: models.Model) -> bool | None:
    """SQL's three-valued truth of a constraint's ``condition`` for ``record``, evaluated in memory: None
    when unknown (a NULL compared, or a lookup this evaluator does not know; the database then decides)."""
    results: list[bool | None] = []
    for child in condition.children:
        if isinstance(child, Q):
            results.append(condition_holds(child, record))
            continue
        path, expected = child
        name, _, lookup = path.partition("__")
        lookup = lookup or "exact"
        value = _value(record, name)
        if isinstance(expected, F):
            expected = _value(record, expected.name)
        if lookup == "isnull":
            results.append((value is None) == bool(expected))
        elif value is None or expected is None:
            results.append(None)
        elif lookup in _COMPARE:
            try:
                results.append(_COMPARE[lookup](value, expected))
            except TypeError:
                results.append(None)
        elif lookup == "in":
            results.append(value in list(expected))
        elif lookup == "regex":
            results.append(re.search(expected, str(value)) is not None)
        else:
            results.append(None)
    if condition.connector == Q.AND:
        outcome = False if False in results else (None if None in results else True)
    else:
        outcome = True if True in results else (None if None in results else False)
    if condition.negated and outcome is not None:
        return not outcome
    return outcome


def _values(record: models.Model, prefix: str = "") -> dict[str, Any]:
    """The record's field values by name, and the label of each coded one as ``<name>_label``."""
    values = {}
    for model_field in record._meta.concrete_fields:
        value = getattr(record, model_field.attname)
        values[f"{prefix}{model_field.name}"] = value
        if model_field.choices:
            label_of = dict(model_field.flatchoices)
            values[f"{prefix}{model_field.name}_label"] = str(label_of.get(value, value))
    return values


def _constraint_message(rule: ConstraintRule, record: models.Model, other: models.Model | None) -> str:
    template = rule.message(record) if callable(rule.message) else rule.message
    values = _values(record)
    if other is not None:
        patient = getattr(record, "patient", None) if getattr(record, "patient_id", None) else None
        disease = getattr(other, "disease", None)
        values |= _values(other, "other_") | {
            "other": short_label(other) if getattr(other, "patient_id", None) else str(other),
            "other_date": getattr(other, "date", None),
            "other_disease": catalogue.disease_name(disease) if disease else "",
            "patient": getattr(patient, "registry_id", ""),
        }
    return template.format(**values)


def constraint_problems(record: models.Model, *, unique: bool = True) -> list[Problem]:
    """The database constraints ``record`` would break, each with its rule and message.

    Check constraints are evaluated in memory; a unique constraint (or one-to-one link) reads the
    database once, and only when the record falls under its condition and has every value it joins
    (``unique=False``: not at all).
    """
    problems = []
    meta = record._meta
    for constraint in meta.constraints:
        if isinstance(constraint, models.CheckConstraint):
            if (
                constraint.name in RANGE_CONSTRAINTS
                or condition_holds(constraint.condition, record) is not False
            ):
                continue
            problems.append(_constraint_problem(record, constraint.name, None))
        elif isinstance(constraint, models.UniqueConstraint) and unique:
            if constraint.condition is not None and condition_holds(constraint.condition, record) is not True:
                continue
            other = _stored_duplicate(record, constraint.fields, constraint.condition)
            if other is not None:
                problems.append(_constraint_problem(record, constraint.name, other))
    for model_field in meta.concrete_fields if unique else ():
        if model_field.is_relation and model_field.unique:
            other = _stored_duplicate(record, (model_field.name,), None)
            if other is not None:
                problems.append(_constraint_problem(record, f"{meta.model_name}.{model_field.name}", other))
    return problems


def _unique_value(record: models.Model, name: str) -> Any:
    model_field = record._meta.get_field(name)
    return getattr(record, model_field.attname if model_field.is_relation else name)


def unique_problems_among(records: Iterable[models.Model]) -> list[Problem]:
    """Two records of one patient, all built in memory, that a unique constraint (or a one-to-one link)
    forbids together: what :func:`constraint_problems` looks up in the database for a stored patient,
    checked among the new records (a patient's unique constraints all include the patient)."""
    problems: list[Problem] = []
    seen: set[tuple[Any, ...]] = set()
    for record in records:
        meta = record._meta
        for constraint in meta.constraints:
            if not isinstance(constraint, models.UniqueConstraint) or "patient" not in constraint.fields:
                continue
            if constraint.condition is not None and condition_holds(constraint.condition, record) is not True:
                continue
            others = [name for name in constraint.fields if name != "patient"]
            values = tuple(_unique_value(record, name) for name in others)
            key = (constraint.name, *values)
            if key in seen:
                message = DUPLICATE_IN_PATIENT.format(fields=", ".join(others) or "patient", values=values)
                rule = UNIQUE_RULES.get(constraint.name)
                name, field = (
                    (rule.rule, rule.field) if rule else (constraint.name, (others or ["record"])[0])
                )
                problems.append(_problem(record, field, name, message))
            seen.add(key)
        for model_field in meta.concrete_fields:
            if model_field.is_relation and model_field.unique:
                target = getattr(record, model_field.name, None)
                key = (meta.label_lower, model_field.name, id(target))
                if target is not None and key in seen:
                    message = DUPLICATE_IN_PATIENT.format(fields=model_field.name, values=(str(target),))
                    rule = UNIQUE_RULES.get(f"{meta.model_name}.{model_field.name}")
                    problems.append(
                        _problem(record, model_field.name, rule.rule if rule else "unique", message)
                    )
                seen.add(key)
    return problems


def _stored_duplicate(record: models.Model, fields: Iterable[str], condition: Q | None) -> Any:
    """The stored record (other than ``record``) with the same values of ``fields``, if any."""
    values = {}
    for name in fields:
        model_field = record._meta.get_field(name)
        value = getattr(record, model_field.attname)
        if value is None:  # NULLs never collide (and a record built in memory has no stored twin)
            return None
        values[model_field.attname] = value
    rows = type(record)._default_manager.filter(**values)
    if condition is not None:
        rows = rows.filter(condition)
    if record.pk:
        rows = rows.exclude(pk=record.pk)
    return rows.order_by("pk").first()


def _constraint_problem(record: models.Model, name: str, other: models.Model | None) -> Problem:
    rule = CHECK_RULES.get(name) or UNIQUE_RULES.get(name)
    if rule is None:  # a constraint added without its rule here (a test walks them all)
        return _problem(record, "record", name, CONSTRAINT_VIOLATED.format(name=name))
    return _problem(record, rule.field, rule.rule, _constraint_message(rule, record, other))


def constraint_problem(record: models.Model, error: Exception) -> Problem:
    """A database refusal as a Problem: the constraint's own rule and message if the error names one
    (the services check every constraint first, so this is for a write that raced another)."""
    text = str(error)
    for constraint in record._meta.constraints:
        if constraint.name in text:
            rule = UNIQUE_RULES.get(constraint.name)
            if rule is not None:  # no query here: the refused write has spoilt the transaction
                return _problem(record, rule.field, rule.rule, UNIQUE_RACED.format(rule=rule.rule))
            return _constraint_problem(record, constraint.name, None)
    first_line = text.splitlines()[0] if text else type(error).__name__
    return _problem(record, "record", RULE_DATABASE, DATABASE_REFUSED.format(detail=first_line))


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


def _date_range_problems(record: models.Model) -> list[Problem]:
    """Every date of ``record`` outside the registry's years (registry.ranges: EARLIEST_DATE, LATEST_DATE)."""
    problems = []
    for field in record._meta.concrete_fields:
        if not isinstance(field, models.DateField):  # DateTimeField is a DateField too
            continue
        value = getattr(record, field.attname, None)
        if isinstance(value, dt.date) and not date_in_range(value):
            message = date_out_of_range(field_label(record, field.name), value)
            problems.append(_problem(record, field.name, RULE_DATE_RANGE, message))
    return problems


def birth_month_start(year: Any, month: Any) -> dt.date:
    """The first day of the birth month; a year or month that makes no date (refused by the patient's
    own checks) gives the registry's earliest year, so that other records' checks can still run."""
    if not isinstance(year, int) or not year_in_range(year):
        year = EARLIEST_YEAR
    if not isinstance(month, int) or not 1 <= month <= 12:
        month = 1
    return dt.date(year, month, 1)


def _missing_problems(record: models.Model) -> list[Problem]:
    missing = getattr(record, "missing", None)
    if not missing:
        return []
    if not isinstance(missing, dict):
        return [_problem(record, "missing", RULE_MISSING_REASON, str(MISSING_NOT_A_MAPPING))]
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
        if not is_empty(getattr(record, field, None)):
            message = MISSING_FIELD_FILLED.format(field=field, reason=reason)
            problems.append(_problem(record, field, RULE_MISSING_REASON, message))
    return problems


def is_empty(value: Any) -> bool:
    """None, an empty string and an empty JSON list or object all count as no value."""
    return value is None or value == "" or value == {} or value == []


def _timeline_problems(record: models.Model, ctx: PatientContext) -> list[Problem]:
    """Today, birth, and death as the last event (a death, or a follow-up that says dead)."""
    problems = []
    is_death = getattr(record, "event_type", None) == OutcomeType.DEATH
    alive = getattr(record, "vital_status", None) == VitalStatus.ALIVE
    for field in getattr(record, "TIMELINE_DATES", ()):
        value = getattr(record, field)
        if not isinstance(value, dt.date):
            continue
        if value > ctx.today:
            problems.append(_problem(record, field, RULE_FUTURE, FUTURE.format(value=value, today=ctx.today)))
        if value < ctx.birth:
            problems.append(
                _problem(
                    record,
                    field,
                    RULE_BEFORE_BIRTH,
                    BEFORE_BIRTH.format(value=value, birth=month_year(ctx.birth)),
                )
            )
        death, dead = ctx.death, ctx.dead_by
        if death is not None and value > death and not is_death:
            if alive:
                message, rule = ALIVE_AFTER_DEATH.format(value=value, death=death), RULE_ALIVE_AFTER_DEATH
            else:
                message, rule = AFTER_DEATH.format(value=value, death=death), RULE_AFTER_DEATH
            problems.append(_problem(record, field, rule, message))
        elif dead is not None and value > dead:
            if is_death:
                message = DEATH_AFTER_DEAD_FOLLOW_UP.format(value=value, dead=dead)
                rule = RULE_DEATH_AFTER_DEAD_FOLLOW_UP
            elif alive:
                message, rule = (
                    ALIVE_AFTER_DEAD_FOLLOW_UP.format(value=value, dead=dead),
                    RULE_ALIVE_AFTER_DEATH,
                )
            else:
                message, rule = AFTER_DEAD_FOLLOW_UP.format(value=value, dead=dead), RULE_AFTER_DEAD_FOLLOW_UP
            problems.append(_problem(record, field, rule, message))
    return problems


def _checks_later(record: models.Model, ctx: PatientContext | None) -> bool:
    """Whether ``record`` is checked against the stored records that must follow it (entry of a stored
    patient's record; the stored records of a context built by ``known`` are none)."""
    return ctx is not None and ctx.later_records and ctx.stored


# --- per-model rules -------------------------------------------------------------------------------


def _check_patient(record: Any, ctx: PatientContext | None) -> list[Problem]:
    problems = []
    today = ctx.today if ctx else dt.date.today()
    year, month = record.birth_year, record.birth_month
    if isinstance(year, int) and year_in_range(year) and isinstance(month, int) and 1 <= month <= 12:
        birth = dt.date(year, month, 1)
        if birth > today:
            problems.append(
                _problem(
                    record, "birth_year", RULE_FUTURE, FUTURE.format(value=month_year(birth), today=today)
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
        message = UNKNOWN_CODE.format(value=record.disease, what=gettext("disease"))
        problems.append(_problem(record, "disease", RULE_UNKNOWN_CODE, message))
    # an infusion already stored before the diagnosis (over stored data, the infusion reports the pair)
    if _checks_later(record, ctx) and record.is_primary and record.diagnosis_date:
        for infusion_date in ctx.infusions.values():
            if infusion_date < record.diagnosis_date:
                message = BEFORE_DIAGNOSIS.format(value=infusion_date, diagnosis=record.diagnosis_date)
                problems.append(_problem(record, "diagnosis_date", RULE_BEFORE_DIAGNOSIS, message))
                break
    return problems


def _check_assessment(record: Any, ctx: PatientContext | None) -> list[Problem]:
    instrument = catalogue.instrument(record.instrument)
    if instrument is None:
        message = UNKNOWN_CODE.format(value=record.instrument, what=gettext("instrument"))
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
            message = OUT_OF_RANGE.format(value=record.score, allowed=BETWEEN.format(low=low, high=high))
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
                UNKNOWN_CODE.format(value=record.regimen, what=gettext("regimen")),
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
    return problems


def _check_engraftment(record: Any, ctx: PatientContext | None) -> list[Problem]:
    return _same_patient(record, "infusion")


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
        message = ASTCT_FOR_CRS_ICANS.format(category=record.category, system=record.grading_system)
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
            allowed=BETWEEN.format(low=low, high=high),
        )
        return [_problem(record, "value", RULE_RANGE, message)]
    return []


def _check_follow_up(record: Any, ctx: PatientContext | None) -> list[Problem]:
    """A follow-up that says dead is, like a death, dated on or after every other record."""
    if record.vital_status != VitalStatus.DEAD or not record.date or not _checks_later(record, ctx):
        return []
    later = ctx.latest
    if later is not None and later[1] > record.date:
        message = DEAD_FOLLOW_UP_BEFORE_RECORDS.format(value=record.date, other=later[0], other_date=later[1])
        return [_problem(record, "date", RULE_DEAD_FOLLOW_UP_BEFORE_RECORDS, message)]
    return []


def _check_outcome(record: Any, ctx: PatientContext | None) -> list[Problem]:
    if record.event_type != OutcomeType.DEATH or not record.date or not _checks_later(record, ctx):
        return []
    later = ctx.latest
    if later is not None and later[1] > record.date:
        message = DEATH_BEFORE_RECORDS.format(value=record.date, other=later[0], other_date=later[1])
        return [_problem(record, "date", RULE_DEATH_BEFORE_RECORDS, message)]
    return []


def _related(record: Any, relation: str) -> Any:
    """The record ``relation`` points at, or None: the object set in memory if there is one (a record
    built before its parents are stored), else the stored one."""
    if record is None:
        return None
    model_field = record._meta.get_field(relation)
    if model_field.is_cached(record):
        return model_field.get_cached_value(record)
    if getattr(record, model_field.attname) is None:
        return None
    return getattr(record, relation)


def _same_patient(record: Any, relation: str) -> list[Problem]:
    related = _related(record, relation)
    if related is None:
        return []
    if related.patient_id != record.patient_id:
        return [_problem(record, relation, RULE_SAME_PATIENT, OTHER_PATIENT.format(what=relation))]
    return []


def _latest_record_date(patient_id: int | None, *, exclude: Any = None) -> tuple[str, dt.date] | None:
    """The latest date on the patient's timeline, with what it is (for the death rules), in one query: the
    latest value of each dated field of each record table, combined with UNION ALL."""
    from remission.registry.models import PATIENT_RECORD_MODELS

    if patient_id is None:
        return None
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
            labels.append(
                RECORD_DATE.format(record=model_label(model), field=gettext(field.replace("_", " ")))
            )
    found = [(value, index) for index, value in parts[0].union(*parts[1:], all=True) if value is not None]
    if not found:
        return None
    value, index = max(found, key=lambda pair: (pair[0], -pair[1]))  # ties: the first table, as listed
    return labels[index], value


# --- the treatment, in order along its links ---------------------------------------------------------


@dataclass(frozen=True)
class OrderRule:
    """``earlier`` is on or before ``later`` (steps of :data:`STEPS`) wherever the records are linked.

    ``links`` are the roles whose records hold the links joining the two steps; over stored data the last
    of them reports a broken pair. ``autologous_only``: only when the product is the patient's own.
    """

    earlier: str
    later: str
    rule: str
    links: tuple[str, ...]
    autologous_only: bool = False


# step -> (role in the chain, date field); a chain is one infusion's mobilisation, product, conditioning,
# infusion and engraftment (or the part of it a record reaches)
STEPS: dict[str, tuple[str, str]] = {
    "mobilisation": ("mobilisation", "date"),
    "collection": ("product", "collection_date"),
    "conditioning start": ("conditioning", "start_date"),
    "infusion": ("infusion", "date"),
    "neutrophil engraftment": ("engraftment", "neutrophil_date"),
    "platelet engraftment": ("engraftment", "platelet_date"),
}
ORDER_RULES: tuple[OrderRule, ...] = (
    OrderRule("mobilisation", "collection", RULE_MOBILISATION_BEFORE_COLLECTION, ("product",)),
    OrderRule(
        "mobilisation",
        "conditioning start",
        RULE_MOBILISATION_BEFORE_CONDITIONING,
        ("product", "infusion"),
        autologous_only=True,
    ),
    OrderRule("mobilisation", "infusion", RULE_MOBILISATION_BEFORE_INFUSION, ("product", "infusion")),
    OrderRule(
        "collection",
        "conditioning start",
        RULE_COLLECTION_BEFORE_CONDITIONING,
        ("infusion",),
        autologous_only=True,
    ),
    OrderRule("collection", "infusion", RULE_COLLECTION_BEFORE_INFUSION, ("infusion",)),
    OrderRule("conditioning start", "infusion", RULE_CONDITIONING_BEFORE_INFUSION, ("infusion",)),
    OrderRule("infusion", "neutrophil engraftment", RULE_INFUSION_BEFORE_ENGRAFTMENT, ("engraftment",)),
    OrderRule("infusion", "platelet engraftment", RULE_INFUSION_BEFORE_ENGRAFTMENT, ("engraftment",)),
)
# the field a record that links two steps (without holding either date) is refused at
LINK_FIELDS: dict[str, dict[str, str]] = {
    "mobilisation": {"CellProduct": "mobilisation", "Infusion": "product"},
    "product": {"Infusion": "product"},
    "conditioning": {"Infusion": "conditioning"},
}

Chain = dict[str, Any]


def _autologous(product: Any) -> bool:
    """The patient's own cells: an autologous type, or collected in one of the patient's mobilisations."""
    if product is None:
        return False
    return product.product_type in AUTOLOGOUS_PRODUCTS or _related(product, "mobilisation") is not None


def _chains(record: Any, ctx: PatientContext) -> list[Chain]:
    """The chains ``record`` is in: the part its own links reach and, at entry of a stored record, the
    stored records that follow it (a few rows, read only for the treatment records)."""
    from remission.registry.models import CellProduct, Engraftment, Infusion

    kind = type(record).__name__
    later = _checks_later(record, ctx) and record.pk is not None
    if kind == "CellProduct":
        mobilisation = _related(record, "mobilisation")
        chains: list[Chain] = [{"mobilisation": mobilisation, "product": record}]
        if later:
            chains += [
                {
                    "mobilisation": mobilisation,
                    "product": record,
                    "conditioning": i.conditioning,
                    "infusion": i,
                }
                for i in Infusion.objects.filter(product_id=record.pk).select_related("conditioning")
            ]
        return chains
    if kind == "Infusion":
        product = _related(record, "product")
        chain: Chain = {
            "mobilisation": _related(product, "mobilisation"),
            "product": product,
            "conditioning": _related(record, "conditioning"),
            "infusion": record,
        }
        if later:
            chain["engraftment"] = Engraftment.objects.filter(infusion_id=record.pk).first()
        return [chain]
    if kind == "Engraftment":
        return [{"infusion": _related(record, "infusion"), "engraftment": record}]
    if kind == "Mobilisation" and later:
        products = CellProduct.objects.filter(mobilisation_id=record.pk)
        infusions = Infusion.objects.filter(product__mobilisation_id=record.pk).select_related(
            "product", "conditioning"
        )
        return [{"mobilisation": record, "product": p} for p in products] + [
            {"mobilisation": record, "product": i.product, "conditioning": i.conditioning, "infusion": i}
            for i in infusions
        ]
    if kind == "Conditioning" and later:
        infusions = Infusion.objects.filter(conditioning_id=record.pk).select_related("product__mobilisation")
        return [
            {
                "mobilisation": i.product.mobilisation,
                "product": i.product,
                "conditioning": record,
                "infusion": i,
            }
            for i in infusions
        ]
    return []


def _order_problems(record: Any, ctx: PatientContext) -> list[Problem]:
    """The treatment order rules broken in the chains ``record`` is in, each reported at ``record``."""
    if type(record).__name__ not in (
        "Mobilisation",
        "CellProduct",
        "Conditioning",
        "Infusion",
        "Engraftment",
    ):
        return []
    entry = _checks_later(record, ctx)
    problems = []
    for chain in _chains(record, ctx):
        autologous = _autologous(chain.get("product"))
        for rule in ORDER_RULES:
            (early_role, early_field), (late_role, late_field) = STEPS[rule.earlier], STEPS[rule.later]
            early, late = chain.get(early_role), chain.get(late_role)
            if early is None or late is None or (rule.autologous_only and not autologous):
                continue
            early_date, late_date = getattr(early, early_field), getattr(late, late_field)
            if not isinstance(early_date, dt.date) or not isinstance(late_date, dt.date):
                continue
            if late_date >= early_date:
                continue
            links = [chain.get(role) for role in rule.links]
            if entry:  # every record the pair involves refuses it
                if not any(r is record for r in (early, late, *links)):
                    continue
            elif links[-1] is not record:  # stored data: the pair is reported once, by its last link
                continue
            if late is record:
                message = ORDER_BEFORE.format(
                    what=step_word(rule.later),
                    value=late_date,
                    other=step_word(rule.earlier),
                    other_date=early_date,
                    other_record=short_label(early),
                )
                problems.append(_problem(record, late_field, rule.rule, message))
            elif early is record:
                message = ORDER_AFTER.format(
                    what=step_word(rule.earlier),
                    value=early_date,
                    other=step_word(rule.later),
                    other_date=late_date,
                    other_record=short_label(late),
                )
                problems.append(_problem(record, early_field, rule.rule, message))
            else:
                kind = type(record).__name__
                field = LINK_FIELDS.get(late_role, {}).get(kind) or LINK_FIELDS.get(early_role, {}).get(kind)
                message = ORDER_LINKED.format(
                    later=step_word(rule.later),
                    later_date=late_date,
                    later_record=short_label(late),
                    earlier=step_word(rule.earlier),
                    earlier_date=early_date,
                    earlier_record=short_label(early),
                )
                problems.append(_problem(record, field or "record", rule.rule, message))
    return problems


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


# the links the rules follow, read with the records (one query per table, not one per record)
FINDINGS_RELATED: dict[str, tuple[str, ...]] = {
    "CellProduct": ("mobilisation",),
    "ConditioningAgent": ("conditioning",),
    "Infusion": ("product__mobilisation", "conditioning"),
    "Engraftment": ("infusion",),
    "AdverseEvent": ("infusion",),
}


def patient_findings(patient: Any, *, today: dt.date | None = None) -> list[Finding]:
    """Run every rule over every record of ``patient`` as stored; each broken pair of dates once."""
    from remission.registry.models import PATIENT_RECORD_MODELS

    context = patient_context(patient, today=today, later_records=False)
    findings: list[Finding] = []

    def add(record: models.Model, problems: Iterable[Problem]) -> None:
        for problem in problems:
            findings.append(
                Finding(
                    rule=problem.rule,
                    message=problem.message,
                    registry_id=patient.registry_id,
                    patient_id=patient.pk,
                    centre_id=patient.centre_id,
                    entity=record._meta.model_name,
                    record_id=record.pk,
                    record=problem.record,
                    field=problem.field,
                )
            )

    add(patient, record_problems(patient, None))
    for model in PATIENT_RECORD_MODELS:
        rows = model.objects.filter(patient_id=patient.pk).select_related(
            *FINDINGS_RELATED.get(model.__name__, ())
        )
        for record in rows:
            record.patient = patient
            add(record, record_problems(record, context))
    return findings
