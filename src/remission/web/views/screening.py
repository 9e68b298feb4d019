"""Candidate screening: enter or pick a candidate, see the verdict, HCT-CI and dose tables; print it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from remission.web import screening
from remission.web.views.common import registry_errors

BAD_JSON = "the pasted text is not valid JSON"


@login_required
@registry_errors
def screen(request: HttpRequest) -> HttpResponse:
    form_class = screening.candidate_form_class()
    report: dict[str, Any] | None = None
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            candidate = screening.candidate_from_form(form.cleaned_data)
            if candidate is None:
                form.add_error("candidate_json", BAD_JSON)
            else:
                report, problems = screening.screen(candidate)
                pasted = bool(form.cleaned_data.get("candidate_json", "").strip())
                for p in problems:
                    target = "candidate_json" if pasted else screening.form_field_of(p.field)
                    form.add_error(target, f"{p.field}: {p.message} [{p.rule}]")
    else:
        initial: dict[str, Any] = {}
        policy = screening.centre_policy(request.user)
        initial.update({f"policy__{k}": v for k, v in policy.items() if k in screening.POLICY_FIELDS})
        if request.GET.get("patient"):
            initial.update(
                screening.initial_from_patient(user=request.user, registry_id=request.GET["patient"])
            )
        form = form_class(initial=initial)
    context = {"form": form, "fieldsets": screening.fieldsets(form), "report": report}
    return render(request, "web/screening.html", context)
