"""Periodic jobs of the places domain: none yet (revisit deadlines belong to visits)."""

from jiading_shared.service import ScheduledJob

JOBS: list[ScheduledJob] = []
