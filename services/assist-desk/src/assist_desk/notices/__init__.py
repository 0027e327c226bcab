"""One-time notification (一次性告知, DB 31114/Z 022-2025 4.3 a, 7.3.2.1): one notice lists everything missing or
defective; a later notice asking for something already missing at the first is a breach, recorded and counted."""
