"""Quick entry: a panel of repeated records typed in one form and saved in one transaction.

Three panels, each one date (a calendar date or a day number, ``web/day_numbers.py``) and one row per
value, in the order the keyboard walks them:

- ``follow-up``: the follow-up (vital status, disease status, current therapy) with the scores of the
  patient's disease instruments at the same date (one assessment per score given);
- ``assessments``: the scores of the patient's disease instruments (one assessment per score given);
- ``labs``: an immune-reconstitution panel, one laboratory result per analyte given, each with its unit.

A row left empty is not a record. Every record is created through the registry's own service
(``Kind.create``: validated, audited, centre-checked) inside one outer transaction; a refused record
does not stop the others from being checked, so the user sees every broken rule at once, but if any
record is refused the whole panel is rolled back (:func:`save_panel`): nothing is half-written. Each
problem is put beside the input it concerns, naming the record, the field and the rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from remission.registry import selectors
from remission.registry.codes import ANALYTE_UNITS, Analyte
from remission.registry.errors import Problem, ValidationFailed
from remission.registry.kinds import KINDS
from remission.registry.labels import code_label, field_label, number_text
from remission.web.day_numbers import DayNumberDateField, DayZero
from remission.web.forms import in_registry_years, model_field

FOLLOW_UP, ASSESSMENTS, LABS = "follow-up", "assessments", "labs"
PANEL_TITLES = {
    FOLLOW_UP: _("Follow-up with scores"),
    ASSESSMENTS: _("Disease scores"),
    LABS: _("Laboratory panel"),
}
PANELS = tuple(PANEL_TITLES)
SCORE_PREFIX = "score__"
VALUE_PREFIX = "value__"
UNIT_PREFIX = "unit__"
FOLLOW_UP_FIELDS = ("vital_status", "disease_status", "current_therapy")

SCORE_HELP = _("score from %(low)s to %(high)s")
UNIT_LABEL = _("%(analyte)s unit")
PROBLEM_TEXT = _("%(record)s, %(field)s: %(message)s [%(rule)s]")
NOTHING_ENTERED = _("Nothing to save: enter at least one value.")
ASSESSMENT_TITLE = _("Assessment %(instrument)s")
LAB_TITLE = _("Laboratory result %(analyte)s")


@dataclass
class Entry:
    """One record of the panel: its kind, the service's values, and where each of its fields is typed."""

    slug: str
    title: str  # the record named for people: "Assessment HAQ Disability Index"
    values: dict[str, Any]
    inputs: dict[str, str] = field(default_factory=dict)  # service field -> form field
    main_input: str = ""  # where a problem on a field that has no input of its own goes


@dataclass(frozen=True)
class Refusal:
    entry: Entry
    problem: Problem


class PanelRefused(Exception):
    """At least one record of the panel broke a rule; nothing of the panel was written."""

    def __init__(self, refusals: Sequence[Refusal]) -> None:
        super().__init__("; ".join(str(r.problem) for r in refusals))
        self.refusals = tuple(refusals)


def patient_instruments(*, user: Any, patient: Any) -> tuple[str, ...]:
    """The instruments of the patient's primary diagnosis (else first diagnosis); every instrument when the
    patient has no diagnosis yet."""
    from remission.clinical.diseases import DISEASES
    from remission.clinical.instruments import INSTRUMENTS

    diagnoses = list(selectors.diagnosis_list(user=user, patient=patient))
    primary = next((d for d in diagnoses if d.is_primary), diagnoses[0] if diagnoses else None)
    if primary is None:
        return tuple(INSTRUMENTS)
    disease = DISEASES.get(primary.disease)
    return tuple(code for code in (disease.instruments if disease else ()) if code in INSTRUMENTS)


def patient_day_zero(*, user: Any, patient: Any) -> DayZero:
    """The patient's day 0 (first infusion) as the user may read it."""
    return DayZero.from_infusions(i.date for i in selectors.infusion_list(user=user, patient=patient))


def _score_field(code: str) -> forms.FloatField:
    from remission.clinical.instruments import INSTRUMENTS

    instrument = INSTRUMENTS[code]
    low, high = instrument.score_range
    help_text = SCORE_HELP % {"low": number_text(low), "high": number_text(high)}
    return forms.FloatField(label=gettext(instrument.title), required=False, help_text=help_text)


def _lab_fields(analyte: str) -> tuple[forms.FloatField, forms.ChoiceField]:
    lab = KINDS["lab-result"].model
    name = code_label(lab, "analyte", analyte)
    value = forms.FloatField(label=name, required=False)
    units = [(u, code_label(lab, "unit", u)) for u in ANALYTE_UNITS[analyte]]
    unit = forms.ChoiceField(label=UNIT_LABEL % {"analyte": name}, choices=units, required=False)
    return value, unit


