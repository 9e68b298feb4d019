"""Settings for scores and response definitions: the thresholds that sources disagree on.

Each setting is a frozen dataclass whose defaults are the checked value where one exists. The marks are
those of :mod:`remission.clinical.bibliography`: ✔ checked against the cited source at the place the
citation names; ◐ an assumption or a convention not taken from a named table (a default, and a setting);
⚠ the sources disagree (a setting, each choice cited). A centre or an analysis passes its own instance to
change a threshold; the result then records which thresholds it used.
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


# -- DAS28 --------------------------------------------------------------------------------------------------
# remission <2.6; low ≤3.2; moderate ≤5.1; high >5.1 ◐: DAS28 <2.6 as remission is the threshold used in
# [@Prince2012, Table 1]; the 3.2 and 5.1 cut-offs are the conventional DAS28 states (Prevoo 1995 itself was
# not read [@Prevoo1995]). The DAS28 group's formula page (das-score.nl) reads "High disease activity >5.1,
# low disease activity <3.2, remission <2.6" — so 3.2 itself is not "low" there ⚠; the default keeps ≤3.2,
# the boundary of the EULAR response table. Applied to DAS28-ESR and, by default, to DAS28-CRP.
DAS28_BANDS: tuple[Band, ...] = (
    Band("remission", 2.6, inclusive=False),
    Band("low", 3.2),
    Band("moderate", 5.1),
    Band("high", None),
)
# DAS28-CRP cut-offs of Inoue 2007 ✔ values [@Inoue2007, abstract]: "DAS28-CRP threshold values corresponding
# to remission, low disease activity and high disease activity were 2.3, 2.7 and 4.1, respectively" (Japanese
# cohort; the abstract asks for confirmation in other populations). The inequalities (<2.3 / ≤2.7 / >4.1)
# mirror the DAS28-ESR bands ◐. DAS28-CRP runs lower than DAS28-ESR in the same patient, hence a setting ⚠
# (the default keeps the DAS28-ESR cut-offs). No other DAS28-CRP bands are offered: the 2.4 / 2.9 / 4.6 set
# once listed here was not found in any source read, so it was dropped.
DAS28_CRP_BANDS_INOUE2007: tuple[Band, ...] = (
    Band("remission", 2.3, inclusive=False),
    Band("low", 2.7),
    Band("moderate", 4.1),
    Band("high", None),
)


@dataclass(frozen=True, slots=True)
class Das28Settings:
    """Category bands for DAS28-ESR and DAS28-CRP (applied to the value rounded to ``decimals``)."""

    esr_bands: tuple[Band, ...] = DAS28_BANDS
    crp_bands: tuple[Band, ...] = DAS28_BANDS
    decimals: int = 2  # DAS28 is reported to 2 decimals; categories apply to the reported value ◐


# -- Crohn's disease ----------------------------------------------------------------------------------------
class DiaryConvention(StrEnum):
    SUM = "sum"  # daily ratings summed over the 7 diary days (default) ◐
    MEAN = "mean"  # some calculators multiply one average daily rating ⚠


@dataclass(frozen=True, slots=True)
class CdaiCrohnSettings:
    """Crohn's Disease Activity Index conventions that vary between calculators ⚠ [@Best1976].

    The multipliers and the diary were not read in Best 1976 itself (only its abstract), so the diary
    convention and the weight-term floor are settings.
    """

    diary: DiaryConvention = DiaryConvention.SUM
    # Some calculators floor the weight term at -10 (a patient heavier than standard weight) ◐.
    # No floor is applied by default.
    weight_term_floor: float | None = None


# Harvey–Bradshaw bands ◐: remission <5; mild 5–7; moderate 8–16; severe >16. Not in Harvey 1980 as read
# [@Harvey1980]: the bands are those tabulated by calculators (e.g. IG-IBD scores), so a setting.
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
    """HAQ-DI scoring [@Fries1980] [@Bruce2003] ◐ — the scoring rules below were not in the abstracts read.

    ``use_aids_devices``: raise a category score of 0 or 1 to 2 when aids/devices or help are used (the
    standard HAQ-DI convention ◐). False gives the "alternative disability index" without that adjustment;
    SSc trials differ, so record which one was used. ``min_categories``: the index needs at least this many
    categories answered ◐.
    """

    use_aids_devices: bool = True
    min_categories: int = 6


# -- MS: confirmed disability progression -------------------------------------------------------------------
# (lowest baseline EDSS of the band, increase needed). Default ◐ common convention: +1.5 from 0, +1.0 from
# 1.0, +0.5 from 6.0.
CDP_BANDS_DEFAULT: tuple[tuple[float, float], ...] = ((0.0, 1.5), (1.0, 1.0), (6.0, 0.5))
# ⚠ The review [@MecaLallana2021, abstract] reads "a minimum increase in the EDSS of 1.5, 1.0, or 0.5 from a
# baseline level of 0, 1.0–5.0, and 5.5, respectively": +0.5 already from 5.5.
CDP_BANDS_FROM_5_5: tuple[tuple[float, float], ...] = ((0.0, 1.5), (1.0, 1.0), (5.5, 0.5))
# Muraro 2017 ◐ [@Muraro2017]: the abstract was not available here. The only text read on its definition is
# a news summary of the paper (Clinical Advisor): "progression of MS (increase of 1 point on the EDSS scale
# confirmed at 12 months compared with pretreatment baseline)". So: +1.0 from any baseline, confirmed ≥ 12
# months (365 days). The "+0.5 from a baseline of 5.5" once attributed to Muraro 2017 was not found there.
CDP_BANDS_MURARO: tuple[tuple[float, float], ...] = ((0.0, 1.0),)
CDP_CONFIRMATION_DAYS_MURARO = 365


@dataclass(frozen=True, slots=True)
class CdpSettings:
    """Confirmed disability progression ◐/⚠ — every part is a setting.

    ``bands``: (lowest baseline EDSS, increase needed), in ascending order of baseline.
    ``confirmation_days``: the increase must still hold at an EDSS at least this long after it
    (6 months ≈ 180 days by default ◐; 90 for CDP3; trials counting in weeks use 168 or 84; the Muraro 2017
    variant 365, :data:`CDP_CONFIRMATION_DAYS_MURARO`).
    ``relapse_exclusion_days``: an EDSS within this many days after a relapse onset is not used ◐.
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


