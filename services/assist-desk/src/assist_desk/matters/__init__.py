"""Matters (事项): code, name, responsible stationed department, materials checklist and time limits per assistance
form, kept as effective-dated versions (a change is a new version, never an edit)."""
