"""Export: the registry's records in the user's scope, streamed as one file, each download audited.

The analysis tables (a form, posted), and as links: the REDCap data dictionary of a mirror project and the
REDCap records export (``remission redcap dictionary|records``), the FHIR R4 Bundles of every patient the
user may read as a zip (``remission fhir export``), and one patient's Bundle (from the patient page). Each
download goes through the same ``remission.interop`` function as the command line and is audited the same
way (who, scope, filters, row counts, SHA-256); the data dictionary holds no patient data and, as on the
command line, is not audited. Another centre's patient or centre is a 404.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from remission.interop import redcap
from remission.interop.export import export_write
from remission.interop.fhir.archive import ZIP_MEDIA_TYPE, fhir_export_zip
from remission.interop.fhir.bundle import bundle_bytes
from remission.interop.fhir.export import fhir_bundle
from remission.interop.formats import FORMATS, MEDIA_TYPE, SUFFIX
from remission.registry import selectors
from remission.registry.errors import RegistryError
from remission.web.forms import in_registry_years
from remission.web.views.common import registry_errors

CSV = "text/csv; charset=utf-8"
FHIR_JSON = "application/fhir+json"
VIA = "web"

FORMAT_LABELS = {
    "csv": gettext_lazy("CSV (zip, one file per table)"),
    "xlsx": gettext_lazy("Excel workbook"),
    "parquet": gettext_lazy("Parquet (zip, one file per table)"),
    "dta": gettext_lazy("Stata .dta (zip, one file per table)"),
    "sav": gettext_lazy("SPSS .sav (zip, one file per table)"),
}


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        label=gettext_lazy("Format"), choices=[(f, FORMAT_LABELS[f]) for f in FORMATS], initial="csv"
    )
    centre = forms.ChoiceField(required=False, label=gettext_lazy("Centre"))
    disease = forms.ChoiceField(required=False, label=gettext_lazy("Disease"))
    date_from = forms.DateField(
        required=False,
        label=gettext_lazy("Day 0 from"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),  # a date input reads ISO only
        validators=[in_registry_years],
    )
    date_to = forms.DateField(
        required=False,
        label=gettext_lazy("Day 0 to"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[in_registry_years],
    )
    deidentify = forms.BooleanField(
        required=False,
        label=gettext_lazy("De-identify (pseudonyms, shifted dates, no free text, birth year only)"),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        from remission.clinical.diseases import DISEASES

        super().__init__(*args, **kwargs)
        centres = selectors.centre_list(user=user)
        self.fields["centre"].choices = [("", _("All centres you can see"))] + [
            (c.code, c.name) for c in centres
        ]
        self.fields["disease"].choices = [("", _("All diseases"))] + [
            (k, _(d.name)) for k, d in DISEASES.items()
        ]


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
            return _stream(out, MEDIA_TYPE[data["format"]])
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "error": error,
        "centres": selectors.centre_list(user=request.user),
        "redcap_event": redcap.EVENT,
        "redcap_repeating": redcap.repeating_instruments(),
        "redcap_missing_codes": redcap.MISSING_DATA_CODES_SETTING,
    }
    return render(request, "web/export.html", context, status=status)


def _stream(out: Path, content_type: str) -> FileResponse:
    """Stream the written file ``out`` (alone in its temporary folder) and leave nothing behind."""
    handle = out.open("rb")
    out.unlink()  # the open handle keeps the file until the response has streamed it
    out.parent.rmdir()
    return FileResponse(handle, as_attachment=True, filename=out.name, content_type=content_type)


def _temporary(name: str) -> Path:
    return Path(tempfile.mkdtemp(prefix="remission-export-")) / name


def _today() -> str:
    return f"{dt.date.today():%Y%m%d}"


@login_required
@require_GET
def redcap_dictionary(request: HttpRequest) -> HttpResponse:
    """The REDCap data dictionary of a mirror project: no patient data, so not audited (as on the command
    line)."""
    response = HttpResponse(content_type=CSV)
    response["Content-Disposition"] = 'attachment; filename="remission-redcap-dictionary.csv"'
    redcap.write_dictionary(response)
    return response


@login_required
@require_GET
@registry_errors
def redcap_records(request: HttpRequest) -> HttpResponse:
    """The records the user may read (of one ``?centre=``) as a REDCap records export, audited."""
    out = _temporary(f"remission-redcap-records-{_today()}.csv")
    try:
        redcap.export_records(actor=request.user, out=out, centre=request.GET.get("centre") or None, via=VIA)
    except Exception:
        out.unlink(missing_ok=True)
        out.parent.rmdir()
        raise
    return _stream(out, CSV)


@login_required
@require_GET
def fhir_bundles(request: HttpRequest) -> HttpResponse:
    """The FHIR R4 Bundles of every patient the user may read, one ``<registry id>.json`` each, as a zip;
    each Bundle and the zip audited."""
    out = _temporary(f"remission-fhir-{_today()}.zip")
    try:
        fhir_export_zip(actor=request.user, out=out, reason=VIA)
    except Exception:
        out.unlink(missing_ok=True)
        out.parent.rmdir()
        raise
    return _stream(out, ZIP_MEDIA_TYPE)


@login_required
@require_GET
@registry_errors
def patient_fhir(request: HttpRequest, registry_id: str) -> HttpResponse:
    """One patient's FHIR R4 Bundle, the same bytes as ``remission fhir export --patient``; audited."""
    bundle = fhir_bundle(user=request.user, registry_id=registry_id, reason=VIA)
    response = HttpResponse(bundle_bytes(bundle), content_type=FHIR_JSON)
    response["Content-Disposition"] = f'attachment; filename="{bundle["id"]}.json"'
    return response
