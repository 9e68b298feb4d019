"""Data entry for every kind of record: create, edit (naming the version read), delete, history."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from remission.registry import selectors, services
from remission.registry.errors import StaleEdit, ValidationFailed
from remission.registry.kinds import EDITABLE_KINDS, KINDS, Kind
from remission.registry.labels import code_label, field_label, number_text
from remission.web.day_numbers import resolved_day_numbers
from remission.web.forms import (
    attach_problems,
    changes_from,
    initial_from,
    record_form_class,
)
from remission.web.quick_entry import patient_day_zero
from remission.web.views.common import can_write, registry_errors, require_write

NOTHING_CHANGED = gettext_noop("Nothing was changed.")
SAVED = gettext_noop("{title} saved.")
DELETED = gettext_noop("{title} deleted.")


def _kind(slug: str, *, creating: bool = False) -> Kind:
    kind = (KINDS if creating else EDITABLE_KINDS).get(slug)
    if kind is None or (creating and kind.create is None):
        raise Http404(f"no record kind {slug!r}")
    return kind


def _option(record: Any, kind: Kind) -> str:
    when = next(
        (getattr(record, f) for f in ("date", "start_date", "collection_date") if getattr(record, f, None)),
        "",
    )
    return f"#{record.pk} {kind.title.lower()} {when} {kind.summary(record)}".strip()


def _refs(user: Any, patient: Any, kind: Kind) -> dict[str, dict[str, Any]]:
    """For each reference field, the patient's records it may point to, by key."""
    refs: dict[str, dict[str, Any]] = {}
    for name, slug in kind.refs.items():
        rows = KINDS[slug].list_selector(user=user, patient=patient)
        refs[name] = {str(r.pk): r for r in rows}
    return refs


def _ref_choices(refs: dict[str, dict[str, Any]], kind: Kind) -> dict[str, list[tuple[str, str]]]:
    return {
        name: [(pk, _option(r, KINDS[kind.refs[name]])) for pk, r in rows.items()]
        for name, rows in refs.items()
    }


def _instrument(request: HttpRequest, default: str | None) -> str | None:
    return request.POST.get("instrument") or request.GET.get("instrument") or default


def _default_instrument(user: Any, patient: Any) -> str | None:
    from remission.clinical.diseases import DISEASES

    diagnoses = list(selectors.diagnosis_list(user=user, patient=patient)[:1])
    disease = DISEASES.get(diagnoses[0].disease) if diagnoses else None
    return disease.instruments[0] if disease is not None and disease.instruments else "mrss"


def _defaults(user: Any, patient: Any, slug: str) -> dict[str, Any]:
    """Initial values that depend on the patient: a further diagnosis is not primary by default (a
    patient has one primary diagnosis, the indication for cell therapy)."""
    if slug == "diagnosis":
        has_primary = selectors.diagnosis_list(user=user, patient=patient).filter(is_primary=True).exists()
        return {"is_primary": not has_primary}
    return {}


def _patient_url(patient: Any) -> str:
    return reverse("patient_detail", args=[patient.registry_id])


