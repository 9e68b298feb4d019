"""Forms of the web application, built from the record-kind table (``kinds.py``) and the catalogue.

A record form has one input per field the service accepts, a "why empty?" select next to every field
that may be left empty (EBMT's *not evaluated* / *unknown*), the assessment items of the chosen
instrument, a reason for the change and, when editing, the version the user read. The form only parses
input (types and formats); every registry rule is the service's, and its problems are put back at the
field they name (:func:`attach_problems`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from remission.registry.codes import MissingReason
from remission.registry.errors import Problem
from remission.registry.kinds import Kind
from remission.registry.labels import code_choices, field_help, field_label
from remission.registry.ranges import date_in_range, date_out_of_range
from remission.web.day_numbers import DayZero, with_day_numbers

MISSING_SUFFIX = "__missing"
ITEM_PREFIX = "item__"
EMPTY_CHOICE = ("", "—")
MISSING_CHOICES = [("", gettext_lazy("(has a value)")), *MissingReason.choices]
LIST_FIELDS = frozenset({"complications"})  # JSON lists entered as comma-separated codes
ITEMS_FIELD = "items"
# Coded fields typed as text: a subtype's codes depend on the disease and are not checked by the service.
FREE_CODE_FIELDS = frozenset({"subtype"})


def in_registry_years(value: dt.date | None) -> None:
    """Form-field validator: a date within the registry's years (registry.ranges), else a field error."""
    if isinstance(value, dt.date) and not date_in_range(value):
        raise forms.ValidationError(date_out_of_range("The date", value), code="date_range")


class DateInput(forms.DateInput):
    input_type = "date"

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, dt.date):
            return value.isoformat()
        return super().format_value(value)


def _instrument(code: str | None) -> Any | None:
    from remission.clinical.instruments import INSTRUMENTS

    return INSTRUMENTS.get(code or "")


def _item_field(spec: Any) -> forms.Field:
    kind = getattr(spec.kind, "value", spec.kind)
    label = spec.title + (f" ({spec.unit})" if spec.unit else "")
    if kind == "int":
        return forms.IntegerField(label=label, required=False, min_value=spec.min, max_value=spec.max)
    if kind == "float":
        return forms.FloatField(label=label, required=False, min_value=spec.min, max_value=spec.max)
    if kind == "bool":
        return forms.NullBooleanField(label=label, required=False, widget=_yes_no())
    return forms.ChoiceField(
        label=label,
        required=False,
        choices=[EMPTY_CHOICE, *((c, capfirst(c.replace("_", " "))) for c in spec.choices)],
    )


def _yes_no() -> forms.Select:
    return forms.NullBooleanSelect()


def _may_be_empty(field: models.Field) -> bool:
    if isinstance(field, models.BooleanField) and not field.null:
        return False
    if isinstance(field, models.JSONField):
        return False
    return bool(field.null or field.blank)


def model_field(kind: Kind, name: str, ref_choices: Mapping[str, list[tuple[str, str]]]) -> forms.Field:
    """The form input of one model field."""
    field = kind.model._meta.get_field(name)
    label = field_label(kind.model, name)
    if field.is_relation:
        choices = [EMPTY_CHOICE, *ref_choices.get(name, [])]
        return forms.ChoiceField(label=label, choices=choices, required=not field.null)
    coded = () if field.choices or name in FREE_CODE_FIELDS else code_choices(kind.model, name)
    if coded:  # codes of the clinical catalogue or of registry/codes.py, offered by their labels
        return forms.ChoiceField(label=label, choices=[EMPTY_CHOICE, *coded], required=not field.blank)
    if name in LIST_FIELDS:
        return forms.CharField(label=label, required=False, help_text=_("comma-separated codes"))
    if isinstance(field, models.JSONField):
        return forms.JSONField(
            label=label,
            required=False,
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text=field_help(kind.model, name),
        )
    form_field = field.formfield()
    form_field.label = label
    if isinstance(form_field, forms.DateField):
        form_field.widget = DateInput()
        form_field.validators.append(in_registry_years)
    if isinstance(form_field, forms.NullBooleanField):
        form_field.widget = _yes_no()
    if isinstance(form_field, forms.CharField) and not isinstance(form_field, forms.TypedChoiceField):
        form_field.strip = True
    if field.help_text:
        form_field.help_text = field_help(kind.model, name)
    return form_field


