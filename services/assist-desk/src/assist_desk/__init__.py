"""Assist-desk service (DB 31114/Z 022 "小嘉帮办"): service institutions, assistance tickets and their escalation."""
