"""The data-quality rules, as data: what the registry expects of stored records beyond what entry refuses.

Hard rules (a date in the future, a death before the infusion …) live in ``registry.validation`` and
refuse a write. The rules here are *soft*: data that are possible but incomplete or doubtful — an EDSS
not recorded for a year, an engraftment form still missing at day 60, a death of unknown cause. A broken
soft rule does not refuse anything; ``services.quality_run`` raises a query on the record and field it
names, and closes that query when the data no longer break the rule.

Each :class:`Rule` is a frozen value: its id (a slug, kept in ``Query.rule``), a description, a severity
(copied to its queries), a source (the guideline or form it comes from, or "registry convention"), the
entity and field its queries go on, its parameters (days, windows; overridden in the settings,
``REMISSION_QUALITY_RULES``) and its check. A check is a pure function of the registry's rows as read
once by ``registry.quality.evaluate`` (:class:`Tables`), the parameters and the day of the run; it
returns :class:`Hit` rows (patient, record, field, message, the day it is about). Checks are vectorised
over all patients with pandas; none reads the database.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from django.utils.translation import gettext, gettext_noop

from remission.registry.codes import (
    CauseOfDeath,
    DiseaseStatus,
    ProductType,
    Severity,
    VitalStatus,
)

REGISTRY_CONVENTION = "registry convention"
# Sources, checked against the public pages they name (see docs/quality.md, "Rules").
EBMT_DATA_SUBMISSION = (
    "EBMT Registry, 'Data Submission' and 'Data Collection' (ebmt.org): MED-A is the minimum essential "
    "data, mandatory and never 'unavailable'; a registration at day 100 or death with engraftment, "
    "then follow-up at yearly intervals; items not evaluated or unknown are stated as such"
)
SHARRACK_2020 = (
    "Sharrack B et al., EBMT ADWP/JACIE guidelines for aHSCT in MS and immune-mediated neurological "
    "diseases [@Sharrack2020] (EDSS as the measure of "
    "disability progression; follow-up recommendations); yearly EDSS with the EBMT yearly follow-up"
)
ALEXANDER_2015 = (
    "Alexander T et al., SCT for severe autoimmune diseases: consensus guidelines of the EBMT for immune "
    "monitoring and biobanking, Bone Marrow Transplant 2015;50:173-180 (lymphocyte subsets after SCT)"
)

UNKNOWN_CAUSES = frozenset({CauseOfDeath.UNKNOWN.value, ""})
NOT_GIVEN_STATUSES = frozenset({DiseaseStatus.UNKNOWN.value, DiseaseStatus.NOT_EVALUATED.value})
STATUS_WORDS = {DiseaseStatus.UNKNOWN.value: "unknown", DiseaseStatus.NOT_EVALUATED.value: "not evaluated"}

UNKNOWN_RULE = "REMISSION_QUALITY_RULES names {rule!r}, which is no data-quality rule; known: {known}"
UNKNOWN_PARAMETER = "REMISSION_QUALITY_RULES[{rule!r}] sets {name!r}; the rule's parameters are {known}"
BAD_PARAMETER = "REMISSION_QUALITY_RULES[{rule!r}][{name!r}] must be a whole number of days, not {value!r}"


@dataclass(frozen=True)
class Tables:
    """The rows the rules read, one read of each table (``registry.quality.evaluate.read_tables``).

    Dates are ``datetime64`` columns (missing: NaT). Columns:

    - ``patients``: ``id``, ``centre_id``, ``withdrawn`` (bool: consent withdrawn, so no new data asked);
    - ``diagnoses`` (primary only): ``patient_id``, ``disease``;
    - ``infusions``: ``id``, ``patient_id``, ``date``, ``product_type``;
    - ``engraftments``: ``id``, ``patient_id``, ``infusion_id``, ``neutrophil_date``, ``graft_failure``
      (bool), ``neutrophil_reason`` (bool: a missing-value reason is given for the neutrophil date);
    - ``edss``: ``patient_id``, ``date`` (assessments with the EDSS instrument);
    - ``cd4``: ``patient_id``, ``date`` (laboratory results of CD4+ T cells);
    - ``follow_ups``: ``id``, ``patient_id``, ``date``, ``vital_status``, ``disease_status``,
      ``therapy_not_given`` (bool: current therapy empty and no reason given);
    - ``deaths``: ``id``, ``patient_id``, ``date``, ``cause_of_death``.
    """

    patients: pd.DataFrame
    diagnoses: pd.DataFrame
    infusions: pd.DataFrame
    engraftments: pd.DataFrame
    edss: pd.DataFrame
    cd4: pd.DataFrame
    follow_ups: pd.DataFrame
    deaths: pd.DataFrame

    @property
    def withdrawn(self) -> np.ndarray:
        return self.patients.loc[self.patients["withdrawn"].astype(bool), "id"].to_numpy()

    def first_day0(self) -> pd.Series:
        """Day 0 of each patient's first infusion, by patient id."""
        return self.infusions.groupby("patient_id")["date"].min()


