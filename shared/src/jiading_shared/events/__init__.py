"""The event bus: CloudEvents envelope, transactional outbox, relay and consumer runner."""

from jiading_shared.events.envelope import EventSpec, ReceivedEvent, define_event, registered_events
from jiading_shared.events.outbox import enqueue

__all__ = ["EventSpec", "ReceivedEvent", "define_event", "enqueue", "registered_events"]
