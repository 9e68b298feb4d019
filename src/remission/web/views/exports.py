"""Export: the registry's records as analysis tables, in the user's scope, streamed as one file."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render

from remission.interop.export import export_write
from remission.interop.formats import FORMATS, MEDIA_TYPE, SUFFIX
from remission.registry import selectors
from remission.registry.errors import RegistryError

FORMAT_LABELS = {
    "csv": "CSV (zip, one file per table)",
    "xlsx": "Excel workbook",
    "parquet": "Parquet (zip, one file per table)",
    "dta": "Stata .dta (zip, one file per table)",
    "sav": "SPSS .sav (zip, one file per table)",
}


class ExportForm(forms.Form):
    format = forms.ChoiceField(choices=[(f, FORMAT_LABELS[f]) for f in FORMATS], initial="csv")
    centre = forms.ChoiceField(required=False)
    disease = forms.ChoiceField(required=False)
    date_from = forms.DateField(
        required=False, label="Day 0 from", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="Day 0 to", widget=forms.DateInput(attrs={"type": "date"})
    )
    deidentify = forms.BooleanField(
        required=False, label="De-identify (pseudonyms, shifted dates, no free text, birth year only)"
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        from remission.clinical.diseases import DISEASES

        super().__init__(*args, **kwargs)
        centres = selectors.centre_list(user=user)
        self.fields["centre"].choices = [("", "All centres you can see")] + [
            (c.code, c.name) for c in centres
        ]
        self.fields["disease"].choices = [("", "All diseases")] + [(k, d.name) for k, d in DISEASES.items()]


def _file_name(fmt: str, deidentified: bool) -> str:
    stem = f"remission-extract-{dt.date.today():%Y%m%d}" + ("-deidentified" if deidentified else "")
    return stem + (f".{fmt}.zip" if SUFFIX[fmt] == ".zip" else SUFFIX[fmt])


@login_required
def export(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.POST or None, user=request.user)
    error = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        name = _file_name(data["format"], data["deidentify"])
        folder = Path(tempfile.mkdtemp(prefix="remission-export-"))
        out = folder / name
        try:
            export_write(
                actor=request.user,
                file_format=data["format"],
                out=out,
                centre=data["centre"] or None,
                disease=data["disease"] or None,
                date_from=data["date_from"],
                date_to=data["date_to"],
                deidentify=data["deidentify"],
                beside=False,
                via="web",
            )
        except RegistryError as exc:
            out.unlink(missing_ok=True)
            folder.rmdir()
            error = str(exc)
        else:
            handle = out.open("rb")
            out.unlink()  # the open handle keeps the file until the response has streamed it
            folder.rmdir()
            return FileResponse(
                handle, as_attachment=True, filename=name, content_type=MEDIA_TYPE[data["format"]]
            )
    status = 400 if request.method == "POST" else 200
    return render(request, "web/export.html", {"form": form, "error": error}, status=status)
