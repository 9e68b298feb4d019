"""Settings for scores and response definitions: the thresholds that sources disagree on.

Each setting is a frozen dataclass whose defaults are the verified value where one exists
(clinical-content.md marks: ✔ verified, ◐ from memory, ⚠ disputed). A centre or an analysis passes its
own instance to change a threshold; the result then records which thresholds it used.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Band:
    """One category of a score: values up to ``upper`` (inclusive or not) fall in it; None = no limit."""

    label: str
    upper: float | None
    inclusive: bool = True

    def holds(self, value: float) -> bool:
        if self.upper is None:
            return True
        return value <= self.upper if self.inclusive else value < self.upper


# -- DAS28 (clinical-content.md §4.4) -----------------------------------------------------------------
# Prevoo 1995 / EULAR cut-offs ✔: remission <2.6; low ≤3.2; moderate ≤5.1; high >5.1.
DAS28_BANDS: tuple[Band, ...] = (
    Band("remission", 2.6, inclusive=False),
    Band("low", 3.2),
    Band("moderate", 5.1),
    Band("high", None),
)
# DAS28-CRP alternative cut-offs ◐ (<2.4 / ≤2.9 / ≤4.6; Inoue 2007, Fleischmann 2015): DAS28-CRP runs
# lower than DAS28-ESR in the same patient, so some use these. Disputed ⚠, hence a setting.
DAS28_CRP_ALTERNATIVE_BANDS: tuple[Band, ...] = (
    Band("remission", 2.4, inclusive=False),
    Band("low", 2.9),
    Band("moderate", 4.6),
    Band("high", None),
)


@dataclass(frozen=True, slots=True)
class Das28Settings:
    """Category bands for DAS28-ESR and DAS28-CRP (applied to the value rounded to ``decimals``)."""

    esr_bands: tuple[Band, ...] = DAS28_BANDS
    crp_bands: tuple[Band, ...] = DAS28_BANDS
    decimals: int = 2  # DAS28 is reported to 2 decimals; categories apply to the reported value


# -- Crohn's disease (clinical-content.md §4.5) ---------------------------------------------------------
class DiaryConvention(StrEnum):
    SUM = "sum"  # Best 1976: daily ratings summed over 7 days ✔ (default)
    MEAN = "mean"  # some calculators multiply one average daily rating ⚠


@dataclass(frozen=True, slots=True)
class CdaiCrohnSettings:
    """Crohn's Disease Activity Index conventions that vary between calculators ⚠."""

    diary: DiaryConvention = DiaryConvention.SUM
    # Some calculators floor the weight term at -10 (a patient heavier than standard weight) ◐.
    # Best 1976 as published states no floor, so the default is None (no floor).
    weight_term_floor: float | None = None


# Harvey–Bradshaw bands ◐ (Best 1998; Vermeire 2010): remission <5; mild 5–7; moderate 8–16; severe >16.
HBI_BANDS: tuple[Band, ...] = (
    Band("remission", 5, inclusive=False),
    Band("mild", 7),
    Band("moderate", 16),
    Band("severe", None),
)


@dataclass(frozen=True, slots=True)
class HbiSettings:
    bands: tuple[Band, ...] = HBI_BANDS


# -- HAQ-DI -------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class HaqDiSettings:
    """HAQ-DI scoring (Bruce & Fries 2003; LOINC 75874-8 scoring text ✔).

    ``use_aids_devices``: raise a category score of 0 or 1 to 2 when aids/devices or help are used
    (the standard HAQ-DI ✔). False gives the "alternative disability index" without that adjustment;
    SSc trials differ (Gazi 2008, J Rheumatol 35:466), so record which one was used.
    """

    use_aids_devices: bool = True
    min_categories: int = 6  # ✔ "divide by the number of categories answered (must be a minimum of 6)"


