"""Periodic jobs of the grids domain: none yet (overdue scans belong to incidents)."""

from jiading_shared.service import ScheduledJob

JOBS: list[ScheduledJob] = []
