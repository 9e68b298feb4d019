"""Confirmed disability progression (CDP) in multiple sclerosis, on a series of EDSS ratings.

Definition ◐ (a common convention — every part is a setting,
:class:`~remission.clinical.settings_scores.CdpSettings`):

| Baseline EDSS | Increase needed (default) |
|---------------|---------------------------|
| 0             | ≥ 1.5                     |
| 1.0–5.5       | ≥ 1.0                     |
| ≥ 6.0         | ≥ 0.5                     |

- Baseline: the EDSS given as ``baseline``, or else the first usable EDSS in the window (fixed baseline;
  no roving baseline).
- An EDSS within ``relapse_exclusion_days`` (default 30) after a relapse onset is not used at all.
- Progression is confirmed when an EDSS reaches baseline + increase and every usable EDSS from then up to
  and including the first one at least ``confirmation_days`` later (default 180, ≈ 6 months; 90 for
  CDP3) stays at or above that level. The event date is the date of the first raised EDSS.
- An increase that holds to the last EDSS but is not yet ``confirmation_days`` old is ``unconfirmed``.

Variants ⚠ (settings): +0.5 already from a baseline of 5.5
(:data:`~remission.clinical.settings_scores.CDP_BANDS_FROM_5_5`, [@MecaLallana2021, abstract]); Muraro 2017
◐ — +1.0 from any baseline confirmed at 12 months
(:data:`~remission.clinical.settings_scores.CDP_SETTINGS_MURARO`, [@Muraro2017]; its definition was read only
in a news summary of the paper, see the settings module).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from remission.clinical.responses._common import (
    NOT_COMPUTABLE,
    Evidence,
    Measurement,
    ResponseResult,
    by_date,
)
from remission.clinical.scores.edss_kurtzke1983 import EDSS
from remission.clinical.settings_scores import CdpSettings

DEFINITION = "cdp"
SOURCE = (
    "Common CDP convention ◐; variants ⚠ [@MecaLallana2021, abstract] [@Muraro2017]; "
    "settings name the variant"
)
PROGRESSION = "progression"
NO_PROGRESSION = "no_progression"
UNCONFIRMED = "unconfirmed"
_TOLERANCE = 1e-9
DEFAULT_SETTINGS = CdpSettings()


def _after_relapse(day: dt.date, relapses: Sequence[dt.date], days: int) -> dt.date | None:
    for onset in relapses:
        if 0 <= (day - onset).days <= days:
            return onset
    return None


def confirmed_disability_progression(
    edss: Sequence[Measurement],
    relapses: Sequence[dt.date] = (),
    *,
    baseline: Measurement | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    settings: CdpSettings = DEFAULT_SETTINGS,
) -> ResponseResult:
    """CDP on ``edss`` ratings (each a valid EDSS step) between ``start`` and ``end`` inclusive."""
    for m in (*edss, *([baseline] if baseline else [])):
        EDSS.check(m.value)
    excluded: list[Evidence] = []
    usable: list[Measurement] = []
    for m in by_date(edss):
        if (start and m.date < start) or (end and m.date > end):
            continue
        onset = _after_relapse(m.date, relapses, settings.relapse_exclusion_days)
        if onset is not None:
            excluded.append(
                Evidence(
                    m.date,
                    m.value,
                    f"EDSS not used: within {settings.relapse_exclusion_days} "
                    f"days after the relapse of {onset.isoformat()}",
                )
            )
        else:
            usable.append(m)
    if baseline is None:
        if not usable:
            return ResponseResult(
                DEFINITION, NOT_COMPUTABLE, tuple(excluded), "no usable EDSS", source=SOURCE
            )
        baseline, usable = usable[0], usable[1:]
    else:
        usable = [m for m in usable if m.date > baseline.date]
    delta = settings.delta_for(baseline.value)
    level = baseline.value + delta
    base_evidence = Evidence(baseline.date, baseline.value, "baseline EDSS")
    if not usable:
        return ResponseResult(
            DEFINITION,
            NOT_COMPUTABLE,
            (base_evidence, *excluded),
            "no usable EDSS after baseline",
            source=SOURCE,
        )
    unconfirmed: Measurement | None = None
    for i, first in enumerate(usable):
        if first.value < level - _TOLERANCE:
            continue
        held = [first]
        for later in usable[i + 1 :]:
            if later.value < level - _TOLERANCE:
                break  # not sustained: look for a later rise
            held.append(later)
            if (later.date - first.date).days >= settings.confirmation_days:
                evidence = (
                    base_evidence,
                    Evidence(first.date, first.value, f"EDSS ≥ {level:g} (baseline + {delta:g})"),
                    *(Evidence(m.date, m.value, "EDSS, increase held") for m in held[1:-1]),
                    Evidence(
                        later.date, later.value, f"confirming EDSS ≥ {settings.confirmation_days} days later"
                    ),
                    *excluded,
                )
                reason = (
                    f"EDSS rose from {baseline.value:g} to {first.value:g} (≥ +{delta:g}) on {first.date}"
                    f" and held to {later.date}, {(later.date - first.date).days} days later"
                )
                return ResponseResult(DEFINITION, PROGRESSION, evidence, reason, first.date, SOURCE)
        else:
            unconfirmed = unconfirmed or first
            break  # held to the last rating without reaching the window
    if unconfirmed is not None:
        last = usable[-1]
        evidence = (
            base_evidence,
            Evidence(unconfirmed.date, unconfirmed.value, f"EDSS ≥ {level:g}, not yet confirmed"),
            Evidence(last.date, last.value, "last EDSS"),
            *excluded,
        )
        reason = (
            f"EDSS reached {unconfirmed.value:g} on {unconfirmed.date} but the last rating ({last.date}) is "
            f"less than {settings.confirmation_days} days later"
        )
        return ResponseResult(DEFINITION, UNCONFIRMED, evidence, reason, None, SOURCE)
    last = usable[-1]
    evidence = (base_evidence, *(Evidence(m.date, m.value, "EDSS") for m in usable), *excluded)
    reason = f"no confirmed EDSS increase of ≥ {delta:g} from baseline {baseline.value:g} up to {last.date}"
    return ResponseResult(DEFINITION, NO_PROGRESSION, evidence, reason, None, SOURCE)