class QuickEntryForm(forms.Form):
    """One panel: the date, the panel's own fields, one input (or value and unit) per row, a reason."""

    def __init__(
        self,
        *args: Any,
        panel: str,
        day_zero: DayZero,
        instruments: Iterable[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.panel = panel
        self.instruments = tuple(instruments) if panel in (FOLLOW_UP, ASSESSMENTS) else ()
        self.analytes = tuple(Analyte.values) if panel == LABS else ()
        date = DayNumberDateField(day_zero=day_zero.date, label=_("Date"), validators=[in_registry_years])
        date.widget.attrs["autofocus"] = True
        fields: dict[str, forms.Field] = {"date": date}
        if panel == FOLLOW_UP:
            for name in FOLLOW_UP_FIELDS:
                fields[name] = model_field(KINDS["follow-up"], name, {})
        if self.instruments:
            fields["timepoint"] = model_field(KINDS["assessment"], "timepoint", {})
            for code in self.instruments:
                fields[SCORE_PREFIX + code] = _score_field(code)
        for analyte in self.analytes:
            fields[VALUE_PREFIX + analyte], fields[UNIT_PREFIX + analyte] = _lab_fields(analyte)
        fields["reason"] = forms.CharField(
            label=_("Reason for this change"),
            required=False,
            max_length=500,
            help_text=_("kept in the audit trail"),
        )
        self.fields.update(fields)

    # --- for the template: the panel in keyboard order ---

    def focus_first_error(self) -> None:
        """Give the focus to the first input with an error (a refused panel), else leave it on the date."""
        first = next((name for name in self.fields if name in self.errors), None)
        if first is None:
            return
        for form_field in self.fields.values():
            form_field.widget.attrs.pop("autofocus", None)
        self.fields[first].widget.attrs["autofocus"] = True

    def head_fields(self) -> list[forms.BoundField]:
        names = ["date", *(FOLLOW_UP_FIELDS if self.panel == FOLLOW_UP else ())]
        if self.instruments:
            names.append("timepoint")
        return [self[name] for name in names]

    def score_fields(self) -> list[forms.BoundField]:
        return [self[SCORE_PREFIX + code] for code in self.instruments]

    def lab_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[VALUE_PREFIX + a], self[UNIT_PREFIX + a]) for a in self.analytes]

    # --- the records ---

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.panel != FOLLOW_UP and not self.errors and not self.entries():
            raise forms.ValidationError(NOTHING_ENTERED, code="nothing_entered")
        return data

    def entries(self) -> list[Entry]:
        """The records the cleaned panel holds, in the order of the panel."""
        data = self.cleaned_data
        entries: list[Entry] = []
        if self.panel == FOLLOW_UP:
            values = {"date": data.get("date"), **{n: data.get(n) or "" for n in FOLLOW_UP_FIELDS}}
            inputs = {"date": "date", **{n: n for n in FOLLOW_UP_FIELDS}}
            title = str(KINDS["follow-up"].title)
            entries.append(Entry("follow-up", title, values, inputs, "vital_status"))
        entries.extend(self._assessments(data))
        entries.extend(self._labs(data))
        return entries

    def _assessments(self, data: dict[str, Any]) -> list[Entry]:
        entries = []
        for code in self.instruments:
            score = data.get(SCORE_PREFIX + code)
            if score is None:
                continue
            name = SCORE_PREFIX + code
            values = {
                "date": data.get("date"),
                "instrument": code,
                "items": {},
                "score": score,
                "timepoint": data.get("timepoint") or "unscheduled",
            }
            inputs = {
                "date": "date",
                "timepoint": "timepoint",
                "score": name,
                "instrument": name,
                "items": name,
            }
            title = ASSESSMENT_TITLE % {"instrument": self.fields[name].label}
            entries.append(Entry("assessment", title, values, inputs, name))
        return entries

    def _labs(self, data: dict[str, Any]) -> list[Entry]:
        entries = []
        for analyte in self.analytes:
            value = data.get(VALUE_PREFIX + analyte)
            if value is None:
                continue
            name, unit = VALUE_PREFIX + analyte, UNIT_PREFIX + analyte
            values = {
                "date": data.get("date"),
                "analyte": analyte,
                "value": value,
                "unit": data.get(unit) or next(iter(ANALYTE_UNITS[analyte])),
            }
            inputs = {"date": "date", "analyte": name, "value": name, "unit": unit}
            title = LAB_TITLE % {"analyte": self.fields[name].label}
            entries.append(Entry("lab-result", title, values, inputs, name))
        return entries

    def place(self, refusals: Iterable[Refusal]) -> None:
        """Each refused record's problems beside the input they concern, naming record, field and rule."""
        for refusal in refusals:
            entry, problem = refusal.entry, refusal.problem
            model = KINDS[entry.slug].model
            text = PROBLEM_TEXT % {
                "record": entry.title,
                "field": field_label(model, problem.field),
                "message": problem.message,
                "rule": problem.rule,
            }
            target = entry.inputs.get(problem.field) or entry.main_input or None
            self.add_error(target if target in self.fields else None, text)


def save_panel(form: QuickEntryForm, *, actor: Any, patient: Any) -> list[Any]:
    """Create every record of a valid panel through the services, all or none; return the records.

    Each record runs in its own savepoint so that the next one is still checked after a refusal; any
    refusal rolls the outer transaction back and raises :class:`PanelRefused` with every problem.
    """
    reason = form.cleaned_data.get("reason") or ""
    created: list[Any] = []
    refusals: list[Refusal] = []
    with transaction.atomic():
        for entry in form.entries():
            try:
                with transaction.atomic():
                    record = KINDS[entry.slug].create(
                        actor=actor, patient=patient, values=entry.values, reason=reason
                    )
            except ValidationFailed as exc:
                refusals.extend(Refusal(entry, problem) for problem in exc.problems)
            else:
                created.append(record)
        if refusals:
            transaction.set_rollback(True)
    if refusals:
        raise PanelRefused(refusals)
    return created
