"""The registry's multi-state model: infusion -> response -> relapse/progression -> death.

Each analysed infusion (a row of the analysis set) becomes its path through five states, as
counting-process rows (``id``, ``start``, ``stop``, ``to_state``; days from day 0), the input of
:func:`remission.survival.multistate`:

==========================  =================================================================
state                       entered
==========================  =================================================================
transplanted                at day 0 (every patient starts here)
response                    at the date of a response (:data:`~.landmark.RESPONDED`), when it
                            comes before relapse/progression, death and the end of follow-up
relapse/progression         at ``cr_days`` when ``cr_cause`` is 1 (from transplanted or response)
death without relapse       at ``cr_days`` when ``cr_cause`` is 2 (NRM, from transplanted or response)
death after relapse         at ``os_days`` of a death after relapse/progression
==========================  =================================================================

Rules:

- Multiple sclerosis has no response state: its definition (NEDA-3) is kept over follow-up and has no
  date of entry. A response decided after relapse/progression is not a transition.
- A transition needs an interval of positive length: one on day 0, or on the day of the one before it
  (relapse and death on the same day: the relapse comes first, as in the endpoints), is counted half a
  day after it. Patients followed for 0 days with no event have no interval and are left out (counted).
- The rest of follow-up after the last transition, to ``os_days`` (last contact), ends censored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.utils.translation import gettext_noop

from remission.analysis.landmark import RESPONDED_STATUS, response_days, response_status
from remission.analysis.words import Words, words
from remission.survival import CoxResult, MultistateResult, SurvivalInputError, cox, multistate

TRANSPLANTED = "transplanted"
RESPONSE = "response"
RELAPSE = "relapse/progression"
NRM_DEATH = "death without relapse"
RELAPSE_DEATH = "death after relapse"
STATES: tuple[str, ...] = (TRANSPLANTED, RESPONSE, RELAPSE, NRM_DEATH, RELAPSE_DEATH)
CENSORED = ""
HALF_DAY = 0.5
STATE_WORDS = {  # a state in words, within a sentence (the states themselves stay codes of the tables)
    TRANSPLANTED: gettext_noop("transplanted"),
    RESPONSE: gettext_noop("response"),
    RELAPSE: gettext_noop("relapse/progression"),
    NRM_DEATH: gettext_noop("death without relapse"),
    RELAPSE_DEATH: gettext_noop("death after relapse"),
}
# in words: templates of Words (remission.analysis.words), translated when shown
TRANSITION = gettext_noop("%(origin)s → %(target)s")
NOT_MODELLED = gettext_noop("%(transition)s: not modelled — %(events)s events for %(covariates)s covariates")
NOT_FITTED = gettext_noop("%(transition)s: not modelled — %(reason)s")
RULE = gettext_noop(
    "Multi-state model: every patient starts transplanted at day 0 and may move to response (the date of "
    "a response, before relapse/progression and death; not for MS, whose NEDA-3 has no date of entry), to "
    "relapse/progression, to death without relapse (NRM, from transplanted or response) and from "
    "relapse/progression to death after relapse. A transition on day 0 or on the day of the one before it "
    "is counted half a day later. State occupation probabilities by the Aalen-Johansen estimator."
)


def transition_words(origin: str, target: str) -> Words:
    """A transition in words: "transplanted → response" (its label in the tables) in the reader's language."""
    named = {state: words(STATE_WORDS.get(state, state)) for state in (origin, target)}
    return words(TRANSITION, origin=named[origin], target=named[target])


@dataclass(frozen=True)
class Transitions:
    """The counting-process rows (``id``, ``start``, ``stop``, ``from_state`` (the state occupied on the
    interval), ``to_state`` (:data:`CENSORED` for the end of follow-up)) and the patients left out with no
    follow-up."""

    rows: pd.DataFrame
    no_follow_up: int


def transitions(frame: pd.DataFrame, *, id_column: str = "registry_id") -> Transitions:
    """The rows of each infusion's path (see the module notes). Reads ``os_days``, ``os_event``,
    ``cr_days``, ``cr_cause`` and the response columns (``response_definition``, ``response``,
    ``response_date``, ``infusion_date``)."""
    status = response_status(frame, np.inf)
    response_day = response_days(frame)
    records: list[tuple[object, float, float, str]] = []
    left_out = 0
    columns = zip(
        frame[id_column].tolist(),
        frame["os_days"].to_numpy(dtype=np.float64),
        frame["os_event"].to_numpy(dtype=np.int64),
        frame["cr_days"].to_numpy(dtype=np.float64),
        frame["cr_cause"].to_numpy(dtype=np.int64),
        (status == RESPONDED_STATUS).to_numpy() & (frame["response_definition"] != "neda3").to_numpy(),
        response_day,
        strict=True,
    )
    for pid, os_days, os_event, cr_days, cr_cause, responded, day in columns:
        path: list[tuple[float, str]] = []  # (time, state entered)
        first_event = cr_days if cr_cause > 0 else os_days
        if responded and 0 < day < first_event:
            path.append((day, RESPONSE))
        if cr_cause == 2:
            path.append((cr_days, NRM_DEATH))
        elif cr_cause == 1:
            path.append((cr_days, RELAPSE))
            if os_event:
                path.append((os_days, RELAPSE_DEATH))
        end = os_days
        start = 0.0
        state_now = TRANSPLANTED
        for time, state in path:
            stop = time if time > start else start + HALF_DAY
            records.append((pid, start, stop, state_now, state))
            start, state_now = stop, state
        ended = path and path[-1][1] in (NRM_DEATH, RELAPSE_DEATH)
        if not ended and end > start:
            records.append((pid, start, end, state_now, CENSORED))
        elif not path and end <= start:
            left_out += 1
    rows = pd.DataFrame(records, columns=["id", "start", "stop", "from_state", "to_state"])
    return Transitions(rows=rows, no_follow_up=left_out)


