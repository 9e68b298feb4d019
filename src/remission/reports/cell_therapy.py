"""The report's section on cell therapies other than autologous HSCT (CAR-T, MSC, Treg…).

One part per product type of :func:`remission.analysis.cell_therapy.other_cell_therapies`: who (by
disease), for CAR-T the worst CRS and ICANS grade per patient (ASTCT), the disease-specific responses,
and overall and progression-free survival (Kaplan-Meier, curve and estimates). Small cohorts are said
to be small. Every number comes from :mod:`remission.analysis`; this module only formats.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from remission.analysis.cell_therapy import GRADES, IMMUNE_EFFECTOR_PRODUCTS, SMALL_NUMBERS, ProductCohort
from remission.analysis.flow import PRODUCT_WORDS
from remission.analysis.outcomes import YEAR, survival_estimates
from remission.reports.curves import plot_survival
from remission.reports.document import Block, Paragraph, Section, Table
from remission.reports.images import figure_block
from remission.reports.labels import disease_label
from remission.reports.numbers import format_percent_ci
from remission.survival import kaplan_meier

TITLE = "Cell therapy other than autologous HSCT"
TIMEPOINTS: tuple[tuple[float, str], ...] = ((100.0, "100 days"), (YEAR, "1 year"), (2 * YEAR, "2 years"))
SMALL = (
    "Small numbers: {n} patients. With fewer than {minimum} patients these figures describe the "
    "patients treated; the confidence intervals are wide and no comparison is made."
)
TOXICITY_WORDS = {"crs": "Cytokine release syndrome (CRS)", "icans": "ICANS"}
NO_RESPONSE = "no response definition for the disease"
DEFINITION_WORDS = {
    "assist_response": "ASSIST response (systemic sclerosis)",
    "doris_remission": "DORIS remission (SLE)",
    "eular_response": "EULAR response (rheumatoid arthritis)",
    "neda3": "NEDA-3 (multiple sclerosis)",
    "none": "none",
}


def _definition(code: str) -> str:
    if code.startswith("cdai_response"):
        return "CDAI response (Crohn's disease)"
    return DEFINITION_WORDS.get(code, code.replace("_", " "))


def _count_pct(n: int, total: int) -> str:
    return f"{n:,} ({100 * n / total:.0f}%)" if total else "0"


def _who(cohort: ProductCohort) -> Table:
    counts = cohort.frame["disease"].replace("", None).fillna("not recorded").value_counts()
    rows = tuple((disease_label(d) if d != "not recorded" else d, f"{n:,}") for d, n in counts.items())
    return Table(
        caption=f"{_name(cohort)}: patients by disease",
        header=("Disease", "Patients"),
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
        rows.append((words, *(_count_pct(n, cohort.n) for n in counts)))
        data += [(category, grade, n) for grade, n in zip(GRADES, counts, strict=True)]
    return Table(
        caption=f"{_name(cohort)}: worst CRS and ICANS grade per patient (ASTCT consensus grading)",
        header=("", "None", "Grade 1", "Grade 2", "Grade 3", "Grade 4", "Grade 5", "Not graded"),
        rows=tuple(rows),
        csv_name=f"{cohort.product_type}_crs_icans.csv",
        data=pd.DataFrame(data, columns=["category", "worst_grade", "n"]),
        numeric_columns=tuple(range(1, 8)),
        note="Adverse events of category CRS or ICANS with onset from the infusion to the end of follow-up; "
        "a patient counts once, at their worst grade.",
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
            str(r.outcome).replace("_", " "),
            _count_pct(int(r.n), cohort.n),
        )
        for r in counts.itertuples()
    )
    return Table(
        caption=f"{_name(cohort)}: disease-specific response",
        header=("Definition", "Response", "Patients"),
        rows=rows,
        csv_name=f"{cohort.product_type}_responses.csv",
        data=counts,
        numeric_columns=(2,),
    )


def _survival(cohort: ProductCohort) -> list[Block]:
    frame = cohort.frame
    os_fit = kaplan_meier(frame["os_days"].to_numpy(dtype=float), frame["os_event"].to_numpy(dtype=int))
    pfs_fit = kaplan_meier(frame["pfs_days"].to_numpy(dtype=float), frame["pfs_event"].to_numpy(dtype=int))
    name = _name(cohort)
    figure = figure_block(
        plot_survival(
            {"Overall survival": os_fit, "Progression-free survival": pfs_fit},
            title=f"{name}: survival",
            subtitle=f"n = {cohort.n:,}; day 0 = first {name} infusion",
            ylabel="Survival",
        ),
        f"{cohort.product_type}-survival",
        f"{name}: overall and progression-free survival (Kaplan-Meier) with 95% confidence bands.",
        f"Kaplan-Meier curves of overall and progression-free survival after {name}",
    )
    rows = []
    data = []
    for endpoint, time, event in (("OS", "os_days", "os_event"), ("PFS", "pfs_days", "pfs_event")):
        table = survival_estimates(frame, time=time, event=event, timepoints=TIMEPOINTS)
        rows.append(
            (
                endpoint,
                *(format_percent_ci(r.estimate, r.lower, r.upper) for r in table.itertuples()),
            )
        )
        data.append(table.assign(endpoint=endpoint))
    estimates = Table(
        caption=f"{name}: survival estimates (95% CI)",
        header=("Endpoint", *(label for _, label in TIMEPOINTS)),
        rows=tuple(rows),
        csv_name=f"{cohort.product_type}_estimates.csv",
        data=pd.concat(data, ignore_index=True),
        numeric_columns=(1, 2, 3),
    )
    return [figure, estimates]


def _name(cohort: ProductCohort) -> str:
    words = PRODUCT_WORDS.get(cohort.product_type, cohort.product_type)
    return words[:1].upper() + words[1:]


def cell_therapy_section(cohorts: Sequence[ProductCohort]) -> Section | None:
    """The section, or None when no patient received a cell therapy other than autologous HSCT."""
    if not cohorts:
        return None
    blocks: list[Block] = [
        Paragraph(
            "Patients treated with a cell therapy other than autologous HSCT are not in the main analysis. "
            "Each product is described here on its own: every patient with an infusion of it, day 0 = "
            "their first infusion of it, the same endpoint definitions and data cut-off."
        )
    ]
    for cohort in cohorts:
        name = _name(cohort)
        also = f"; {cohort.also_hsct:,} of them also had an autologous HSCT" if cohort.also_hsct else ""
        blocks.append(Paragraph(f"{name}: {cohort.n:,} patients{also}."))
        if cohort.small:
            blocks.append(Paragraph(SMALL.format(n=cohort.n, minimum=SMALL_NUMBERS), note=True))
        blocks.append(_who(cohort))
        if cohort.product_type in IMMUNE_EFFECTOR_PRODUCTS:
            blocks.append(_toxicity(cohort))
        blocks.append(_responses(cohort))
        blocks += _survival(cohort)
    return Section(TITLE, tuple(blocks), "cell-therapy")
