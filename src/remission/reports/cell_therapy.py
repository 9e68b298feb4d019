"""The report's section on cell therapies other than autologous HSCT (CAR-T, MSC, Treg…).

One part per product type of :func:`remission.analysis.cell_therapy.other_cell_therapies`: who (by
disease), for CAR-T the worst CRS and ICANS grade per patient (ASTCT), the disease-specific responses,
and overall and progression-free survival (Kaplan-Meier, curve and estimates). Small cohorts are said
to be small. Every number comes from :mod:`remission.analysis`; this module only formats.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext, pgettext

from remission.analysis.cell_therapy import (
    ENDPOINTS,
    GRADES,
    IMMUNE_EFFECTOR_PRODUCTS,
    SMALL_NUMBERS,
    TIMEPOINTS,
    ProductCohort,
)
from remission.analysis.flow import product_words
from remission.reports.curves import plot_survival
from remission.reports.document import Block, Paragraph, Section, Table
from remission.reports.images import figure_block
from remission.reports.labels import disease_label, endpoint_label
from remission.reports.numbers import format_count, format_percent_ci, localise, percent_sign
from remission.reports.tables import timepoint_label

TITLE = gettext_noop("Cell therapy other than autologous HSCT")  # translated where shown
TOXICITY_WORDS = {"crs": gettext_noop("Cytokine release syndrome (CRS)"), "icans": gettext_noop("ICANS")}
NO_RESPONSE = "no response definition for the disease"  # the outcome's code in the CSV table
NOT_RECORDED = "not recorded"  # the disease's code in the CSV table when it is missing
DEFINITION_WORDS = {  # marked for translators; translated where shown
    "assist_response": gettext_noop("ASSIST response (systemic sclerosis)"),
    "doris_remission": gettext_noop("DORIS remission (SLE)"),
    "eular_response": gettext_noop("EULAR response (rheumatoid arthritis)"),
    "neda3": gettext_noop("NEDA-3 (multiple sclerosis)"),
    "cdai_response": gettext_noop("CDAI response (Crohn's disease)"),
}
RESPONSE_WORDS = {  # the response decisions (remission.clinical.responses) in words
    "response": gettext_noop("response"),
    "no_response": gettext_noop("no response"),
    "remission": gettext_noop("remission"),
    "no_remission": gettext_noop("no remission"),
    "good": gettext_noop("good"),
    "moderate": gettext_noop("moderate"),
    "none": gettext_noop("none"),
    "neda": gettext_noop("NEDA"),
    "evidence_of_activity": gettext_noop("evidence of disease activity"),
    "not_computable": gettext_noop("not computable"),
    NO_RESPONSE: gettext_noop("no response definition for the disease"),
}


def _definition(code: str) -> str:
    if code.startswith("cdai_response"):
        return _(DEFINITION_WORDS["cdai_response"])
    if code == "none":
        return pgettext("response definition", "none")
    return _(DEFINITION_WORDS[code]) if code in DEFINITION_WORDS else code.replace("_", " ")


def _response(code: str) -> str:
    return _(RESPONSE_WORDS[code]) if code in RESPONSE_WORDS else code.replace("_", " ")


def _count_pct(n: int, total: int) -> str:
    if not total:
        return "0"
    return f"{format_count(n)} ({percent_sign(localise(f'{100 * n / total:.0f}'))})"


def _who(cohort: ProductCohort) -> Table:
    counts = cohort.frame["disease"].replace("", None).fillna(NOT_RECORDED).value_counts()
    rows = tuple(
        (disease_label(d) if d != NOT_RECORDED else _("not recorded"), format_count(n))
        for d, n in counts.items()
    )
    return Table(
        caption=_("%(product)s: patients by disease") % {"product": _name(cohort)},
        header=(_("Disease"), _("Patients")),
        rows=rows,
        csv_name=f"{cohort.product_type}_patients.csv",
        data=counts.rename_axis("disease").rename("n").reset_index(),
        numeric_columns=(1,),
    )


def _toxicity(cohort: ProductCohort) -> Table:
    table = cohort.toxicity
    rows = []
    data = []
    for category, words in TOXICITY_WORDS.items():
        worst = table[table["category"] == category]["worst"]
        counts = [int((worst == grade).sum()) for grade in GRADES]
        rows.append((_(words), *(_count_pct(n, cohort.n) for n in counts)))
        data += [(category, grade, n) for grade, n in zip(GRADES, counts, strict=True)]
    grades = [_("Grade %(grade)s") % {"grade": grade} for grade in ("1", "2", "3", "4", "5")]
    return Table(
        caption=_("%(product)s: worst CRS and ICANS grade per patient (ASTCT consensus grading)")
        % {"product": _name(cohort)},
        header=("", pgettext("grade", "None"), *grades, _("Not graded")),
        rows=tuple(rows),
        csv_name=f"{cohort.product_type}_crs_icans.csv",
        data=pd.DataFrame(data, columns=["category", "worst_grade", "n"]),
        numeric_columns=tuple(range(1, 8)),
        note=_(
            "Adverse events of category CRS or ICANS with onset from the infusion to the end of follow-up; "
            "a patient counts once, at their worst grade."
        ),
    )


def _responses(cohort: ProductCohort) -> Table:
    frame = cohort.frame.assign(
        definition=cohort.frame["response_definition"].replace("", None).fillna("none"),
        outcome=cohort.frame["response"].replace("", None).fillna(NO_RESPONSE),
    )
    counts = frame.groupby(["definition", "outcome"], sort=True).size().rename("n").reset_index()
    rows = tuple(
        (
            _definition(str(r.definition)),
            _response(str(r.outcome)),
            _count_pct(int(r.n), cohort.n),
        )
        for r in counts.itertuples()
    )
    return Table(
        caption=_("%(product)s: disease-specific response") % {"product": _name(cohort)},
        header=(_("Definition"), _("Response"), _("Patients")),
        rows=rows,
        csv_name=f"{cohort.product_type}_responses.csv",
        data=counts,
        numeric_columns=(2,),
    )


def _survival(cohort: ProductCohort) -> list[Block]:
    name, product = _name(cohort), str(product_words(cohort.product_type))
    figure = figure_block(
        plot_survival(
            {endpoint_label(endpoint): cohort.survival[endpoint] for endpoint, _t, _e in ENDPOINTS},
            title=_("%(product)s: survival") % {"product": name},
            subtitle=_("n = %(n)s; day 0 = first infusion of %(product)s")
            % {"n": format_count(cohort.n), "product": product},
            ylabel=_("Survival"),
        ),
        f"{cohort.product_type}-survival",
        _("%(product)s: overall and progression-free survival (Kaplan-Meier) with 95%% confidence bands.")
        % {"product": name},
        _("Kaplan-Meier curves of overall and progression-free survival after %(product)s")
        % {"product": product},
    )
    rows = []
    for endpoint, _time, _event in ENDPOINTS:
        table = cohort.estimates[cohort.estimates["endpoint"] == endpoint]
        rows.append(
            (
                endpoint_label(endpoint),
                *(format_percent_ci(r.estimate, r.lower, r.upper) for r in table.itertuples()),
            )
        )
    estimates = Table(
        caption=_("%(product)s: survival estimates (95%% CI)") % {"product": name},
        header=(_("Endpoint"), *(timepoint_label(label) for _day, label in TIMEPOINTS)),
        rows=tuple(rows),
        csv_name=f"{cohort.product_type}_estimates.csv",
        data=cohort.estimates,
        numeric_columns=(1, 2, 3),
    )
    return [figure, estimates]


def _name(cohort: ProductCohort) -> str:
    """The product in words, with a capital letter (at the start of a sentence or caption)."""
    return str(product_words(cohort.product_type).capitalised())


def _patients(cohort: ProductCohort) -> str:
    values = {"product": _name(cohort), "n": format_count(cohort.n), "also": format_count(cohort.also_hsct)}
    if cohort.also_hsct:
        return (
            ngettext(
                "%(product)s: %(n)s patient; %(also)s of them also had an autologous HSCT.",
                "%(product)s: %(n)s patients; %(also)s of them also had an autologous HSCT.",
                cohort.n,
            )
            % values
        )
    return ngettext("%(product)s: %(n)s patient.", "%(product)s: %(n)s patients.", cohort.n) % values


def cell_therapy_section(cohorts: Sequence[ProductCohort]) -> Section | None:
    """The section, or None when no patient received a cell therapy other than autologous HSCT."""
    if not cohorts:
        return None
    blocks: list[Block] = [
        Paragraph(
            _(
                "Patients treated with a cell therapy other than autologous HSCT are not in the main "
                "analysis. Each product is described here on its own: every patient with an infusion of it, "
                "day 0 = their first infusion of it, the same endpoint definitions and data cut-off."
            )
        )
    ]
    for cohort in cohorts:
        blocks.append(Paragraph(_patients(cohort)))
        if cohort.small:
            small = ngettext(
                "Small numbers: %(n)s patient. With fewer than %(minimum)s patients these figures describe "
                "the patients treated; the confidence intervals are wide and no comparison is made.",
                "Small numbers: %(n)s patients. With fewer than %(minimum)s patients these figures describe "
                "the patients treated; the confidence intervals are wide and no comparison is made.",
                cohort.n,
            ) % {"n": format_count(cohort.n), "minimum": SMALL_NUMBERS}
            blocks.append(Paragraph(small, note=True))
        blocks.append(_who(cohort))
        if cohort.product_type in IMMUNE_EFFECTOR_PRODUCTS:
            blocks.append(_toxicity(cohort))
        blocks.append(_responses(cohort))
        blocks += _survival(cohort)
    return Section(_(TITLE), tuple(blocks), "cell-therapy")
