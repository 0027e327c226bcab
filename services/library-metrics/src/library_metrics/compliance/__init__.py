"""Compliance: every indicator rule in force evaluated for a facility (or a 街镇) and a period, with explanations."""