@login_required
@registry_errors
def record_new(request: HttpRequest, registry_id: str, slug: str) -> HttpResponse:
    kind = _kind(slug, creating=True)
    patient = selectors.patient_get(user=request.user, registry_id=registry_id)
    require_write(request.user, patient.centre_id)
    refs = _refs(request.user, patient, kind)
    instrument = (
        _instrument(request, _default_instrument(request.user, patient)) if slug == "assessment" else None
    )
    form_class = record_form_class(
        kind,
        ref_choices=_ref_choices(refs, kind),
        editing=False,
        instrument=instrument,
        day_zero=patient_day_zero(user=request.user, patient=patient),
    )
    agents = AgentFormSet(request.POST or None, prefix="agent") if slug == "conditioning" else None
    submitted = request.method == "POST" and request.POST.get("action") != "choose"
    initial = {"instrument": instrument, **_defaults(request.user, patient, slug)}
    form = form_class(request.POST if submitted else None, initial=initial)
    if submitted and form.is_valid() and (agents is None or agents.is_valid()):
        values = form.values(refs)
        if agents is not None:
            values["agents"] = [a for a in (f.cleaned_data for f in agents) if a and a.get("drug")]
        try:
            record = kind.create(
                actor=request.user, patient=patient, values=values, reason=form.cleaned_data["reason"]
            )
        except ValidationFailed as exc:
            attach_problems(form, exc.problems)
        else:
            messages.success(request, _(SAVED).format(title=kind.title))
            _say_day_numbers(request, form)
            return redirect(_patient_url(patient) + f"#{slug}-{record.pk}")
    context = {
        "kind": kind,
        "patient": patient,
        "form": form,
        "agents": agents,
        "instrument": instrument,
        "instrument_title": code_label(kind.model, "instrument", instrument),
    }
    return render(request, "web/record_form.html", context)


@login_required
@registry_errors
def record_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    kind = _kind(slug)
    record = selectors.record_get(user=request.user, model=kind.model, pk=pk)
    patient = record if slug == "patient" else record.patient
    writable = can_write(request.user, patient.centre_id)
    refs = _refs(request.user, patient, kind)
    instrument = record.instrument if slug == "assessment" else None
    form_class = record_form_class(
        kind,
        ref_choices=_ref_choices(refs, kind),
        editing=True,
        instrument=instrument,
        day_zero=patient_day_zero(user=request.user, patient=patient),
    )
    conflict: StaleEdit | None = None
    if request.method == "POST":
        require_write(request.user, patient.centre_id)
        form = form_class(request.POST)
        if form.is_valid():
            changes = changes_from(record, form.values(refs))
            if not changes:
                messages.info(request, _(NOTHING_CHANGED))
                return redirect(_patient_url(patient))
            try:
                services.record_update(
                    record,
                    actor=request.user,
                    version=form.cleaned_data["version"],
                    changes=changes,
                    reason=form.cleaned_data["reason"],
                )
            except StaleEdit as exc:
                conflict = exc
                data = request.POST.copy()
                data["version"] = str(exc.current_version)  # saving again overwrites, knowingly
                form = form_class(data)
                form.is_valid()
            except ValidationFailed as exc:
                attach_problems(form, exc.problems)
            else:
                messages.success(request, _(SAVED).format(title=kind.title))
                _say_day_numbers(request, form)
                return redirect(_patient_url(patient) + f"#{slug}-{record.pk}")
    else:
        form = form_class(initial=initial_from(record, form_class))
    if not writable:
        for field in form.fields.values():
            field.disabled = True
    context = {
        "kind": kind,
        "patient": patient,
        "record": record,
        "form": form,
        "conflict": conflict,
        "conflicts": _conflict_rows(conflict, form, kind.model),
        "writable": writable,
        "instrument": instrument,
        "instrument_title": code_label(kind.model, "instrument", instrument),
    }
    return render(request, "web/record_form.html", context)


def _say_day_numbers(request: HttpRequest, form: forms.Form) -> None:
    """Each day number the saved form turned into a date ("Date: D+100 is 2022-06-22"), as a message."""
    for resolved in resolved_day_numbers(form):
        messages.info(request, str(resolved))


def _conflict_rows(
    conflict: StaleEdit | None, form: forms.Form, model: type[models.Model]
) -> list[dict[str, Any]]:
    if conflict is None:
        return []
    rows = []
    for c in conflict.conflicts:
        field = form.fields.get(c.field)
        label = field.label if field is not None else c.field
        yours, theirs = (_labelled(model, c.field, v) for v in (c.yours, c.theirs))
        rows.append({"field": label, "yours": yours, "theirs": theirs})
    return rows


def _labelled(model: type[models.Model], name: str, value: Any, disease: str | None = None) -> str:
    """A stored value for people: a code by its label, a number without exponent, "(empty)" for none."""
    if isinstance(value, str) and value:
        value = code_label(model, name, value, disease)
    elif isinstance(value, float):
        value = number_text(value)
    return _shown(value)


