"""422 for a NUL character (U+0000) in a request's path, query or JSON / text body, naming the field.

PostgreSQL text, varchar and jsonb cannot store U+0000, so such a value would otherwise reach the database and fail
there as a 500. SQLite stores it, which is why only the PostgreSQL fuzz run found it (docs/fuzzing.md).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jiading_shared.errors import FieldError, problem_response

NUL = "\x00"


def nul_field(value: Any, path: str) -> str | None:
    """The dotted path of the first string (key or value) in `value` that holds a NUL, else None."""
    if isinstance(value, str):
        return path if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = f"{path}.{key}" if NUL in str(key) else nul_field(item, f"{path}.{key}")
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = nul_field(item, f"{path}.{index}")
            if found:
                return found
    return None


def _body_field(content_type: str, body: bytes) -> str | None:
    media_type = content_type.split(";")[0].strip().lower()
    if media_type == "application/json" or media_type.endswith("+json"):
        # A raw NUL is invalid JSON anyway (the route's 422); only the escape needs a look.
        if b"\\u0000" not in body:
            return None
        try:
            return nul_field(json.loads(body), "body")
        except ValueError:
            return None
    if media_type.startswith("text/") and b"\x00" in body:
        return "body"
    return None


class NulByteGuardMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        field: str | None = "path" if NUL in scope.get("path", "") else None
        if field is None:
            query = scope.get("query_string", b"").decode("latin-1")
            field = next(
                (f"query.{name}" for name, value in parse_qsl(query, keep_blank_values=True) if NUL in name + value),
                None,
            )
        headers = dict(scope.get("headers") or [])
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        if field is None and content_type and (b"content-length" in headers or b"transfer-encoding" in headers):
            # The body-size middleware outside this one has bounded the body already.
            messages: list[Message] = []
            while True:
                message = await receive()
                messages.append(message)
                if message["type"] != "http.request" or not message.get("more_body", False):
                    break
            body = b"".join(message.get("body", b"") for message in messages if message["type"] == "http.request")
            field = _body_field(content_type, body)
            pending = iter(messages)

            async def replay() -> Message:
                return next(pending, None) or await receive()

            receive = replay
        if field is not None:
            message = "must not contain the NUL character (U+0000)"
            response = problem_response(
                422,
                slug="validation-error",
                detail=f"{field}: {message}",
                request=Request(scope),
                errors=[FieldError(field=field, message=message, type="nul_character")],
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
