"""Assistance tickets (帮办): the six assistance forms, escalation to 兜底办. So far only the escalation event."""
