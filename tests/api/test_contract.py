"""API contract tests generated from the OpenAPI document (schemathesis): no input, however odd, from any
role's token gives a server error, and every response matches the document's status codes.

Every operation is called with the token of every kind of user (each role, a user of another centre, a
user with no role, and a read-only token), a few examples each, so the suite stays fast. Path parameters
point at real records of patient A (``registry_id`` at the patient, ``record_id`` at one of its records of
the operation's kind, ``token_id`` at another token of the caller), so that bodies reach the services and
not only the 404. A stateful run chains operations by the links schemathesis infers (a created record's
id into the operations on that record).
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

from remission.registry.kinds import KINDS  # noqa: E402
from remission.registry.services.tokens import token_create  # noqa: E402

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())

# (label, user, token scope): every role, a data manager of the other centre, a user without a role,
# and a read-only token of a data manager.
CALLERS = [
    ("data_manager", "dm_a", None),
    ("clinician", "clin_a", None),
    ("viewer", "viewer_a", None),
    ("statistician", "stat", None),
    ("administrator", "admin", None),
    ("other_centre", "dm_b", None),
    ("no_role", "nobody", None),
    ("read_token", "dm_a", "read"),
]
EXAMPLES = 2  # per operation and caller: 16 per operation in all
HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much]
MODEL_BY_PLURAL: dict[str, Any] = {}


def _model_of(path: str) -> Any:
    """The model of ``/api/<plural>/{record_id}`` (the API's plural names, from its route table)."""
    if not MODEL_BY_PLURAL:
        from remission.api.api import PLURALS

        MODEL_BY_PLURAL.update({PLURALS[slug]: kind.model for slug, kind in KINDS.items()})
    parts = path.strip("/").split("/")
    return MODEL_BY_PLURAL.get(parts[1]) if len(parts) == 3 and parts[0] == "api" else None


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


def _token(user: Any, scope: str | None, name: str) -> tuple[Any, str]:
    if scope is None:
        return token_create(actor=user, name=name)
    return token_create(actor=user, name=name, scope=scope)


@pytest.fixture(params=CALLERS, ids=[label for label, _, _ in CALLERS])
def caller(request: pytest.FixtureRequest, world: Any) -> dict[str, Any]:
    _, username, scope = request.param
    user = world.users[username]
    _, raw = _token(user, scope, "contract")
    spare, _ = _token(user, scope, "contract (spare, may be revoked)")
    return {"headers": {"Authorization": f"Bearer {raw}"}, "spare_token": spare.pk}


def _aim(case: Any, world: Any, caller: dict[str, Any]) -> None:
    """Point the case's path parameters at real records of patient A."""
    parameters = case.path_parameters or {}
    if "registry_id" in parameters:
        parameters["registry_id"] = world.patient_a.registry_id
    if "token_id" in parameters:
        parameters["token_id"] = caller["spare_token"]
    if "record_id" in parameters:
        model = _model_of(case.operation.path)
        if model is not None:
            pk = model.objects.filter(patient=world.patient_a).values_list("pk", flat=True).first()
            if pk is not None:
                parameters["record_id"] = pk


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=HEALTH)
def test_no_server_error(case: Any, world: Any, caller: dict[str, Any]) -> None:
    _aim(case, world, caller)
    response = case.call(headers=caller["headers"])
    case.validate_response(response, checks=[not_a_server_error])


STATEFUL_CALLERS = ["data_manager", "administrator"]


@pytest.mark.parametrize("who", STATEFUL_CALLERS)
def test_stateful_sequences_give_no_server_error(who: str, world: Any) -> None:
    """Operations chained by the links schemathesis infers from the document (a created patient's
    ``registry_id`` into its records' operations, a created record's ``id`` into its edit): no step of
    any sequence gives a server error."""
    _, username, scope = next(c for c in CALLERS if c[0] == who)
    _, raw = _token(world.users[username], scope, "stateful")
    headers = {"Authorization": f"Bearer {raw}"}
    calls: list[str] = []

    class Machine(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            calls.append(f"{case.method} {case.path}")
            return {"headers": headers}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(response, checks=[not_a_server_error])

    Machine.run(
        settings=settings(
            max_examples=12,
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            suppress_health_check=HEALTH,
        )
    )
    assert len(set(calls)) > 1, f"the state machine made no chained calls: {calls}"
