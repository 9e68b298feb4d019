"""The notebook API: the registry as one tidy analysis data set.

    >>> from remission.analysis import load_cohort
    >>> df = load_cohort(database_url="postgres://me@db/remission", disease="ms")   # doctest: +SKIP

One row per analysed infusion (by default each patient's first autologous HSCT). ``database_url`` starts
Django for that database when Django is not running yet (through the one start-up entry point,
:func:`remission.settings.startup.start_django`); inside a running Django (a test, the web app,
``remission shell``) leave it out or name the same database. ``user=None`` reads as the command line
(:data:`~remission.registry.access.SYSTEM`, every centre); pass a user to read what that user may read.

:func:`load_analysis_set` is the query (:func:`~remission.analysis.columns.read_registry_columns`: the
registry as columns) followed by :func:`derive_analysis_set_from_columns` (endpoints as array operations);
:func:`derive_analysis_set` is the same step on the per-patient courses of
:func:`~remission.analysis.loader.load_courses` (its test oracle, and the road for a few patients' courses).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from django.utils.translation import gettext_noop

from remission.analysis.cohorts import (
    DEFAULT_COHORT_SETTINGS,
    Choice,
    Cohort,
    CohortSettings,
    add_cohort_columns,
    criteria,
)
from remission.analysis.endpoints import (
    DEFAULT_SETTINGS,
    FIRST_AUTOLOGOUS_HSCT,
    EndpointSettings,
    InfusionSelection,
    LeftOut,
    derive_endpoints,
)
from remission.analysis.endpoints.derive import findings_frame
from remission.analysis.flow import (
    CUTOFF_GIVEN,
    DataCutoff,
    PatientFlow,
    patient_flow,
    product_words,
)
from remission.analysis.words import Words, words
from remission.registry.codes import ProductType
from remission.registry.dates import as_days
from remission.registry.findings import Finding
from remission.settings.startup import start_django

if TYPE_CHECKING:
    from remission.analysis.loader import RegistryExtract


BLANK_IS_MISSING = ("disease", "subtype", "intensity", "regimen", "centre", "country")
LEADING_COLUMNS = (
    "registry_id",
    "centre",
    "country",
    "disease",
    "subtype",
    "infusion_date",
    "age",
    "sex",
    "era",
    "intensity",
    "product_type",
    "centre_experience",
    "os_days",
    "os_event",
    "pfs_days",
    "pfs_event",
    "cr_days",
    "cr_cause",
)


@dataclass(frozen=True)
class AnalysisSet:
    """The analysis data set with what derivation found wrong and whom it had to leave out."""

    frame: pd.DataFrame
    findings: pd.DataFrame
    excluded: tuple[str, ...]
    cutoff: dt.date | None
    selection: InfusionSelection = field(default=FIRST_AUTOLOGOUS_HSCT)
    flow: PatientFlow | None = None  # who is in the registry, who is left out and why, who is analysed
    left_out: tuple[LeftOut, ...] = ()  # every patient without an analysed infusion, with the rule


def derive_analysis_set(
    extract: RegistryExtract,
    *,
    cohort: Cohort | None = None,
    cutoff: dt.date | DataCutoff | None = None,
    selection: InfusionSelection = FIRST_AUTOLOGOUS_HSCT,
    settings: EndpointSettings = DEFAULT_SETTINGS,
    cohort_settings: CohortSettings = DEFAULT_COHORT_SETTINGS,
) -> AnalysisSet:
    """The derivation step on what the loader read: endpoints, the cohort columns, ``cohort`` selected,
    and the patient flow (:mod:`.flow`) from everyone the extract holds to the analysed rows.

    ``cutoff`` must be the one the extract was read with (:func:`~remission.analysis.loader.load_courses`);
    a :class:`~.flow.DataCutoff` also says by which rule it was set (:func:`~.flow.data_cut_off`).
    """
    if cutoff is not None and not isinstance(cutoff, DataCutoff):
        cutoff = DataCutoff(cutoff, CUTOFF_GIVEN)
    cutoff_date = cutoff.date if cutoff is not None else None
    endpoints = derive_endpoints(extract.courses, selection=selection, cutoff=cutoff_date, settings=settings)
    return assemble_analysis_set(
        Endpoints(endpoints.to_frame(), endpoints.findings, endpoints.excluded, endpoints.left_out),
        infusions=infusions_frame(extract),
        in_registry=len(extract.courses),
        cohort=cohort,
        cutoff=cutoff,
        selection=selection,
        cohort_settings=cohort_settings,
    )


def derive_analysis_set_from_columns(
    tables: Mapping[str, Mapping[str, np.ndarray]],
    *,
    cohort: Cohort | None = None,
    cutoff: dt.date | DataCutoff | None = None,
    selection: InfusionSelection = FIRST_AUTOLOGOUS_HSCT,
    settings: EndpointSettings = DEFAULT_SETTINGS,
    cohort_settings: CohortSettings = DEFAULT_COHORT_SETTINGS,
) -> AnalysisSet:
    """:func:`derive_analysis_set` from the registry read as columns
    (:func:`remission.analysis.columns.read_registry_columns`, with the same ``cutoff``), the endpoints
    derived as array operations (:func:`remission.analysis.endpoints.columnar.derive_columns`): the same
    analysis set, faster."""
    from remission.analysis.endpoints.columnar import derive_columns

    if cutoff is not None and not isinstance(cutoff, DataCutoff):
        cutoff = DataCutoff(cutoff, CUTOFF_GIVEN)
    derived = derive_columns(
        tables, selection=selection, cutoff=cutoff.date if cutoff is not None else None, settings=settings
    )
    return assemble_analysis_set(
        Endpoints(derived.frame, derived.findings, derived.excluded, derived.left_out),
        infusions=infusions_frame_of_columns(tables),
        in_registry=len(tables["patients"]["pk"]),
        cohort=cohort,
        cutoff=cutoff,
        selection=selection,
        cohort_settings=cohort_settings,
    )


def infusions_frame_of_columns(tables: Mapping[str, Mapping[str, np.ndarray]]) -> pd.DataFrame:
    """:func:`infusions_frame` from the registry's columns: every infusion of a patient read, with the
    code of the patient's centre."""
    patients, centres, infusions = tables["patients"], tables["centres"], tables["infusions"]
    code_of_centre = dict(zip(centres["pk"].tolist(), centres["code"].tolist(), strict=True))
    centre_of_patient = {
        pk: code_of_centre.get(centre, "")
        for pk, centre in zip(patients["pk"].tolist(), patients["centre_id"].tolist(), strict=True)
    }
    read = np.array([pk in centre_of_patient for pk in infusions["patient_id"].tolist()], dtype=bool)
    return pd.DataFrame(
        {
            "infusion_id": np.asarray(infusions["pk"][read], dtype=np.int64),
            "centre": np.array(
                [centre_of_patient[pk] for pk in infusions["patient_id"][read].tolist()], dtype=object
            ),
            "date": pd.to_datetime(infusions["date"][read]),
            "product_type": np.asarray(infusions["product_type"][read], dtype=object),
        }
    )


