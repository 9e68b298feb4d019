"""Cohort outcome estimates for the API: the analysis layer's standard outcome analysis as plain data.

Nothing is computed here. The answer is read off the analysis layer's one cached road
(:func:`remission.analysis.results.cohort_results`: read with the requesting user's scope — a centre user
reads their own centre, a statistician every centre — derived and analysed as the outcomes report and the
web page are, and kept per (what the user may read, request, day)), so the API, the page and the report
give the same numbers from one computation; ``refresh`` recomputes it. The answer also holds the patient
flow (:mod:`remission.analysis.flow`) and the data cut-off with its rule (by default the date of data
extraction). It holds tables of estimates only, never a patient's row or registry ID.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from remission.analysis.words import in_english

EMPTY = "No patient you can see matches this cohort."


@dataclass(frozen=True)
class CohortQuery:
    """The cohort filters of the web outcomes page, the grouping and the data cut-off."""

    disease: str | None = None
    centre: str | None = None
    sex: str | None = None
    intensity: str | None = None
    product_type: str | None = None
    infusion_from: dt.date | None = None
    infusion_to: dt.date | None = None
    by: str | None = "disease"
    cutoff: dt.date | None = None

    def cohort(self) -> Any:
        from remission.analysis import Cohort

        return Cohort(
            disease=self.disease,
            centre=self.centre,
            sex=self.sex,
            intensity=self.intensity,
            product_type=self.product_type,
            infusion_from=self.infusion_from,
            infusion_to=self.infusion_to,
        )

    def filters(self) -> dict[str, str]:
        """The filters that are set, as text (``by`` and ``cutoff`` are not filters)."""
        chosen = {k: v for k, v in asdict(self).items() if k not in ("by", "cutoff") and v is not None}
        return {k: v.isoformat() if isinstance(v, dt.date) else str(v) for k, v in chosen.items()}


def _plain(value: Any) -> Any:
    """A JSON value: numpy scalars as Python numbers, NaN and infinity (not estimable) as None."""
    if value is None or isinstance(value, str | bool):
        return value
    if hasattr(value, "item"):  # a numpy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp | dt.date):
        return value.isoformat()
    return value


def records(table: pd.DataFrame, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    """The rows of ``table`` as dictionaries of plain values, ``columns`` only, in order."""
    return [
        {name: _plain(value) for name, value in zip(columns, row, strict=True)}
        for row in table.loc[:, list(columns)].itertuples(index=False, name=None)
    ]


ESTIMATE_COLUMNS = (
    "stratum",
    "group",
    "endpoint",
    "timepoint",
    "time_days",
    "n",
    "estimate",
    "lower",
    "upper",
)
TEST_COLUMNS = ("stratum", "endpoint", "test", "statistic", "df", "p_value")
FOLLOW_UP_COLUMNS = (
    "stratum",
    "n",
    "median_follow_up_days",
    "median_lower",
    "median_upper",
    "clark_c",
    "observed_person_days",
    "potential_person_days",
)


def flow_steps(flow: Any) -> list[dict[str, Any]]:
    """The patient flow (:class:`remission.analysis.flow.PatientFlow`) as rows: registry, each exclusion,
    analysed (counts only, never a registry ID)."""
    if flow is None:
        return []
    return [
        {"stage": "registry", "rule": "registry", "reason": "in the registry", "n": flow.in_registry},
        *(
            {"stage": "left out", "rule": step.rule, "reason": in_english(step.reason), "n": step.n}
            for step in flow.steps
        ),
        {
            "stage": "analysed",
            "rule": "analysed",
            "reason": f"first {in_english(flow.selection)}",
            "n": flow.analysed,
        },
    ]


def cohort_outcomes(*, user: Any, query: CohortQuery, refresh: bool = False) -> dict[str, Any]:
    """The standard outcome analysis of the cohort ``user`` may read, as plain data (see the module
    docstring)."""
    from remission.analysis.outcomes import MODEL_COLUMNS
    from remission.analysis.results import ResultsRequest, cohort_results

    request = ResultsRequest(cohort=query.cohort(), cutoff=query.cutoff, by=query.by)
    results = cohort_results(request, user=user, refresh=refresh)
    flow = results.analysis_set.flow
    answer: dict[str, Any] = {
        "filters": query.filters(),
        "by": query.by,
        "n_patients": results.n_patients,
        "n_excluded": flow.left_out if flow is not None else len(results.analysis_set.excluded),
        "flow": flow_steps(flow),
        "cutoff": results.cutoff.date,
        "cutoff_rule": results.cutoff.rule,
        "cutoff_is_latest_contact": False,
        "computed_at": results.computed_at,
        "empty": "",
        "estimates": [],
        "tests": [],
        "models": [],
        "follow_up": [],
        "notes": [],
    }
    if results.outcomes is None:
        return {**answer, "empty": EMPTY}
    outcomes = results.outcomes.outcomes
    return {
        **answer,
        "estimates": records(outcomes.estimates, ESTIMATE_COLUMNS),
        "tests": records(outcomes.tests, TEST_COLUMNS),
        "models": records(outcomes.models, MODEL_COLUMNS),
        "follow_up": records(outcomes.follow_up, FOLLOW_UP_COLUMNS),
        "notes": [in_english(note) for note in outcomes.notes],
    }
