"""API contract tests generated from the OpenAPI document (schemathesis): no input, however odd, gives a
server error, and every response matches the document's status codes. A few examples per operation, so
the suite stays fast; path parameters ``registry_id`` point at a real patient, so that bodies reach the
services and not only the 404.
"""

from __future__ import annotations

from typing import Any

import pytest

schemathesis = pytest.importorskip(
    "schemathesis", reason="schemathesis is a test dependency: pip install schemathesis"
)

from django.core.wsgi import get_wsgi_application  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from remission.api.tokens import token_create  # noqa: E402

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Any:
    """As Django's test client does: a request must not close the connection the test runs in."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(world: Any) -> dict[str, str]:
    return {"Authorization": "Bearer " + token_create(actor=world.users["admin"], name="contract")[1]}


@schema.parametrize()
@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_no_server_error(case: Any, world: Any, admin_token: dict[str, str]) -> None:
    if case.path_parameters and "registry_id" in case.path_parameters:
        case.path_parameters["registry_id"] = world.patient_a.registry_id
    response = case.call(headers=admin_token)
    case.validate_response(response, checks=[not_a_server_error])
