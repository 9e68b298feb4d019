"""remission.api: the REST API (django-ninja) at ``/api/``, with per-user tokens.

The OpenAPI document is at ``/api/openapi.json`` and the interactive docs at ``/api/docs``.
Endpoints are thin: parse (pydantic schemas built from the same record-kind table as the web forms),
call one selector or service, and answer; errors are ``{"errors": [{record, field, rule, message}]}``.
"""
