"""Evaluation rounds: an assessor panel (§4.1) scores a project on its own, the service aggregates, publishes a locked
result and keeps every later revision as a new version (DB 31114/Z 017—2025 4.1, 4.2, 5.2.5.5, 附录 A)."""