@dataclass(frozen=True)
class Endpoints:
    """Derived endpoints, however derived (per patient,
    :func:`~remission.analysis.endpoints.derive_endpoints`; or as columns,
    :func:`~remission.analysis.endpoints.columnar.derive_columns`): the frame of
    :data:`~remission.analysis.endpoints.COLUMNS`, the findings, the patients excluded (death before the
    infusion) and every patient left out with the rule."""

    frame: pd.DataFrame
    findings: tuple[Finding, ...]
    excluded: tuple[str, ...]
    left_out: tuple[LeftOut, ...]


def assemble_analysis_set(
    endpoints: Endpoints,
    *,
    infusions: pd.DataFrame,
    in_registry: int,
    cohort: Cohort | None,
    cutoff: DataCutoff | None,
    selection: InfusionSelection,
    cohort_settings: CohortSettings,
) -> AnalysisSet:
    """The analysis set from derived endpoints: blanks as missing, the cohort columns (centre experience
    from ``infusions``, :func:`infusions_frame`'s columns), ``cohort`` selected, and the patient flow
    from the ``in_registry`` patients read to the analysed rows."""
    frame = endpoints.frame.copy()
    for name in BLANK_IS_MISSING:  # "" = not recorded: missing, so that Table 1 counts it as such
        frame[name] = frame[name].replace("", None)
    frame = add_cohort_columns(frame, infusions, cohort_settings)
    frame = frame[[*LEADING_COLUMNS, *(c for c in frame.columns if c not in LEADING_COLUMNS)]]
    filtered: list[tuple[str, str, int]] = []
    if cohort is not None:
        keep = np.ones(len(frame), dtype=bool)
        for name, wanted, meets in criteria(frame, cohort):
            meets_now = keep & meets.to_numpy(dtype=bool)
            filtered.append((name, wanted, int(keep.sum() - meets_now.sum())))
            keep = meets_now
        frame = frame[keep]
    flow = patient_flow(
        in_registry=in_registry,
        left_out=endpoints.left_out,
        filtered=filtered,
        analysed=len(frame),
        selection=selection_words(selection),
        cutoff=cutoff,
    )
    return AnalysisSet(
        frame=frame.reset_index(drop=True),
        findings=findings_frame(endpoints.findings),
        excluded=endpoints.excluded,
        cutoff=cutoff.date if cutoff is not None else None,
        selection=selection,
        flow=flow,
        left_out=endpoints.left_out,
    )