@dataclass(frozen=True)
class StateOccupation:
    """The Aalen-Johansen probability of being in each state over time (:func:`state_occupation`):
    ``fit`` the engine's result (states in :data:`STATES` order, those that occur), ``n`` patients with
    follow-up, ``no_follow_up`` patients left out with none."""

    fit: MultistateResult
    n: int
    no_follow_up: int

    def at(self, times: Sequence[float]) -> pd.DataFrame:
        """time, state, probability, std_err, lower, upper (log intervals, R's default)."""
        return self.fit.at(list(times))


def state_occupation(
    frame: pd.DataFrame, *, id_column: str = "registry_id", paths: Transitions | None = None
) -> StateOccupation:
    """The multi-state model of the module notes on the analysis set's rows (``paths``: their
    :func:`transitions`, when the caller has them)."""
    if paths is None:
        paths = transitions(frame, id_column=id_column)
    rows = paths.rows
    present = set(rows["to_state"]) | {TRANSPLANTED}
    fit = multistate(
        rows["id"].to_numpy(),
        rows["start"].to_numpy(),
        rows["stop"].to_numpy(),
        rows["to_state"].to_numpy(),
        initial_state=rows["from_state"].to_numpy(),
        censored=CENSORED,
        states=[s for s in STATES if s in present],
    )
    return StateOccupation(fit=fit, n=int(rows["id"].nunique()), no_follow_up=paths.no_follow_up)


# the transitions of the model (from, to), in order
TRANSITIONS: tuple[tuple[str, str], ...] = (
    (TRANSPLANTED, RESPONSE),
    (TRANSPLANTED, RELAPSE),
    (TRANSPLANTED, NRM_DEATH),
    (RESPONSE, RELAPSE),
    (RESPONSE, NRM_DEATH),
    (RELAPSE, RELAPSE_DEATH),
)
MIN_EVENTS_PER_TERM = 5  # as the standard models (remission.analysis.outcomes)


@dataclass(frozen=True)
class TransitionModels:
    """One Cox model per transition: ``table`` (transition, term, hazard_ratio, lower, upper, p_value, n,
    n_event), the fits by transition, and notes on the transitions not modelled."""

    table: pd.DataFrame
    fits: dict[tuple[str, str], CoxResult]
    notes: tuple[Words, ...]


def transition_models(
    frame: pd.DataFrame,
    covariates: pd.DataFrame,
    *,
    id_column: str = "registry_id",
    min_events_per_term: float = MIN_EVENTS_PER_TERM,
    paths: Transitions | None = None,
) -> TransitionModels:
    """A Cox model of each transition's hazard on ``covariates`` (a frame with the index of ``frame``,
    numeric columns or factors; complete cases), fitted on the rows at risk in the transition's starting
    state: the interval ``(start, stop]`` of each row in that state, the event being a move to the
    transition's end state (a move elsewhere censors). Efron ties, left truncation at ``start``, the robust
    variance clustered on the patient. These are the transition-specific models of R
    ``coxph(Surv(start, stop, state) ~ x, id = id, istate = ...)`` (whose variance is robust with ``id``).
    ``paths``: the :func:`transitions` of ``frame`` when the caller has them (each patient's rows are
    their own: those of the complete cases are taken from them)."""
    keep = covariates.dropna().index
    ids = frame.loc[keep, id_column]
    if paths is None:
        path_rows = transitions(frame.loc[keep], id_column=id_column).rows
    else:
        path_rows = paths.rows[paths.rows["id"].isin(ids).to_numpy()].reset_index(drop=True)
    by_id = pd.Series(np.arange(len(keep)), index=ids.to_numpy())
    x_all = covariates.loc[keep].reset_index(drop=True)
    tables: list[pd.DataFrame] = []
    fits: dict[tuple[str, str], CoxResult] = {}
    notes: list[Words] = []
    for origin, target in TRANSITIONS:
        rows = path_rows[path_rows["from_state"] == origin]
        event = (rows["to_state"] == target).to_numpy(dtype=np.int64)
        label = f"{origin} → {target}"  # the transition in the tables (English, as the states)
        named = transition_words(origin, target)
        width = x_all.shape[1]
        if event.sum() < max(1.0, min_events_per_term * width):
            events = int(event.sum())
            notes.append(words(NOT_MODELLED, transition=named, events=events, covariates=width))
            continue
        x = x_all.iloc[by_id.loc[rows["id"].to_numpy()].to_numpy()].reset_index(drop=True)
        try:
            fit = cox(
                x,
                rows["stop"].to_numpy(),
                event,
                entry=rows["start"].to_numpy(),
                cluster=rows["id"].to_numpy(),
            )
        except (SurvivalInputError, np.linalg.LinAlgError) as exc:
            notes.append(words(NOT_FITTED, transition=named, reason=str(exc)))
            continue
        fits[(origin, target)] = fit
        table = fit.to_frame()
        tables.append(
            pd.DataFrame(
                {
                    "transition": label,
                    "term": fit.names,
                    "hazard_ratio": np.exp(fit.coef),
                    "lower": np.exp(fit.conf_int[:, 0]),
                    "upper": np.exp(fit.conf_int[:, 1]),
                    "p_value": table["p"].to_numpy(),
                    "n": fit.n,
                    "n_event": fit.n_event,
                }
            )
        )
    columns = ["transition", "term", "hazard_ratio", "lower", "upper", "p_value", "n", "n_event"]
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=columns)
    return TransitionModels(table=table, fits=fits, notes=tuple(notes))
