"""The work list: the follow-up forms of the user's centres, overdue first, then due; with sign-off,
unlock and waive as POST forms for those allowed (the steps run through ``services/timepoints.py``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from remission.registry import selectors
from remission.registry.access import Scope, scope_for
from remission.registry.errors import ValidationFailed
from remission.registry.selectors import worklist as worklist_selectors
from remission.registry.services import timepoints as time_point_services
from remission.web.views.common import int_or_none, paginate, query_without_page, registry_errors

STEPS = {
    "lock": time_point_services.time_point_lock,
    "unlock": time_point_services.time_point_unlock,
    "waive": time_point_services.time_point_waive,
}
DONE = {
    "lock": gettext_noop("{label} signed off."),
    "unlock": gettext_noop("{label} unlocked."),
    "waive": gettext_noop("{label} marked not required."),
}


class StepForm(forms.Form):
    time_point = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    action = forms.ChoiceField(choices=[(k, k) for k in STEPS], widget=forms.HiddenInput)
    reason = forms.CharField(required=False, max_length=time_point_services.REASON_MAX)
    back = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)


def _filters(request: HttpRequest) -> dict[str, Any]:
    get = request.GET
    status = (
        get.get("status") if get.get("status") in worklist_selectors.CHOICES else worklist_selectors.TO_DO
    )
    return {
        "status": status,
        "centre_id": int_or_none(get.get("centre")),
        "point": (get.get("point") or "").strip()[:16] or None,
        "registry_id": (get.get("patient") or "").strip()[:20] or None,
    }


def allowed_steps(scope: Scope, tp: Any) -> list[str]:
    """The buttons a row shows for this user: sign off, unlock, waive."""
    steps = []
    if tp.locked_at is None and time_point_services.may_lock(scope, tp):
        steps.append("lock")
        if not tp.not_required_reason:
            steps.append("waive")
    if tp.locked_at is not None and time_point_services.may_unlock(scope, tp):
        steps.append("unlock")
    return steps


def _step(request: HttpRequest) -> HttpResponse:
    form = StepForm(request.POST)
    back = reverse("worklist")
    if not form.is_valid():
        messages.error(request, _("That step could not be read; nothing was changed."))
        return redirect(back)
    data = form.cleaned_data
    if data["back"]:
        back = f"{back}?{data['back']}"
    action = data["action"]
    kwargs: dict[str, Any] = {
        "actor": request.user,
        "time_point": data["time_point"],
        "reason": data["reason"],
    }
    try:
        tp = STEPS[action](**kwargs)
    except ValidationFailed as exc:  # another centre's time point is a 404, a role's refusal a 403
        text = "; ".join(f"{p.message} [{p.rule}]" for p in exc.problems)
        messages.error(request, capfirst(text))
        return redirect(back)
    label = time_point_services.time_point_label(tp)
    messages.success(request, _(DONE[action]).format(label=capfirst(label)))
    return redirect(back)


@login_required
@registry_errors
def worklist(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _step(request)
    filters = _filters(request)
    today = timezone.localdate()
    rows = worklist_selectors.worklist(user=request.user, today=today, **filters)
    page = paginate(rows, request)
    scope = scope_for(request.user)
    counts_filters = {k: v for k, v in filters.items() if k != "status"}
    counts = worklist_selectors.worklist_counts(user=request.user, today=today, **counts_filters)
    context = {
        "page": page,
        "rows": [
            {
                "tp": tp,
                "days_overdue": worklist_selectors.days_overdue(tp, today),
                "steps": allowed_steps(scope, tp),
            }
            for tp in page.object_list
        ],
        "counts": [(code, worklist_selectors.CHOICES[code], n) for code, n in counts.items()],
        "filters": filters,
        "statuses": worklist_selectors.CHOICES,
        "centres": selectors.centre_list(user=request.user),
        "patient": request.GET.get("patient", ""),
        "query": query_without_page(request),
        "back": request.GET.urlencode(),
        "today": today,
    }
    return render(request, "web/worklist.html", context)
