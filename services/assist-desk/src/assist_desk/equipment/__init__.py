"""Facilities and equipment (DB 31114/Z 022-2025 8.2-8.3): devices per institution, the daily after-service check and
the monthly inspection; a missed check is overdue; a failed self-service terminal puts 自助办 on staff assistance."""
