"""Indicator rules: every quantitative requirement of DB 31114/Z 005–007 as versioned, effective-dated data."""
