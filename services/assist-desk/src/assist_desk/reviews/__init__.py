"""Satisfaction (好差评) and call-backs (回访), DB 31114/Z 022-2025 4.3 e, 7.4.3, 9.1-9.2: five-level ratings, a
rectification case for every bad one, weekly random call-backs."""
