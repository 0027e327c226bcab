"""Assistance tickets (帮办): reception, the six assistance forms, escalation to 兜底办, first-inquiry
responsibility with the hand-over chain, materials and time limits."""
