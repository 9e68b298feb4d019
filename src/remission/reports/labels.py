"""Words for codes: variable, level, endpoint and model-term labels as a reader sees them."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from remission.clinical.diseases import DISEASES
from remission.registry.codes import Intensity, ProductType, Sex

VARIABLES: dict[str, Promise] = {
    "n": _("Patients"),
    "age": _("Age at infusion, years"),
    "age_per_10y": _("Age (per 10 years)"),
    "centre_experience": _("Earlier AD procedures at the centre"),
    "sex": _("Sex"),
    "disease": _("Disease"),
    "era": _("Era of infusion"),
    "intensity": _("Conditioning intensity"),
    "product_type": _("Cell product"),
    "experienced": _("Experienced centre"),
    "subtype": _("Subtype"),
    "centre": _("Centre"),
    "country": _("Country"),
}
ENDPOINTS: dict[str, Promise] = {
    "OS": _("Overall survival"),
    "PFS": _("Progression-free survival"),
    "relapse/progression": _("Relapse or progression"),
    "NRM": _("Non-relapse mortality"),
}
# short disease names for plot legends, at-risk rows and model terms (the tables use the full names)
SHORT_DISEASES: dict[str, Promise] = {
    "ssc": _("Systemic sclerosis"),
    "ms": _("Multiple sclerosis"),
    "sle": _("SLE"),
    "ra": _("Rheumatoid arthritis"),
    "jia": _("JIA"),
    "crohn": _("Crohn's disease"),
    "cidp": _("CIDP"),
    "nmo": _("NMOSD"),
    "vasculitis": _("Vasculitis"),
    "myositis": _("Myositis"),
    "aic": _("Autoimmune cytopenia"),
    "t1d": _("Type 1 diabetes"),
    "celiac": _("Refractory coeliac disease"),
    "mg": _("Myasthenia gravis"),
    "stiff_person": _("Stiff-person syndrome"),
    "other": _("Other"),
}
# the cohort's criteria as a report heads them (the command line's filters)
FILTERS: dict[str, Promise] = {"disease": _("Disease"), "centre": _("Centre"), "infusion": _("Infusion")}
STRATUM_ALL = "all"
ALL_PATIENTS = _("All patients")
_YES, _NO = pgettext_lazy("answer", "yes"), pgettext_lazy("answer", "no")
_BOOLEAN = {"True": _YES, "False": _NO, "TRUE": _YES, "FALSE": _NO, "yes": _YES, "no": _NO}
# labels are worded when shown (in the report's language): lazy labels of the code lists, and the disease
# catalogue's names (marked in clinical/, translated here)
_LEVELS: dict[str, Mapping[str, object]] = {
    "sex": {str(choice.value): choice.label for choice in Sex},
    "intensity": {str(choice.value): choice.label for choice in Intensity},
    "product_type": {str(choice.value): choice.label for choice in ProductType},
    "disease": {code: disease.name for code, disease in DISEASES.items()},
    "experienced": _BOOLEAN,
}
# model factors, longest first so that "age_per_10y" is not read as "age" + level
_FACTORS = ("experienced", "product_type", "intensity", "disease", "sex", "era")


def variable_label(name: str) -> str:
    return str(VARIABLES[name]) if name in VARIABLES else capfirst(name.replace("_", " "))


def filter_label(name: str) -> str:
    return str(FILTERS[name])


def level_label(variable: str, level: object) -> str:
    text = str(level)
    label = _LEVELS.get(variable, {}).get(text)
    if label is None:
        return text
    return gettext(label) if isinstance(label, str) else str(label)


def disease_label(code: object) -> str:
    return level_label("disease", code)


def short_level_label(variable: str, level: object) -> str:
    """As :func:`level_label`, with short disease names (for plots)."""
    if variable == "disease" and str(level) in SHORT_DISEASES:
        return str(SHORT_DISEASES[str(level)])
    return level_label(variable, level)


def stratum_label(stratum: object) -> str:
    return str(ALL_PATIENTS) if str(stratum) == STRATUM_ALL else disease_label(stratum)


def endpoint_label(endpoint: str) -> str:
    return str(ENDPOINTS[endpoint]) if endpoint in ENDPOINTS else endpoint


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
        return str(VARIABLES[term])
    for factor in _FACTORS:
        if term.startswith(factor) and len(term) > len(factor):
            level = term[len(factor) :]
            words = short_level_label if short else level_label
            values = {"factor": variable_label(factor), "level": words(factor, level)}
            if references and factor in references:
                values["reference"] = words(factor, references[factor])
                return _("%(factor)s: %(level)s (vs %(reference)s)") % values
            return _("%(factor)s: %(level)s") % values
    return term
