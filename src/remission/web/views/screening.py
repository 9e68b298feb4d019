"""Candidate screening: enter or pick a candidate, see the verdict, HCT-CI and dose tables; print it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from remission.analysis.prediction.current import stored_prediction
from remission.clinical.candidate import check_and_screen
from remission.registry.candidates import candidate_from_patient
from remission.web import screening
from remission.web.views.common import registry_errors

BAD_JSON = "the pasted text is not valid JSON"
NOT_SCREENED = gettext_noop("The candidate was not screened: {count} problem(s), each marked at its field.")
CHOOSE = "choose_disease"  # the button that shows the chosen disease's fields, without screening


def _posted_values(request: HttpRequest) -> dict[str, Any]:
    return {k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", CHOOSE)}


@login_required
@registry_errors
def screen(request: HttpRequest) -> HttpResponse:
    report: dict[str, Any] | None = None
    prediction: dict[str, Any] | None = None
    problem_count = 0
    if request.method == "POST" and CHOOSE not in request.POST:
        disease = request.POST.get("disease") or None
        form = screening.candidate_form_class(disease)(request.POST)
        if form.is_valid():
            candidate = screening.candidate_from_form(form.cleaned_data)
            if candidate is None:
                form.add_error("candidate_json", BAD_JSON)
            else:
                result, problems = check_and_screen(candidate)
                report = None if result is None else screening.report_for_people(result)
                if result is not None:
                    prediction = stored_prediction(candidate, result, user=request.user)
                pasted = bool(form.cleaned_data.get("candidate_json", "").strip())
                problem_count = len(problems)
                for p in problems:
                    target = "candidate_json" if pasted else screening.form_field_of(p.field)
                    form.add_error(target if target in form.fields else None, screening.problem_text(p))
                if pasted and isinstance(candidate, dict) and isinstance(candidate.get("disease"), str):
                    disease = candidate["disease"]
    else:
        initial: dict[str, Any] = {}
        policy = screening.centre_policy(request.user)
        initial.update({f"policy__{k}": v for k, v in policy.items() if k in screening.POLICY_FIELDS})
        if request.GET.get("patient"):
            patient = candidate_from_patient(user=request.user, registry_id=request.GET["patient"])
            initial.update(screening.form_initial(patient))
        if request.method == "POST":  # the "show this disease's fields" button: keep what was typed
            initial.update(_posted_values(request))
        disease = initial.get("disease") or request.GET.get("disease") or None
        if disease and "disease" not in initial:
            initial["disease"] = disease
        form = screening.candidate_form_class(disease)(initial=initial)
    context = {
        "form": form,
        "fieldsets": screening.fieldsets(form, disease),
        "report": report,
        "prediction": prediction,
        "disease": disease,
        "choose": CHOOSE,
        "not_screened": _(NOT_SCREENED).format(count=problem_count) if problem_count else "",
        "script_data": screening.disease_script_data(),
    }
    return render(request, "web/screening.html", context)
