"""Periodic jobs of the institutions domain: none yet (equipment checks will run here)."""

from jiading_shared.service import ScheduledJob

JOBS: list[ScheduledJob] = []
