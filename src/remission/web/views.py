"""Views: parse, call one selector or service, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from remission.registry import selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    patients = selectors.patient_list(user=request.user)
    centres = selectors.centre_list(user=request.user)
    context = {"patient_count": patients.count(), "centres": centres, "recent": patients[:20]}
    return render(request, "web/home.html", context)
