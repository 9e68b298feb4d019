"""The outcomes page and the report download, over the analysis and report layers.

The page is the outcomes report itself (``remission.reports``: Table 1, estimates, tests, models and the
curves) for the cohort chosen in the filter form, rendered inside the web layout. The results come from
the analysis layer's one cached road (:func:`remission.analysis.results.cohort_results`, kept per (what
the user may read, request, day)); the page laid out from them, in the language of the user who asked
for it, is kept beside them under the same key and that language, and so is the report document it was
laid out from (its tables and figures, drawn): a download (HTML, PDF, tables) writes that document when
it was laid out from the same computation of the results, else lays the same results out again, instead
of computing them again. *Recompute* bypasses all three. The first
computation of a page and every download run as background jobs (``remission.web.jobs``), told the stage
under way through a ``progress`` callback. A statistician reads
every centre (pseudonymised: registry IDs only); a centre user reads their own centre.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.utils.formats import number_format
from django.utils.translation import get_language, gettext_lazy, gettext_noop
from django.utils.translation import gettext as _

from remission.analysis.words import Words
from remission.registry import selectors
from remission.registry.codes import Intensity, ProductType, Sex
from remission.web.forms import in_registry_years

PAGE_PREFIX = "page:"  # the laid-out page, kept under its results' key
DOCUMENT_PREFIX = "document:"  # the report document the page was laid out from, for the downloads
GROUPINGS = [
    ("disease", gettext_lazy("Disease")),
    ("era", gettext_lazy("Era")),
    ("intensity", gettext_lazy("Regimen intensity")),
    ("", gettext_lazy("No grouping")),
]
# kept in English where it is stored (a job's error), translated where it is shown
EMPTY = gettext_noop("No patient you can see matches this cohort.")
DATE_FIELDS = ("infusion_from", "infusion_to")
# compute_results reports the stage it finished; a job shows the stage under way (the next one)
NEXT_STAGE = {"query": "derivation", "derivation": "models", "models": "rendering"}
Progress = Callable[[str], None]


class CohortForm(forms.Form):
    disease = forms.ChoiceField(label=gettext_lazy("Disease"), required=False)
    centre = forms.ChoiceField(label=gettext_lazy("Centre"), required=False)
    sex = forms.ChoiceField(
        label=gettext_lazy("Sex"), required=False, choices=[("", gettext_lazy("Any")), *Sex.choices]
    )
    intensity = forms.ChoiceField(
        label=gettext_lazy("Regimen intensity"),
        required=False,
        choices=[("", gettext_lazy("Any")), *Intensity.choices],
    )
    product_type = forms.ChoiceField(
        label=gettext_lazy("Product"),
        required=False,
        choices=[("", gettext_lazy("Any")), *ProductType.choices],
    )
    infusion_from = forms.DateField(
        label=gettext_lazy("Infused from"),
        required=False,
        widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d"),  # a date input reads ISO only
        validators=[in_registry_years],
    )
    infusion_to = forms.DateField(
        label=gettext_lazy("Infused until"),
        required=False,
        widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d"),
        validators=[in_registry_years],
    )
    by = forms.ChoiceField(
        label=gettext_lazy("Compare groups by"), required=False, choices=GROUPINGS, initial="disease"
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        from remission.clinical.diseases import DISEASES

        super().__init__(*args, **kwargs)
        self.fields["disease"].choices = [
            ("", _("All diseases")),
            *((c, _(d.name)) for c, d in DISEASES.items()),
        ]
        self.fields["centre"].choices = [
            ("", _("All centres you can see")),
            *((c.code, c.name) for c in selectors.centre_list(user=user)),
        ]


def _cohort(data: dict[str, Any]) -> tuple[Any, tuple[tuple[str, str], ...]]:
    from remission.analysis import Cohort

    values = {k: data.get(k) or None for k in ("disease", "centre", "sex", "intensity", "product_type")}
    values["infusion_from"] = data.get("infusion_from")
    values["infusion_to"] = data.get("infusion_to")
    filters = tuple((k, str(v)) for k, v in values.items() if v)
    return Cohort(**values), filters


@dataclass(frozen=True)
class OutcomesPage:
    title: str
    subtitle: str
    sections: list[dict[str, Any]]
    n_patients: int
    computed_at: dt.datetime
    empty: Any = ""  # a lazy translation, shown in the page's language
    flow: Any = ""  # the patient flow in one line (also when nobody is analysed): FlowWords


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
                blocks.append(_table(block))
            elif isinstance(block, FigureBlock):
                blocks.append(
                    {
                        "type": "figure",
                        "src": png_data_uri(block.png),
                        "alt": block.alt,
                        "caption": block.caption,
                        "width": block.width_px // 2,
                        "height": block.height_px // 2,
                        "data": _table(block.data) if block.data is not None else None,
                    }
                )
        sections.append({"title": section.title, "anchor": section.anchor, "blocks": blocks})
    return sections


def _table(block: Any) -> dict[str, Any]:
    """A report table (:class:`remission.reports.document.Table`) for the page's table template."""
    groups = set(block.group_rows)
    rows = [
        {"group": i in groups, "cells": [(text, j in block.numeric_columns) for j, text in enumerate(r)]}
        for i, r in enumerate(block.rows)
    ]
    header = [(h, j in block.numeric_columns) for j, h in enumerate(block.header)]
    return {"type": "table", "caption": block.caption, "header": header, "rows": rows, "note": block.note}