@dataclass(frozen=True)
class Hit:
    """One place a rule is broken: the record and field its query goes on, and why."""

    patient_id: int
    record_id: int
    field: str
    message: str
    day: dt.date | None = None  # the day the finding is about (for the time point it falls in)


Check = Callable[[Tables, Mapping[str, int], dt.date], list[Hit]]


@dataclass(frozen=True)
class Rule:
    """A data-quality rule: the data it expects, how much it matters, where that comes from, and its check."""

    id: str
    title: str
    description: str
    severity: Severity
    source: str
    entity: str  # the model label its queries go on, e.g. 'registry.followup'
    fields: tuple[str, ...]  # the fields of that record its queries name
    check: Check = field(repr=False, compare=False)
    parameters: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))

    def evaluate(self, tables: Tables, today: dt.date) -> list[Hit]:
        return self.check(tables, self.parameters, today)

    @property
    def title_words(self) -> str:
        """The title in the active language (the id, never translated, names the rule)."""
        return gettext(self.title)

    @property
    def description_words(self) -> str:
        """The description in the active language."""
        return gettext(self.description)


# --- helpers -----------------------------------------------------------------------------------------------


def _days(n: int) -> np.timedelta64:
    return np.timedelta64(int(n), "D")


def _day(value: Any) -> dt.date | None:
    """A pandas/NumPy date as ``datetime.date`` (None for NaT)."""
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def _text(value: Any) -> str:
    day = _day(value)
    return day.isoformat() if day else "?"


def _asks(frame: pd.DataFrame, tables: Tables) -> pd.DataFrame:
    """Rows of patients who may still be asked for data (consent not withdrawn)."""
    return frame[~frame["patient_id"].isin(tables.withdrawn)]


# --- the checks --------------------------------------------------------------------------------------------


def ms_edss_yearly(tables: Tables, p: Mapping[str, int], today: dt.date) -> list[Hit]:
    """Each follow-up of an MS patient a year or more after day 0 has an EDSS within the year before it
    (plus ``grace_days``; an EDSS dated up to ``after_days`` after the visit counts for it)."""
    diagnoses = tables.diagnoses
    ms = diagnoses.loc[diagnoses["disease"] == "ms", "patient_id"].unique()
    follow_ups = _asks(tables.follow_ups, tables)
    follow_ups = follow_ups[
        follow_ups["patient_id"].isin(ms) & (follow_ups["vital_status"] != VitalStatus.DEAD)
    ]
    day0 = follow_ups["patient_id"].map(tables.first_day0())
    follow_ups = follow_ups[day0.notna() & (follow_ups["date"] >= day0 + _days(p["interval_days"]))]
    if follow_ups.empty:
        return []
    longest = p["interval_days"] + p["grace_days"]
    left = follow_ups.assign(until=follow_ups["date"] + _days(p["after_days"])).sort_values("until")
    edss = tables.edss[tables.edss["patient_id"].isin(ms)]
    right = pd.DataFrame(
        {"patient_id": edss["patient_id"].to_numpy(), "last_edss": edss["date"].to_numpy()}
    ).sort_values("last_edss")
    right["last_edss"] = right["last_edss"].astype(left["until"].dtype)
    merged = pd.merge_asof(
        left, right, left_on="until", right_on="last_edss", by="patient_id", direction="backward"
    )
    late = merged[merged["last_edss"].isna() | (merged["date"] - merged["last_edss"] > _days(longest))]
    hits = []
    for row in late.itertuples(index=False):
        last = "none is recorded" if pd.isna(row.last_edss) else f"the last is on {_text(row.last_edss)}"
        message = (
            f"no EDSS recorded in the {longest} days up to the follow-up on {_text(row.date)} ({last}); "
            "for MS an EDSS is expected at least yearly"
        )
        hits.append(Hit(int(row.patient_id), int(row.id), "date", message, _day(row.date)))
    return hits


