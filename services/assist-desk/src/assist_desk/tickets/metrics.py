"""Ticket metrics of the assist-desk dashboard by 帮办形式 (6 forms) and 服务渠道 (6 channels): bounded labels."""

from prometheus_client import Counter, Gauge

TICKETS_RECEIVED = Counter(
    "assist_tickets_received_total", "Tickets received (已接待), by assistance form and channel.", ["form", "channel"]
)
TICKETS_OPEN = Gauge(
    "assist_tickets_open",
    "Tickets not finished at the last time-limit scan, by assistance form (兜底办 once escalated) and channel.",
    ["form", "channel"],
)
