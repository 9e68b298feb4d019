"""The REST API: routes, token authentication and the error shape.

Authentication: ``Authorization: Bearer rms_…`` with a token made on the web page *API tokens* (a token
cannot make tokens). A token expires (90 days unless its maker chose fewer) and has a scope: ``read``
tokens may read and screen but not write (403), ``read-write`` tokens may do what their user may. The
token's user has the same centres and role as on the web, enforced by the same selectors and services;
another centre's record is a 404.

Errors, always, and never an HTML page: ``{"errors": [{"record": …, "field": …, "rule": …, "message": …}],
"request_id": …}`` with 400 (the body or a header could not be read), 401 (no, bad or expired token), 403
(the role or the token's scope may not do this), 404 (no such path, or no such record for you), 405 (the
path has no such method), 409 (the record changed since the version you read: each error adds ``yours``
and ``theirs``), 413 (the body is too large), 422 (a rule was broken) and 500 (the server failed; quote
``request_id``, under which the server logged it).
"""

# No ``from __future__ import annotations`` here: django-ninja reads the route signatures, whose body
# types are schema classes built at import time (``schemas.py``).

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DataError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Body, NinjaAPI, Path, Query, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer
from pydantic import Field, create_model

from remission.analysis.prediction.current import stored_prediction
from remission.api import exports as export_routes
from remission.api import fhir as fhir_routes
from remission.api import imports as import_routes
from remission.api import outcomes as estimates
from remission.api import queries as query_routes
from remission.api import schemas
from remission.api import worklist as worklist_routes
from remission.api.docs import docs_signin
from remission.api.errors import RULE_BY_STATUS, document_errors, error_body, server_error_response
from remission.api.middleware import logger, too_large
from remission.api.schemas import Errors, Id
from remission.clinical.candidate import check_and_screen
from remission.registry import selectors, services
from remission.registry.access import scope_for
from remission.registry.errors import NotFound, PermissionDenied, Problem, StaleEdit, ValidationFailed
from remission.registry.kinds import KINDS, PATIENT_KIND, Kind
from remission.registry.selectors import tokens as token_reads
from remission.registry.selectors.browse import PATIENT_STATUSES, QUALITY_FLAGS
from remission.registry.services import tokens

