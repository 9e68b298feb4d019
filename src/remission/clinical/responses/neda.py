"""No evidence of disease activity (NEDA-3) in multiple sclerosis over a window.

Definition ✔ [@Perumal2019, abstract]: "NEDA (no 24-week–confirmed EDSS worsening, no relapses, no
gadolinium-enhancing lesions, and no new/newly enlarging T2-hyperintense lesions)". Over the window: (1) no
relapse, (2) no confirmed disability progression (:mod:`~remission.clinical.responses.cdp`, its settings;
the default confirmation of 180 days ◐ is close to, not equal to, 24 weeks = 168 days) and (3) no MRI
activity. After aHSCT the MRI is often re-baselined some months after transplant ◐: scans up to
``mri_rebaseline_days`` after the window start are the reference and are not counted
(:class:`~remission.clinical.settings_scores.NedaSettings`).

Decision: ``evidence_of_activity`` as soon as any component shows activity (``event_date`` = the first
event); ``neda`` when all three are known to be quiet; otherwise not computable, with the reason (no MRI
after the re-baseline, an MRI without lesion counts, no EDSS follow-up, an unconfirmed EDSS increase).
Relapses count when ``start < onset ≤ end``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from remission.clinical.responses._common import NOT_COMPUTABLE, Evidence, Measurement, ResponseResult
from remission.clinical.responses.cdp import PROGRESSION, confirmed_disability_progression
from remission.clinical.settings_scores import NedaSettings

DEFINITION = "neda3"
SOURCE = "NEDA-3 (no relapse, no CDP, no new/enlarging T2 or Gd+ lesion) [@Perumal2019, abstract]"
NEDA = "neda"
ACTIVITY = "evidence_of_activity"
NEGATIVE_COUNT = "MRI {date}: {what} = {value!r} must be a whole number ≥ 0"
DEFAULT_SETTINGS = NedaSettings()


@dataclass(frozen=True, slots=True)
class MriScan:
    """One brain MRI: new or enlarging T2 lesions (vs the previous scan) and Gd+ lesions; None = not read."""

    date: dt.date
    new_or_enlarging_t2: int | None
    gd_enhancing: int | None

    def __post_init__(self) -> None:
        for what in ("new_or_enlarging_t2", "gd_enhancing"):
            value = getattr(self, what)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise ValueError(NEGATIVE_COUNT.format(date=self.date, what=what, value=value))


def neda3(
    *,
    start: dt.date,
    end: dt.date,
    relapses: Sequence[dt.date],
    edss: Sequence[Measurement],
    mri: Sequence[MriScan],
    edss_baseline: Measurement | None = None,
    settings: NedaSettings = DEFAULT_SETTINGS,
    cdp: ResponseResult | None = None,
) -> ResponseResult:
    """NEDA-3 over ``start`` to ``end``.

    ``cdp``: the confirmed disability progression of these same ``edss``, ``relapses``, ``edss_baseline``,
    ``start`` and ``end`` under ``settings.cdp``, when the caller has it already (it is not computed twice).
    """
    events: list[Evidence] = []
    unknown: list[str] = []
    quiet: list[Evidence] = []

    for onset in sorted(relapses):
        if start < onset <= end:
            events.append(Evidence(onset, "relapse", "relapse"))

    if cdp is None:
        cdp = confirmed_disability_progression(
            edss, relapses, baseline=edss_baseline, start=start, end=end, settings=settings.cdp
        )
    if cdp.decision == PROGRESSION:
        events.append(
            Evidence(cdp.event_date, "progression", f"confirmed disability progression: {cdp.reason}")
        )
    elif cdp.decision == "no_progression":
        quiet.extend(cdp.evidence)
    else:
        unknown.append(f"disability progression {cdp.decision.replace('_', ' ')} ({cdp.reason})")

    counted_from = start + dt.timedelta(days=settings.mri_rebaseline_days)
    scans = sorted((scan for scan in mri if counted_from < scan.date <= end), key=lambda scan: scan.date)
    if not scans:
        unknown.append(f"no MRI after {counted_from.isoformat()}")
    for scan in scans:
        if scan.new_or_enlarging_t2:
            events.append(Evidence(scan.date, scan.new_or_enlarging_t2, "MRI: new or enlarging T2 lesions"))
        if scan.gd_enhancing:
            events.append(Evidence(scan.date, scan.gd_enhancing, "MRI: Gd+ lesions"))
        if scan.new_or_enlarging_t2 is None or scan.gd_enhancing is None:
            unknown.append(f"MRI {scan.date.isoformat()} without both lesion counts")
        elif not (scan.new_or_enlarging_t2 or scan.gd_enhancing):
            quiet.append(Evidence(scan.date, 0, "MRI: no new/enlarging T2 or Gd+ lesion"))

    if events:
        events.sort(key=lambda e: e.date or end)
        first = events[0]
        reason = f"disease activity: {first.what} on {first.date}"
        return ResponseResult(DEFINITION, ACTIVITY, tuple(events), reason, first.date, SOURCE)
    if unknown:
        return ResponseResult(
            DEFINITION,
            NOT_COMPUTABLE,
            tuple(quiet),
            "no activity seen, but: " + "; ".join(unknown),
            source=SOURCE,
        )
    reason = f"no relapse, no confirmed progression and no MRI activity from {start} to {end}"
    return ResponseResult(DEFINITION, NEDA, tuple(quiet), reason, None, SOURCE)
