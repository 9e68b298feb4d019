"""The registry's window on the clinical catalogue: the codes it accepts and the scores it computes."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from django.utils.translation import gettext


@cache
def disease_codes() -> frozenset[str]:
    from remission.clinical.diseases import DISEASES

    return frozenset(DISEASES)


def disease_name(code: str) -> str:
    """The disease's name for people in the active language (``Systemic sclerosis``, ``Sclérodermie
    systémique``: the clinical catalogue, ``clinical/locale``); the code itself if it is not known."""
    from remission.clinical.diseases import DISEASES

    disease = DISEASES.get(code)
    return code if disease is None else gettext(disease.name)


@cache
def regimen_codes() -> frozenset[str]:
    from remission.clinical.regimens import REGIMENS

    return frozenset(REGIMENS)


def instrument(code: str) -> Any | None:
    from remission.clinical.instruments import INSTRUMENTS

    return INSTRUMENTS.get(code)


def compute_score(instrument: Any, items: Mapping[str, Any]) -> float | None:
    """The instrument's score from ``items``, or None when the items do not allow it (missing items)."""
    if not items:
        return None
    result = instrument.compute(items)
    return None if result.value is None else round(float(result.value), 2)


def regimen_intensity(code: str) -> str | None:
    """The intensity (high / intermediate / low) the clinical catalogue gives a regimen, if it knows it."""
    from remission.clinical.regimens import REGIMENS, classify_intensity

    regimen = REGIMENS.get(code)
    return None if regimen is None else str(classify_intensity(regimen))