@dataclass(frozen=True)
class FlowWords:
    """The patient flow in one line, worded when shown (in the language of the page that shows it, not
    of the job that computed it): "1,500 patients in the registry you can read; left out 10 (…); 1,490
    analysed."."""

    in_registry: int
    left_out: int
    analysed: int
    steps: tuple[tuple[Words, int], ...]  # (reason, patients) for each step that left patients out

    def __str__(self) -> str:
        values = {
            "registry": _grouped(self.in_registry),
            "left_out": _grouped(self.left_out),
            "analysed": _grouped(self.analysed),
        }
        if not self.steps:
            return (
                _(
                    "%(registry)s patients in the registry you can read; left out %(left_out)s; "
                    "%(analysed)s analysed."
                )
                % values
            )
        reasons = "; ".join(
            _("%(reason)s: %(n)s") % {"reason": reason, "n": _grouped(n)} for reason, n in self.steps
        )
        return _(
            "%(registry)s patients in the registry you can read; left out %(left_out)s (%(reasons)s); "
            "%(analysed)s analysed."
        ) % {**values, "reasons": reasons}


def _grouped(number: int) -> str:
    return number_format(number, force_grouping=True)


def _flow_words(flow: Any) -> FlowWords | str:
    """The patient flow of the analysis set, to be worded when shown."""
    if flow is None:
        return ""
    steps = tuple((step.reason, int(step.n)) for step in flow.steps if step.n)
    return FlowWords(int(flow.in_registry), int(flow.left_out), int(flow.analysed), steps)


def jsonable(data: Mapping[str, Any]) -> dict[str, Any]:
    """The cohort form's data, JSON-ready (dates as ISO strings): a job's request, an audit row's filters."""
    return {k: _jsonable(v) for k, v in data.items()}


