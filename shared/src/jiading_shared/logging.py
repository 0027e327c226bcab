"""Structured JSON logs carrying the request id, the user and the event id of the work in hand."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.json import JsonFormatter

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
user_var: ContextVar[str | None] = ContextVar("user", default=None)
event_id_var: ContextVar[str | None] = ContextVar("event_id", default=None)
event_type_var: ContextVar[str | None] = ContextVar("event_type", default=None)


class ContextFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        record.request_id = request_id_var.get()
        record.user = user_var.get()
        record.event_id = event_id_var.get()
        if not getattr(record, "event_type", None):
            record.event_type = event_type_var.get()
        return True


@contextmanager
def event_context(event_id: str, event_type: str) -> Iterator[None]:
    id_token = event_id_var.set(event_id)
    type_token = event_type_var.set(event_type)
    try:
        yield
    finally:
        event_id_var.reset(id_token)
        event_type_var.reset(type_token)


def configure_logging(service: str, *, level: str = "INFO", json_logs: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ContextFilter(service))
    if json_logs:
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(service)s %(request_id)s %(user)s %(event_id)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                timestamp=False,
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(service)s] %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("aiokafka", "kafka"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)


def log_extra(**fields: Any) -> dict[str, Any]:
    return {"extra": fields}
