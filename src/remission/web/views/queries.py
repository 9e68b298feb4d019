"""Queries on the web: the list (open first, oldest first, with ages and counts), one query's thread with
the steps the user may take, and raising a query on one field of one record."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from remission.registry import selectors
from remission.registry.access import scope_for
from remission.registry.codes import QueryStatus, Severity
from remission.registry.errors import NotFound, ValidationFailed
from remission.registry.kinds import KIND_OF_MODEL_NAME, PATIENT_KIND
from remission.registry.selectors import queries as query_selectors
from remission.registry.services import queries as query_services
from remission.web.forms import attach_problems
from remission.web.views.common import int_or_none, paginate, query_without_page, registry_errors

MAY_NOT_RAISE = gettext_noop("Your role may not raise queries on this centre's records.")
DONE = {
    "comment": gettext_noop("Comment added to query #{pk}."),
    "answer": gettext_noop("Query #{pk} answered."),
    "close": gettext_noop("Query #{pk} closed."),
    "reopen": gettext_noop("Query #{pk} re-opened."),
}
# the filter "raised by" (the selector's codes, query_selectors.SOURCES), as the page names them
SOURCE_LABELS = {
    "rule": gettext_lazy("raised by a rule"),
    "person": gettext_lazy("raised by a person"),
    "mine": gettext_lazy("raised by me"),
}
STEPS = {
    "comment": query_services.query_comment,
    "answer": query_services.query_answer,
    "close": query_services.query_close,
    "reopen": query_services.query_reopen,
}


def record_url(entity: str, record_id: int | None) -> str | None:
    """The edit page of the record a query names (None if it is no record kind of the web)."""
    model_name = entity.split(".", 1)[-1]
    kind = PATIENT_KIND if model_name == "patient" else KIND_OF_MODEL_NAME.get(model_name)
    if kind is None or record_id is None:
        return None
    return reverse("record_edit", args=[kind.slug, record_id])


def _filters(request: HttpRequest) -> dict[str, Any]:
    get = request.GET
    status = get.get("status") if get.get("status") in QueryStatus.values else None
    source = get.get("source") if get.get("source") in query_selectors.SOURCES else None
    return {
        "status": status,
        "centre_id": int_or_none(get.get("centre")),
        "source": source,
        "rule": (get.get("rule") or "").strip()[:60] or None,
        "registry_id": (get.get("patient") or "").strip()[:20] or None,
        "entity": (get.get("entity") or "").strip()[:40] or None,
        "record_id": int_or_none(get.get("record")),
    }


def _row(query: Any, today: Any) -> dict[str, Any]:
    return {
        "query": query,
        "age": query_selectors.age_days(query, today),
        "record": f"{query_selectors.entity_words(query.entity)} #{query.record_id}",
        "field": query_selectors.field_words(query.entity, query.field),
        "raised_by": query_selectors.raised_by_words(query),
    }


@login_required
def query_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    today = timezone.localdate()
    rows = query_selectors.query_list(user=request.user, **filters)
    page = paginate(rows, request)
    counts = query_selectors.query_counts(user=request.user, today=today, **filters)
    context = {
        "page": page,
        "rows": [_row(q, today) for q in page.object_list],
        "counts": counts,
        "filters": filters,
        "statuses": QueryStatus.choices,
        "sources": {code: SOURCE_LABELS.get(code, words) for code, words in query_selectors.SOURCES.items()},
        "centres": selectors.centre_list(user=request.user),
        "patient": request.GET.get("patient", ""),
        "query": query_without_page(request),
    }
    return render(request, "web/queries.html", context)


class StepForm(forms.Form):
    action = forms.ChoiceField(choices=[(k, k) for k in STEPS], widget=forms.HiddenInput)
    text = forms.CharField(
        label=gettext_lazy("Text"),
        required=False,
        max_length=query_services.TEXT_MAX,
        widget=forms.Textarea({"rows": 3}),
    )


def _allowed_steps(user: Any, query: Any) -> list[str]:
    scope = scope_for(user)
    steps = []
    open_or_answered = query.status in (QueryStatus.OPEN, QueryStatus.ANSWERED)
    if query.status == QueryStatus.OPEN and query_services.may_answer(scope, query):
        steps.append("answer")
    if open_or_answered and query_services.may_comment(scope, query, user):
        steps.append("comment")
    if open_or_answered and query_services.may_close(scope, query, user):
        steps.append("close")
    if query.status == QueryStatus.CLOSED and query_services.may_close(scope, query, user):
        steps.append("reopen")
    return steps


@login_required
@registry_errors
def query_detail(request: HttpRequest, pk: int) -> HttpResponse:
    query = query_selectors.query_get(user=request.user, pk=pk)
    form = StepForm(request.POST or None)
    failed: str | None = None
    if request.method == "POST":
        if form.is_valid():
            action = form.cleaned_data["action"]
            try:
                STEPS[action](actor=request.user, query=query.pk, text=form.cleaned_data["text"])
            except ValidationFailed as exc:
                attach_problems(form, exc.problems)
                failed = action
            else:
                messages.success(request, _(DONE[action]).format(pk=query.pk))
                return redirect(reverse("query_detail", args=[query.pk]))
        else:
            failed = form.data.get("action")
        query = query_selectors.query_get(user=request.user, pk=pk)
    scope = scope_for(request.user)
    context = {
        "query": query,
        "row": _row(query, timezone.localdate()),
        "record_url": record_url(query.entity, query.record_id),
        "steps": _allowed_steps(request.user, query),
        "form": form,
        "failed": failed,
        "can_write": scope.can_write(query.centre_id),
    }
    return render(request, "web/query_detail.html", context)


class RaiseForm(forms.Form):
    field = forms.ChoiceField(label=gettext_lazy("Field"))
    severity = forms.ChoiceField(
        label=gettext_lazy("Severity"), choices=Severity.choices, initial=Severity.WARNING
    )
    text = forms.CharField(
        label=gettext_lazy("Question"), max_length=query_services.TEXT_MAX, widget=forms.Textarea({"rows": 4})
    )

    def __init__(self, *args: Any, fields: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = fields


@login_required
@registry_errors
def query_raise(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    entity = (source.get("entity") or "").strip()
    try:
        model = query_services.queryable_model(entity)
    except ValidationFailed as exc:
        raise Http404(str(exc)) from exc
    record_id = int_or_none(source.get("record"))
    if record_id is None:
        raise NotFound(f"{query_selectors.entity_words(entity)} was not found")
    record = selectors.record_get(user=request.user, model=model, pk=record_id)
    patient = record if model._meta.model_name == "patient" else record.patient
    if not scope_for(request.user).can_raise_query(patient.centre_id):
        raise HttpForbidden(_(MAY_NOT_RAISE))
    names = query_services.queryable_fields(model)
    choices = [(n, query_selectors.field_words(entity, n)) for n in names]
    initial = {"field": request.GET.get("field") if request.GET.get("field") in names else None}
    form = RaiseForm(request.POST or None, fields=choices, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            query = query_services.query_raise(
                actor=request.user,
                record=record,
                field=form.cleaned_data["field"],
                text=form.cleaned_data["text"],
                severity=form.cleaned_data["severity"],
            )
        except ValidationFailed as exc:
            attach_problems(form, exc.problems)
        else:
            messages.success(request, _("Query #%(pk)s raised.") % {"pk": query.pk})
            return redirect(reverse("query_detail", args=[query.pk]))
    context = {
        "form": form,
        "entity": entity,
        "record": record,
        "patient": patient,
        "record_words": f"{query_selectors.entity_words(entity)} #{record.pk}",
        "record_url": record_url(entity, record.pk),
    }
    return render(request, "web/query_raise.html", context)
