"""Pure rules of versioned rule sets: which version is in force at a time."""

from collections.abc import Sequence
from datetime import datetime


def version_in_force(versions: Sequence[tuple[int, datetime]], at: datetime) -> int | None:
    """The version in force at `at`: of the versions already effective, the latest published (highest number).
    A version published later with an earlier effective date than another still wins: it is the newer decision."""
    effective = [version for version, effective_from in versions if effective_from <= at]
    return max(effective) if effective else None


def version_label(kind: str, version: int) -> str:
    """How decisions cite a rule set, e.g. `routing@3`."""
    return f"{kind}@{version}"
