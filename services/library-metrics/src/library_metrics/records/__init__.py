"""Data capture: what the indicator rules measure, entered per facility (one record, a list, or a CSV import)."""
