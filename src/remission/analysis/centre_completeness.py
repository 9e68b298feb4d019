"""Completeness per centre and per period (year of day 0): Clark's completeness index, forms received in
their window, open queries and their median age, and the fields most often missing; and the centre
benchmark table a registry can publish, as CSV, audited.

Why this lives in the analysis layer: Clark's index needs each patient's **last contact**, and the
registry has one definition of it — endpoint derivation's rule 1 (``analysis/endpoints/derive.py``: the
latest dated contact on or after day 0, a follow-up with vital status *unknown* not counting; the death
for those who died). That is analysis code, which the registry layer may not import, so the reading of
day 0, last contact and death is done here through
:func:`~remission.analysis.columns.read_registry_columns` and
:func:`~remission.analysis.endpoints.columnar.derive_columns` (the same bulk reader and derivation as the
outcomes report, every centre in a fixed number of queries), and the registry's own bookkeeping (time
points, queries, empty fields) through ``registry/selectors/completeness.py``. The arithmetic is
``registry/quality/completeness.py``.

Day 0 is each patient's **first infusion of any product** (not only the first autologous HSCT, as the
outcomes analyses choose): a centre's follow-up duty starts with whatever it infused. The period is the
year of day 0; forms and queries count in the period of their patient's day 0. A computed answer is
kept in the cache for 15 minutes per scope, filters and day (``refresh`` recomputes): the last-contact
derivation reads the whole registry.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.core.cache import cache

from remission.analysis.columns import read_registry_columns
from remission.analysis.endpoints import InfusionSelection
from remission.analysis.endpoints.columnar import derive_columns
from remission.interop.extract import scope_words
from remission.registry.access import scope_for
from remission.registry.quality import completeness as arithmetic
from remission.registry.quality.completeness import ClarkIndex, FormsInWindow, OpenQueries
from remission.registry.selectors import completeness as read
from remission.registry.services.exports import export_audit

ANY_FIRST_INFUSION = InfusionSelection(product_types=None)
CACHE_SECONDS = 15 * 60
MOST_MISSING = 10
BENCHMARK_ENTITY = "quality.completeness"
BENCHMARK_HEADER = (
    "centre",
    "patients",
    "clark_c",
    "forms_in_window_pct",
    "open_queries",
    "median_query_age_days",
    "observed_person_days",
    "potential_person_days",
    "deaths",
    "forms_expected",
    "forms_received_in_window",
)
YEAR_ORDER = "the last year ({last}) is before the first ({first})"
NO_CENTRE = "no centre {code!r} that you can read"


@dataclass(frozen=True)
class CompletenessQuery:
    """The period (years of day 0, inclusive; None: open), the cut-off (default today) and a centre."""

    first_year: int | None = None
    last_year: int | None = None
    cutoff: dt.date | None = None
    centre: str | None = None

    def __post_init__(self) -> None:
        if self.first_year is not None and self.last_year is not None and self.last_year < self.first_year:
            raise ValueError(YEAR_ORDER.format(first=self.first_year, last=self.last_year))

    def as_dict(self) -> dict[str, Any]:
        return {
            "first_year": self.first_year,
            "last_year": self.last_year,
            "cutoff": None if self.cutoff is None else self.cutoff.isoformat(),
            "centre": self.centre,
        }


@dataclass(frozen=True, slots=True)
class CompletenessRow:
    """One centre (or every centre: code ``""``) in one year of day 0 (``year`` None: the whole period)."""

    centre: str
    centre_name: str
    year: int | None
    clark: ClarkIndex
    forms: FormsInWindow
    queries: OpenQueries

    @property
    def patients(self) -> int:
        return self.clark.patients


@dataclass(frozen=True, slots=True)
class MissingField:
    """One field of one record table over the chosen centres and period, most often empty first."""

    entity: str
    table: str
    field: str
    field_label: str
    rows: int
    empty: int
    with_reason: int

    @property
    def share(self) -> float:
        return self.empty / self.rows if self.rows else float("nan")


@dataclass(frozen=True)
class CompletenessReport:
    """Rows per centre and year, per centre over the period (the benchmark table), and overall."""

    query: CompletenessQuery
    cutoff: dt.date
    by_year: tuple[CompletenessRow, ...]
    by_centre: tuple[CompletenessRow, ...]
    overall: CompletenessRow
    missing: tuple[MissingField, ...]
    missing_by_centre: dict[str, tuple[MissingField, ...]] = field(default_factory=dict)
    computed_at: str = ""


def _year_bounds(query: CompletenessQuery) -> tuple[dt.date | None, dt.date | None]:
    first = None if query.first_year is None else dt.date(query.first_year, 1, 1)
    last = None if query.last_year is None else dt.date(query.last_year, 12, 31)
    return first, last


def _in_period(years: np.ndarray, query: CompletenessQuery) -> np.ndarray:
    keep = np.ones(years.shape, dtype=bool)
    if query.first_year is not None:
        keep &= years >= query.first_year
    if query.last_year is not None:
        keep &= years <= query.last_year
    return keep


def _lookup(keys: np.ndarray, values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """``values`` at the position of each of ``wanted`` in the sorted ``keys`` (-1 where absent)."""
    if not keys.size:
        return np.full(wanted.shape, -1, dtype=np.int64)
    at = np.clip(np.searchsorted(keys, wanted), 0, keys.size - 1)
    return np.where(keys[at] == wanted, values[at], -1)


def _groups(
    centre: np.ndarray, year: np.ndarray, keep: np.ndarray | None, wanted: list[int]
) -> dict[tuple[int, int], np.ndarray]:
    """Row positions grouped by (centre id, year) — the kept rows of the wanted centres only."""
    rows = np.flatnonzero(np.isin(centre, wanted) if keep is None else keep & np.isin(centre, wanted))
    if not rows.size:
        return {}
    order = np.lexsort((year[rows], centre[rows]))
    rows = rows[order]
    keys = np.stack((centre[rows], year[rows]), axis=1)
    starts = np.flatnonzero(np.any(keys[1:] != keys[:-1], axis=1)) + 1
    return {
        (int(part_keys[0]), int(part_keys[1])): part
        for part, part_keys in zip(np.split(rows, starts), keys[np.r_[0, starts]], strict=True)
    }


def _key(user: Any, query: CompletenessQuery) -> str:
    scope = scope_for(user)
    readable = "all" if scope.readable is None else sorted(scope.readable)
    raw = json.dumps([readable, query.as_dict(), dt.date.today().isoformat()])
    return "remission:completeness:" + hashlib.sha256(raw.encode()).hexdigest()[:32]


def completeness_report(
    *, user: Any, query: CompletenessQuery = CompletenessQuery(), refresh: bool = False
) -> CompletenessReport:
    """Completeness of the centres ``user`` reads (or of ``query.centre``), cached (module docstring)."""
    key = _key(user, query)
    if not refresh:
        found = cache.get(key)
        if found is not None:
            return found
    report = compute_completeness(user=user, query=query)
    cache.set(key, report, CACHE_SECONDS)
    return report


def compute_completeness(*, user: Any, query: CompletenessQuery) -> CompletenessReport:
    """Read and compute (no cache): a fixed number of bulk queries, whatever the number of patients."""
    cutoff = query.cutoff or dt.date.today()
    centres = read.centres(user=user)
    chosen = dict(zip(centres.codes, centres.ids, strict=True))
    if query.centre is not None and query.centre not in chosen:
        raise LookupError(NO_CENTRE.format(code=query.centre))
    code_of = dict(zip(centres.ids, centres.codes, strict=True))
    name_of = dict(zip(centres.codes, centres.names, strict=True))

    # Clark's index: day 0, last contact and death from endpoint derivation (module docstring)
    endpoints = derive_columns(
        read_registry_columns(user, cutoff), selection=ANY_FIRST_INFUSION, cutoff=cutoff, responses=False
    ).frame
    e_day0 = endpoints["infusion_date"].to_numpy().astype("datetime64[D]")
    e_last = endpoints["last_contact"].to_numpy().astype("datetime64[D]")
    e_death = endpoints["death_date"].to_numpy().astype("datetime64[D]")
    e_year = arithmetic.year_of(e_day0)

    # forms and queries, in the period of their patient's day 0
    patients = read.first_infusions(user=user)
    patient_years = arithmetic.year_of(patients.day0)
    points = read.time_points(user=user)
    queries = read.open_query_rows(user=user)
    p_year = _lookup(patients.patient_id, patient_years, points.patient_id)
    q_year = _lookup(patients.patient_id, patient_years, queries.patient_id)
    e_centre = np.asarray([chosen.get(code, -1) for code in endpoints["centre"]], dtype=np.int64)

    no_period = query.first_year is None and query.last_year is None
    wanted = [chosen[query.centre]] if query.centre is not None else list(centres.ids)
    e_groups = _groups(e_centre, e_year, _in_period(e_year, query), wanted)
    p_groups = _groups(points.centre_id, p_year, None if no_period else _in_period(p_year, query), wanted)
    q_groups = _groups(queries.centre_id, q_year, None if no_period else _in_period(q_year, query), wanted)

    def pick(groups: dict[tuple[int, int], np.ndarray], centre: int | None, year: int | None) -> np.ndarray:
        parts = [
            rows
            for (c, y), rows in groups.items()
            if (centre is None or c == centre) and (year is None or y == year)
        ]
        return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)

    def row(centre: int | None, year: int | None) -> CompletenessRow:
        e, p, q = pick(e_groups, centre, year), pick(p_groups, centre, year), pick(q_groups, centre, year)
        code = "" if centre is None else code_of[centre]
        return CompletenessRow(
            centre=code,
            centre_name=name_of.get(code, "All centres"),
            year=year,
            clark=arithmetic.clark_index(e_day0[e], e_last[e], e_death[e], cutoff),
            forms=arithmetic.forms_in_window(
                points.window_end[p], points.received[p], points.not_required[p], cutoff
            ),
            queries=arithmetic.open_queries(queries.raised[q], cutoff),
        )

    present = sorted({key for groups in (e_groups, p_groups, q_groups) for key in groups if key[1] >= 0})
    ordered = sorted(present, key=lambda key: (code_of[key[0]], key[1]))
    by_year = tuple(row(c, y) for c, y in ordered)
    by_centre = tuple(row(c, None) for c in sorted(wanted, key=code_of.__getitem__))
    overall = row(None, None)

    first, last = _year_bounds(query)
    gaps = read.field_gaps(user=user, first=first, last=last)
    readable = set(wanted)
    missing, missing_by_centre = _missing(
        [g for g in gaps if g.centre_id in readable], code_of, per_centre=True
    )
    return CompletenessReport(
        query=query,
        cutoff=cutoff,
        by_year=by_year,
        by_centre=by_centre,
        overall=overall,
        missing=missing,
        missing_by_centre=missing_by_centre,
        computed_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


def _ranked(totals: dict[tuple[str, str], list[Any]]) -> tuple[MissingField, ...]:
    fields = [
        MissingField(entity, t[0], name, t[1], t[2], t[3], t[4]) for (entity, name), t in totals.items()
    ]
    fields = [f for f in fields if f.empty]
    fields.sort(key=lambda f: (-f.share, -f.empty, f.entity, f.field))
    return tuple(fields[:MOST_MISSING])


def _missing(
    gaps: list[read.FieldGap], code_of: dict[int, str], *, per_centre: bool
) -> tuple[tuple[MissingField, ...], dict[str, tuple[MissingField, ...]]]:
    """The fields most often empty, by share of their table's records: overall and per centre."""
    overall: dict[tuple[str, str], list[Any]] = {}
    centre: dict[str, dict[tuple[str, str], list[Any]]] = defaultdict(dict)
    for g in gaps:
        for totals in (overall, centre[code_of.get(g.centre_id, "")]):
            t = totals.setdefault((g.entity, g.field), [g.table, g.field_label, 0, 0, 0])
            t[2] += g.rows
            t[3] += g.empty
            t[4] += g.with_reason
    by_centre = {code: _ranked(t) for code, t in sorted(centre.items())} if per_centre else {}
    return _ranked(overall), by_centre


