"""Import: a REDCap export, a spreadsheet or FHIR Bundles, checked (dry run) or written (commit), by the
import engine.

The same engine as ``remission import`` and ``POST /api/import/...``: the readers of
``remission.interop`` turn the uploaded files into source rows and
:func:`remission.interop.importing.import_rows` writes them through the registry's services, in the
user's scope, all or nothing, idempotent by source key.

Committing asks for the same files again, with "Commit" ticked: the server keeps nothing between two
requests (no stored upload to clean up, nothing the client could point at), and the commit checks every
row again anyway, so a file changed since the dry run is judged as it is now.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from remission.interop.importing import ImportResult
from remission.interop.rows import RowProblem
from remission.interop.sources import SourceFiles, import_source, saved_upload_list, saved_uploads
from remission.registry.access import scope_for
from remission.registry.errors import RegistryError

CANNOT_IMPORT = gettext_noop("Your role does not allow importing records.")
NEEDS_REDCAP = gettext_noop("A REDCap import needs the data dictionary and the records export.")
NEEDS_TABLE = gettext_noop("A spreadsheet import needs the file and its mapping file.")
NEEDS_BUNDLES = gettext_noop("A FHIR import needs Bundle files (.json) or a zip of them.")
SOURCES = (
    ("redcap", gettext_lazy("REDCap export (data dictionary + records)")),
    ("table", gettext_lazy("Spreadsheet (CSV or XLSX)")),
    ("fhir", gettext_lazy("FHIR R4 Bundles (.json files, or a zip of them)")),
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's recipe): a list of uploaded files, empty when none."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".json,.zip"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class ImportForm(forms.Form):
    source = forms.ChoiceField(
        label=gettext_lazy("Source"), choices=SOURCES, initial="redcap", widget=forms.RadioSelect
    )
    dictionary = forms.FileField(required=False, label=gettext_lazy("REDCap data dictionary (CSV)"))
    records = forms.FileField(required=False, label=gettext_lazy("REDCap records export (CSV, raw codes)"))
    file = forms.FileField(required=False, label=gettext_lazy("Spreadsheet (.csv or .xlsx)"))
    bundles = MultipleFileField(
        required=False, label=gettext_lazy("FHIR Bundles (.json files, or a .zip of them)")
    )
    mapping = forms.FileField(
        required=False,
        label=gettext_lazy("Mapping file (TOML; optional for REDCap, required for a spreadsheet)"),
    )
    commit = forms.BooleanField(
        required=False,
        label=gettext_lazy("Commit: write the records (all or nothing); unticked, a dry run writes nothing"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("source") == "redcap" and not (data.get("dictionary") and data.get("records")):
            raise forms.ValidationError(_(NEEDS_REDCAP))
        if data.get("source") == "table" and not (data.get("file") and data.get("mapping")):
            raise forms.ValidationError(_(NEEDS_TABLE))
        if data.get("source") == "fhir" and not data.get("bundles"):
            raise forms.ValidationError(_(NEEDS_BUNDLES))
        return data


def _run(user: Any, data: dict[str, Any]) -> ImportResult:
    """Save the uploads under their own names (messages and audit reasons name them) and import them."""
    uploads = {"dictionary": data["dictionary"], "records": data["records"], "mapping": data["mapping"]}
    if data["source"] == "table":
        uploads = {"table": data["file"], "mapping": data["mapping"]}
    with tempfile.TemporaryDirectory(prefix="remission-import-") as name:
        folder = Path(name)
        if data["source"] == "fhir":
            files = SourceFiles("fhir", bundles=saved_upload_list(folder, "bundles", data["bundles"]))
        else:
            files = SourceFiles(data["source"], **saved_uploads(folder, uploads))
        return import_source(files, actor=user, commit=data["commit"])


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if scope.writable is not None and not scope.writable:
        raise HttpForbidden(_(CANNOT_IMPORT))
    form = ImportForm(request.POST or None, request.FILES or None)
    result: ImportResult | None = None
    problems: list[RowProblem] = []
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            result = _run(request.user, form.cleaned_data)
            problems = list(result.problems)
        except RegistryError as exc:
            error = str(exc)
    context = {
        "form": form,
        "result": result,
        "problems": problems,
        "error": error,
        "created": sorted(result.created.items()) if result else [],
    }
    status = 400 if request.method == "POST" and (error or not form.is_valid()) else 200
    return render(request, "web/import.html", context, status=status)
