"""Ticket and satisfaction metrics of the assist-desk dashboard (deploy/grafana), after known tickets and ratings."""

from __future__ import annotations

from prometheus_client import REGISTRY

from assist_desk.testing import Desk
from assist_desk.tickets.scheduled import scan_time_limits
from jiading_shared.db import Database


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_tickets_by_form_and_channel_and_ratings_by_level(desk: Desk) -> None:
    institution, member = desk.setup()
    received_before = sample("assist_tickets_received_total", form="video", channel="online_video")
    rated_before = {level: sample("assist_reviews_total", level=level) for level in ("satisfied", "dissatisfied")}

    video = [desk.ticket(institution, member, form="video", channel="online_video") for _ in range(2)]
    desk.ticket(institution, member)  # 陪同办 at the hall (the Desk's default)
    for ticket, level in zip(video, ("satisfied", "dissatisfied"), strict=True):
        desk.act(ticket["id"], "start")
        desk.act(ticket["id"], "complete", {"note": "已办结"})
        desk.ok(
            desk.client.post(f"/api/v1/tickets/{ticket['id']}/review", json={"level": level}, headers=desk.hotline),
            201,
        )
    db = Database(desk.settings.database_url)
    try:
        scan_time_limits(db)
    finally:
        db.dispose()

    assert sample("assist_tickets_received_total", form="video", channel="online_video") - received_before == 2
    assert {level: sample("assist_reviews_total", level=level) - before for level, before in rated_before.items()} == {
        "satisfied": 1,
        "dissatisfied": 1,
    }
    # Only the unfinished 陪同办 ticket is open; the finished video tickets left the gauge.
    default = desk.ticket_body(institution, member)
    assert sample("assist_tickets_open", form=default["form"], channel=default["channel"]) == 1
    assert REGISTRY.get_sample_value("assist_tickets_open", {"form": "video", "channel": "online_video"}) is None
    assert 'assist_reviews_total{level="dissatisfied"}' in desk.client.get("/metrics").text
