"""Publicity activities (实有人口宣传, DB 31114/Z 004-2025)."""
