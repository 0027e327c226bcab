"""Periodic jobs of the facilities domain: none yet (compliance evaluation will run here)."""

from jiading_shared.service import ScheduledJob

JOBS: list[ScheduledJob] = []
