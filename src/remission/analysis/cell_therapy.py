"""Cell therapies other than autologous HSCT (CAR-T, MSC, regulatory T cells…): their own analysis.

They are not in the main analysis (whose day 0 is the first autologous HSCT; the patient flow counts
them out by product type). Here each product type is analysed on its own: every patient with an
infusion of that product, day 0 = their first infusion of it, the same endpoint derivation and the same
data cut-off as the main analysis (:func:`remission.analysis.endpoints.derive_endpoints` with that
product as the selection). A patient who also had an autologous HSCT is in both analyses.

For immune-effector-cell products (CAR-T) the cytokine release syndrome (CRS) and immune effector
cell-associated neurotoxicity syndrome (ICANS) are summarised by each patient's worst grade (ASTCT
consensus grading, [@Lee2019]), counting adverse events of
category ``crs``/``icans`` with onset from day 0 to the end of follow-up.

Overall and progression-free survival of each product are Kaplan-Meier estimates (the curves, and the
estimates at :data:`TIMEPOINTS`).

Registry cohorts of these products are small: :data:`SMALL_NUMBERS` says below how many patients the
numbers are to be read as a description, not an estimate (the report says so).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from remission.analysis.endpoints import InfusionSelection, PatientCourse, derive_endpoints
from remission.analysis.outcomes import YEAR, estimates_at
from remission.registry.codes import AdverseEventCategory, ProductType
from remission.survival import KaplanMeierResult, kaplan_meier

OTHER_PRODUCTS: tuple[str, ...] = (
    ProductType.CAR_T.value,
    ProductType.MSC.value,
    ProductType.TREG.value,
    ProductType.ALLOGENEIC_HSC.value,
    ProductType.OTHER.value,
)
IMMUNE_EFFECTOR_PRODUCTS = frozenset({ProductType.CAR_T.value})
TOXICITIES: tuple[str, ...] = (AdverseEventCategory.CRS.value, AdverseEventCategory.ICANS.value)
GRADES: tuple[str, ...] = ("none", "1", "2", "3", "4", "5", "not graded")
SMALL_NUMBERS = 30
TIMEPOINTS: tuple[tuple[float, str], ...] = ((100.0, "100 days"), (YEAR, "1 year"), (2 * YEAR, "2 years"))
ENDPOINTS: tuple[tuple[str, str, str], ...] = (
    ("OS", "os_days", "os_event"),
    ("PFS", "pfs_days", "pfs_event"),
)


@dataclass(frozen=True)
class ProductCohort:
    """One product type: the endpoint rows (one per patient, day 0 = the first infusion of it) and, for an
    immune-effector-cell product, each patient's worst CRS and ICANS grade (``toxicity``: registry_id,
    category, worst — one of :data:`GRADES`); the Kaplan-Meier curves of :data:`ENDPOINTS` (``survival``,
    by endpoint) and their estimates at :data:`TIMEPOINTS` (``estimates``: endpoint, timepoint, time_days,
    estimate, lower, upper)."""

    product_type: str
    frame: pd.DataFrame
    toxicity: pd.DataFrame
    also_hsct: int  # of these patients, how many also had an autologous HSCT
    survival: Mapping[str, KaplanMeierResult]
    estimates: pd.DataFrame

    @property
    def n(self) -> int:
        return len(self.frame)

    @property
    def small(self) -> bool:
        return self.n < SMALL_NUMBERS


def worst_grade(course: PatientCourse, category: str, day0: dt.date, end: dt.date) -> str:
    """The worst grade of ``category`` events with onset in [day0, end]: "none" when there is none,
    "not graded" when every such event lacks a grade."""
    events = [t for t in course.toxicities if t.category == category and day0 <= t.onset_date <= end]
    if not events:
        return "none"
    grades = [t.grade for t in events if t.grade is not None]
    return str(max(grades)) if grades else "not graded"


def other_cell_therapies(
    courses: Iterable[PatientCourse],
    *,
    cutoff: dt.date | None,
    products: Iterable[str] = OTHER_PRODUCTS,
) -> tuple[ProductCohort, ...]:
    """A :class:`ProductCohort` for each of ``products`` that some patient received (on or before the
    cut-off), in the order of ``products``."""
    courses = tuple(courses)
    by_id = {c.registry_id: c for c in courses}
    out: list[ProductCohort] = []
    for product in products:
        # only the patients who received the product can have a row (the rest would each be left out)
        received = [c for c in courses if any(i.product_type == product for i in c.infusions)]
        endpoints = derive_endpoints(
            received, selection=InfusionSelection(product_types=frozenset({product})), cutoff=cutoff
        )
        if not endpoints.rows:
            continue
        rows = []
        if product in IMMUNE_EFFECTOR_PRODUCTS:
            for row in endpoints.rows:
                course = by_id[row.registry_id]
                for category in TOXICITIES:
                    grade = worst_grade(course, category, row.infusion_date, row.last_contact)
                    rows.append((row.registry_id, category, grade))
        also = sum(
            any(
                i.product_type == ProductType.AUTOLOGOUS_HSC.value and (cutoff is None or i.date <= cutoff)
                for i in by_id[r.registry_id].infusions
            )
            for r in endpoints.rows
        )
        frame = endpoints.to_frame()
        survival, estimates = _survival(frame)
        out.append(
            ProductCohort(
                product_type=product,
                frame=frame,
                toxicity=pd.DataFrame(rows, columns=["registry_id", "category", "worst"]),
                also_hsct=int(also),
                survival=survival,
                estimates=estimates,
            )
        )
    return tuple(out)


def _survival(frame: pd.DataFrame) -> tuple[dict[str, KaplanMeierResult], pd.DataFrame]:
    """The Kaplan-Meier curve of each of :data:`ENDPOINTS`, and the estimates at :data:`TIMEPOINTS`."""
    curves: dict[str, KaplanMeierResult] = {}
    estimates = []
    for endpoint, time, event in ENDPOINTS:
        curves[endpoint] = kaplan_meier(
            frame[time].to_numpy(dtype=np.float64), frame[event].to_numpy(dtype=np.int64)
        )
        estimates.append(estimates_at(curves[endpoint], TIMEPOINTS).assign(endpoint=endpoint))
    return curves, pd.concat(estimates, ignore_index=True)
