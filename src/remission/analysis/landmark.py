"""Landmark analysis: does the response seen by a landmark time predict survival after it?

Comparing survival by response "ever achieved" favours the responders, who had to live long enough to be
assessed (immortal-time or guarantee-time bias). The landmark method removes it: choose a time L after
day 0, keep the patients still at risk at L, classify each by the response known by L, and follow
everyone from L ([@Anderson1983, abstract]).

The rule, per disease with a response definition (``response_definition`` of the analysis set,
:mod:`remission.analysis.endpoints.responses`):

- **At risk at L**: for OS, alive and followed beyond L (``os_days > L``); for PFS, alive, free of
  relapse/progression and followed beyond L (``pfs_days > L``). Time is counted from L.
- **Response status at L**, from the response decision and its date (``response_date``):
  ``responded`` when the decision is a response (:data:`RESPONDED`) dated on or before L;
  ``not responded`` when it is a decided non-response dated on or before L; ``not assessed`` otherwise
  (no computable response, or one assessed after L: at L it was not yet known).
  For multiple sclerosis the definition is NEDA-3 over follow-up, whose date is that of the first
  evidence of disease activity: ``responded`` (NEDA kept up to L) unless activity was dated on or before
  L (``not responded``); ``not assessed`` when NEDA-3 is not computable.
- Groups are compared by the rule of :mod:`.groups` (at least 10 patients per group shown): Kaplan-Meier
  estimates 1, 2 and 3 years after L with 95 % log-log intervals, and the log-rank test between the
  groups shown.

The landmark times are a setting (:class:`LandmarkSettings`); the defaults, 6 and 12 months, are
those the issue asks for. Responses read at 12 months (the default ``response_timepoint_days``) are
mostly ``not assessed`` at a 6-month landmark: the table shows it rather than hiding it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.utils.translation import gettext_noop

from remission.analysis.groups import MIN_GROUP_SIZE, compared_groups
from remission.analysis.words import Words, words
from remission.survival import kaplan_meier, logrank_test

YEAR = 365.25
RESPONDED_STATUS, NOT_RESPONDED_STATUS, NOT_ASSESSED_STATUS = "responded", "not responded", "not assessed"
STATUSES = (RESPONDED_STATUS, NOT_RESPONDED_STATUS, NOT_ASSESSED_STATUS)
NOT_COMPUTABLE = "not_computable"
# The decisions that count as a response, per response definition; a Crohn's definition is named
# "cdai_response_<fall>" and is matched by its prefix. EULAR good and moderate responses are both
# responses [@vanGestel1996].
RESPONDED: dict[str, frozenset[str]] = {
    "assist_response": frozenset({"response"}),
    "doris_remission": frozenset({"remission"}),
    "eular_response": frozenset({"good", "moderate"}),
    "cdai_response": frozenset({"response"}),
}
NEDA, NEDA_ACTIVITY = "neda", "evidence_of_activity"
ENDPOINTS: tuple[tuple[str, str, str], ...] = (
    ("OS", "os_days", "os_event"),
    ("PFS", "pfs_days", "pfs_event"),
)
ESTIMATE_COLUMNS = (
    "disease", "landmark_days", "endpoint", "status", "n", "after_days", "estimate", "lower", "upper",
)  # fmt: skip
UNKNOWN_DEFINITION = "response definition {definition!r} has no rule for what counts as a response"
# in words: templates of Words (remission.analysis.words), translated when shown
RULE = gettext_noop(
    "Landmark analysis at %(landmarks)s: patients alive (OS) or alive and free of relapse/progression (PFS) "
    "and followed beyond the landmark, classified by the response known at the landmark — responded (a "
    "response dated on or before it; for MS, no evidence of disease activity up to it), not responded (a "
    "non-response dated on or before it; for MS, activity dated on or before it) or not assessed (no "
    "computable response, or one assessed after the landmark) — and followed from the landmark."
)
LANDMARK_DAY = gettext_noop("day %(day)s")
LIST_MORE, LIST_LAST = gettext_noop("%(list)s, %(item)s"), gettext_noop("%(items)s and %(last)s")
NO_TEST = gettext_noop(
    "landmark (%(disease)s, landmark day %(day)s, %(endpoint)s): no log-rank test — fewer than two "
    "response groups of at least %(minimum)s patients"
)
STATUS_WORDS = {  # a response status in words (the status itself stays a code of the tables)
    RESPONDED_STATUS: gettext_noop("responded"),
    NOT_RESPONDED_STATUS: gettext_noop("not responded"),
    NOT_ASSESSED_STATUS: gettext_noop("not assessed"),
}


@dataclass(frozen=True)
class LandmarkSettings:
    """``landmarks_days``: the landmark times (days from day 0); ``after_days``: the times after the
    landmark at which the curves are read; ``min_group_size``: the smallest group compared."""

    landmarks_days: tuple[float, ...] = (YEAR / 2, YEAR)
    after_days: tuple[float, ...] = (YEAR, 2 * YEAR, 3 * YEAR)
    min_group_size: int = MIN_GROUP_SIZE


DEFAULT_LANDMARK_SETTINGS = LandmarkSettings()


@dataclass(frozen=True)
class LandmarkAnalysis:
    """``estimates``: disease, landmark_days, endpoint, status, n, after_days, estimate, lower, upper.
    ``tests``: disease, landmark_days, endpoint, groups, statistic, df, p_value (log-rank).
    ``counts``: disease, landmark_days, endpoint, status, n (every status, shown or not).
    ``rule``: the landmark rule in words; ``notes``: what was not computed and why."""

    estimates: pd.DataFrame
    tests: pd.DataFrame
    counts: pd.DataFrame
    rule: Words
    notes: tuple[Words, ...]


def status_words(status: str) -> Words:
    """A response status (:data:`STATUSES`) in words."""
    return words(STATUS_WORDS.get(status, status))


def day_value(days: float) -> float | int:
    """A landmark day as shown: a whole number without decimals, else the number (its decimal mark
    follows the reader's language)."""
    return int(days) if float(days).is_integer() else float(days)


def landmarks_words(days: Sequence[float]) -> Words:
    """``(182.625, 365.25)`` -> "day 182.625 and day 365.25" (in the reader's language when shown)."""
    items = [words(LANDMARK_DAY, day=day_value(d)) for d in days]
    if not items:
        return words(gettext_noop("no landmark"))
    if len(items) == 1:
        return items[0]
    listed = items[0]
    for item in items[1:-1]:
        listed = words(LIST_MORE, list=listed, item=item)
    return words(LIST_LAST, items=listed, last=items[-1])


def _responded(definition: str) -> frozenset[str]:
    key = "cdai_response" if definition.startswith("cdai_response") else definition
    if key not in RESPONDED:
        raise KeyError(UNKNOWN_DEFINITION.format(definition=definition))
    return RESPONDED[key]


def response_days(frame: pd.DataFrame) -> np.ndarray:
    """Days from ``infusion_date`` to ``response_date`` (float; NaN without a response date). The dates are
    converted without pandas' cache, whose check alone costs more than converting dates already stored as
    dates."""
    response = pd.to_datetime(frame["response_date"], cache=False)
    infusion = pd.to_datetime(frame["infusion_date"], cache=False)
    return (response - infusion).dt.days.to_numpy(dtype=np.float64, na_value=np.nan)


def response_status(frame: pd.DataFrame, landmark_days: float) -> pd.Series:
    """Each row's response status at ``landmark_days`` (:data:`STATUSES`; missing where the disease has
    no response definition). Reads ``response_definition``, ``response``, ``response_date`` and
    ``infusion_date``. Raises KeyError for a definition without a response rule."""
    definition = frame["response_definition"].fillna("").astype(str).to_numpy()
    decision = frame["response"].fillna("").astype(str).to_numpy()
    known_by = response_days(frame) <= landmark_days  # NaN (no response date) compares False
    status = np.full(len(frame), None, dtype=object)
    for name in np.unique(definition):
        rows = definition == name
        if name == "":
            continue
        if name == "neda3":
            activity = rows & (decision == NEDA_ACTIVITY)
            status[rows & np.isin(decision, [NEDA, NEDA_ACTIVITY])] = RESPONDED_STATUS
            status[activity & known_by] = NOT_RESPONDED_STATUS
            status[rows & ~np.isin(decision, [NEDA, NEDA_ACTIVITY])] = NOT_ASSESSED_STATUS
            continue
        responses = np.isin(decision, list(_responded(name)))
        decided = (decision != NOT_COMPUTABLE) & (decision != "")
        status[rows] = NOT_ASSESSED_STATUS
        status[rows & decided & known_by] = NOT_RESPONDED_STATUS
        status[rows & responses & known_by] = RESPONDED_STATUS
    return pd.Series(status, index=frame.index, dtype=object, name="status")


def landmark_rows(frame: pd.DataFrame, landmark_days: float, endpoint: str) -> pd.DataFrame:
    """The rows at risk at the landmark for ``endpoint`` ("OS" or "PFS") with a response definition:
    ``time`` (days from the landmark), ``event`` and ``status``; index kept."""
    return _at_risk(frame, response_status(frame, landmark_days), landmark_days, endpoint)


def _at_risk(frame: pd.DataFrame, status: pd.Series, landmark_days: float, endpoint: str) -> pd.DataFrame:
    """:func:`landmark_rows` with the rows' response status at the landmark already known."""
    _, time, event = next(e for e in ENDPOINTS if e[0] == endpoint)
    at_risk = (frame[time].to_numpy(dtype=np.float64) > landmark_days) & status.notna().to_numpy()
    rows = frame[at_risk]
    return pd.DataFrame(
        {
            "time": rows[time].to_numpy(dtype=np.float64) - landmark_days,
            "event": rows[event].to_numpy(dtype=np.int64),
            "status": status[at_risk].to_numpy(),
        },
        index=rows.index,
    )


def _one(
    rows: pd.DataFrame, disease: str, landmark: float, endpoint: str, settings: LandmarkSettings
) -> tuple[list[tuple], list[tuple], list[tuple], list[Words]]:
    estimates: list[tuple] = []
    tests: list[tuple] = []
    counts = [
        (disease, landmark, endpoint, status, int((rows["status"] == status).sum())) for status in STATUSES
    ]
    notes: list[Words] = []
    groups = compared_groups(rows, "status", min_size=settings.min_group_size)
    for label, n in groups.shown:
        mine = rows[rows["status"] == label]
        fit = kaplan_meier(mine["time"].to_numpy(), mine["event"].to_numpy())
        points = fit.at(list(settings.after_days))
        for k, after in enumerate(settings.after_days):
            estimate = (points.estimate[k], points.lower[k], points.upper[k])
            estimates.append((disease, landmark, endpoint, label, n, after, *estimate))
    if len(groups.shown) < 2:
        day = day_value(landmark)
        minimum = settings.min_group_size
        notes.append(words(NO_TEST, disease=disease, day=day, endpoint=endpoint, minimum=minimum))
    else:
        compared = groups.restrict(rows)
        result = logrank_test(compared["time"].to_numpy(), compared["event"].to_numpy(), compared["status"])
        names = " vs ".join(groups.labels)
        tests.append((disease, landmark, endpoint, names, result.statistic, result.df, result.p_value))
    return estimates, tests, counts, notes


def landmark_analysis(
    frame: pd.DataFrame, settings: LandmarkSettings = DEFAULT_LANDMARK_SETTINGS
) -> LandmarkAnalysis:
    """OS and PFS from each landmark by the response status at it, per disease with a response definition
    (see the module notes for the rule)."""
    estimates: list[tuple] = []
    tests: list[tuple] = []
    counts: list[tuple] = []
    notes: list[Words] = []
    has_definition = frame["response_definition"].fillna("").astype(str) != ""
    for disease in sorted(frame.loc[has_definition, "disease"].astype(str).unique()):
        of_disease = frame[(frame["disease"].astype(str) == disease) & has_definition]
        for landmark in settings.landmarks_days:
            status = response_status(of_disease, landmark)  # the same for both endpoints
            for endpoint, _, _ in ENDPOINTS:
                rows = _at_risk(of_disease, status, landmark, endpoint)
                parts = _one(rows, disease, landmark, endpoint, settings)
                for into, part in zip((estimates, tests, counts, notes), parts, strict=True):
                    into.extend(part)
    return LandmarkAnalysis(
        estimates=pd.DataFrame(estimates, columns=list(ESTIMATE_COLUMNS)),
        tests=pd.DataFrame(
            tests, columns=["disease", "landmark_days", "endpoint", "groups", "statistic", "df", "p_value"]
        ),
        counts=pd.DataFrame(counts, columns=["disease", "landmark_days", "endpoint", "status", "n"]),
        rule=words(RULE, landmarks=landmarks_words(settings.landmarks_days)),
        notes=tuple(notes),
    )


def landmark_days_label(days: Sequence[float]) -> str:
    """``(182.625, 365.25)`` -> "6 and 12 months" (months of 365.25/12 days, rounded)."""
    months = [f"{round(d / (YEAR / 12)):d}" for d in days]
    return (", ".join(months[:-1]) + " and " + months[-1] if len(months) > 1 else months[0]) + " months"
