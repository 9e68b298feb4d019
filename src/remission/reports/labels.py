"""Words for codes: variable, level, endpoint and model-term labels as a reader sees them."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.text import capfirst

from remission.clinical.diseases import DISEASES
from remission.registry.codes import Intensity, ProductType, Sex

VARIABLES: dict[str, str] = {
    "n": "Patients",
    "age": "Age at infusion, years",
    "age_per_10y": "Age (per 10 years)",
    "centre_experience": "Earlier AD procedures at the centre",
    "sex": "Sex",
    "disease": "Disease",
    "era": "Era of infusion",
    "intensity": "Conditioning intensity",
    "product_type": "Cell product",
    "experienced": "Experienced centre",
    "subtype": "Subtype",
    "centre": "Centre",
    "country": "Country",
}
ENDPOINTS: dict[str, str] = {
    "OS": "Overall survival",
    "PFS": "Progression-free survival",
    "relapse/progression": "Relapse or progression",
    "NRM": "Non-relapse mortality",
}
# short disease names for plot legends, at-risk rows and model terms (the tables use the full names)
SHORT_DISEASES: dict[str, str] = {
    "ssc": "Systemic sclerosis",
    "ms": "Multiple sclerosis",
    "sle": "SLE",
    "ra": "Rheumatoid arthritis",
    "jia": "JIA",
    "crohn": "Crohn's disease",
    "cidp": "CIDP",
    "nmo": "NMOSD",
    "vasculitis": "Vasculitis",
    "myositis": "Myositis",
    "aic": "Autoimmune cytopenia",
    "t1d": "Type 1 diabetes",
    "celiac": "Refractory coeliac disease",
    "mg": "Myasthenia gravis",
    "stiff_person": "Stiff-person syndrome",
    "other": "Other",
}
STRATUM_ALL = "all"
ALL_PATIENTS = "All patients"
_BOOLEAN = {"True": "yes", "False": "no", "TRUE": "yes", "FALSE": "no", "yes": "yes", "no": "no"}
_LEVELS: dict[str, Mapping[str, str]] = {
    "sex": {str(choice.value): str(choice.label) for choice in Sex},
    "intensity": {str(choice.value): str(choice.label) for choice in Intensity},
    "product_type": {str(choice.value): str(choice.label) for choice in ProductType},
    "disease": {code: disease.name for code, disease in DISEASES.items()},
    "experienced": _BOOLEAN,
}
# model factors, longest first so that "age_per_10y" is not read as "age" + level
_FACTORS = ("experienced", "product_type", "intensity", "disease", "sex", "era")


def variable_label(name: str) -> str:
    return VARIABLES.get(name, capfirst(name.replace("_", " ")))


def level_label(variable: str, level: object) -> str:
    text = str(level)
    return _LEVELS.get(variable, {}).get(text, text)


def disease_label(code: object) -> str:
    return level_label("disease", code)


def short_level_label(variable: str, level: object) -> str:
    """As :func:`level_label`, with short disease names (for plots)."""
    if variable == "disease" and str(level) in SHORT_DISEASES:
        return SHORT_DISEASES[str(level)]
    return level_label(variable, level)


def stratum_label(stratum: object) -> str:
    return ALL_PATIENTS if str(stratum) == STRATUM_ALL else disease_label(stratum)


def endpoint_label(endpoint: str) -> str:
    return ENDPOINTS.get(endpoint, endpoint)


def term_factor(term: str) -> tuple[str | None, str]:
    """(factor, level) of a design term: ("disease", "ssc") for "diseasessc"; (None, term) for a number."""
    if term in VARIABLES:
        return None, term
    for factor in _FACTORS:
        if term.startswith(factor) and len(term) > len(factor):
            return factor, term[len(factor) :]
    return None, term


def term_label(term: str, references: Mapping[str, object] | None = None, *, short: bool = False) -> str:
    """A model term in words: "diseasessc" -> "Disease: Systemic sclerosis (vs Multiple sclerosis)".

    Terms are the design names of :mod:`remission.survival.design` (column name + level for a factor);
    ``references`` gives each factor's reference level when it is known.
    """
    if term in VARIABLES:
        return VARIABLES[term]
    for factor in _FACTORS:
        if term.startswith(factor) and len(term) > len(factor):
            level = term[len(factor) :]
            words = short_level_label if short else level_label
            text = f"{variable_label(factor)}: {words(factor, level)}"
            if references and factor in references:
                text += f" (vs {words(factor, references[factor])})"
            return text
    return term
