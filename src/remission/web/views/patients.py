"""The patient list (search, filters, pages) and the patient page (timeline, charts, records)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from remission.registry import selectors, services
from remission.registry.access import scope_for
from remission.registry.codes import ConsentStatus, Sex
from remission.registry.errors import ValidationFailed
from remission.registry.kinds import CREATABLE, KINDS
from remission.registry.labels import code_choices
from remission.registry.selectors.browse import PATIENT_STATUSES, QUALITY_FLAGS
from remission.web.course import patient_course
from remission.web.forms import DateInput, PatientFilterForm, attach_problems, in_registry_years
from remission.web.views.common import can_write, paginate, query_without_page, registry_errors


def _filter_form(request: HttpRequest) -> PatientFilterForm:
    centres = [(str(c.pk), c.name) for c in selectors.centre_list(user=request.user)]
    return PatientFilterForm(
        request.GET or None,
        centres=centres,
        diseases=_diseases(),
        statuses=PATIENT_STATUSES,
        flags=QUALITY_FLAGS,
    )


def _diseases() -> tuple[tuple[str, str], ...]:
    return code_choices(KINDS["diagnosis"].model, "disease")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("patient_list")


@login_required
def patient_list(request: HttpRequest) -> HttpResponse:
    form = _filter_form(request)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.patient_browse(
        user=request.user,
        centre_id=int(filters["centre"]) if filters.get("centre") else None,
        disease=filters.get("disease") or None,
        status=filters.get("status") or None,
        infusion_year=filters.get("infusion_year"),
        flag=filters.get("flag") or None,
        search=filters.get("search") or None,
    )
    page = paginate(rows, request)
    scope = scope_for(request.user)
    context = {
        "form": form,
        "page": page,
        "query": query_without_page(request),
        "diseases": dict(_diseases()),
        "can_register": bool(scope.writable is None or scope.writable),
    }
    return render(request, "web/patient_list.html", context)


@login_required
@registry_errors
def patient_detail(request: HttpRequest, registry_id: str) -> HttpResponse:
    patient = selectors.patient_get(user=request.user, registry_id=registry_id)
    course = patient_course(user=request.user, patient=patient)
    writable = can_write(request.user, patient.centre_id)
    context = {
        "patient": patient,
        "course": course,
        "kinds": KINDS,
        "creatable": [KINDS[s] for s in CREATABLE],
        "can_write": writable,
        "edit_label": _("Edit") if writable else _("View"),
    }
    return render(request, "web/patient_detail.html", context)


class PatientRegisterForm(forms.Form):
    centre = forms.ChoiceField(label=gettext_lazy("Centre"))
    sex = forms.ChoiceField(label=gettext_lazy("Sex"), choices=Sex.choices)
    birth_year = forms.IntegerField(label=gettext_lazy("Birth year"), min_value=1900, max_value=2100)
    birth_month = forms.IntegerField(label=gettext_lazy("Birth month"), min_value=1, max_value=12)
    consent_status = forms.ChoiceField(label=gettext_lazy("Consent"), choices=ConsentStatus.choices)
    consent_version = forms.CharField(
        label=gettext_lazy("Consent form version"), required=False, max_length=40
    )
    consent_date = forms.DateField(
        label=gettext_lazy("Consent date"), required=False, widget=DateInput(), validators=[in_registry_years]
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False, max_length=500)


@login_required
@registry_errors
def patient_register(request: HttpRequest) -> HttpResponse:
    centres = [c for c in selectors.centre_list(user=request.user) if can_write(request.user, c.pk)]
    if not centres:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("Your role does not allow registering patients."))
    form = PatientRegisterForm(request.POST or None)
    form.fields["centre"].choices = [(str(c.pk), c.name) for c in centres]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        centre = next(c for c in centres if str(c.pk) == data["centre"])
        try:
            patient = services.patient_register(
                actor=request.user,
                centre=centre,
                sex=data["sex"],
                birth_year=data["birth_year"],
                birth_month=data["birth_month"],
                consent_status=data["consent_status"],
                consent_version=data["consent_version"],
                consent_date=data["consent_date"],
                reason=data["reason"],
            )
        except ValidationFailed as exc:
            attach_problems(form, exc.problems)
        else:
            messages.success(request, _("Patient %(id)s registered.") % {"id": patient.registry_id})
            return redirect(reverse("patient_detail", args=[patient.registry_id]))
    return render(request, "web/patient_register.html", {"form": form})
