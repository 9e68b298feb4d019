"""``GET /api/patients/{registry_id}/fhir``: one patient's FHIR R4 Bundle, byte for byte the file
``remission fhir export`` writes for that patient. Another centre's patient is a 404; every call is
audited as an export."""

# No ``from __future__ import annotations``: django-ninja reads the route signatures.

from django.http import HttpRequest, HttpResponse
from ninja import Path, Router

from remission.api.schemas import Errors
from remission.interop.fhir.bundle import bundle_bytes
from remission.interop.fhir.export import fhir_bundle

FHIR_JSON = "application/fhir+json"

router = Router(tags=["patients"])


@router.get(
    "/{registry_id}/fhir",
    response={200: dict, 401: Errors, 404: Errors},
    operation_id="patient_fhir_bundle",
    summary="The patient's records as one FHIR R4 (4.0.1) Bundle of type collection",
)
def patient_fhir(request: HttpRequest, registry_id: str = Path(..., max_length=20)) -> HttpResponse:
    bundle = fhir_bundle(user=request.user, registry_id=registry_id, reason="API GET /patients/{id}/fhir")
    return HttpResponse(bundle_bytes(bundle), content_type=FHIR_JSON)
