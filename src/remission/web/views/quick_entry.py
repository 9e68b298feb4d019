"""Quick entry of a panel of records (``web/quick_entry.py``): one form, one transaction, all or nothing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import ngettext

from remission.registry import selectors
from remission.web.day_numbers import resolved_day_numbers
from remission.web.quick_entry import (
    LABS,
    PANEL_TITLES,
    PANELS,
    PanelRefused,
    QuickEntryForm,
    patient_day_zero,
    patient_instruments,
    save_panel,
)
from remission.web.views.common import registry_errors, require_write

ANCHORS = {LABS: "lab-result"}  # the patient page's section to return to, by panel (else follow-up)


@login_required
@registry_errors
def quick_entry(request: HttpRequest, registry_id: str, panel: str) -> HttpResponse:
    if panel not in PANELS:
        raise Http404(f"no quick-entry panel {panel!r}")
    patient = selectors.patient_get(user=request.user, registry_id=registry_id)
    require_write(request.user, patient.centre_id)
    day_zero = patient_day_zero(user=request.user, patient=patient)
    instruments = patient_instruments(user=request.user, patient=patient)
    form = QuickEntryForm(request.POST or None, panel=panel, day_zero=day_zero, instruments=instruments)
    if request.method == "POST" and form.is_valid():
        try:
            created = save_panel(form, actor=request.user, patient=patient)
        except PanelRefused as exc:
            form.place(exc.refusals)
        else:
            date = form.cleaned_data["date"]
            saved = ngettext(
                "%(count)s record saved, dated %(date)s.",
                "%(count)s records saved, dated %(date)s.",
                len(created),
            ) % {"count": len(created), "date": formats.date_format(date, "SHORT_DATE_FORMAT")}
            messages.success(request, saved)
            for resolved in resolved_day_numbers(form):
                messages.info(request, str(resolved))
            anchor = ANCHORS.get(panel, "follow-up")
            return redirect(reverse("patient_detail", args=[patient.registry_id]) + f"#{anchor}")
    if form.is_bound:
        form.focus_first_error()
    context = {
        "patient": patient,
        "form": form,
        "panel": panel,
        "panel_title": PANEL_TITLES[panel],
        "panels": list(PANEL_TITLES.items()),
        "day_zero": day_zero.date,
        "no_scores": panel != LABS and not instruments,
    }
    return render(request, "web/quick_entry.html", context)