class RecordForm(forms.Form):
    """Base class; :func:`record_form_class` adds the fields of one kind."""

    kind: Kind
    instrument_code: str | None = None
    value_fields: tuple[str, ...] = ()

    reason = forms.CharField(
        label=gettext_lazy("Reason for this change"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("kept in the audit trail"),
    )

    def rows(self) -> list[tuple[Any, Any]]:
        """(field, its "why empty?" select or None) for the record's own fields, in order."""
        rows = []
        for name in self.value_fields:
            if name in self.fields:
                missing = self[name + MISSING_SUFFIX] if name + MISSING_SUFFIX in self.fields else None
                rows.append((self[name], missing))
        return rows

    def item_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if name.startswith(ITEM_PREFIX)]

    def values(self, refs: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
        """The service's keyword arguments from the cleaned data (references as records)."""
        data = self.cleaned_data
        values: dict[str, Any] = {}
        for name in self.value_fields:
            value = data.get(name)
            field = self.kind.model._meta.get_field(name)
            if field.is_relation:
                value = refs.get(name, {}).get(value) if value else None
            elif name in LIST_FIELDS:
                value = [part.strip() for part in (value or "").split(",") if part.strip()]
            elif isinstance(field, models.JSONField):
                value = {} if value in (None, "") else value
            elif isinstance(field, models.CharField) and value is None:
                value = ""
            values[name] = value
        if self.instrument_code is not None:
            values[ITEMS_FIELD] = {
                key[len(ITEM_PREFIX) :]: value
                for key, value in data.items()
                if key.startswith(ITEM_PREFIX) and value not in (None, "")
            }
        if self.kind.takes_missing:
            values["missing"] = {
                name: data[name + MISSING_SUFFIX]
                for name in self.value_fields
                if data.get(name + MISSING_SUFFIX)
            }
        return values


def record_form_class(
    kind: Kind,
    *,
    ref_choices: Mapping[str, list[tuple[str, str]]],
    editing: bool,
    instrument: str | None = None,
    day_zero: DayZero | None = None,
) -> type[RecordForm]:
    """A form class for creating (``editing=False``) or editing one record of ``kind``; given the
    patient's ``day_zero``, its date fields also take day numbers ("D+100", ``web/day_numbers.py``)."""
    names = kind.editable if editing else kind.fields
    attrs: dict[str, Any] = {}
    for name in names:
        if name == ITEMS_FIELD and kind.slug == "assessment":
            continue
        attrs[name] = model_field(kind, name, ref_choices)
        if day_zero is not None and isinstance(attrs[name], forms.DateField):
            attrs[name] = with_day_numbers(attrs[name], day_zero)
        if kind.takes_missing and _may_be_empty(kind.model._meta.get_field(name)):
            attrs[name + MISSING_SUFFIX] = forms.ChoiceField(
                label=_("Why empty?"), choices=MISSING_CHOICES, required=False
            )
    spec = _instrument(instrument) if kind.slug == "assessment" else None
    if spec is not None:
        for item in spec.items.values():
            attrs[ITEM_PREFIX + item.name] = _item_field(item)
    if editing:
        attrs["version"] = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    attrs["kind"] = kind
    attrs["instrument_code"] = instrument if spec is not None else None
    attrs["value_fields"] = tuple(n for n in names if n != ITEMS_FIELD or kind.slug != "assessment")
    return type(f"{kind.model.__name__}Form", (RecordForm,), attrs)


def initial_from(record: models.Model, form_class: type[RecordForm]) -> dict[str, Any]:
    """The form's initial values from a stored record."""
    initial: dict[str, Any] = {"version": getattr(record, "version", 1)}
    missing = getattr(record, "missing", None) or {}
    for name in form_class.value_fields:
        field = record._meta.get_field(name)
        if field.is_relation:
            value = getattr(record, field.attname)
            initial[name] = "" if value is None else str(value)
        elif name in LIST_FIELDS:
            initial[name] = ", ".join(getattr(record, name) or [])
        else:
            initial[name] = getattr(record, name)
        if name in missing:
            initial[name + MISSING_SUFFIX] = missing[name]
    if form_class.instrument_code is not None:
        for key, value in (getattr(record, ITEMS_FIELD, None) or {}).items():
            initial[ITEM_PREFIX + key] = value
    return initial


def changes_from(record: models.Model, values: Mapping[str, Any]) -> dict[str, Any]:
    """The values that differ from what ``record`` holds (references compared by key)."""
    changes = {}
    for name, value in values.items():
        field = record._meta.get_field(name)
        current = getattr(record, field.attname) if field.is_relation else getattr(record, name)
        mine = getattr(value, "pk", value) if field.is_relation else value
        if name == "missing":
            current = current or {}
        if current != mine:
            changes[name] = value
    return changes


def attach_problems(form: forms.Form, problems: Iterable[Problem]) -> list[Problem]:
    """Put each service problem on the field it names; return those that name no field of the form."""
    unplaced = []
    for problem in problems:
        text = f"{problem.message} [{problem.rule}]"
        target = problem.field
        if target not in form.fields and ITEM_PREFIX + target in form.fields:
            target = ITEM_PREFIX + target
        if target == ITEMS_FIELD:
            item = next(
                (n for n in form.fields if n.startswith(ITEM_PREFIX) and n[5:] in problem.message), None
            )
            target = item or target
        if target in form.fields:
            form.add_error(target, text)
        else:
            form.add_error(None, f"{problem.field}: {text}")
            unplaced.append(problem)
    return unplaced


# --- filters and screening -----------------------------------------------------------------------


class PatientFilterForm(forms.Form):
    search = forms.CharField(label=gettext_lazy("Registry ID starts with"), required=False, max_length=20)
    centre = forms.ChoiceField(label=gettext_lazy("Centre"), required=False)
    disease = forms.ChoiceField(label=gettext_lazy("Disease"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    infusion_year = forms.IntegerField(
        label=gettext_lazy("Infusion year"), required=False, min_value=1970, max_value=2100
    )
    flag = forms.ChoiceField(label=gettext_lazy("Data quality"), required=False)

    def __init__(
        self,
        *args: Any,
        centres: Iterable[tuple[str, str]],
        diseases: Iterable[tuple[str, str]],
        statuses: Mapping[str, str],
        flags: Mapping[str, str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["centre"].choices = [("", _("All centres")), *centres]
        self.fields["disease"].choices = [("", _("All diseases")), *diseases]
        self.fields["status"].choices = [("", _("Any status")), *statuses.items()]
        self.fields["flag"].choices = [("", _("Any")), *flags.items()]
