"""Ticket and satisfaction metrics of the assist-desk dashboard (deploy/grafana), after known tickets and ratings."""

from __future__ import annotations

import uuid

import pytest
from prometheus_client import REGISTRY

from assist_desk.reviews.models import ReviewIn
from assist_desk.reviews.service import add_review
from assist_desk.testing import Desk
from assist_desk.tickets.models import Ticket
from assist_desk.tickets.scheduled import scan_time_limits
from jiading_shared.db import Database
from jiading_shared.workdays import default_calendar as calendar


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


class _Aborted(Exception):
    pass


def test_a_rating_whose_transaction_rolls_back_is_not_counted(desk: Desk) -> None:
    institution, member = desk.setup()
    ticket = desk.ticket(institution, member)
    desk.act(ticket["id"], "start")
    desk.act(ticket["id"], "complete", {"note": "已办结"})
    before = sample("assist_reviews_total", level="very_satisfied")
    db = Database(desk.settings.database_url)
    try:
        # The rating is recorded, then something later in the same request fails: nothing was rated.
        with pytest.raises(_Aborted), db.session() as session:
            row = session.get(Ticket, uuid.UUID(ticket["id"]))
            assert row is not None
            add_review(session, row, ReviewIn(level="very_satisfied"), recorded_by="hotline-1", calendar=calendar())
            raise _Aborted
    finally:
        db.dispose()
    assert sample("assist_reviews_total", level="very_satisfied") == before

    review = {"level": "very_satisfied"}
    desk.ok(desk.client.post(f"/api/v1/tickets/{ticket['id']}/review", json=review, headers=desk.hotline), 201)
    assert sample("assist_reviews_total", level="very_satisfied") == before + 1
