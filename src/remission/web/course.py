"""A patient's course for the patient page: every record through the selectors, as a timeline anchored
on day 0 of each infusion, plus the score and immune-reconstitution series for the charts.

Day numbers here are for display only (the analysis layer derives intervals for analysis): an event is
counted from the latest infusion on or before it, and anything before the first infusion from the first.

A long course has hundreds of rows, so every row arrives at the template ready to print: its links are
made from one ``reverse`` per kind of record (``record_links``), not one per row, and its dates are text.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from remission.registry.kinds import KINDS
from remission.registry.labels import code_label
from remission.web.charts import Point, line_chart

# Immune-reconstitution analytes drawn as charts, in this order.
CHART_ANALYTES = ("cd4", "cd8", "cd19", "nk", "cd3", "igg")


PK_MARKER = 2_147_483_647  # stands for a record's id in a reversed URL (no real id is this large)


@dataclass(frozen=True)
class RecordLinks:
    """The edit and history URLs of every record of one kind, from one ``reverse`` each."""

    edit: str  # with "{pk}" where the record's id goes
    history: str

    def edit_url(self, pk: int) -> str:
        return self.edit.format(pk=pk)

    def history_url(self, pk: int) -> str:
        return self.history.format(pk=pk)


def record_links(slug: str) -> RecordLinks:
    def pattern(name: str) -> str:
        return reverse(name, args=[slug, PK_MARKER]).replace(str(PK_MARKER), "{pk}")

    return RecordLinks(edit=pattern("record_edit"), history=pattern("record_history"))


@dataclass(frozen=True)
class Row:
    """One record in the records table, ready to print."""

    pk: int
    anchor: str  # the row's HTML id, e.g. "lab-result-12"
    when: str  # the record's first date in the active language's short format, or ""
    summary: str
    version: str
    edit_url: str
    history_url: str


@dataclass(frozen=True)
class Event:
    date: dt.date
    day: int | None
    infusion_seq: int | None
    slug: str
    pk: int
    title: str
    detail: str
    stage: str  # for the colour band: disease, pretreatment, treatment, post
    url: str = ""  # the record's edit page

    @property
    def date_text(self) -> str:
        return date_format(self.date, "SHORT_DATE_FORMAT")

    @property
    def day_label(self) -> str:
        if self.day is None:
            return ""
        sign = "+" if self.day > 0 else ("−" if self.day < 0 else "")
        return f"D{sign}{abs(self.day)}"


@dataclass
class Course:
    patient: Any
    records: dict[str, list[Any]] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    infusions: list[Any] = field(default_factory=list)
    sections: list[tuple[Any, list[Row]]] = field(default_factory=list)
    score_charts: list[tuple[str, Any, list[Point]]] = field(default_factory=list)
    lab_charts: list[tuple[str, Any, list[Point]]] = field(default_factory=list)

    @property
    def primary_diagnosis(self) -> Any | None:
        """The diagnosis that is the indication for cell therapy (else the first recorded)."""
        diagnoses = self.records.get("diagnosis", [])
        return next((d for d in diagnoses if d.is_primary), diagnoses[0] if diagnoses else None)


def _anchor(day: dt.date, infusions: list[tuple[dt.date, int]]) -> tuple[int | None, int | None]:
    if not infusions:
        return None, None
    before = [(d, s) for d, s in infusions if d <= day]
    anchor, seq = before[-1] if before else infusions[0]
    return (day - anchor).days, seq


STAGES = {
    "diagnosis": "disease",
    "prior-therapy": "disease",
    "assessment": "disease",
    "workup": "pretreatment",
    "mobilisation": "pretreatment",
    "cell-product": "pretreatment",
    "conditioning": "treatment",
    "infusion": "treatment",
    "engraftment": "treatment",
    "adverse-event": "post",
    "lab-result": "post",
    "follow-up": "post",
    "outcome-event": "post",
}
DATES = {
    "diagnosis": (("first_symptom_date", _("First symptoms")), ("diagnosis_date", _("Diagnosis"))),
    "prior-therapy": (("start_date", _("Prior therapy started")), ("stop_date", _("Prior therapy stopped"))),
    "assessment": (("date", _("Assessment")),),
    "workup": (("date", _("Work-up")),),
    "mobilisation": (("date", _("Mobilisation")),),
    "cell-product": (("collection_date", _("Collection")),),
    "conditioning": (("start_date", _("Conditioning started")),),
    "infusion": (("date", _("Infusion")),),
    "engraftment": (
        ("neutrophil_date", _("Neutrophil engraftment")),
        ("platelet_date", _("Platelet engraftment")),
    ),
    "adverse-event": (("onset_date", _("Adverse event")),),
    "follow-up": (("date", _("Follow-up")),),
    "outcome-event": (("date", _("Outcome")),),
}
# The date a record's row in the records table shows, where it is not the record's first date.
ROW_DATES = {"diagnosis": ("diagnosis_date", "first_symptom_date")}


def patient_course(*, user: Any, patient: Any) -> Course:
    """Everything the patient page shows, read through the centre-scoped selectors."""
    course = Course(patient=patient)
    for slug, kind in KINDS.items():
        if slug == "conditioning-agent":
            continue
        course.records[slug] = list(kind.list_selector(user=user, patient=patient))
    course.infusions = course.records["infusion"]
    links = {slug: record_links(slug) for slug in course.records}
    summaries = {(slug, r.pk): KINDS[slug].summary(r) for slug, rows in course.records.items() for r in rows}
    course.sections = [
        (KINDS[slug], [_row(slug, r, summaries[(slug, r.pk)], links[slug]) for r in rows])
        for slug, rows in course.records.items()
    ]
    anchors = sorted((i.date, i.sequence) for i in course.infusions)
    for slug, fields in DATES.items():
        for record in course.records[slug]:
            for name, title in fields:
                day = getattr(record, name, None)
                if not isinstance(day, dt.date):
                    continue
                offset, seq = _anchor(day, anchors)
                detail = summaries[(slug, record.pk)]
                url = links[slug].edit_url(record.pk)
                course.events.append(
                    Event(day, offset, seq, slug, record.pk, title, detail, STAGES[slug], url)
                )
    course.events.sort(key=lambda e: (e.date, list(STAGES).index(e.slug)))
    first = anchors[0][0] if anchors else None

    def day_of(when: dt.date) -> int:
        return (when - first).days if first else (when - patient_birth(patient)).days

    by_instrument: dict[str, list[Point]] = defaultdict(list)
    for a in course.records["assessment"]:
        if a.score is not None:
            by_instrument[a.instrument].append(Point(day_of(a.date), a.score, a.get_timepoint_display()))
    from remission.clinical.instruments import INSTRUMENTS

    for code, points in by_instrument.items():
        title = gettext(INSTRUMENTS[code].title) if code in INSTRUMENTS else code
        course.score_charts.append((title, line_chart(title, points), points))
    by_analyte: dict[tuple[str, str], list[Point]] = defaultdict(list)
    for lab in course.records["lab-result"]:
        by_analyte[(lab.analyte, lab.unit)].append(Point(day_of(lab.date), lab.value))
    order = {code: i for i, code in enumerate(CHART_ANALYTES)}
    lab_model = KINDS["lab-result"].model
    for (analyte, unit), points in sorted(by_analyte.items(), key=lambda kv: order.get(kv[0][0], 99)):
        unit_label = code_label(lab_model, "unit", unit)
        title = f"{code_label(lab_model, 'analyte', analyte)} ({unit_label})"
        course.lab_charts.append((title, line_chart(title, points, unit=unit_label), points))
    return course


def _row(slug: str, record: Any, summary: str, links: RecordLinks) -> Row:
    when = _when(slug, record)
    return Row(
        pk=record.pk,
        anchor=f"{slug}-{record.pk}",
        when=date_format(when, "SHORT_DATE_FORMAT") if when else "",
        summary=summary,
        version=f"v{record.version}",
        edit_url=links.edit_url(record.pk),
        history_url=links.history_url(record.pk),
    )


def _when(slug: str, record: Any) -> dt.date | None:
    """The record's date in the records table: its first date, unless ``ROW_DATES`` names another."""
    names = ROW_DATES.get(slug) or tuple(name for name, _ in DATES.get(slug, ()))
    for name in names:
        value = getattr(record, name, None)
        if isinstance(value, dt.date):
            return value
    return getattr(record, "date", None)


def patient_birth(patient: Any) -> dt.date:
    return dt.date(patient.birth_year, patient.birth_month, 1)
