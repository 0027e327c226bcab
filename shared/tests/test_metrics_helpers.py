"""replace_gauge_values: a refreshed labelled gauge holds exactly the new label sets."""

from prometheus_client import CollectorRegistry, Gauge

from jiading_shared.metrics import replace_gauge_values


def test_replace_gauge_values_drops_label_sets_that_are_gone() -> None:
    registry = CollectorRegistry()
    gauge = Gauge("probe_rooms", "Probe.", ["town", "status"], registry=registry)
    replace_gauge_values(gauge, {("anting", "overdue"): 3, ("nanxiang", "overdue"): 1})

    replace_gauge_values(gauge, {("anting", "overdue"): 2})

    assert registry.get_sample_value("probe_rooms", {"town": "anting", "status": "overdue"}) == 2
    assert registry.get_sample_value("probe_rooms", {"town": "nanxiang", "status": "overdue"}) is None