PLURALS = {
    "diagnosis": "diagnoses",
    "prior-therapy": "prior-therapies",
    "assessment": "assessments",
    "workup": "workups",
    "mobilisation": "mobilisations",
    "cell-product": "cell-products",
    "conditioning": "conditionings",
    "conditioning-agent": "conditioning-agents",
    "infusion": "infusions",
    "engraftment": "engraftments",
    "adverse-event": "adverse-events",
    "lab-result": "lab-results",
    "follow-up": "follow-ups",
    "outcome-event": "outcome-events",
}
CHANGED_SINCE = "changed by someone else since version {read} (now {now})"
UNAUTHORISED = "a valid API token is required: Authorization: Bearer rms_…"
NOT_A_RECORD = "{what} {pk} is not a record of patient {registry_id} that you can see"
REGISTRY_ID = Path(..., max_length=20)
RECORD_ID = Path(...)
CANDIDATE = Body(..., description="a candidate (docs/screening.md)")
ERRORS = {
    400: Errors,
    401: Errors,
    403: Errors,
    404: Errors,
    409: Errors,
    413: Errors,
    422: Errors,
    500: Errors,
    503: Errors,
}
# Operations a read token may call although their method is not GET: they compute and store nothing.
READ_ONLY_POSTS = frozenset({"/api/screening"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = tokens.token_authenticate(token)
        if found is None:
            return None
        request.user = found.user
        request.api_token = found
        if request.method in WRITE_METHODS and request.path_info not in READ_ONLY_POSTS:
            tokens.check_scope(found, write=True)
        return found.user


class RemissionAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """The document, with the error shape on every operation (the routers' too) for 400, 413, 500, 503."""
        return document_errors(super().get_openapi_schema(**kwargs))


api = RemissionAPI(
    title="Remission API",
    version="1",
    description=(__doc__ or "").split("\n\n", 1)[1],
    auth=TokenAuth(),
    urls_namespace="api",
    docs_url="/docs",
    docs_decorator=docs_signin,
)


def _errors(request: HttpRequest, status: int, items: list[dict[str, Any]]) -> HttpResponse:
    return api.create_response(request, error_body(request, items), status=status)


def _one(rule: str, message: str, *, record: str = "", field: str = "") -> list[dict[str, Any]]:
    return [{"record": record, "field": field, "rule": rule, "message": message}]


@api.exception_handler(ValidationFailed)
def _validation_failed(request: HttpRequest, exc: ValidationFailed) -> HttpResponse:
    items = [
        {"record": p.record, "field": p.field, "rule": p.rule, "message": p.message} for p in exc.problems
    ]
    return _errors(request, 422, items)


@api.exception_handler(StaleEdit)
def _stale(request: HttpRequest, exc: StaleEdit) -> HttpResponse:
    items = [
        {
            "record": exc.record,
            "field": c.field,
            "rule": "version_conflict",
            "message": CHANGED_SINCE.format(read=exc.read_version, now=exc.current_version),
            "yours": _jsonable(c.yours),
            "theirs": _jsonable(c.theirs),
        }
        for c in exc.conflicts
    ] or _one("version_conflict", str(exc), record=exc.record, field="version")
    return _errors(request, 409, items)


@api.exception_handler(NotFound)
def _not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
    return _errors(request, 404, _one("not_found", str(exc)))


@api.exception_handler(Http404)
def _http404(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _errors(request, 404, _one("not_found", str(exc) or "not found"))


@api.exception_handler(PermissionDenied)
def _denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _errors(request, 403, _one("permission", str(exc)))


@api.exception_handler(AuthenticationError)
def _unauthorised(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _errors(request, 401, _one("authentication", UNAUTHORISED))


@api.exception_handler(NinjaValidationError)
def _bad_request(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    items = []
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ())]
        where = loc[0] if loc else "request"
        field = ".".join(loc[1:] if where in ("body", "query", "path") else loc)
        if where == "body" and field.startswith("payload."):
            field = field[len("payload.") :]
        items.append(
            {
                "record": where,
                "field": field or where,
                "rule": str(error.get("type", "invalid")),
                "message": str(error.get("msg", "")),
            }
        )
    return _errors(request, 422, items)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """django-ninja's own refusals: 400 for a body that is not JSON (or not the declared form), 429."""
    status = exc.status_code
    where = "body" if status == 400 else "request"
    return _errors(request, status, _one(RULE_BY_STATUS.get(status, "error"), str(exc), record=where))


@api.exception_handler(RequestDataTooBig)
def _too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return too_large(request)


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """Anything else is a server error: logged with its traceback and the request id, answered as JSON
    with that id (never Django's HTML page nor, with DEBUG on, a traceback)."""
    logger.error(
        "Internal Server Error: %s",
        request.path,
        exc_info=exc,
        extra={"status_code": 500, "request": request},
    )
    return server_error_response(request)


@api.exception_handler(DataError)
def _data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    first = str(exc).splitlines()[0] if str(exc) else "value refused"
    return _errors(request, 422, _one("database", f"the database refused a value: {first}"))


TRY_AGAIN = (
    "the database was busy or the connection to it was lost; try again (a write is saved whole or not at "
    "all: read the record back before repeating a write)"
)
RETRY_AFTER_SECONDS = 2


@api.exception_handler(OperationalError)
def _database_unavailable(request: HttpRequest, exc: OperationalError) -> HttpResponse:
    """The database was locked past the busy timeout (SQLite) or the connection was lost (PostgreSQL):
    the transaction in flight was rolled back; the client is told to try again (503), not a 500."""
    logger.warning("Database unavailable: %s: %s", request.path, str(exc).splitlines()[0] if str(exc) else "")
    response = _errors(request, 503, _one("try_again", TRY_AGAIN, record="request"))
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def _page_size(size: int) -> int:
    return min(size, getattr(settings, "REMISSION_API_MAX_PAGE_SIZE", 500))


def _paged(rows: Any, page: int, size: int, dump: Any) -> dict[str, Any]:
    size = _page_size(size)
    count = rows.count()
    start = (page - 1) * size
    return {
        "count": count,
        "page": page,
        "page_size": size,
        "results": [dump(r) for r in rows[start : start + size]],
    }


# --- who am I ----------------------------------------------------------------------------------------


class MeOut(Schema):
    username: str
    roles: list[str]
    centres: list[str] = Field(description="codes of the centres whose records you may read")
    reads_all_centres: bool


@api.get("/me", response={200: MeOut, **ERRORS}, tags=["account"], operation_id="me")
def me(request: HttpRequest) -> dict[str, Any]:
    scope = scope_for(request.user)
    return {
        "username": request.user.username,
        "roles": sorted(scope.roles),
        "centres": [c.code for c in selectors.centre_list(user=request.user)],
        "reads_all_centres": scope.reads_everything,
    }


# --- tokens ------------------------------------------------------------------------------------------


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    scope: str = Field(description="read or read-write")
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


def _token(t: Any) -> dict[str, Any]:
    return {
        "id": t.pk,
        "name": t.name,
        "prefix": t.prefix,
        "scope": t.scope,
        "created_at": t.created_at,
        "expires_at": t.expires_at,
        "last_used_at": t.last_used_at,
        "revoked_at": t.revoked_at,
    }


@api.get("/tokens", response={200: list[TokenOut], **ERRORS}, tags=["account"], operation_id="token_list")
def token_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_token(t) for t in token_reads.token_list(user=request.user)[:200]]


# No operation makes tokens: a token cannot make tokens (the web page "API tokens" does, for a signed-in
# user). Revoking a token also revokes every token made with it (tokens made before tokens were refused).
@api.delete(
    "/tokens/{token_id}", response={200: TokenOut, **ERRORS}, tags=["account"], operation_id="token_revoke"
)
def token_revoke(request: HttpRequest, token_id: Id = RECORD_ID) -> dict[str, Any]:
    return _token(tokens.token_revoke(actor=request.user, pk=token_id))


# --- patients ----------------------------------------------------------------------------------------


class PatientOut(Schema):
    registry_id: str
    id: int
    version: int
    centre: str = Field(description="centre code")
    sex: str
    birth_year: int
    birth_month: int
    consent_status: str
    consent_version: str
    consent_date: dt.date | None
    consent_withdrawn_date: dt.date | None
    primary_disease: str | None = None
    first_infusion: dt.date | None = None
    last_follow_up: dt.date | None = None
    death_date: dt.date | None = None


class PatientPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[PatientOut]


class PatientIn(schemas.Strict):
    centre: schemas.Text = Field(..., max_length=32, description="centre code")
    sex: schemas.Text = Field(..., max_length=8, description="female, male or unknown")
    birth_year: int = Field(..., ge=1900, le=2100)
    birth_month: int = Field(..., ge=1, le=12)
    consent_status: schemas.Text = Field("given", max_length=16)
    consent_version: schemas.Text = Field("", max_length=40)
    consent_date: schemas.Day | None = None
    reason: schemas.Text = Field("", max_length=500)


class PatientFilters(Schema):
    centre: str | None = Field(None, max_length=32, description="centre code")
    disease: str | None = Field(None, max_length=32)
    status: str | None = Field(None, description="one of: " + ", ".join(PATIENT_STATUSES))
    infusion_year: int | None = Field(None, ge=1900, le=2100)
    flag: str | None = Field(None, description="data-quality flag, one of: " + ", ".join(QUALITY_FLAGS))
    search: str | None = Field(None, max_length=20, description="registry ID starts with")
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(50, ge=1, le=500)


def _patient(p: Any) -> dict[str, Any]:
    """A patient as ``PatientOut``, for the list and for one patient alike: ``p`` is a row of
    ``selectors.patient_browse`` (with its summary columns; a plain patient lacks them and fails here)."""
    data = {name: getattr(p, name) for name in PatientOut.model_fields if name != "centre"}
    data["centre"] = p.centre.code
    return data


def _patient_row(user: Any, registry_id: str) -> Any:
    """One patient as the list reads it (``patient_browse``), or NotFound as ``patient_get`` says it."""
    patient = selectors.patient_get(user=user, registry_id=registry_id)
    return selectors.patient_browse(user=user).get(pk=patient.pk)


def _bad_filter(field: str, message: str) -> ValidationFailed:
    from remission.registry.errors import Problem

    return ValidationFailed([Problem("query", field, "known_code", message)])


@api.get("/patients", response={200: PatientPage, **ERRORS}, tags=["patients"], operation_id="patient_list")
def patient_list(request: HttpRequest, filters: Query[PatientFilters]) -> dict[str, Any]:
    centre_id = None
    if filters.centre:
        centre_id = selectors.centre_get(user=request.user, code=filters.centre).pk
    if filters.status and filters.status not in PATIENT_STATUSES:
        raise _bad_filter("status", f"unknown status {filters.status!r}")
    if filters.flag and filters.flag not in QUALITY_FLAGS:
        raise _bad_filter("flag", f"unknown data-quality flag {filters.flag!r}")
    rows = selectors.patient_browse(
        user=request.user,
        centre_id=centre_id,
        disease=filters.disease,
        status=filters.status,
        infusion_year=filters.infusion_year,
        flag=filters.flag,
        search=filters.search,
    )
    return _paged(rows, filters.page, filters.page_size, _patient)


@api.post("/patients", response={201: PatientOut, **ERRORS}, tags=["patients"], operation_id="patient_create")
def patient_create(request: HttpRequest, payload: PatientIn) -> Status:
    centre = selectors.centre_get(user=request.user, code=payload.centre)
    patient = services.patient_register(
        actor=request.user, centre=centre, **payload.model_dump(exclude={"centre"})
    )
    return Status(201, _patient(_patient_row(request.user, patient.registry_id)))


@api.get(
    "/patients/{registry_id}",
    response={200: PatientOut, **ERRORS},
    tags=["patients"],
    operation_id="patient_get",
)
def patient_get(request: HttpRequest, registry_id: str = REGISTRY_ID) -> dict[str, Any]:
    return _patient(_patient_row(request.user, registry_id))


PatientPatch = schemas.patch_schema(PATIENT_KIND)


@api.patch(
    "/patients/{registry_id}",
    response={200: PatientOut, **ERRORS},
    tags=["patients"],
    operation_id="patient_update",
)
def patient_update(
    request: HttpRequest, payload: PatientPatch, registry_id: str = REGISTRY_ID
) -> dict[str, Any]:
    patient = selectors.patient_get(user=request.user, registry_id=registry_id)
    changes = payload.model_dump(exclude_unset=True, exclude={"version", "reason"})
    services.record_update(
        patient, actor=request.user, version=payload.version, changes=changes, reason=payload.reason
    )
    return _patient(_patient_row(request.user, registry_id))


# --- records of each kind ----------------------------------------------------------------------------


def _resolve_refs(user: Any, kind: Kind, patient: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Turn ``<field>_id`` keys into the patient's records (NotFound for anyone else's)."""
    for name, slug in kind.refs.items():
        key = f"{name}_id"
        if key not in data:
            continue
        pk = data.pop(key)
        if pk is None:
            data[name] = None
            continue
        target = KINDS[slug]
        try:
            record = selectors.record_get(user=user, model=target.model, pk=pk)
        except NotFound:
            record = None
        if record is None or record.patient_id != patient.pk:
            from remission.registry.errors import Problem

            message = NOT_A_RECORD.format(what=target.title, pk=pk, registry_id=patient.registry_id)
            raise ValidationFailed([Problem(kind.title, key, "same_patient", message)])
        data[name] = record
    return data


def _register_kind(kind: Kind) -> None:
    plural = PLURALS[kind.slug]
    Out = schemas.out_schema(kind)
    Page = create_model(
        f"{kind.model.__name__}Page",
        count=(int, ...),
        page=(int, ...),
        page_size=(int, ...),
        results=(list[Out], ...),
    )
    Patch = schemas.patch_schema(kind)
    tag = [kind.plural.lower()]

    def dump(record: Any) -> dict[str, Any]:
        return schemas.dump(kind, record)

    class Paging(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int = Field(50, ge=1, le=500)

    # the kind table lists agents with their conditioning; the API lists them on their own
    list_selector = (
        selectors.conditioning_agent_list if kind.slug == "conditioning-agent" else kind.list_selector
    )

    @api.get(
        f"/patients/{{registry_id}}/{plural}",
        response={200: Page, **ERRORS},
        tags=tag,
        operation_id=f"{kind.slug.replace('-', '_')}_list",
        summary=f"List a patient's {kind.plural.lower()}",
    )
    def list_records(
        request: HttpRequest, paging: Query[Paging], registry_id: str = REGISTRY_ID
    ) -> dict[str, Any]:
        patient = selectors.patient_get(user=request.user, registry_id=registry_id)
        rows = list_selector(user=request.user, patient=patient)
        return _paged(rows, paging.page, paging.page_size, dump)

    if kind.create is not None:
        In = schemas.create_schema(kind)

        @api.post(
            f"/patients/{{registry_id}}/{plural}",
            response={201: Out, **ERRORS},
            tags=tag,
            operation_id=f"{kind.slug.replace('-', '_')}_create",
            summary=f"Record a {kind.title.lower()}",
        )
        def create_record(
            request: HttpRequest,
            payload: In,
            registry_id: str = REGISTRY_ID,  # type: ignore[valid-type]
        ) -> Status:
            patient = selectors.patient_get(user=request.user, registry_id=registry_id)
            data = payload.model_dump(exclude_unset=True)
            reason = data.pop("reason", "")
            if "missing" in data and data["missing"] is None:
                data.pop("missing")
            data = _resolve_refs(request.user, kind, patient, data)
            if kind.slug == "conditioning" and "agents" in data:
                data["agents"] = [{k: v for k, v in a.items() if v is not None} for a in data["agents"]]
            record = kind.create(actor=request.user, patient=patient, values=data, reason=reason)
            return Status(201, dump(selectors.record_get(user=request.user, model=kind.model, pk=record.pk)))

    @api.get(
        f"/{plural}/{{record_id}}",
        response={200: Out, **ERRORS},
        tags=tag,
        operation_id=f"{kind.slug.replace('-', '_')}_get",
        summary=f"Read one {kind.title.lower()}",
    )
    def get_record(request: HttpRequest, record_id: Id = RECORD_ID) -> dict[str, Any]:
        return dump(selectors.record_get(user=request.user, model=kind.model, pk=record_id))

    @api.patch(
        f"/{plural}/{{record_id}}",
        response={200: Out, **ERRORS},
        tags=tag,
        operation_id=f"{kind.slug.replace('-', '_')}_update",
        summary=f"Edit a {kind.title.lower()} (naming the version you read)",
    )
    def update_record(request: HttpRequest, payload: Patch, record_id: Id = RECORD_ID) -> dict[str, Any]:  # type: ignore[valid-type]
        record = selectors.record_get(user=request.user, model=kind.model, pk=record_id)
        data = payload.model_dump(exclude_unset=True)
        version, reason = data.pop("version"), data.pop("reason", "")
        if "missing" in data and data["missing"] is None:
            data["missing"] = {}
        data = _resolve_refs(request.user, kind, record.patient, data)
        services.record_update(record, actor=request.user, version=version, changes=data, reason=reason)
        return dump(selectors.record_get(user=request.user, model=kind.model, pk=record_id))

    class DeleteQuery(Schema):
        version: int = Field(..., ge=1, le=schemas.INT_MAX)
        reason: str = Field(..., min_length=1, max_length=500)

    @api.delete(
        f"/{plural}/{{record_id}}",
        response={204: None, **ERRORS},
        tags=tag,
        operation_id=f"{kind.slug.replace('-', '_')}_delete",
        summary=f"Delete a {kind.title.lower()} (with the version you read and a reason)",
    )
    def delete_record(request: HttpRequest, query: Query[DeleteQuery], record_id: Id = RECORD_ID) -> Status:
        record = selectors.record_get(user=request.user, model=kind.model, pk=record_id)
        if "\x00" in query.reason:
            raise _bad_filter("reason", schemas.NUL_REFUSED)
        services.record_delete(record, actor=request.user, version=query.version, reason=query.reason)
        return Status(204, None)


for _kind in KINDS.values():
    _register_kind(_kind)


# --- screening ---------------------------------------------------------------------------------------


class SourceOut(Schema):
    key: str = Field(description="the key cited as [@key, where] in the criteria, scores and doses")
    reference: str
    doi: str
    pmid: str


class RiskOut(Schema):
    endpoint: str = Field(description="OS, PFS or NRM")
    quantity: str = Field(description="survival (OS, PFS) or cumulative incidence (NRM)")
    horizon_days: float
    horizon: str
    estimate: float
    lower: float
    upper: float
    conf_level: float
    label: str


class RefusalOut(Schema):
    predictor: str
    rule: str = Field(description="missing, invalid, disease_not_in_model, outside_range or level_not_seen")
    reason: str


class IntensityRowOut(Schema):
    intensity: str
    current: bool = Field(description="the intensity of the candidate's own regimen")
    status: str = Field(description="predicted or refused")
    risks: list[RiskOut]
    sentence: str
    predictors: dict[str, Any]
    refusal: RefusalOut | None


class ComparisonOut(Schema):
    caveat: str = Field(description="associations from observational data, not effects of the regimen")
    intensities: list[str]
    columns: list[dict[str, Any]] = Field(description="the risks of each row: endpoint, horizon, label")
    rows: list[IntensityRowOut]


class PredictionOut(Schema):
    status: str = Field(description="predicted, refused (see refusal) or no_model (see message)")
    message: str | None = Field(None, description="no_model: why there is no prediction")
    risks: list[RiskOut] = Field([], description="each predicted risk with its interval")
    sentence: str = Field("", description="the prediction in plain words")
    predictors: dict[str, Any] = Field({}, description="the predictors as the models coded them")
    refusal: RefusalOut | None = None
    model_version: str | None = None
    model: dict[str, Any] | None = Field(
        None, description="version, data cutoff, n, diseases, methods, events, calibration"
    )
    inputs: dict[str, Any] | None = Field(None, description="the predictors as read from the candidate")
    assumptions: list[str] = Field([], description="what was assumed for a value not given")
    comparison: ComparisonOut | None = Field(
        None, description="the same candidate under each regimen intensity the centre offers"
    )


class ScreeningOut(Schema):
    candidate_id: str
    disease: str
    verdict: str = Field(description="eligible, mdt_review, insufficient_data or not_eligible")
    eligibility: dict[str, Any]
    hct_ci: dict[str, Any]
    regimen: dict[str, Any] | None
    intensity: dict[str, Any] | None
    dose_tables: list[dict[str, Any]]
    dosing_missing: list[str]
    disagreements: list[str] = Field(description="where the candidate's values contradict each other")
    sources: list[SourceOut] = Field(description="every source cited above, each once (docs/sources.md)")
    prediction: PredictionOut | None = Field(
        None, description="with predict=true: the predicted outcomes from the registry's current model"
    )


PREDICT = Query(
    False,
    description="add the candidate's predicted outcomes (OS, PFS, NRM with intervals, or the refusal and "
    "its reason) from the registry's current prediction model, and the same by regimen intensity",
)


@api.post(
    "/screening", response={200: ScreeningOut, **ERRORS}, tags=["screening"], operation_id="screen_candidate"
)
def screen_candidate(
    request: HttpRequest, candidate: dict[str, Any] = CANDIDATE, predict: bool = PREDICT
) -> Any:
    report, problems = check_and_screen(candidate)
    if report is None:
        return _errors(request, 422, [{"record": "candidate", **p.to_dict()} for p in problems])
    answer = report.to_dict()
    if predict:
        answer["prediction"] = stored_prediction(candidate, report, user=request.user)
    return answer


# --- cohort outcome estimates ------------------------------------------------------------------------

ORDER_OF_DATES = "infusion_to ({to}) is before infusion_from ({start})"


@api.get(
    "/outcomes",
    response={200: schemas.OutcomesOut, **ERRORS},
    tags=["outcomes"],
    operation_id="cohort_outcomes",
    summary="Outcome estimates of a cohort (the numbers of the outcomes report)",
    description=(
        "OS and PFS (Kaplan-Meier), relapse/progression and NRM (cumulative incidence) at 100 days and "
        "1, 2, 3 and 5 years with 95 % CIs, overall, per disease and per group of `by`; the group "
        "comparisons (log-rank, Gray); on request the multivariable models (hazard ratios); median "
        "follow-up and Clark's completeness. Computed by the analysis layer over the patients you may "
        "read (a centre: its own patients; a statistician: every centre, de-identified: no registry ID "
        "in the answer). An empty cohort answers 200 with `n_patients` 0 and `empty` saying so. "
        "Answers are cached for 15 minutes per cohort and day; `refresh=true` recomputes."
    ),
)
def outcomes(request: HttpRequest, filters: Query[schemas.OutcomeFilters]) -> dict[str, Any]:
    if filters.centre is not None:
        readable = {c.code for c in selectors.centre_list(user=request.user)}
        if filters.centre not in readable:
            raise _bad_filter("centre", f"no centre {filters.centre!r} that you can read")
    start, to = filters.infusion_from, filters.infusion_to
    if start is not None and to is not None and to < start:
        message = ORDER_OF_DATES.format(to=to, start=start)
        raise ValidationFailed([Problem("query", "infusion_to", "date_order", message)])
    query = estimates.CohortQuery(
        disease=filters.disease,
        centre=filters.centre,
        sex=filters.sex,
        intensity=filters.intensity,
        product_type=filters.product_type,
        infusion_from=start,
        infusion_to=to,
        by=None if filters.by == "none" else filters.by,
        cutoff=filters.cutoff,
    )
    answer = estimates.cohort_outcomes(user=request.user, query=query, refresh=filters.refresh)
    return answer if filters.models else {**answer, "models": None}


# --- routers of their own modules: FHIR bundles, exports ---------------------------------------------
api.add_router("/patients", fhir_routes.router)
api.add_router("", export_routes.router)
api.add_router("", import_routes.router)
api.add_router("", query_routes.router)
api.add_router("", worklist_routes.router)
api.add_router("", "remission.api.completeness.router")

__all__ = ["api"]