def _jsonable(value: object) -> object:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def revived(data: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`jsonable` undone: the form's data with its dates (what a job computes from)."""
    values = dict(data)
    for name in DATE_FIELDS:
        if isinstance(values.get(name), str):
            values[name] = dt.date.fromisoformat(values[name])
    return values


def form_query(data: Mapping[str, Any]) -> str:
    """The outcomes page's query string for the form's ``data``: its filled fields, and the grouping
    always (empty: no grouping; without it the page groups by disease)."""
    from urllib.parse import urlencode

    values = jsonable(data)
    return urlencode({k: v for k, v in values.items() if v not in (None, "") or k == "by"})


def results_key_of(user: Any, data: dict[str, Any]) -> str:
    """The analysis layer's cache key of the form's ``data`` for ``user``."""
    from remission.analysis.results import results_key

    return results_key(user, _request(user, data).results_request())


def cached_page(*, user: Any, data: dict[str, Any]) -> OutcomesPage | None:
    """The laid-out page of the form's ``data`` in the active language if it is in the cache, else None."""
    return cache.get(_page_key(user, data))


def _page_key(user: Any, data: dict[str, Any], prefix: str = PAGE_PREFIX) -> str:
    """A laid-out page (and the document it was laid out from: ``prefix``) is kept per language (its
    sections are written in it), beside the language-free results it was laid out from."""
    return f"{prefix}{get_language() or settings.LANGUAGE_CODE}:{results_key_of(user, data)}"


def _results(
    user: Any, data: dict[str, Any], *, refresh: bool = False, progress: Progress | None = None
) -> tuple[Any, Any]:
    """The report request of the form's ``data`` and the analysis's results for it (cached).
    ``progress(stage)`` is told each stage as it begins (the last, ``rendering``, once the results are
    at hand, also when they came from the cache)."""
    from remission.analysis.results import cohort_results

    request = _request(user, data)
    on_stage = None if progress is None else (lambda done: progress(NEXT_STAGE[done]))
    results = cohort_results(request.results_request(), user=user, refresh=refresh, on_stage=on_stage)
    if progress is not None:
        progress("rendering")
    return request, results


def outcomes_page(
    *, user: Any, data: dict[str, Any], refresh: bool = False, progress: Progress | None = None
) -> OutcomesPage:
    """The outcomes report of the chosen cohort, as page sections (cached; see the module docstring).
    ``progress``: see :func:`_results`."""
    from remission.analysis.results import CACHE_SECONDS

    key = _page_key(user, data)
    if not refresh:
        cached = cache.get(key)
        if cached is not None:
            return cached
    from remission.reports.outcomes_report import build_document
    from remission.reports.pipeline import scope_words

    request, results = _results(user, data, refresh=refresh, progress=progress)
    computed = results.computed_at  # shown in the page's language (UTC, the site's time zone)
    flow = _flow_words(results.analysis_set.flow)
    if results.outcomes is None:
        page = OutcomesPage(gettext_lazy("Outcomes"), "", [], 0, computed, gettext_lazy(EMPTY), flow)
    else:
        document = build_document(
            results.outcomes, filters=request.filters, title=request.title, scope=scope_words(user)
        )
        kept = (results.computed_at, document)  # which computation it was laid out from
        cache.set(_page_key(user, data, DOCUMENT_PREFIX), kept, CACHE_SECONDS)
        page = OutcomesPage(
            document.title, document.subtitle, _sections(document), results.n_patients, computed, flow=flow
        )
    cache.set(key, page, CACHE_SECONDS)
    return page


def report_file(
    *, user: Any, data: dict[str, Any], fmt: str, progress: Progress | None = None
) -> tuple[bytes, str, int] | None:
    """The HTML or PDF report of the chosen cohort, or (``zip``) the report's tables as CSV files in the
    zip the HTML report links to; with the number of patients (None when the cohort is empty). The
    results are the page's (:func:`_results`: computed once, shared; ``progress`` as there), and so is
    the document, when the page was laid out from the same computation in this language."""
    from remission.reports.pipeline import EmptyCohortError, produce_report

    request, results = _results(user, data, progress=progress)
    kept = cache.get(_page_key(user, data, DOCUMENT_PREFIX))
    document = kept[1] if kept is not None and kept[0] == results.computed_at else None
    with tempfile.TemporaryDirectory(prefix="remission-report-") as folder:
        path = Path(folder) / f"remission-outcomes.{'html' if fmt == 'zip' else fmt}"
        try:
            run = produce_report(request, path, results=results, document=document)
        except EmptyCohortError:
            return None
        produced = run.tables if fmt == "zip" else path
        return produced.read_bytes(), produced.name, run.n_patients
