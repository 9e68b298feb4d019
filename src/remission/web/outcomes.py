"""The outcomes page and the report download, over the analysis and report layers.

The page is the outcomes report itself (``remission.reports``: Table 1, estimates, tests, models and the
curves) for the cohort chosen in the filter form, rendered inside the web layout. Reading the registry
and fitting the models takes seconds on a large registry, so a computed page is kept in the cache for
``CACHE_SECONDS`` per (what the user may read, filters, day); *Recompute* bypasses it. A statistician
reads every centre (pseudonymised: registry IDs only); a centre user reads their own centre.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django import forms
from django.core.cache import cache

from remission.registry import selectors
from remission.registry.access import scope_for
from remission.registry.codes import Intensity, ProductType, Sex
from remission.web.forms import in_registry_years

CACHE_SECONDS = 15 * 60
GROUPINGS = [("disease", "Disease"), ("era", "Era"), ("intensity", "Regimen intensity"), ("", "No grouping")]
EMPTY = "No patient you can see matches this cohort."


class CohortForm(forms.Form):
    disease = forms.ChoiceField(label="Disease", required=False)
    centre = forms.ChoiceField(label="Centre", required=False)
    sex = forms.ChoiceField(label="Sex", required=False, choices=[("", "Any"), *Sex.choices])
    intensity = forms.ChoiceField(
        label="Regimen intensity", required=False, choices=[("", "Any"), *Intensity.choices]
    )
    product_type = forms.ChoiceField(
        label="Product", required=False, choices=[("", "Any"), *ProductType.choices]
    )
    infusion_from = forms.DateField(
        label="Infused from",
        required=False,
        widget=forms.DateInput({"type": "date"}),
        validators=[in_registry_years],
    )
    infusion_to = forms.DateField(
        label="Infused until",
        required=False,
        widget=forms.DateInput({"type": "date"}),
        validators=[in_registry_years],
    )
    by = forms.ChoiceField(label="Compare groups by", required=False, choices=GROUPINGS, initial="disease")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        from remission.clinical.diseases import DISEASES

        super().__init__(*args, **kwargs)
        self.fields["disease"].choices = [("", "All diseases"), *((c, d.name) for c, d in DISEASES.items())]
        self.fields["centre"].choices = [
            ("", "All centres you can see"),
            *((c.code, c.name) for c in selectors.centre_list(user=user)),
        ]


def _cohort(data: dict[str, Any]) -> tuple[Any, tuple[tuple[str, str], ...]]:
    from remission.analysis import Cohort

    values = {k: data.get(k) or None for k in ("disease", "centre", "sex", "intensity", "product_type")}
    values["infusion_from"] = data.get("infusion_from")
    values["infusion_to"] = data.get("infusion_to")
    filters = tuple((k, str(v)) for k, v in values.items() if v)
    return Cohort(**values), filters


def _key(user: Any, data: dict[str, Any]) -> str:
    scope = scope_for(user)
    readable = "all" if scope.readable is None else sorted(scope.readable)
    raw = json.dumps([readable, {k: str(v) for k, v in sorted(data.items())}, dt.date.today().isoformat()])
    return "remission:outcomes:" + hashlib.sha256(raw.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class OutcomesPage:
    title: str
    subtitle: str
    sections: list[dict[str, Any]]
    n_patients: int
    computed_at: str
    empty: str = ""
    flow: str = ""  # the patient flow in one line (also when nobody is analysed)


def _request(user: Any, data: dict[str, Any]) -> Any:
    from remission.reports.pipeline import ReportRequest

    cohort, filters = _cohort(data)
    return ReportRequest(cohort=cohort, filters=filters, by=data.get("by") or None, user=user)


def _sections(document: Any) -> list[dict[str, Any]]:
    from remission.reports.document import FigureBlock, KeyValues, Paragraph, Table
    from remission.reports.images import png_data_uri

    sections = []
    for section in document.sections:
        blocks: list[dict[str, Any]] = []
        for block in section.blocks:
            if isinstance(block, Paragraph):
                blocks.append({"type": "paragraph", "text": block.text, "note": block.note})
            elif isinstance(block, KeyValues):
                blocks.append({"type": "facts", "items": list(block.items)})
            elif isinstance(block, Table):
                groups = set(block.group_rows)
                rows = [
                    {
                        "group": i in groups,
                        "cells": [(text, j in block.numeric_columns) for j, text in enumerate(r)],
                    }
                    for i, r in enumerate(block.rows)
                ]
                header = [(h, j in block.numeric_columns) for j, h in enumerate(block.header)]
                blocks.append(
                    {
                        "type": "table",
                        "caption": block.caption,
                        "header": header,
                        "rows": rows,
                        "note": block.note,
                    }
                )
            elif isinstance(block, FigureBlock):
                blocks.append(
                    {
                        "type": "figure",
                        "src": png_data_uri(block.png),
                        "alt": block.alt,
                        "caption": block.caption,
                        "width": block.width_px // 2,
                        "height": block.height_px // 2,
                    }
                )
        sections.append({"title": section.title, "anchor": section.anchor, "blocks": blocks})
    return sections


def _flow_words(flow: Any) -> str:
    """The patient flow in one line: "1,500 in the registry; left out: …; 1,490 analysed"."""
    if flow is None:
        return ""
    left = "; ".join(f"{step.reason}: {step.n:,}" for step in flow.steps if step.n)
    return (
        f"{flow.in_registry:,} patients in the registry you can read; left out {flow.left_out:,}"
        + (f" ({left})" if left else "")
        + f"; {flow.analysed:,} analysed."
    )


def outcomes_page(*, user: Any, data: dict[str, Any], refresh: bool = False) -> OutcomesPage:
    """The outcomes report of the chosen cohort, as page sections (cached; see the module docstring)."""
    key = _key(user, data)
    if not refresh:
        cached = cache.get(key)
        if cached is not None:
            return cached
    from remission.analysis.loader import load_courses
    from remission.analysis.longitudinal import load_measurements
    from remission.reports.outcomes_report import build_document, compute_outcomes
    from remission.reports.pipeline import (
        analysis_set_from,
        cell_therapies_from,
        report_cut_off,
        scope_words,
    )

    request = _request(user, data)
    cutoff = report_cut_off(request)
    extract = load_courses(user=user, cutoff=cutoff.date)
    analysis_set = analysis_set_from(extract, request, cutoff)
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    if analysis_set.frame.empty:
        page = OutcomesPage("Outcomes", "", [], 0, now, EMPTY, _flow_words(analysis_set.flow))
    else:
        measurements = load_measurements(analysis_set, user=user)
        results = compute_outcomes(
            analysis_set,
            by=request.by,
            measurements=measurements,
            cell_therapy=cell_therapies_from(extract, cutoff),
        )
        document = build_document(
            results, filters=request.filters, title=request.title, scope=scope_words(user)
        )
        page = OutcomesPage(
            document.title,
            document.subtitle,
            _sections(document),
            len(analysis_set.frame),
            now,
            flow=_flow_words(analysis_set.flow),
        )
    cache.set(key, page, CACHE_SECONDS)
    return page


def report_file(*, user: Any, data: dict[str, Any], fmt: str) -> tuple[bytes, str, int] | None:
    """The HTML or PDF report of the chosen cohort, or (``zip``) the report's tables as CSV files in the
    zip the HTML report links to; with the number of patients (None when the cohort is empty)."""
    from remission.reports.pipeline import EmptyCohortError, produce_report

    with tempfile.TemporaryDirectory(prefix="remission-report-") as folder:
        path = Path(folder) / f"remission-outcomes.{'html' if fmt == 'zip' else fmt}"
        try:
            run = produce_report(_request(user, data), path)
        except EmptyCohortError:
            return None
        produced = run.tables if fmt == "zip" else path
        return produced.read_bytes(), produced.name, run.n_patients
