"""Scoring: the DB 31114/Z 017 scoring model (4 groups, 19 factors, 100 points) as versioned, effective-dated data."""
