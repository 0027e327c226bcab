"""The five services of the suite, in one place: folder name, python package, event short name, env prefix, port."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SuiteService:
    name: str  # folder under services/ and process name
    package: str  # python package (holds main.py and migrations/)
    short_name: str  # event types and topics: cn.jiading.<short_name>.*
    env_prefix: str
    port: int
    standards: str

    def build_app(self, settings: Any = None) -> Any:
        """The service's FastAPI app (imports the package; no side effects until its lifespan starts)."""
        return importlib.import_module(f"{self.package}.main").build_app(settings)

    def settings_class(self) -> Any:
        module = importlib.import_module(f"{self.package}.settings")
        return next(
            value
            for name, value in vars(module).items()
            if name.endswith("Settings") and getattr(value, "service_name", None) == self.name
        )


SERVICES = (
    SuiteService("collection", "collection", "collection", "COLLECTION_", 8001, "DB 31114/Z 001-004"),
    SuiteService("grid-dispatch", "grid_dispatch", "grid", "GRID_", 8002, "DB 31114/Z 009-010"),
    SuiteService("library-metrics", "library_metrics", "library", "LIBRARY_", 8003, "DB 31114/Z 005-007"),
    SuiteService("assist-desk", "assist_desk", "assist", "ASSIST_", 8004, "DB 31114/Z 022"),
    SuiteService("evaluation", "evaluation", "evaluation", "EVALUATION_", 8005, "DB 31114/Z 017"),
)