def engraftment_recorded(tables: Tables, p: Mapping[str, int], today: dt.date) -> list[Hit]:
    """Every infusion of an autologous HSC product has its engraftment record by day ``days``."""
    infusions = _asks(tables.infusions, tables)
    due = infusions[
        (infusions["product_type"] == ProductType.AUTOLOGOUS_HSC)
        & (infusions["date"] + _days(p["days"]) <= np.datetime64(today, "D"))
        & ~infusions["id"].isin(tables.engraftments["infusion_id"])
    ]
    hits = []
    for row in due.itertuples(index=False):
        by = row.date + _days(p["days"])
        message = (
            f"no engraftment recorded for the autologous HSC infusion on {_text(row.date)}: "
            f"it was due by day {p['days']} ({_text(by)})"
        )
        hits.append(Hit(int(row.patient_id), int(row.id), "engraftment", message, _day(by)))
    return hits


def engraftment_neutrophils_given(tables: Tables, p: Mapping[str, int], today: dt.date) -> list[Hit]:
    """An engraftment record, once day ``days`` is past, gives the neutrophil date, or graft failure, or
    why the date is missing."""
    engraftments = _asks(tables.engraftments, tables)
    day0 = engraftments["infusion_id"].map(tables.infusions.set_index("id")["date"])
    open_ = engraftments[
        engraftments["neutrophil_date"].isna()
        & ~engraftments["graft_failure"].astype(bool)
        & ~engraftments["neutrophil_reason"].astype(bool)
        & (day0 + _days(p["days"]) <= np.datetime64(today, "D"))
    ]
    hits = []
    for row, start in zip(open_.itertuples(index=False), day0[open_.index], strict=True):
        message = (
            f"the neutrophil engraftment date is not given for the infusion on {_text(start)}, nor graft "
            f"failure, nor why the date is missing (day {p['days']} is past)"
        )
        hits.append(Hit(int(row.patient_id), int(row.id), "neutrophil_date", message, _day(start)))
    return hits


def death_cause_given(tables: Tables, p: Mapping[str, int], today: dt.date) -> list[Hit]:
    """Every death has a known cause."""
    deaths = tables.deaths[tables.deaths["cause_of_death"].fillna("").isin(UNKNOWN_CAUSES)]
    return [
        Hit(
            int(row.patient_id),
            int(row.id),
            "cause_of_death",
            f"the cause of the death on {_text(row.date)} is not known: "
            "find it, or confirm that it cannot be found",
            _day(row.date),
        )
        for row in deaths.itertuples(index=False)
    ]


def death_recorded(tables: Tables, p: Mapping[str, int], today: dt.date) -> list[Hit]:
    """A follow-up that records the patient as dead goes with a recorded death (date and cause)."""
    dead = tables.follow_ups[
        (tables.follow_ups["vital_status"] == VitalStatus.DEAD)
        & ~tables.follow_ups["patient_id"].isin(tables.deaths["patient_id"])
    ]
    first = dead.sort_values(["patient_id", "date"]).drop_duplicates("patient_id")
    return [
        Hit(
            int(row.patient_id),
            int(row.id),
            "vital_status",
            f"the follow-up on {_text(row.date)} records the patient as dead, but no death (its date and "
            "cause) is recorded",
            _day(row.date),
        )
        for row in first.itertuples(index=False)
    ]


def follow_up_items_given(tables: Tables, p: Mapping[str, int], today: dt.date) -> list[Hit]:
    """Each follow-up after day 0 gives the MED-A items: vital status, disease status, current therapy
    (or why it is missing)."""
    follow_ups = _asks(tables.follow_ups, tables)
    day0 = follow_ups["patient_id"].map(tables.first_day0())
    follow_ups = follow_ups[day0.notna() & (follow_ups["date"] >= day0)]
    alive = follow_ups["vital_status"] != VitalStatus.DEAD
    hits = []
    for row in follow_ups[follow_ups["vital_status"] == VitalStatus.UNKNOWN].itertuples(index=False):
        message = f"vital status unknown at the follow-up on {_text(row.date)}: alive or dead, and when?"
        hits.append(Hit(int(row.patient_id), int(row.id), "vital_status", message, _day(row.date)))
    status = follow_ups[alive & follow_ups["disease_status"].isin(NOT_GIVEN_STATUSES)]
    for row in status.itertuples(index=False):
        words = STATUS_WORDS[row.disease_status]
        message = (
            f"disease status {words} at the follow-up on {_text(row.date)}: the disease status is a "
            "minimum essential item of every follow-up"
        )
        hits.append(Hit(int(row.patient_id), int(row.id), "disease_status", message, _day(row.date)))
    therapy = follow_ups[alive & follow_ups["therapy_not_given"].astype(bool)]
    for row in therapy.itertuples(index=False):
        message = (
            f"current therapy not given at the follow-up on {_text(row.date)}: give it, 'none', "
            "or why it is missing"
        )
        hits.append(Hit(int(row.patient_id), int(row.id), "current_therapy", message, _day(row.date)))
    return hits


