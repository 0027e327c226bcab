"""Incidents (事件/部件 工单): intake, routing to the lead department and its on-duty responder, the lifecycle
from dispatch to close with returns and rulings, SLAs on the working-day calendar, and an immutable timeline."""
