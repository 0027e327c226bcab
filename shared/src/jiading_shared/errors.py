"""RFC 9457 problem details for every error a service returns.

422 carries an `errors` list with the field path (`body.id_number`, `query.page`) and the reason; unexpected
exceptions become a logged 500 whose body holds only a correlation id, never a stack trace.
"""

from __future__ import annotations

import logging
import uuid
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from jiading_shared.logging import request_id_var

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://jiading.gov.cn/problems/"


class FieldError(BaseModel):
    field: str = Field(description="Path of the offending field, e.g. body.id_number")
    message: str
    type: str = "invalid"


class Problem(BaseModel):
    """application/problem+json body (RFC 9457)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None
    correlation_id: str | None = None


class ProblemError(Exception):
    """Raise from domain code for a 4xx the client can act on: a stable type slug, a title, a detail."""

    def __init__(
        self,
        status: int,
        slug: str,
        detail: str,
        *,
        title: str | None = None,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.slug = slug
        self.detail = detail
        self.title = title or HTTPStatus(status).phrase
        self.errors = errors
        self.headers = headers


def field_error(status: int, field: str, message: str, *, slug: str = "validation-error") -> ProblemError:
    """A 4xx naming one field, for rules checked after schema validation (e.g. a checksum)."""
    return ProblemError(status, slug, f"{field}: {message}", errors=[FieldError(field=field, message=message)])


def problem_response(
    status: int,
    *,
    slug: str | None = None,
    title: str | None = None,
    detail: str | None = None,
    request: Request | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    correlation_id: str | None = None,
) -> JSONResponse:
    problem = Problem(
        type=PROBLEM_BASE + slug if slug else "about:blank",
        title=title or HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=str(request.url.path) if request is not None else None,
        errors=errors,
        correlation_id=correlation_id or request_id_var.get(),
    )
    return JSONResponse(
        problem.model_dump(exclude_none=True), status_code=status, media_type=PROBLEM_JSON, headers=headers
    )


def _field_path(location: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in location)


async def _validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        FieldError(field=_field_path(error.get("loc", ())), message=error.get("msg", "invalid"), type=error["type"])
        for error in exc.errors()
    ]
    fields = ", ".join(error.field for error in errors)
    return problem_response(
        422, slug="validation-error", detail=f"invalid fields: {fields}", request=request, errors=errors
    )


async def _http_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    slugs = {401: "unauthenticated", 403: "forbidden", 404: "not-found", 405: "method-not-allowed", 409: "conflict"}
    detail = exc.detail if isinstance(exc.detail, str) else None
    return problem_response(
        exc.status_code,
        slug=slugs.get(exc.status_code),
        detail=detail,
        request=request,
        headers=getattr(exc, "headers", None),
    )


async def _problem_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(
        exc.status,
        slug=exc.slug,
        title=exc.title,
        detail=exc.detail,
        request=request,
        errors=exc.errors,
        headers=exc.headers,
    )


async def _unexpected_handler(request: Request, exc: Exception) -> JSONResponse:
    correlation_id = getattr(request.state, "request_id", None) or request_id_var.get() or uuid.uuid4().hex
    log.exception("unhandled error on %s %s (correlation id %s)", request.method, request.url.path, correlation_id)
    return problem_response(
        500,
        slug="internal-error",
        detail="An unexpected error occurred. Quote the correlation id when reporting it.",
        request=request,
        correlation_id=correlation_id,
        headers={"X-Request-ID": correlation_id},
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
    app.add_exception_handler(ProblemError, _problem_handler)
    app.add_exception_handler(Exception, _unexpected_handler)


# Response documentation for routes: FastAPI shows these in OpenAPI.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": HTTPStatus(status).phrase}
    for status in (400, 401, 403, 404, 409, 413, 422)
}


def document_problem_json(openapi: dict[str, Any]) -> dict[str, Any]:
    """Put the Problem schema under application/problem+json in every error response of an OpenAPI document.

    FastAPI documents a response `model` under the route's media type (application/json) and leaves the declared
    application/problem+json entry empty, so the documents claimed JSON errors and checked nothing of problem+json.
    An application/json entry holding another schema (the Open311 error list) is a deliberate second format and stays;
    an error response a route documents without content is a Problem too.
    """
    schemas = openapi.get("components", {}).get("schemas", {})
    # FastAPI renames the component when a service has a model of the same name (assist-desk's Problem enum).
    names = [name for name, schema in schemas.items() if set(schema.get("properties", {})) == set(Problem.model_fields)]
    if not names:
        return openapi
    problem_ref = {"$ref": f"#/components/schemas/{names[0]}"}
    for path_item in openapi.get("paths", {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                # Uploads refuse a file whose bytes are not of the declared type (jiading_shared.blobs).
                operation["responses"].setdefault("415", {"description": HTTPStatus(415).phrase, "content": {}})
            for status, response in operation.get("responses", {}).items() if isinstance(operation, dict) else ():
                content = response.get("content", {})
                # A route's own error entry replaces the app's whole entry; without content it still means a Problem.
                if PROBLEM_JSON not in content and (content or not str(status).startswith(("4", "5"))):
                    continue
                response["content"] = content
                content[PROBLEM_JSON] = {"schema": problem_ref}
                if content.get("application/json", {}).get("schema") == problem_ref:
                    del content["application/json"]
    return openapi
