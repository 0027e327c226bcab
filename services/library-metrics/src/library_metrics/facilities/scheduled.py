"""Periodic jobs of the facilities domain: none; the compliance jobs (closing periods, gauges) live in
`compliance/scheduled.py`."""

from jiading_shared.service import ScheduledJob

JOBS: list[ScheduledJob] = []
