"""Evaluation service (DB 31114/Z 017): assistance projects for people with disabilities, their providers, and the
19-factor / 100-point scoring model."""