def cd4_at_one_year(tables: Tables, p: Mapping[str, int], today: dt.date) -> list[Hit]:
    """A patient followed beyond the 1-year window of the first infusion, and alive at its start, has a
    CD4 count inside it (day ``days`` − ``before_days`` to day ``days`` + ``after_days``)."""
    infusions = _asks(tables.infusions, tables)
    first = infusions.sort_values(["patient_id", "date"]).drop_duplicates("patient_id")
    start = first["date"] + _days(p["days"] - p["before_days"])
    end = first["date"] + _days(p["days"] + p["after_days"])
    died = first["patient_id"].map(tables.deaths.groupby("patient_id")["date"].min())
    seen = first["patient_id"].map(tables.follow_ups.groupby("patient_id")["date"].max())
    asked = (end < np.datetime64(today, "D")) & ~(died < start) & (seen >= start)
    first = first.assign(start=start, end=end)[asked]
    if first.empty:
        return []
    labs = tables.cd4.merge(first[["patient_id", "start", "end"]], on="patient_id")
    inside = labs.loc[(labs["date"] >= labs["start"]) & (labs["date"] <= labs["end"]), "patient_id"]
    missing = first[~first["patient_id"].isin(inside)]
    lower, upper = p["days"] - p["before_days"], p["days"] + p["after_days"]
    hits = []
    for row in missing.itertuples(index=False):
        message = (
            f"no CD4 count between day {lower} and day {upper} after the infusion on {_text(row.date)} "
            f"({_text(row.start)} to {_text(row.end)}), though the patient was followed beyond it"
        )
        due = row.date + _days(p["days"])
        hits.append(Hit(int(row.patient_id), int(row.id), "cd4", message, _day(due)))
    return hits


def primary_diagnosis_given(tables: Tables, p: Mapping[str, int], today: dt.date) -> list[Hit]:
    """A patient with an infusion has a primary diagnosis (the indication)."""
    treated = tables.infusions["patient_id"].unique()
    lacking = np.setdiff1d(treated, tables.diagnoses["patient_id"].to_numpy())
    message = "no primary diagnosis (the indication for the cell therapy) is recorded"
    return [Hit(int(pid), int(pid), "diagnosis", message, None) for pid in np.sort(lacking)]


# --- the catalogue -----------------------------------------------------------------------------------------


def _params(**values: int) -> Mapping[str, int]:
    return MappingProxyType(values)


