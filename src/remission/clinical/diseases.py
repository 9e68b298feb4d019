"""The disease catalogue: the autoimmune indications Remission records, with their stable codes.

Sources:
- EBMT indication categories: [@Snowden2012, Table 2] ✔ ("EBMT disease indications—(a) adults and
  (b) paediatrics"; columns sibling donor, well-matched unrelated, autologous). Codes: S standard,
  CO clinical option, D developmental, GNR generally not recommended; the Roman numeral is the EBMT
  evidence grade.
- A later EBMT indication report [@Snowden2022] is held to give autologous HSCT for relapsing MS and
  for SSc category S; its table was not read, so ``ebmt_autologous_update`` is an assumption ◐.
- Myasthenia gravis and stiff-person syndrome: [@Sharrack2020, abstract] ✔ names a possible role for
  aHSCT ("chronic inflammatory demyelinating polyneuropathy, neuromyelitis optica, myasthenia gravis and
  stiff person syndrome"); they have no category in the 2012 table.
- ICD-10: WHO ICD-10 (2019) chapter codes.

The codes are fixed: the registry stores them and the eligibility engine keys its rule sets on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from remission.clinical.words import gettext_noop

UNKNOWN_DISEASE = "unknown disease code {code!r}; known codes: {known}"

SNOWDEN_2012 = "[@Snowden2012, Table 2]"
EBMT_LATER = "later EBMT indication report [@Snowden2022] ◐ category not checked against its table"


class UnknownDiseaseError(LookupError):
    """A disease code not in the catalogue."""


class EbmtCategory(StrEnum):
    STANDARD = "S"
    CLINICAL_OPTION = "CO"
    DEVELOPMENTAL = "D"
    NOT_RECOMMENDED = "GNR"


@dataclass(frozen=True, slots=True)
class Indication:
    """One EBMT indication: category, evidence grade, source, and whether the source was checked."""

    category: EbmtCategory
    grade: str
    source: str = SNOWDEN_2012
    verified: bool = True

    def __str__(self) -> str:
        mark = "" if self.verified else " ◐"
        return f"{self.category}/{self.grade}{mark}"


@dataclass(frozen=True, slots=True)
class EbmtIndications:
    """Autologous, allogeneic (matched sibling) and allogeneic (unrelated donor) categories."""

    autologous: Indication
    allo_sibling: Indication
    allo_unrelated: Indication


@dataclass(frozen=True, slots=True)
class Disease:
    """One indication. ``subtypes`` maps a stable subtype code to its name."""

    code: str
    name: str
    icd10: tuple[str, ...]
    subtypes: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    ebmt_adult: EbmtIndications | None = None
    ebmt_paediatric: EbmtIndications | None = None
    ebmt_autologous_update: Indication | None = None
    instruments: tuple[str, ...] = ()
    note: str = ""

    def __post_init__(self) -> None:
        if self.code != self.code.lower() or not self.code.replace("_", "").isalnum():
            raise ValueError(f"disease code {self.code!r} must be lowercase letters, digits and _")
        object.__setattr__(self, "subtypes", MappingProxyType(dict(self.subtypes)))


def _ind(category: EbmtCategory, grade: str) -> Indication:
    return Indication(category, grade)


S, CO, D, GNR = (
    EbmtCategory.STANDARD,
    EbmtCategory.CLINICAL_OPTION,
    EbmtCategory.DEVELOPMENTAL,
    EbmtCategory.NOT_RECOMMENDED,
)
# [@Snowden2012, Table 2] rows ✔ (autologous, sibling, unrelated)
_MS_SSC_SLE = EbmtIndications(_ind(CO, "II"), _ind(D, "III"), _ind(GNR, "III"))
_CO_GNR_GNR = EbmtIndications(_ind(CO, "II"), _ind(GNR, "III"), _ind(GNR, "III"))  # Crohn's, RA, vasculitis…
_CYTOPENIA = EbmtIndications(_ind(CO, "II"), _ind(CO, "II"), _ind(D, "III"))
_T1D_CELIAC = EbmtIndications(_ind(D, "III"), _ind(GNR, "III"), _ind(GNR, "III"))
_PAED_JIA_JSSC_JSLE = EbmtIndications(_ind(CO, "II"), _ind(D, "III"), _ind(GNR, "III"))
_PAED_OTHER = EbmtIndications(
    _ind(CO, "II"), _ind(GNR, "III"), _ind(GNR, "III")
)  # Crohn's, vasculitis, PM/DM
_LATER_STANDARD = Indication(S, "II", EBMT_LATER, verified=False)

_CATALOGUE: tuple[Disease, ...] = (
    Disease(
        "ssc",
        gettext_noop("Systemic sclerosis"),
        ("M34",),
        {
            "diffuse": gettext_noop("Diffuse cutaneous SSc"),
            "limited": gettext_noop("Limited cutaneous SSc"),
            "sine": gettext_noop("SSc sine scleroderma"),
            "juvenile": gettext_noop("Juvenile SSc"),
        },
        _MS_SSC_SLE,
        _PAED_JIA_JSSC_JSLE,
        _LATER_STANDARD,
        ("mrss", "fvc_pct", "dlco_pct", "haq_di"),
    ),
    Disease(
        "ms",
        gettext_noop("Multiple sclerosis"),
        ("G35",),
        {
            "rrms": gettext_noop("Relapsing-remitting MS"),
            "spms": gettext_noop("Secondary progressive MS"),
            "ppms": gettext_noop("Primary progressive MS"),
        },
        _MS_SSC_SLE,
        None,
        _LATER_STANDARD,
        ("edss", "mri_brain"),
        note="The later EBMT report [@Snowden2022] is held to give S for relapsing MS only (◐, not checked).",
    ),
    Disease(
        "sle",
        gettext_noop("Systemic lupus erythematosus"),
        ("M32",),
        {"adult": gettext_noop("Adult-onset SLE"), "juvenile": gettext_noop("Juvenile SLE")},
        _MS_SSC_SLE,
        _PAED_JIA_JSSC_JSLE,
        None,
        ("sledai2k",),
    ),
    Disease(
        "ra",
        gettext_noop("Rheumatoid arthritis"),
        ("M05", "M06"),
        {
            "seropositive": gettext_noop("Seropositive RA (M05)"),
            "seronegative": gettext_noop("Seronegative RA (M06)"),
        },
        _CO_GNR_GNR,
        None,
        None,
        ("das28_esr", "das28_crp", "cdai_ra", "sdai", "haq_di"),
    ),
    Disease(
        "jia",
        gettext_noop("Juvenile idiopathic arthritis"),
        ("M08",),
        {  # ILAR classification (Petty 2004)
            "systemic": gettext_noop("Systemic arthritis"),
            "oligo_persistent": gettext_noop("Oligoarthritis, persistent"),
            "oligo_extended": gettext_noop("Oligoarthritis, extended"),
            "poly_rf_negative": gettext_noop("Polyarthritis, RF negative"),
            "poly_rf_positive": gettext_noop("Polyarthritis, RF positive"),
            "psoriatic": gettext_noop("Psoriatic arthritis"),
            "enthesitis_related": gettext_noop("Enthesitis-related arthritis"),
            "undifferentiated": gettext_noop("Undifferentiated arthritis"),
        },
        None,
        _PAED_JIA_JSSC_JSLE,
        None,
        ("jadas10", "jadas27", "jadas71", "cjadas10"),
    ),
    Disease(
        "crohn",
        gettext_noop("Crohn's disease"),
        ("K50",),
        {  # Montreal location
            "ileal": gettext_noop("Ileal (L1)"),
            "colonic": gettext_noop("Colonic (L2)"),
            "ileocolonic": gettext_noop("Ileocolonic (L3)"),
        },
        _CO_GNR_GNR,
        _PAED_OTHER,
        None,
        ("cdai_crohn", "hbi"),
    ),
    Disease(
        "cidp",
        gettext_noop("Chronic inflammatory demyelinating polyneuropathy"),
        ("G61.8",),
        ebmt_adult=_CO_GNR_GNR,
    ),
    Disease(
        "nmo",
        gettext_noop("Neuromyelitis optica spectrum disorder"),
        ("G36.0",),
        {
            "aqp4_positive": gettext_noop("AQP4-IgG positive"),
            "aqp4_negative": gettext_noop("AQP4-IgG negative"),
        },
        _CO_GNR_GNR,
        instruments=("edss", "mri_brain"),
    ),
    Disease(
        "vasculitis",
        gettext_noop("Systemic vasculitis"),
        ("M30", "M31"),
        {
            "gpa": gettext_noop("Granulomatosis with polyangiitis"),
            "mpa": gettext_noop("Microscopic polyangiitis"),
            "egpa": gettext_noop("Eosinophilic granulomatosis with polyangiitis"),
            "pan": gettext_noop("Polyarteritis nodosa"),
            "takayasu": gettext_noop("Takayasu arteritis"),
            "behcet": gettext_noop("Behçet's disease"),
            "other": gettext_noop("Other vasculitis"),
        },
        _CO_GNR_GNR,
        _PAED_OTHER,
    ),
    Disease(
        "myositis",
        gettext_noop("Idiopathic inflammatory myopathy (polymyositis/dermatomyositis)"),
        ("M33",),
        {
            "polymyositis": gettext_noop("Polymyositis"),
            "dermatomyositis": gettext_noop("Dermatomyositis"),
            "juvenile_dermatomyositis": gettext_noop("Juvenile dermatomyositis"),
        },
        _CO_GNR_GNR,
        _PAED_OTHER,
        instruments=("haq_di", "fvc_pct", "dlco_pct"),
    ),
    Disease(
        "aic",
        gettext_noop("Autoimmune cytopenia"),
        ("D59.1", "D69.3", "D60"),
        {
            "aiha": gettext_noop("Autoimmune haemolytic anaemia"),
            "itp": gettext_noop("Immune thrombocytopenia"),
            "evans": gettext_noop("Evans syndrome"),
            "prca": gettext_noop("Pure red cell aplasia"),
        },
        _CYTOPENIA,
    ),
    Disease("t1d", gettext_noop("Type 1 diabetes mellitus"), ("E10",), ebmt_adult=_T1D_CELIAC),
    Disease(
        "celiac",
        gettext_noop("Refractory coeliac disease"),
        ("K90.0",),
        {
            "rcd1": gettext_noop("Refractory coeliac disease type I"),
            "rcd2": gettext_noop("Refractory coeliac disease type II"),
        },
        _T1D_CELIAC,
        note="The EBMT 2012 category is for refractory coeliac disease type II.",
    ),
    Disease(
        "mg",
        gettext_noop("Myasthenia gravis"),
        ("G70.0",),
        note="No EBMT 2012 category; [@Sharrack2020, abstract] names a possible role for aHSCT.",
    ),
    Disease(
        "stiff_person",
        gettext_noop("Stiff-person syndrome"),
        ("G25.8",),
        note="No EBMT 2012 category; [@Sharrack2020, abstract] names a possible role for aHSCT.",
    ),
    Disease("other", gettext_noop("Other autoimmune disease"), (), note="Name the disease in the record."),
)

DISEASES: Mapping[str, Disease] = MappingProxyType({disease.code: disease for disease in _CATALOGUE})


def disease_get(code: str) -> Disease:
    """The disease with ``code``; raises :class:`UnknownDiseaseError` (:data:`UNKNOWN_DISEASE`) otherwise."""
    disease = DISEASES.get(code)
    if disease is None:
        raise UnknownDiseaseError(UNKNOWN_DISEASE.format(code=code, known=", ".join(DISEASES)))
    return disease
