"""Request and response schemas: the record kinds', built from the record-kind table
(``remission.registry.kinds``), and the cohort outcome estimates'.

Each kind gets ``<Kind>In`` (create), ``<Kind>Patch`` (edit: the version read, a reason, and any of the
fields) and ``<Kind>Out``. References to other records are ``<field>_id`` integers. Bounds that the
database needs (integer widths, no NUL characters, finite numbers) are checked here, so that no input
reaches the database in a form it would refuse with a server error; every registry rule stays the
service's.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Annotated, Any, Literal

from django.db import models
from ninja import Schema
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model

from remission.clinical.diseases import DISEASES
from remission.registry.codes import Intensity, ProductType, Sex
from remission.registry.kinds import Kind
from remission.registry.ranges import EARLIEST_DATE, LATEST_DATE

NUL_REFUSED = "text must not contain NUL characters"
INT_MAX = 2**31 - 1
SMALL_MAX = 32767


def _no_nul(value: Any) -> Any:
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(NUL_REFUSED)
    elif isinstance(value, dict):
        for key, item in value.items():
            _no_nul(key)
            _no_nul(item)
    elif isinstance(value, list):
        for item in value:
            _no_nul(item)
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        raise ValueError("integer too large")
    elif isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        raise ValueError("number must be finite")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
Json = Annotated[Any, AfterValidator(_no_nul)]
Number = Annotated[float, Field(allow_inf_nan=False)]
Id = Annotated[int, Field(ge=1, le=INT_MAX)]
# A calendar date from input: within the registry's years (registry.ranges), else a 422 naming the field.
Day = Annotated[dt.date, Field(ge=EARLIEST_DATE, le=LATEST_DATE)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorItem(BaseModel):
    record: str
    field: str
    rule: str
    message: str
    yours: Any = None
    theirs: Any = None


class Errors(BaseModel):
    """Every API error: 400, 401, 403, 404, 405, 409, 413, 422 and 500 alike (remission.api.errors)."""

    errors: list[ErrorItem]
    request_id: str | None = Field(None, description="the request's id in the server's log")


def _python_type(field: models.Field) -> Any:
    if isinstance(field, models.BooleanField):
        return bool
    if isinstance(field, models.DateField):
        return Day
    if isinstance(field, models.PositiveSmallIntegerField):
        return Annotated[int, Field(ge=0, le=SMALL_MAX)]
    if isinstance(field, models.IntegerField):
        return Annotated[int, Field(ge=-INT_MAX, le=INT_MAX)]
    if isinstance(field, models.FloatField):
        return Number
    if isinstance(field, models.JSONField):
        if field.default is list:
            return list[Annotated[str, Field(max_length=60), AfterValidator(_no_nul)]]
        return Annotated[dict[Annotated[str, Field(max_length=100)], Json], AfterValidator(_no_nul)]
    if isinstance(field, models.CharField) and field.max_length:
        return Annotated[str, Field(max_length=field.max_length), AfterValidator(_no_nul)]
    return Text


def _description(field: models.Field) -> str | None:
    parts = [str(field.help_text)] if field.help_text else []
    if field.choices:
        parts.append("one of: " + ", ".join(str(v) for v, _ in field.choices))
    return "; ".join(parts) or None


def api_name(kind: Kind, name: str) -> str:
    field = kind.model._meta.get_field(name)
    return f"{name}_id" if field.is_relation else name


def _field_spec(kind: Kind, name: str, *, optional: bool) -> tuple[Any, Any]:
    field = kind.model._meta.get_field(name)
    kind_type = Id if field.is_relation else _python_type(field)
    required = not optional and not (field.null or field.blank or field.has_default())
    description = _description(field)
    if isinstance(field, models.JSONField) and not optional:
        return kind_type, Field(default_factory=field.default, description=description)
    if required:
        return kind_type, Field(..., description=description)
    return kind_type | None, Field(None, description=description)


class AgentIn(Strict):
    drug: Annotated[str, Field(max_length=60), AfterValidator(_no_nul)]
    dose: Number
    unit: Annotated[str, Field(max_length=8), AfterValidator(_no_nul)]
    days: Annotated[int, Field(ge=0, le=SMALL_MAX)] = 1
    weight_basis: Annotated[str, Field(max_length=24), AfterValidator(_no_nul)]
    body_size_value: Number | None = None


@cache
def create_schema(kind: Kind) -> type[BaseModel]:
    fields: dict[str, Any] = {api_name(kind, n): _field_spec(kind, n, optional=False) for n in kind.fields}
    if kind.takes_missing:
        fields["missing"] = (
            dict[Annotated[str, Field(max_length=40)], Annotated[str, Field(max_length=20)]] | None,
            Field(None, description="field -> why it is empty: not_evaluated, unknown, not_applicable"),
        )
    if kind.slug == "conditioning":
        fields["agents"] = (list[AgentIn], Field(default_factory=list, max_length=20))
    fields["reason"] = (Annotated[str, Field(max_length=500), AfterValidator(_no_nul)], "")
    return create_model(f"{kind.model.__name__}In", __base__=Strict, **fields)


@cache
def patch_schema(kind: Kind) -> type[BaseModel]:
    fields: dict[str, Any] = {api_name(kind, n): _field_spec(kind, n, optional=True) for n in kind.editable}
    if "missing" in getattr(kind.model, "EDITABLE_FIELDS", ()):
        fields["missing"] = (
            dict[Annotated[str, Field(max_length=40)], Annotated[str, Field(max_length=20)]] | None,
            Field(None),
        )
    fields["version"] = (
        Annotated[int, Field(ge=1, le=INT_MAX)],
        Field(..., description="the version you read"),
    )
    fields["reason"] = (Annotated[str, Field(max_length=500), AfterValidator(_no_nul)], "")
    return create_model(f"{kind.model.__name__}Patch", __base__=Strict, **fields)


@cache
def out_schema(kind: Kind) -> type[BaseModel]:
    fields: dict[str, Any] = {"id": (int, ...), "version": (int, ...)}
    if kind.slug != "patient":
        fields["patient"] = (str, Field(..., description="registry ID"))
    for name in kind.fields if kind.slug != "patient" else kind.editable:
        field = kind.model._meta.get_field(name)
        python = int if field.is_relation else _plain_type(field)
        fields[api_name(kind, name)] = (python | None, None)
    if hasattr(kind.model, "missing"):
        fields["missing"] = (dict[str, str], Field(default_factory=dict))
    return create_model(f"{kind.model.__name__}Out", **fields)


def _plain_type(field: models.Field) -> Any:
    if isinstance(field, models.BooleanField):
        return bool
    if isinstance(field, models.DateField):
        return dt.date
    if isinstance(field, models.IntegerField):
        return int
    if isinstance(field, models.FloatField):
        return float
    if isinstance(field, models.JSONField):
        return Any
    return str


def dump(kind: Kind, record: Any) -> dict[str, Any]:
    """A record as its ``<Kind>Out`` data."""
    data: dict[str, Any] = {"id": record.pk, "version": record.version}
    if kind.slug != "patient":
        data["patient"] = record.patient.registry_id
    for name in kind.fields if kind.slug != "patient" else kind.editable:
        field = kind.model._meta.get_field(name)
        data[api_name(kind, name)] = getattr(record, field.attname)
    if hasattr(record, "missing"):
        data["missing"] = dict(record.missing or {})
    return data


# --- cohort outcome estimates (GET /api/outcomes) -----------------------------------------------------

GROUPINGS = ("disease", "era", "intensity", "none")
NOT_ESTIMABLE = "null when it cannot be estimated (no event, or an infinite bound)"


class OutcomeFilters(Schema):
    """The cohort filters of the web outcomes page, the grouping, and the data cut-off."""

    disease: Literal[tuple(DISEASES)] | None = Field(None, description="disease code")  # type: ignore[valid-type]
    centre: str | None = Field(None, max_length=32, description="centre code (one you can read)")
    sex: Literal[tuple(Sex.values)] | None = None  # type: ignore[valid-type]
    intensity: Literal[tuple(Intensity.values)] | None = Field(  # type: ignore[valid-type]
        None, description="conditioning regimen intensity"
    )
    product_type: Literal[tuple(ProductType.values)] | None = None  # type: ignore[valid-type]
    infusion_from: Day | None = Field(None, description="infused on or after this day")
    infusion_to: Day | None = Field(None, description="infused on or before this day")
    by: Literal[GROUPINGS] = Field(  # type: ignore[valid-type]
        "disease", description="compare the groups of this column; none: no grouping"
    )
    cutoff: Day | None = Field(
        None,
        description="data cut-off: records after it are not counted, an infusion after it is not analysed "
        "(default: the date of data extraction, today)",
    )
    models: bool = Field(False, description="also return the hazard ratios of the multivariable models")
    refresh: bool = Field(False, description="recompute instead of answering from the cache")


class Estimate(BaseModel):
    stratum: str = Field(description="all, or a disease with enough patients")
    group: str = Field(description="all, or a group of `by`")
    endpoint: str = Field(
        description="OS, PFS (Kaplan-Meier), relapse/progression, NRM (cumulative incidence)"
    )
    timepoint: str
    time_days: float
    n: int = Field(description="patients in the stratum and group (not the number still at risk)")
    estimate: float | None = Field(description="survival or cumulative incidence, 0 to 1")
    lower: float | None = Field(description="95 % confidence limit; " + NOT_ESTIMABLE)
    upper: float | None = Field(description="95 % confidence limit; " + NOT_ESTIMABLE)


class GroupTest(BaseModel):
    stratum: str
    endpoint: str
    test: str = Field(description="log-rank (OS, PFS) or Gray (cumulative incidence)")
    statistic: float | None
    df: float | None
    p_value: float | None


class HazardRatio(BaseModel):
    stratum: str
    model: str = Field(description="Cox, Fine-Gray or cause-specific Cox")
    endpoint: str
    term: str
    hazard_ratio: float | None = Field(description=NOT_ESTIMABLE)
    lower: float | None
    upper: float | None
    p_value: float | None
    n: int
    n_event: int


class FollowUp(BaseModel):
    stratum: str
    n: int
    median_follow_up_days: float | None = Field(description="reverse Kaplan-Meier median")
    median_lower: float | None
    median_upper: float | None
    clark_c: float | None = Field(description="Clark's completeness index")
    observed_person_days: float | None
    potential_person_days: float | None


class FlowStepOut(BaseModel):
    stage: str = Field(description="registry, left out, or analysed")
    rule: str = Field(description="the named rule (registry, no_infusion, other_product:car_t, …, analysed)")
    reason: str = Field(description="the rule in words")
    n: int = Field(description="patients")


class OutcomesOut(BaseModel):
    filters: dict[str, str] = Field(description="the filters that were applied")
    by: str | None = Field(description="the grouping compared (null: none)")
    n_patients: int = Field(description="analysed patients (each one's first autologous HSCT)")
    n_excluded: int = Field(description="patients you may read who are left out, for any reason (see flow)")
    flow: list[FlowStepOut] = Field(
        description="the patient flow: in the registry (you may read), each reason to leave patients out "
        "with its count (the first that applies), analysed; the counts add up"
    )
    cutoff: dt.date | None = Field(description="the data cut-off used")
    cutoff_rule: str = Field(description="how the cut-off was set: given, or the date of data extraction")
    cutoff_is_latest_contact: bool = Field(
        description="always false: the cut-off defaults to the date of data extraction (kept for clients)"
    )
    computed_at: dt.datetime
    empty: str = Field(description="why there are no estimates (empty cohort), else empty")
    estimates: list[Estimate]
    tests: list[GroupTest]
    models: list[HazardRatio] | None = Field(description="null unless models=true")
    follow_up: list[FollowUp]
    notes: list[str] = Field(description="what could not be computed, and why")