CDP_SETTINGS_MURARO = CdpSettings(bands=CDP_BANDS_MURARO, confirmation_days=CDP_CONFIRMATION_DAYS_MURARO)


@dataclass(frozen=True, slots=True)
class NedaSettings:
    """NEDA-3 ◐. ``mri_rebaseline_days``: MRI scans earlier than this many days after the window start
    are the re-baseline, not counted as activity (after aHSCT often ~180 ◐; 0 counts every scan).
    """

    mri_rebaseline_days: int = 0
    cdp: CdpSettings = CdpSettings()


# -- SSc: ASSIST response -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class AssistSettings:
    """ASSIST primary end point ✔ [@Burt2011, abstract]: "improvement at 12 months' follow-up, defined as a
    decrease in mRSS (>25 for those with initial mRSS >14) or an increase in forced vital capacity by more
    than 10" (the abstract page read dropped the % signs; ">25% for those with initial mRSS >14" and
    "FVC > 10%" in the trial table of a review, PMC4515778).

    ``mrss_min_baseline``: the mRSS criterion applies only when the baseline mRSS is above this value ✔
    (14); None applies it at any baseline. Whether the FVC rise is relative (% of baseline) or absolute
    (% predicted points) is not stated in what was read ⚠; relative by default. The assessment used is the
    one nearest ``timepoint_days`` (12 months ✔) after baseline within ± ``window_days`` ◐.
    """

    mrss_fall_pct: float = 25.0
    mrss_min_baseline: float | None = 14.0
    fvc_rise_pct: float = 10.0
    fvc_rise_relative: bool = True
    timepoint_days: int = 365
    window_days: int = 90


# -- Crohn's: CDAI remission and response -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CrohnResponseSettings:
    """CDAI remission and response.

    ``remission_below``: remission is CDAI < 150 ◐ (trial convention). ⚠ Best 1976 reads "Index values of
    150 and below are associated with quiescent disease" [@Best1976, abstract], so 150 itself is quiescent
    there; pass ``remission_below=150.000001`` for that reading. ``response_fall``: a fall of ≥100 (CR-100,
    default) or ≥70 (CR-70) points ◐ — trial conventions, not from a named table read here.
    """

    remission_below: float = 150.0
    response_fall: float = 100.0


# -- SLE: DORIS and LLDAS -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DorisSettings:
    """DORIS remission ✔ [@vanVollenhoven2021, abstract]: "clinical systemic lupus erythematosus disease
    activitiy index (SLEDAI)=0, Evaluator's Global Assessment <0.5 (0-3), prednisolone 5 mg/day or less".

    ⚠ the final recommendation in the paper's Table 2 reads "prednisolone <5 mg/day"; the default follows
    the abstract (≤ 5).
    """

    clinical_sledai_max: int = 0
    pga_below: float = 0.5
    prednisone_max_mg: float = 5.0


@dataclass(frozen=True, slots=True)
class LldasSettings:
    """LLDAS ✔ [@Franklyn2016, Table 1]: SLEDAI-2K ≤4 without major-organ activity, no new activity,
    PGA (0–3) ≤1, prednisolone (or equivalent) ≤7.5 mg daily."""

    sledai_max: int = 4
    pga_max: float = 1.0
    prednisone_max_mg: float = 7.5
