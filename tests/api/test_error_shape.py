"""One JSON error shape everywhere under /api/, never HTML: unparseable and oversize bodies, unknown paths,
wrong methods, server errors (with the request id that the server logged), and the OpenAPI document
naming the shape for each of those statuses."""

from __future__ import annotations

import json
import logging.config
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from remission.api import api as api_module
from remission.api.errors import SERVER_ERROR
from remission.api.middleware import BAD_LENGTH
from remission.logs import REQUEST_ID_HEADER, log_file, logging_config

ERROR_KEYS = {"record", "field", "rule", "message"}


def assert_error_shape(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    assert set(body) == {"errors", "request_id"}
    assert body["errors"], body
    for item in body["errors"]:
        assert set(item) >= ERROR_KEYS, item
        assert item["message"]
    assert body["request_id"] == response[REQUEST_ID_HEADER]
    return body


@pytest.fixture
def log_to(tmp_path: Path) -> Iterator[Path]:
    """The application's logging, writing its file into ``tmp_path`` for the test."""
    logging.config.dictConfig(logging_config(tmp_path))
    yield log_file(tmp_path)
    logging.config.dictConfig(settings.LOGGING)


@pytest.fixture
def dm_a(world: Any, token_for: Callable[[str], dict[str, str]]) -> dict[str, str]:
    return token_for("dm_a")


def test_unparseable_body_is_400_json(world: Any, dm_a: dict[str, str]) -> None:
    url = f"/api/patients/{world.patient_a.registry_id}/assessments"
    response = Client().post(url, data=b"{not json", content_type="application/json", **dm_a)
    body = assert_error_shape(response, 400)
    assert body["errors"][0]["record"] == "body"


def test_body_that_is_json_but_not_an_object_is_a_named_error(world: Any, dm_a: dict[str, str]) -> None:
    response = Client().post("/api/patients", data=b"[1, 2]", content_type="application/json", **dm_a)
    assert response.status_code in (400, 422)
    assert_error_shape(response, response.status_code)


def test_oversize_body_is_413_json_before_it_is_read(world: Any, dm_a: dict[str, str]) -> None:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    big = b'{"name": "' + b"x" * (limit + 10) + b'"}'
    response = Client().post("/api/patients", data=big, content_type="application/json", **dm_a)
    body = assert_error_shape(response, 413)
    assert str(limit) in body["errors"][0]["message"]


def test_oversize_form_field_while_it_is_read_is_413_json(
    world: Any, dm_a: dict[str, str], settings: Any
) -> None:
    """Within the upload limit, but a form field beyond DATA_UPLOAD_MAX_MEMORY_SIZE: Django refuses it
    while the operation reads the form, and the API answers the same 413."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"padding": "x" * 5000, "table": SimpleUploadedFile("rows.csv", b"a,b\n1,2\n")}
    response = Client().post("/api/import/table", data=data, **dm_a)
    assert_error_shape(response, 413)


def test_content_length_that_is_not_a_number_is_400_json(world: Any, dm_a: dict[str, str]) -> None:
    response = Client().generic(
        "POST", "/api/patients", data=b"{}", content_type="application/json", CONTENT_LENGTH="lots", **dm_a
    )
    body = assert_error_shape(response, 400)
    assert body["errors"][0]["message"] == BAD_LENGTH.format(value="lots")


def test_unknown_path_is_404_json(world: Any, dm_a: dict[str, str]) -> None:
    assert_error_shape(Client().get("/api/no-such-thing", **dm_a), 404)
    assert_error_shape(Client().get("/api/no-such-thing"), 404)


def test_wrong_method_is_405_json_naming_the_allowed_ones(world: Any, dm_a: dict[str, str]) -> None:
    response = Client().put("/api/me", data=b"{}", content_type="application/json", **dm_a)
    body = assert_error_shape(response, 405)
    assert "GET" in response["Allow"]
    assert "GET" in body["errors"][0]["message"]


def test_no_token_is_401_json(world: Any) -> None:
    assert_error_shape(Client().get("/api/me"), 401)


def test_server_error_is_500_json_with_the_logged_request_id(
    world: Any, dm_a: dict[str, str], log_to: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(user: Any) -> Any:
        raise RuntimeError("the scope table fell over (test)")

    monkeypatch.setattr(api_module, "scope_for", broken)
    response = Client(raise_request_exception=False).get("/api/me", **dm_a)
    body = assert_error_shape(response, 500)
    request_id = body["request_id"]
    assert len(request_id) == 16
    assert body["errors"][0]["message"] == SERVER_ERROR.format(request_id=request_id)
    assert "fell over" not in response.content.decode()  # no traceback for the client
    logged = log_to.read_text(encoding="utf-8")
    line = next(line for line in logged.splitlines() if f"[{request_id}]" in line)
    assert "Internal Server Error: /api/me" in line
    after = logged[logged.index(line) :]
    assert "Traceback" in after
    assert "RuntimeError: the scope table fell over (test)" in after


def test_server_error_in_debug_is_still_json(
    world: Any, dm_a: dict[str, str], monkeypatch: pytest.MonkeyPatch, settings: Any, log_to: Path
) -> None:
    settings.DEBUG = True

    def broken(user: Any) -> Any:
        raise RuntimeError("debug traceback must not be sent")

    monkeypatch.setattr(api_module, "scope_for", broken)
    response = Client(raise_request_exception=False).get("/api/me", **dm_a)
    assert_error_shape(response, 500)
    assert "debug traceback" not in response.content.decode()


def test_the_openapi_document_names_the_error_shape_for_every_error_status() -> None:
    document = json.loads(Client().get("/api/openapi.json").content)
    schemas = document["components"]["schemas"]
    assert {"errors", "request_id"} <= set(schemas["Errors"]["properties"])
    operation = document["paths"]["/api/patients"]["post"]
    for status in ("400", "401", "403", "404", "413", "422", "500"):
        content = operation["responses"][status]["content"]["application/json"]["schema"]
        assert content["$ref"].endswith("/Errors"), (status, content)


def test_every_operation_documents_the_shape_for_bad_oversize_and_failed_requests() -> None:
    document = json.loads(Client().get("/api/openapi.json").content)
    operations = [(path, method, op) for path, ops in document["paths"].items() for method, op in ops.items()]
    assert len(operations) > 40
    for path, method, operation in operations:
        for status in ("400", "413", "500"):
            schema = operation["responses"][status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Errors"}, (method, path, status)