def _shown(value: Any) -> str:
    if value is None or value == "":
        return _("(empty)")
    return str(getattr(value, "pk", value))


class DeleteForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(label=gettext_lazy("Reason for deleting"), max_length=500)


@login_required
@registry_errors
def record_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    kind = _kind(slug)
    if slug == "patient":
        raise Http404("patients are not deleted; withdraw consent instead")
    record = selectors.record_get(user=request.user, model=kind.model, pk=pk)
    patient = record.patient
    require_write(request.user, patient.centre_id)
    form = DeleteForm(request.POST or None, initial={"version": record.version})
    problems: list[Any] = []
    if request.method == "POST" and form.is_valid():
        try:
            services.record_delete(
                record,
                actor=request.user,
                version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
        except (ValidationFailed, StaleEdit) as exc:
            problems = list(getattr(exc, "problems", ())) or [str(exc)]
        else:
            messages.success(request, _(DELETED).format(title=kind.title))
            return redirect(_patient_url(patient))
    context = {
        "kind": kind,
        "record": record,
        "patient": patient,
        "form": form,
        "problems": problems,
        "summary": _option(record, kind),
    }
    return render(request, "web/record_delete.html", context)


@login_required
@registry_errors
def record_history(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    kind = _kind(slug)
    record = selectors.record_get(user=request.user, model=kind.model, pk=pk)
    patient = record if slug == "patient" else record.patient
    rows = selectors.audit_trail(user=request.user, entity=kind.entity, record_id=record.pk)
    entries = [_history_entry(row, kind.model) for row in rows]
    context = {"kind": kind, "record": record, "patient": patient, "entries": entries}
    return render(request, "web/record_history.html", context)


HIDDEN_IN_HISTORY = frozenset({"id", "version", "patient_id"})


def _history_entry(row: Any, model: type[models.Model]) -> dict[str, Any]:
    before, after = row.before or {}, row.after or {}
    names = [n for n in dict.fromkeys([*before, *after]) if n not in HIDDEN_IN_HISTORY]

    def shown(values: dict[str, Any], name: str) -> str:
        return _labelled(model, name, values.get(name), values.get("disease") if name == "subtype" else None)

    changes = [
        {"field": field_label(model, n), "before": shown(before, n), "after": shown(after, n)}
        for n in names
        if before.get(n) != after.get(n)
    ]
    actor = row.actor.username if row.actor is not None else _("system")
    return {
        "at": row.at,
        "actor": actor,
        "action": row.get_action_display(),
        "reason": row.reason,
        "changes": changes,
    }


class AgentForm(forms.Form):
    """One agent of a conditioning regimen, entered with the regimen."""

    drug = forms.CharField(label=gettext_lazy("Drug"), required=False, max_length=60)
    dose = forms.FloatField(label=gettext_lazy("Dose per day"), required=False)
    unit = forms.ChoiceField(label=gettext_lazy("Unit"), required=False)
    days = forms.IntegerField(label=gettext_lazy("Days"), required=False, min_value=1, max_value=30)
    weight_basis = forms.ChoiceField(label=gettext_lazy("Weight basis"), required=False)
    body_size_value = forms.FloatField(label=gettext_lazy("Weight (kg) or BSA (m²) used"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from remission.registry.codes import DoseUnit, WeightBasis

        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "—"), *DoseUnit.choices]
        self.fields["weight_basis"].choices = [("", "—"), *WeightBasis.choices]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("drug"):
            for name in ("dose", "unit", "weight_basis"):
                if data.get(name) in (None, ""):
                    self.add_error(name, _("required when a drug is given"))
            if not data.get("days"):
                data["days"] = 1
        return {k: v for k, v in data.items() if v not in (None, "")}


AgentFormSet = forms.formset_factory(AgentForm, extra=3, max_num=8)