RULES: tuple[Rule, ...] = (
    Rule(
        id="ms-edss-yearly",
        title=gettext_noop("EDSS recorded at least yearly for MS"),
        description=gettext_noop(
            "For a patient treated for multiple sclerosis, every follow-up a year or more after day 0 has an "
            "EDSS recorded within interval_days + grace_days before it (an EDSS up to after_days after the "
            "visit counts for it)."
        ),
        severity=Severity.WARNING,
        source=SHARRACK_2020,
        entity="registry.followup",
        fields=("date",),
        check=ms_edss_yearly,
        parameters=_params(interval_days=365, grace_days=90, after_days=30),
    ),
    Rule(
        id="engraftment-by-d60",
        title=gettext_noop("Engraftment recorded by day 60"),
        description=gettext_noop(
            "Every infusion of an autologous HSC product has its engraftment record once day `days` after "
            "the infusion is past."
        ),
        severity=Severity.WARNING,
        source=f"{EBMT_DATA_SUBMISSION}; day 60: {REGISTRY_CONVENTION}",
        entity="registry.infusion",
        fields=("engraftment",),
        check=engraftment_recorded,
        parameters=_params(days=60),
    ),
    Rule(
        id="engraftment-neutrophils-given",
        title=gettext_noop("Neutrophil engraftment date given"),
        description=gettext_noop(
            "An engraftment record, once day `days` after its infusion is past, gives the neutrophil "
            "engraftment date, or graft failure, or why the date is missing."
        ),
        severity=Severity.WARNING,
        source=f"{EBMT_DATA_SUBMISSION}; day 60: {REGISTRY_CONVENTION}",
        entity="registry.engraftment",
        fields=("neutrophil_date",),
        check=engraftment_neutrophils_given,
        parameters=_params(days=60),
    ),
    Rule(
        id="death-cause-given",
        title=gettext_noop("Cause of death given"),
        description=gettext_noop("Every recorded death has a known cause (not 'unknown')."),
        severity=Severity.WARNING,
        source=EBMT_DATA_SUBMISSION,
        entity="registry.outcomeevent",
        fields=("cause_of_death",),
        check=death_cause_given,
    ),
    Rule(
        id="death-recorded",
        title=gettext_noop("Death recorded when a follow-up says dead"),
        description=gettext_noop(
            "A follow-up recording the patient as dead goes with a recorded death (its date and cause), "
            "which survival analyses read."
        ),
        severity=Severity.ERROR,
        source=REGISTRY_CONVENTION,
        entity="registry.followup",
        fields=("vital_status",),
        check=death_recorded,
    ),
    Rule(
        id="follow-up-items-given",
        title=gettext_noop("Mandatory MED-A-style items per follow-up"),
        description=gettext_noop(
            "Every follow-up after day 0 gives the vital status (not unknown) and, while the patient is "
            "alive, the disease status (not unknown or not evaluated) and the current therapy (or why it "
            "is missing)."
        ),
        severity=Severity.WARNING,
        source=EBMT_DATA_SUBMISSION,
        entity="registry.followup",
        fields=("vital_status", "disease_status", "current_therapy"),
        check=follow_up_items_given,
    ),
    Rule(
        id="cd4-at-1y",
        title=gettext_noop("CD4 count at 1 year for immune reconstitution"),
        description=gettext_noop(
            "A patient alive at, and followed beyond, the 1-year window of the first infusion (day "
            "`days` - `before_days` to day `days` + `after_days`) has a CD4 count inside it."
        ),
        severity=Severity.INFO,
        source=ALEXANDER_2015,
        entity="registry.infusion",
        fields=("cd4",),
        check=cd4_at_one_year,
        parameters=_params(days=365, before_days=90, after_days=90),
    ),
    Rule(
        id="primary-diagnosis-given",
        title=gettext_noop("Primary diagnosis recorded"),
        description=gettext_noop(
            "A patient with an infusion has a primary diagnosis: the indication for the therapy."
        ),
        severity=Severity.WARNING,
        source=EBMT_DATA_SUBMISSION,
        entity="registry.patient",
        fields=("diagnosis",),
        check=primary_diagnosis_given,
    ),
)
RULES_BY_ID: Mapping[str, Rule] = MappingProxyType({rule.id: rule for rule in RULES})


def configured_rules(overrides: Mapping[str, Mapping[str, Any]] | None = None) -> tuple[Rule, ...]:
    """The catalogue with the settings applied: ``{rule id: {"enabled": False}}`` leaves a rule out,
    ``{rule id: {parameter: days}}`` changes a parameter. Unknown ids, parameters or values raise
    ValueError naming them."""
    overrides = overrides or {}
    for rule_id in overrides:
        if rule_id not in RULES_BY_ID:
            raise ValueError(UNKNOWN_RULE.format(rule=rule_id, known=", ".join(RULES_BY_ID)))
    rules = []
    for rule in RULES:
        given = dict(overrides.get(rule.id, {}))
        if not given.pop("enabled", True):
            continue
        for name, value in given.items():
            if name not in rule.parameters:
                known = ", ".join(rule.parameters) or "none"
                raise ValueError(UNKNOWN_PARAMETER.format(rule=rule.id, name=name, known=known))
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(BAD_PARAMETER.format(rule=rule.id, name=name, value=value))
        if given:
            rule = dataclasses.replace(rule, parameters=MappingProxyType({**rule.parameters, **given}))
        rules.append(rule)
    return tuple(rules)


def settings_rules() -> tuple[Rule, ...]:
    """The rules as the settings configure them (``REMISSION_QUALITY_RULES``)."""
    from django.conf import settings

    return configured_rules(getattr(settings, "REMISSION_QUALITY_RULES", {}))
