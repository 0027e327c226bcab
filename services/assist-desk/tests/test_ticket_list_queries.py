"""`GET /api/v1/tickets` reads a page's hand-overs and materials with one query each, not two queries per ticket.

Found by `make load` (issue 9): the ticket list was the slowest route of the mix (p95 283 ms at 50 requests/s) because
a page of 20 tickets cost 41 statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from assist_desk.testing import Desk


@contextmanager
def counted_statements(desk: Desk) -> Iterator[list[str]]:
    engine = desk.client.app.state.db.engine  # type: ignore[attr-defined]
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def list_tickets(desk: Desk) -> tuple[list[dict[str, Any]], int]:
    with counted_statements(desk) as statements:
        response = desk.client.get("/api/v1/tickets", params={"limit": 50}, headers=desk.assistant)
    assert response.status_code == 200, response.text
    return response.json(), len(statements)


def test_ticket_list_statements_do_not_grow_with_the_page(desk: Desk) -> None:
    institution, member = desk.setup()
    colleague = desk.staff(institution["id"], "李帮办")
    first = desk.ticket(institution, member)
    desk.act(first["id"], "handovers", {"to_staff_id": colleague["id"], "reason": "税务专业问题"})
    desk.act(first["id"], "materials", {"provided": ["id-card"], "completed_on_spot": ["application"]})
    desk.ticket(institution, member)
    _two, statements_for_two = list_tickets(desk)

    for _ in range(8):
        desk.ticket(institution, member)
    tickets, statements_for_ten = list_tickets(desk)

    assert len(tickets) == 10
    assert statements_for_ten == statements_for_two
    by_id = {ticket["id"]: ticket for ticket in tickets}
    assert [h["to_staff_id"] for h in by_id[first["id"]]["handovers"]] == [colleague["id"]]
    assert {m["material_code"] for m in by_id[first["id"]]["materials"]} >= {"id-card", "application"}
    others = [ticket for ticket in tickets if ticket["id"] != first["id"]]
    assert all(ticket["handovers"] == [] and ticket["materials"] == [] for ticket in others)
