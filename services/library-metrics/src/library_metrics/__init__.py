"""Library-metrics service (DB 31114/Z 005, 006, 007): the facility registry by tier, indicators, compliance."""
