"""Greedy nearest-neighbour matching on the propensity score (ATT), as R's ``MatchIt`` ``method = "nearest"``.

The algorithm is MatchIt's as documented and as run by MatchIt 4.5.4 and later. The tests compare with the
output of MatchIt 4.5.1 (the Debian package) run so as to avoid two of its bugs that later releases fixed: an
integer ``abs()`` that truncated distances below 1 to 0 on some systems (issue #163, so calipers on the score
never applied and the lower neighbour always won), and an off-by-one from the second round of ``ratio > 1``
(see ``tests/reference/propensity/make_reference.R``). The rules:

* All units are put in ascending order of the distance (ties kept in data order). The distance is the
  propensity score itself (MatchIt's default, ``link = "logit"``) or its logit (``link = "linear.logit"``).
* Treated units take their turn in the order ``order``: ``"largest"`` (descending distance, MatchIt's default
  for the ATT), ``"smallest"`` (ascending) or ``"data"`` (row order); equal distances keep row order.
* A treated unit is matched to the closest control still available, looking at the nearest available control
  below it and the nearest above it in the sorted order; when the two are equally far the lower one wins. A
  control further away than the caliper is not eligible (a distance exactly equal to the caliper is).
* With ``ratio = k`` matching proceeds in k rounds: every treated unit gets its first control, then every
  treated unit still matched gets its second, and so on. A treated unit unmatched in a round gets no further
  controls. Without replacement a control is used at most once; with replacement a control may serve many
  treated units (but not the same one twice), and the order is then irrelevant (MatchIt uses data order).
* The caliper is ``caliper`` standard deviations (``n - 1`` denominator) of the distance over all units
  (``caliper_scale = "sd"``), or ``caliper`` in distance units (``caliper_scale = "raw"``).

Matching weights are MatchIt's: 1 for matched treated units; for a control, the sum over the treated units it
is matched to of ``1 / (number of controls matched to that treated unit)``, then all control weights rescaled
to sum to the number of matched controls; 0 for unmatched units.

Subclasses are numbered 1, 2, ... in row order of the matched treated units (MatchIt numbers its subclass
factor in the text order of the row numbers, so its labels can differ; the matched sets are the same).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from remission.survival.propensity import check_score, check_treated
from remission.survival.validation import SurvivalInputError

Order = Literal["largest", "smallest", "data"]

BAD_RATIO = "ratio must be a whole number >= 1, got {value!r}"
BAD_CALIPER = "caliper must be a positive finite number or None, got {value!r}"


@dataclass(frozen=True)
class Matching:
    """The result of :func:`nearest_neighbour_match`.

    Attributes
    ----------
    treated_index, control_index : ndarray of int
        One entry per matched pair (0-based row numbers), sorted by treated row then round.
    subclass : ndarray of int
        The matched set (1-based) of each pair: one per matched treated unit, in its row order.
    round : ndarray of int
        The round (1 .. ratio) in which each control was matched.
    weights : ndarray
        MatchIt's matching weights for the ATT (0 for unmatched units).
    n_unmatched_treated : int
        Treated units that received no control.
    distance : ndarray
        The distance matched on (score or logit), one per unit.
    caliper : float or None
        The caliper in distance units, after scaling.
    rule : str
        The matching rule in words.
    """

    treated_index: NDArray[np.int64]
    control_index: NDArray[np.int64]
    subclass: NDArray[np.int64]
    round: NDArray[np.int64]
    weights: NDArray[np.float64]
    n_unmatched_treated: int
    distance: NDArray[np.float64]
    caliper: float | None
    rule: str

    def matched_sets(self) -> dict[int, list[int]]:
        """Matched controls of each matched treated unit, in the order they were matched."""
        sets: dict[int, list[int]] = {}
        for t, c in zip(self.treated_index.tolist(), self.control_index.tolist(), strict=True):
            sets.setdefault(t, []).append(c)
        return sets


def _check_choice(value: object, name: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise SurvivalInputError(f"{name} must be one of {list(allowed)}, got {value!r}")


def nearest_neighbour_match(
    score: ArrayLike,
    treated: ArrayLike,
    *,
    ratio: int = 1,
    caliper: float | None = None,
    caliper_scale: Literal["sd", "raw"] = "sd",
    order: Order = "largest",
    replace: bool = False,
    distance: Literal["score", "logit"] = "score",
) -> Matching:
    """Match each treated unit to ``ratio`` controls by greedy nearest-neighbour matching (MatchIt's rules).

    Parameters
    ----------
    score : array_like
        Propensity scores, strictly inside (0, 1).
    treated : array_like of 0/1
    ratio : int, default 1
        Controls per treated unit (matched in rounds).
    caliper : float, optional
        Maximum distance between matched units, in standard deviations of the distance (``caliper_scale =
        "sd"``, as MatchIt's default ``std.caliper = TRUE``) or in distance units (``"raw"``).
    order : {"largest", "smallest", "data"}
        The order in which treated units choose (MatchIt's ``m.order``).
    replace : bool
        Whether a control may be matched to several treated units.
    distance : {"score", "logit"}
        Match on the score (MatchIt's default) or on its logit (MatchIt's ``link = "linear.logit"``, the
        scale of Austin's 0.2-SD caliper). The caliper's SD is taken on the same scale.

    Returns
    -------
    Matching
    """
    e = check_score(score)
    t = check_treated(treated, e.size)
    if isinstance(ratio, bool) or not isinstance(ratio, int | np.integer) or ratio < 1:
        raise SurvivalInputError(BAD_RATIO.format(value=ratio))
    _check_choice(order, "order", ("largest", "smallest", "data"))
    _check_choice(distance, "distance", ("score", "logit"))
    _check_choice(caliper_scale, "caliper_scale", ("sd", "raw"))
    d = np.log(e / (1.0 - e)) if distance == "logit" else e.copy()
    cal: float | None = None
    if caliper is not None:
        if isinstance(caliper, bool) or not np.isfinite(caliper) or caliper <= 0:
            raise SurvivalInputError(BAD_CALIPER.format(value=caliper))
        cal = float(caliper) * (float(np.std(d, ddof=1)) if caliper_scale == "sd" else 1.0)

    treated_rows = np.flatnonzero(t == 1)
    if replace:
        order = "data"  # MatchIt: with unlimited reuse the order cannot matter
    if order == "largest":
        turn = treated_rows[np.argsort(-d[treated_rows], kind="stable")]
    elif order == "smallest":
        turn = treated_rows[np.argsort(d[treated_rows], kind="stable")]
    else:
        turn = treated_rows

    sorted_rows = np.argsort(d, kind="stable")
    position = np.empty(e.size, dtype=np.int64)
    position[sorted_rows] = np.arange(e.size)
    ds = d[sorted_rows]
    is_control = t[sorted_rows] == 0
    available = is_control.copy()

    matches: dict[int, list[int]] = {int(i): [] for i in treated_rows}
    for r in range(int(ratio)):
        if not available.any():
            break
        for i in turn:
            mine = matches[int(i)]
            if len(mine) < r:
                continue  # unmatched in an earlier round
            ii = int(position[i])
            taken = {int(position[c]) for c in mine}
            left = _scan(ii, -1, ds, available, taken, cal)
            right = _scan(ii, 1, ds, available, taken, cal)
            if left < 0 and right < 0:
                continue
            if left >= 0 and (right < 0 or abs(ds[left] - ds[ii]) <= abs(ds[right] - ds[ii])):
                k = left
            else:
                k = right
            mine.append(int(sorted_rows[k]))
            if not replace:
                available[k] = False

    treated_index, control_index, subclass, rounds = [], [], [], []
    number = 0
    for i in treated_rows:
        controls = matches[int(i)]
        if not controls:
            continue
        number += 1
        for r, c in enumerate(controls, start=1):
            treated_index.append(int(i))
            control_index.append(c)
            subclass.append(number)
            rounds.append(r)

    weights = _matching_weights(matches, t)
    n_unmatched = sum(1 for c in matches.values() if not c)
    rule = _rule_words(int(ratio), caliper, caliper_scale, cal, order, replace, distance, n_unmatched)
    result = Matching(
        treated_index=np.asarray(treated_index, dtype=np.int64),
        control_index=np.asarray(control_index, dtype=np.int64),
        subclass=np.asarray(subclass, dtype=np.int64),
        round=np.asarray(rounds, dtype=np.int64),
        weights=weights,
        n_unmatched_treated=int(n_unmatched),
        distance=d,
        caliper=cal,
        rule=rule,
    )
    for array in (result.treated_index, result.control_index, result.subclass, result.round, weights, d):
        array.setflags(write=False)
    return result


def _scan(
    ii: int,
    step: int,
    ds: NDArray[np.float64],
    available: NDArray[np.bool_],
    taken: set[int],
    cal: float | None,
) -> int:
    """Sorted position of the nearest available control from ``ii`` in direction ``step``, or -1."""
    k = ii + step
    n = ds.size
    while 0 <= k < n:
        if available[k] and k not in taken:
            if cal is not None and abs(ds[ii] - ds[k]) > cal:
                return -1
            return k
        k += step
    return -1


def _matching_weights(matches: dict[int, list[int]], t: NDArray[np.int64]) -> NDArray[np.float64]:
    w = np.zeros(t.size)
    for i, controls in matches.items():
        if not controls:
            continue
        w[i] = 1.0
        for c in controls:
            w[c] += 1.0 / len(controls)
    control = t == 0
    total = w[control].sum()
    if total > 0:
        w[control] *= np.count_nonzero(w[control] > 0) / total
    return w


def _rule_words(
    ratio: int,
    caliper: float | None,
    caliper_scale: str,
    cal: float | None,
    order: str,
    replace: bool,
    distance: str,
    n_unmatched: int,
) -> str:
    on = "the propensity score" if distance == "score" else "the logit of the propensity score"
    words = (
        f"greedy nearest-neighbour matching on {on}, {ratio} control(s) per treated unit "
        f"{'with' if replace else 'without'} replacement, treated units taken in {order} order"
    )
    if cal is not None:
        scale = f"{caliper:g} SD of the distance" if caliper_scale == "sd" else f"{caliper:g}"
        words += f", caliper {scale} (= {cal:.6g})"
    else:
        words += ", no caliper"
    return f"{words}; {n_unmatched} treated unit(s) unmatched"
