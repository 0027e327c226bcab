"""Assistance projects (助残公益服务项目): the bid and the actuals recorded while the project runs, the evidence
attached to factors, and the measures the scoring model reads from them (DB 31114/Z 017—2025 §5)."""
