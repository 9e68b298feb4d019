"""A screening candidate's predicted outcomes from the registry's stored prediction model (or why none).

The command line (``remission screen --predict``), the API (``POST /api/screening?predict=true``) and the
screening page all call :func:`stored_prediction`, so they show the same dict
(:func:`remission.analysis.prediction.bedside.predict_for_candidate`, or ``status`` "no_model"):

- the model is the current stored model set (:func:`remission.analysis.prediction.stored.current_model_set`),
  its calibration from the validation stored with it, if any;
- the intensities compared are those the user's centre offers: ``settings.REMISSION_PREDICTION_INTENSITIES
  = {"<centre code>": ["low", "high"]}`` (the user's first centre listed there); any other centre, and
  the command line, compare low, intermediate and high;
- a candidate without ``centre_experience``, screened by a user who reads exactly one centre, is given
  that centre's experience from the registry: its HSC infusions (autologous and allogeneic, as the
  analysis set counts them, :mod:`remission.analysis.cohorts`) dated up to today, said in the answer's
  ``assumptions``. Otherwise (several centres, the command line) it stays missing and is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings

from remission.analysis.cohorts import DEFAULT_COHORT_SETTINGS
from remission.analysis.prediction import stored
from remission.analysis.prediction.bedside import no_model, predict_for_candidate
from remission.analysis.prediction.design import INTENSITIES
from remission.clinical.screening import ScreeningReport
from remission.registry import selectors
from remission.registry.errors import NotFound
from remission.registry.selectors import prediction_models


def offered_intensities(user: Any = None) -> tuple[str, ...]:
    """The intensities the user's centre offers (the setting), else low, intermediate and high."""
    offered: Mapping[str, Sequence[str]] = getattr(settings, "REMISSION_PREDICTION_INTENSITIES", {})
    if user is not None and offered:
        for centre in selectors.centre_list(user=user):
            if centre.code in offered:
                return tuple(offered[centre.code])
    return INTENSITIES


EXPERIENCE_FROM_REGISTRY = (
    "centre experience not given: taken from the registry, {count} HSC procedure(s) at centre {centre} "
    "up to {today}"
)


def registry_experience(user: Any, today: dt.date | None = None) -> tuple[str, int] | None:
    """(centre code, HSC infusions there dated up to ``today``) of the user's one readable centre; None
    when the user reads no centre or several."""
    if user is None:
        return None
    centres = list(selectors.centre_list(user=user)[:2])
    if len(centres) != 1:
        return None
    count = prediction_models.centre_procedures(
        centres[0], DEFAULT_COHORT_SETTINGS.experience_products, today or dt.date.today()
    )
    return centres[0].code, count


def stored_validation(version: str, user: Any = None) -> dict[str, Any] | None:
    """The validation stored with the model set ``version`` (``Validation.to_dict()``), if any."""
    try:
        return prediction_models.model_validation(version, user=user)
    except NotFound:
        return None


def stored_prediction(
    candidate: Mapping[str, Any],
    report: ScreeningReport,
    *,
    user: Any = None,
    intensities: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The candidate's predicted outcomes from the current stored model, or ``status`` "no_model"."""
    model_set = stored.current_model_set(user=user)
    if model_set is None:
        return no_model()
    today = dt.date.today()
    notes: list[str] = []
    if candidate.get("centre_experience") is None:
        found = registry_experience(user, today)
        if found is not None:
            candidate = {**candidate, "centre_experience": found[1]}
            notes.append(EXPERIENCE_FROM_REGISTRY.format(count=found[1], centre=found[0], today=today))
    answer = predict_for_candidate(
        model_set,
        candidate,
        report=report,
        validation=stored_validation(model_set.version, user),
        intensities=tuple(intensities) if intensities is not None else offered_intensities(user),
        today=today,
    )
    answer["assumptions"] = [*notes, *answer["assumptions"]]
    return answer
