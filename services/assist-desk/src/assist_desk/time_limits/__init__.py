"""Time limits (限时办结, DB 31114/Z 022-2025 7.4.4): deadlines in working days or working hours, each explaining
itself."""
