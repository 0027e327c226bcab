"""帮办人员: the "1+2+X" teams (DB 31114/Z 022-2025 4.2), full-time and part-time staff (6.2.1), registration
(备案, 6.2.2) and training records (4.3 c, 6.1.3)."""
