"""Pure mapping between incidents and Open311 GeoReport v2 objects."""

from grid_dispatch.incidents.rules import IncidentState


def open311_status(state: IncidentState) -> str:
    """GeoReport v2 knows two statuses: `closed` once the case is closed (结案), `open` before."""
    return "closed" if state is IncidentState.CLOSED else "open"


def open311_error(code: int, description: str) -> list[dict[str, object]]:
    """The spec's error body: a list of {code, description}."""
    return [{"code": code, "description": description}]
