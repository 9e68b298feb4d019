"""The instrument registry: how the registry validates and scores a stored assessment.

Each :class:`Instrument` names its items as a form stores them (``items``: item name → :class:`ItemSpec`
with kind, range and allowed steps), the range of its score, the diseases it measures (from the disease
catalogue) and two functions:

- ``validate(items)`` lists every problem — an unknown item name, a value of the wrong kind, out of range
  or not an allowed step — as messages naming the item and the rule. Missing items are not problems.
- ``compute(items)`` returns the :class:`ScoreResult` (``value`` None with ``missing`` listed when the
  items do not allow a score). It raises :class:`ScoreInputError` for a value ``validate`` would reject.

The scoring itself lives in ``remission.clinical.scores``, one module per instrument, with its reference.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from remission.clinical.diseases import DISEASES
from remission.clinical.scores import (
    cdai_crohn_best1976 as cdai_crohn,
)
from remission.clinical.scores import (
    das28,
    lung_function,
    mri_activity,
    ra_indices,
)
from remission.clinical.scores import (
    edss_kurtzke1983 as edss,
)
from remission.clinical.scores import (
    haq_di_fries1980 as haq_di,
)
from remission.clinical.scores import (
    hbi_harvey1980 as hbi,
)
from remission.clinical.scores import (
    jadas_consolaro2009 as jadas,
)
from remission.clinical.scores import (
    mrss_clements1995 as mrss,
)
from remission.clinical.scores import (
    sledai2k_gladman2002 as sledai2k,
)
from remission.clinical.scores._common import ItemSpec, ScoreResult, float_item, item_problems
from remission.clinical.words import gettext_noop

# Stored with a SLEDAI-2K assessment but not part of its score: what DORIS and LLDAS also need — physician
# global assessment on the 0–3 scale [@vanVollenhoven2021, abstract] [@Franklyn2016, Table 1]; prednisone
# (or equivalent) mg/day.
SLE_CONTEXT_ITEMS = (
    float_item("pga", 0, 3, "Physician global assessment (0–3)"),
    float_item("prednisone_mg", 0, 1000, "Prednisone or equivalent, mg/day", "mg/day"),
)

UNKNOWN_INSTRUMENT = "unknown instrument code {code!r}; known codes: {known}"


class UnknownInstrumentError(LookupError):
    """An instrument code not in the registry."""


@dataclass(frozen=True, slots=True)
class Instrument:
    code: str
    title: str
    source: str
    items: Mapping[str, ItemSpec]
    score_range: tuple[float, float]
    scorer: Callable[[Mapping[str, Any]], ScoreResult]

    @property
    def diseases(self) -> tuple[str, ...]:
        """Codes of the diseases the catalogue measures with this instrument."""
        return tuple(code for code, disease in DISEASES.items() if self.code in disease.instruments)

    def validate(self, items: Mapping[str, Any]) -> list[str]:
        """Every problem with ``items`` (empty when valid); missing items are allowed."""
        return item_problems(self.items.values(), items, self.code)

    def compute(self, items: Mapping[str, Any]) -> ScoreResult:
        return self.scorer(items)


def _make(
    code: str,
    title: str,
    source: str,
    specs: tuple[ItemSpec, ...],
    score_range: tuple[float, float],
    scorer: Callable[[Mapping[str, Any]], ScoreResult],
) -> Instrument:
    return Instrument(code, title, source, MappingProxyType({s.name: s for s in specs}), score_range, scorer)


def _jadas(joints: int, clinical: bool) -> Instrument:
    code = jadas.code_for(joints, clinical)
    title = f"{'Clinical ' if clinical else ''}JADAS-{joints}"
    source = jadas.SOURCE_CLINICAL if clinical else jadas.SOURCE

    def scorer(items: Mapping[str, Any]) -> ScoreResult:
        return jadas.jadas(
            items.get("physician_global"),
            items.get("parent_global"),
            items.get("active_joints"),
            items.get("esr"),
            joints=joints,
            clinical=clinical,
        )

    specs = jadas.items_for(joints, clinical)
    return _make(code, title, source, specs, jadas.score_range(joints, clinical), scorer)


def _get(*names: str) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    return lambda items: tuple(items.get(name) for name in names)


_CATALOGUE: tuple[Instrument, ...] = (
    _make("mrss", mrss.TITLE, mrss.SOURCE, mrss.ITEMS, mrss.SCORE_RANGE, mrss.mrss),
    _make(
        "sledai2k",
        sledai2k.TITLE,
        sledai2k.SOURCE,
        (*sledai2k.ITEMS, *SLE_CONTEXT_ITEMS),
        sledai2k.SCORE_RANGE,
        sledai2k.sledai2k,
    ),
    _make(
        "das28_esr",
        das28.TITLE_ESR,
        das28.SOURCE_ESR,
        das28.ITEMS_ESR,
        das28.SCORE_RANGE,
        lambda items: das28.das28_esr(*_get("tjc28", "sjc28", "esr", "gh")(items)),
    ),
    _make(
        "das28_crp",
        das28.TITLE_CRP,
        das28.SOURCE_CRP,
        das28.ITEMS_CRP,
        das28.SCORE_RANGE,
        lambda items: das28.das28_crp(*_get("tjc28", "sjc28", "crp", "gh")(items)),
    ),
    _make(
        "cdai_ra",
        ra_indices.TITLE_CDAI,
        ra_indices.SOURCE_CDAI,
        ra_indices.ITEMS_CDAI,
        ra_indices.CDAI_RANGE,
        lambda items: ra_indices.cdai_ra(
            *_get("tjc28", "sjc28", "patient_global", "evaluator_global")(items)
        ),
    ),
    _make(
        "sdai",
        ra_indices.TITLE_SDAI,
        ra_indices.SOURCE_SDAI,
        ra_indices.ITEMS_SDAI,
        ra_indices.SDAI_RANGE,
        lambda items: ra_indices.sdai(
            *_get("tjc28", "sjc28", "patient_global", "evaluator_global", "crp")(items)
        ),
    ),
    _jadas(10, False),
    _jadas(27, False),
    _jadas(71, False),
    _jadas(10, True),
    _make(
        "cdai_crohn",
        cdai_crohn.TITLE,
        cdai_crohn.SOURCE,
        cdai_crohn.ITEMS,
        cdai_crohn.SCORE_RANGE,
        cdai_crohn.cdai_crohn_items,
    ),
    _make(
        "hbi",
        hbi.TITLE,
        hbi.SOURCE,
        hbi.ITEMS,
        hbi.SCORE_RANGE,
        lambda items: hbi.hbi(
            *_get("general_wellbeing", "abdominal_pain", "liquid_stools", "abdominal_mass")(items),
            {spec.name: items.get(spec.name) for spec in hbi.COMPLICATIONS},
        ),
    ),
    _make(
        "edss",
        edss.TITLE,
        edss.SOURCE,
        edss.ITEMS,
        edss.SCORE_RANGE,
        lambda items: edss.edss(items.get("edss"), functional_systems=items),
    ),
    _make(
        "mri_brain",
        mri_activity.TITLE,
        mri_activity.SOURCE,
        mri_activity.ITEMS,
        mri_activity.SCORE_RANGE,
        mri_activity.mri_activity,
    ),
    _make("haq_di", haq_di.TITLE, haq_di.SOURCE, haq_di.ITEMS, haq_di.SCORE_RANGE, haq_di.haq_di),
    _make(
        "fvc_pct",
        lung_function.FVC_PCT.title,
        lung_function.SOURCE,
        (lung_function.FVC_PCT,),
        lung_function.FVC_RANGE,
        lambda items: lung_function.fvc_pct(items.get("fvc_pct")),
    ),
    _make(
        "dlco_pct",
        lung_function.DLCO_PCT.title,
        lung_function.SOURCE,
        (lung_function.DLCO_PCT,),
        lung_function.DLCO_RANGE,
        lambda items: lung_function.dlco_pct(items.get("dlco_pct")),
    ),
)

INSTRUMENTS: Mapping[str, Instrument] = MappingProxyType({i.code: i for i in _CATALOGUE})
# The instruments' titles (each written in its score module) as translators see them; the registry's
# pages translate an instrument's title where they list it (remission.registry.labels).
TITLE_WORDS = (
    gettext_noop("Modified Rodnan skin score"),
    gettext_noop("Clinical Disease Activity Index (RA)"),
    gettext_noop("Simplified Disease Activity Index"),
    gettext_noop("Clinical JADAS-10"),
    gettext_noop("Crohn's Disease Activity Index"),
    gettext_noop("Harvey–Bradshaw index"),
    gettext_noop("Expanded Disability Status Scale (Kurtzke)"),
    gettext_noop("Brain MRI activity (new/enlarging T2, Gd-enhancing lesions)"),
    gettext_noop("HAQ Disability Index"),
    gettext_noop("FVC, % predicted"),
    gettext_noop("DLCO, % predicted"),
)


def instrument_get(code: str) -> Instrument:
    """The instrument with ``code``; raises :class:`UnknownInstrumentError` otherwise."""
    instrument = INSTRUMENTS.get(code)
    if instrument is None:
        raise UnknownInstrumentError(UNKNOWN_INSTRUMENT.format(code=code, known=", ".join(INSTRUMENTS)))
    return instrument
