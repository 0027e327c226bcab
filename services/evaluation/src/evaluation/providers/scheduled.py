"""Periodic jobs of the providers domain: none yet (PII key rotation will run here)."""

from jiading_shared.service import ScheduledJob

JOBS: list[ScheduledJob] = []