def selection_words(selection: InfusionSelection) -> Words:
    """The analysed infusion in words: "autologous HSCT" by default."""
    products = sorted(selection.product_types or ())
    if products == [ProductType.AUTOLOGOUS_HSC.value]:
        kind = words(gettext_noop("autologous HSCT"))
    elif not products:
        kind = words(gettext_noop("infusion"))
    else:
        named = product_words(products[0])
        for p in products[1:]:
            named = words(gettext_noop("%(first)s or %(second)s"), first=named, second=product_words(p))
        kind = words(gettext_noop("%(products)s infusion"), products=named)
    if selection.sequence is None:
        return kind
    return words(gettext_noop("%(kind)s number %(sequence)s"), kind=kind, sequence=selection.sequence)


def infusions_frame(extract: RegistryExtract) -> pd.DataFrame:
    """Every infusion the loader read (``infusion_id``, ``centre``, ``date``, ``product_type``): the input
    of centre experience."""
    rows = extract.infusions
    return pd.DataFrame(
        {
            "infusion_id": np.array([r.infusion_id for r in rows], dtype=np.int64),
            "centre": np.array([r.centre for r in rows], dtype=object),
            "date": pd.to_datetime(as_days([r.date for r in rows])),
            "product_type": np.array([r.product_type for r in rows], dtype=object),
        }
    )


def load_analysis_set(
    *,
    database_url: str | None = None,
    user: Any = None,
    cohort: Cohort | None = None,
    cutoff: dt.date | DataCutoff | None = None,
    selection: InfusionSelection = FIRST_AUTOLOGOUS_HSCT,
    settings: EndpointSettings = DEFAULT_SETTINGS,
    cohort_settings: CohortSettings = DEFAULT_COHORT_SETTINGS,
) -> AnalysisSet:
    """Read the registry as columns (:func:`~remission.analysis.columns.read_registry_columns`), then
    :func:`derive_analysis_set_from_columns`."""
    start_django(database_url=database_url)
    from remission.analysis.columns import read_registry_columns
    from remission.registry.access import SYSTEM

    day = cutoff.date if isinstance(cutoff, DataCutoff) else cutoff
    tables = read_registry_columns(SYSTEM if user is None else user, day)
    return derive_analysis_set_from_columns(
        tables,
        cohort=cohort,
        cutoff=cutoff,
        selection=selection,
        settings=settings,
        cohort_settings=cohort_settings,
    )


def load_cohort(
    *,
    database_url: str | None = None,
    user: Any = None,
    disease: Choice = None,
    subtype: Choice = None,
    centre: Choice = None,
    country: Choice = None,
    era: Choice = None,
    sex: Choice = None,
    intensity: Choice = None,
    product_type: Choice = None,
    age_min: float | None = None,
    age_max: float | None = None,
    infusion_from: dt.date | None = None,
    infusion_to: dt.date | None = None,
    experienced: bool | None = None,
    cutoff: dt.date | None = None,
    selection: InfusionSelection = FIRST_AUTOLOGOUS_HSCT,
    settings: EndpointSettings = DEFAULT_SETTINGS,
    cohort_settings: CohortSettings = DEFAULT_COHORT_SETTINGS,
) -> pd.DataFrame:
    """The tidy analysis data set: one row per analysed infusion (see :data:`LEADING_COLUMNS` for the
    first columns; engraftment, secondary events and response columns follow). The filters are those of
    :class:`~remission.analysis.cohorts.Cohort`; ``cutoff`` is the data cut-off date. Findings: use
    :func:`load_analysis_set`."""
    cohort = Cohort(
        disease=disease,
        subtype=subtype,
        centre=centre,
        country=country,
        era=era,
        sex=sex,
        intensity=intensity,
        product_type=product_type,
        age_min=age_min,
        age_max=age_max,
        infusion_from=infusion_from,
        infusion_to=infusion_to,
        experienced=experienced,
    )
    return load_analysis_set(
        database_url=database_url,
        user=user,
        cohort=cohort,
        cutoff=cutoff,
        selection=selection,
        settings=settings,
        cohort_settings=cohort_settings,
    ).frame