# -- MS: confirmed disability progression (clinical-content.md §4.2, §6 item 6) ----------------------------
# (lowest baseline EDSS of the band, increase needed) ◐ common convention.
CDP_BANDS_DEFAULT: tuple[tuple[float, float], ...] = ((0.0, 1.5), (1.0, 1.0), (6.0, 0.5))
# Muraro 2017 as remembered ◐: 1.0, or 0.5 from baseline 5.5.
CDP_BANDS_MURARO: tuple[tuple[float, float], ...] = ((0.0, 1.0), (5.5, 0.5))


@dataclass(frozen=True, slots=True)
class CdpSettings:
    """Confirmed disability progression ◐/⚠ — every part is a setting.

    ``bands``: (lowest baseline EDSS, increase needed), in ascending order of baseline.
    ``confirmation_days``: the increase must still hold at an EDSS at least this long after it
    (6 months ≈ 180 days by default; 90 for CDP3; trials counting in weeks use 168 or 84).
    ``relapse_exclusion_days``: an EDSS within this many days after a relapse onset is not used.
    """

    bands: tuple[tuple[float, float], ...] = CDP_BANDS_DEFAULT
    confirmation_days: int = 180
    relapse_exclusion_days: int = 30

    def __post_init__(self) -> None:
        lows = [low for low, _ in self.bands]
        if not lows or lows[0] != 0.0 or lows != sorted(lows):
            raise ValueError("CDP bands must start at baseline 0 and ascend")
        if any(delta <= 0 for _, delta in self.bands):
            raise ValueError("CDP increases must be positive")
        if self.confirmation_days < 0 or self.relapse_exclusion_days < 0:
            raise ValueError("CDP windows must not be negative")

    def delta_for(self, baseline: float) -> float:
        """The increase needed from ``baseline``: the band with the highest lower bound ≤ baseline."""
        delta = self.bands[0][1]
        for low, band_delta in self.bands:
            if baseline >= low:
                delta = band_delta
        return delta


@dataclass(frozen=True, slots=True)
class NedaSettings:
    """NEDA-3 ◐. ``mri_rebaseline_days``: MRI scans earlier than this many days after the window start
    are the re-baseline, not counted as activity (after aHSCT usually ~180 ◐; 0 counts every scan).
    """

    mri_rebaseline_days: int = 0
    cdp: CdpSettings = CdpSettings()


# -- SSc: ASSIST response (clinical-content.md §1.3, §4.1) -----------------------------------------------
@dataclass(frozen=True, slots=True)
class AssistSettings:
    """ASSIST primary end point ✔: >25 % fall in mRSS or >10 % rise in FVC at 12 months.

    Whether the FVC rise is relative (% of baseline) or absolute (% predicted points) is not stated in the
    reference text ⚠; relative by default. The assessment used is the one nearest ``timepoint_days``
    after baseline within ± ``window_days``.
    """

    mrss_fall_pct: float = 25.0
    fvc_rise_pct: float = 10.0
    fvc_rise_relative: bool = True
    timepoint_days: int = 365
    window_days: int = 90


# -- Crohn's: CDAI remission and response ----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CrohnResponseSettings:
    """CDAI remission <150 ✔; response = fall ≥70 (CR-70) or ≥100 (CR-100) ✔ — which one is a setting."""

    remission_below: float = 150.0
    response_fall: float = 100.0


# -- SLE: DORIS and LLDAS (clinical-content.md §4.3, ◐) ----------------------------------------------------
@dataclass(frozen=True, slots=True)
class DorisSettings:
    """DORIS remission ◐ (van Vollenhoven 2021): clinical SLEDAI-2K 0, PGA <0.5, prednisone ≤5 mg/day."""

    clinical_sledai_max: int = 0
    pga_below: float = 0.5
    prednisone_max_mg: float = 5.0


@dataclass(frozen=True, slots=True)
class LldasSettings:
    """LLDAS ◐ (Franklyn 2016): SLEDAI-2K ≤4, no major-organ or new activity, PGA ≤1, prednisone ≤7.5."""

    sledai_max: int = 4
    pga_max: float = 1.0
    prednisone_max_mg: float = 7.5
