"""The kinds of record a person (web), a program (API) or an importer can enter, in one table.

Each :class:`Kind` names its model, the service that creates it, the selector that lists it, the fields
one may set (the model's ``EDITABLE_FIELDS``), which of them refer to other records of the same patient
and whether its service takes missing-value reasons. The web forms and the API schemas are both built
from this table, so the two faces offer the same fields and call the same services.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from remission.registry import models as registry_models
from remission.registry import selectors, services
from remission.registry.labels import model_label, number_text, record_label


def _complete(service: Callable[..., Any], values: dict[str, Any], given: tuple[str, ...]) -> dict[str, Any]:
    """Values for every keyword the service requires: one left out is None (the service then names it)."""
    for name, param in inspect.signature(service).parameters.items():
        if param.kind is param.KEYWORD_ONLY and param.default is param.empty and name not in given:
            values.setdefault(name, None)
    return values


def _create_with_patient(service: Callable[..., Any], *, missing: bool = True) -> Callable[..., Any]:
    def create(*, actor: Any, patient: Any, values: Mapping[str, Any], reason: str) -> Any:
        values = _complete(service, dict(values), ("actor", "patient", "reason"))
        if not missing:
            values.pop("missing", None)
        return service(actor=actor, patient=patient, reason=reason, **values)

    return create


def _create_engraftment(*, actor: Any, patient: Any, values: Mapping[str, Any], reason: str) -> Any:
    values = _complete(services.engraftment_record, dict(values), ("actor", "reason"))
    return services.engraftment_record(actor=actor, reason=reason, **values)


@dataclass(frozen=True, eq=False)
class Kind:
    """One kind of patient record, as the web and the API offer it."""

    slug: str
    model: type[models.Model]
    title: str  # for people, in the active language (a lazy translation)
    create: Callable[..., Any] | None
    list_selector: Callable[..., Any]
    refs: Mapping[str, str] = field(default_factory=dict)  # FK field -> slug of the kind it points to
    takes_missing: bool = True
    summary: Callable[[Any], str] = lambda r: ""
    create_only: tuple[str, ...] = ()  # fields set on creation only (owner links)

    @property
    def fields(self) -> tuple[str, ...]:
        editable = tuple(f for f in getattr(self.model, "EDITABLE_FIELDS", ()) if f != "missing")
        return (*self.create_only, *editable)

    @property
    def editable(self) -> tuple[str, ...]:
        return tuple(f for f in getattr(self.model, "EDITABLE_FIELDS", ()) if f != "missing")

    @property
    def entity(self) -> str:
        return self.model._meta.label_lower

    @property
    def plural(self) -> str:
        return capfirst(model_label(self.model, plural=True))


def _d(value: Any) -> str:
    return "" if value is None else str(value)


def _diagnosis(record: Any) -> str:
    """The disease and subtype by name; a diagnosis other than the primary one says so."""
    text = record_label(record, "disease")
    if record.subtype:
        text += f" ({record_label(record, 'subtype')})"
    return text if record.is_primary else gettext("{diagnosis}, secondary diagnosis").format(diagnosis=text)


def _agent(record: Any) -> str:
    days = ngettext("%(days)s day", "%(days)s days", record.days or 0) % {"days": record.days}
    return f"{record.drug} {number_text(record.dose)} {record_label(record, 'unit')} × {days}"


def _follow_up(record: Any) -> str:
    status = record.get_disease_status_display().lower()
    if record.disease_status in ("unknown", "not_evaluated"):
        status = gettext("disease status {status}").format(status=status)
    return f"{record.get_vital_status_display()}, {status}"


def _assessment(record: Any) -> str:
    score = number_text(record.score) or gettext("no score")
    return f"{record_label(record, 'instrument')}: {score}"


def _intensity(record: Any) -> str:
    return gettext("{intensity} intensity").format(intensity=record.get_intensity_display().lower())


KINDS: dict[str, Kind] = {
    k.slug: k
    for k in (
        Kind(
            "diagnosis",
            registry_models.Diagnosis,
            _("Diagnosis"),
            _create_with_patient(services.diagnosis_record),
            selectors.diagnosis_list,
            summary=_diagnosis,
        ),
        Kind(
            "prior-therapy",
            registry_models.PriorTherapy,
            _("Prior therapy"),
            _create_with_patient(services.prior_therapy_record),
            selectors.prior_therapy_list,
            summary=lambda r: r.agent,
        ),
        Kind(
            "assessment",
            registry_models.Assessment,
            _("Assessment"),
            _create_with_patient(services.assessment_record),
            selectors.assessment_list,
            summary=_assessment,
        ),
        Kind(
            "workup",
            registry_models.WorkUp,
            _("Work-up"),
            _create_with_patient(services.workup_record),
            selectors.workup_list,
            summary=lambda r: f"HCT-CI {number_text(r.hct_ci_score)}" if r.hct_ci_score is not None else "",
        ),
        Kind(
            "mobilisation",
            registry_models.Mobilisation,
            _("Mobilisation"),
            _create_with_patient(services.mobilisation_record),
            selectors.mobilisation_list,
            summary=lambda r: record_label(r, "regimen").removeprefix("Mobilisation: "),  # the row says so
        ),
        Kind(
            "cell-product",
            registry_models.CellProduct,
            _("Cell product"),
            _create_with_patient(services.cell_product_record),
            selectors.cell_product_list,
            refs={"mobilisation": "mobilisation"},
            summary=lambda r: r.get_product_type_display(),
        ),
        Kind(
            "conditioning",
            registry_models.Conditioning,
            _("Conditioning"),
            _create_with_patient(services.conditioning_record),
            selectors.conditioning_list,
            summary=lambda r: f"{record_label(r, 'regimen')} ({_intensity(r)})",
        ),
        Kind(
            "conditioning-agent",
            registry_models.ConditioningAgent,
            _("Conditioning agent"),
            None,  # created with its conditioning
            selectors.conditioning_list,
            summary=_agent,
        ),
        Kind(
            "infusion",
            registry_models.Infusion,
            _("Infusion"),
            _create_with_patient(services.infusion_record, missing=False),
            selectors.infusion_list,
            refs={"product": "cell-product", "conditioning": "conditioning"},
            takes_missing=False,
            summary=lambda r: gettext("infusion {sequence} (day 0)").format(sequence=r.sequence),
        ),
        Kind(
            "engraftment",
            registry_models.Engraftment,
            _("Engraftment"),
            _create_engraftment,
            selectors.engraftment_list,
            refs={"infusion": "infusion"},
            create_only=("infusion",),
            summary=lambda r: gettext("graft failure") if r.graft_failure else "",
        ),
        Kind(
            "adverse-event",
            registry_models.AdverseEvent,
            _("Adverse event"),
            _create_with_patient(services.adverse_event_record),
            selectors.adverse_event_list,
            refs={"infusion": "infusion"},
            summary=lambda r: gettext("{term} (grade {grade})").format(term=r.term, grade=_d(r.grade)),
        ),
        Kind(
            "lab-result",
            registry_models.LabResult,
            _("Laboratory result"),
            _create_with_patient(services.lab_result_record, missing=False),
            selectors.lab_result_list,
            takes_missing=False,
            summary=lambda r: (
                f"{record_label(r, 'analyte')} {number_text(r.value)} {record_label(r, 'unit')}"
            ),
        ),
        Kind(
            "follow-up",
            registry_models.FollowUp,
            _("Follow-up"),
            _create_with_patient(services.follow_up_record),
            selectors.follow_up_list,
            summary=_follow_up,
        ),
        Kind(
            "outcome-event",
            registry_models.OutcomeEvent,
            _("Outcome event"),
            _create_with_patient(services.outcome_event_record, missing=False),
            selectors.outcome_event_list,
            takes_missing=False,
            summary=lambda r: (
                r.get_event_type_display()
                + (f": {r.get_cause_of_death_display()}" if r.cause_of_death else "")
            ),
        ),
    )
}
# Kinds a person creates from the patient page (conditioning agents come with their conditioning).
CREATABLE = tuple(slug for slug, k in KINDS.items() if k.create is not None)
KIND_OF_MODEL: dict[type[models.Model], Kind] = {k.model: k for k in KINDS.values()}
KIND_OF_MODEL_NAME: dict[str, Kind] = {k.model._meta.model_name: k for k in KINDS.values()}

# The patient's own record (demographics and consent) is edited like any other record.
PATIENT_KIND = Kind(
    "patient",
    registry_models.Patient,
    _("Patient"),
    None,
    selectors.patient_list,
    takes_missing=False,
    summary=lambda r: r.registry_id,
)
EDITABLE_KINDS: dict[str, Kind] = {**KINDS, "patient": PATIENT_KIND}
