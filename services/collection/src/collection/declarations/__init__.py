"""Self-declarations (自主填报) from the 随申办 channel (DB 31114/Z 001-2025 §5)."""