def percent(value: float) -> str:
    """A share as a percentage with one decimal, empty when undefined."""
    return "" if not np.isfinite(value) else f"{100 * value:.1f}"


def benchmark_rows(report: CompletenessReport) -> list[tuple[Any, ...]]:
    """The centre benchmark table (one row per centre over the period), as :data:`BENCHMARK_HEADER`."""
    rows = []
    for r in report.by_centre:
        c = r.clark
        rows.append(
            (
                r.centre,
                c.patients,
                "" if not np.isfinite(c.index) else f"{c.index:.3f}",
                percent(r.forms.share),
                r.queries.count,
                "" if not np.isfinite(r.queries.median_age_days) else f"{r.queries.median_age_days:g}",
                c.observed_days,
                c.potential_days,
                c.deaths,
                r.forms.expected,
                r.forms.received,
            )
        )
    return rows


def benchmark_csv(report: CompletenessReport) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(BENCHMARK_HEADER)
    writer.writerows(benchmark_rows(report))
    return buffer.getvalue().encode("utf-8")


def benchmark_file_name(report: CompletenessReport) -> str:
    q = report.query
    period = (
        "" if q.first_year is None and q.last_year is None else f"-{q.first_year or ''}-{q.last_year or ''}"
    )
    return f"remission-completeness-{report.cutoff:%Y%m%d}{period}.csv"


def benchmark_download(*, user: Any, query: CompletenessQuery, via: str) -> tuple[bytes, str]:
    """The centre benchmark table as CSV for ``user``, with the audit row every export leaves (who, scope,
    filters, rows, SHA-256), written before the file is handed out."""
    report = completeness_report(user=user, query=query)
    content = benchmark_csv(report)
    name = benchmark_file_name(report)
    export_audit(
        actor=user,
        entity=BENCHMARK_ENTITY,
        file_format="csv",
        file_name=name,
        sha256=hashlib.sha256(content).hexdigest(),
        scope=scope_words(user),
        filters={**query.as_dict(), "cutoff": report.cutoff.isoformat()},
        row_counts={"centres": len(report.by_centre)},
        reason=via,
    )
    return content, name
