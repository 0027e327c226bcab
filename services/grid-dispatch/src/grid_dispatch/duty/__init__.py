"""The duty standard (参勤, DB 31114/Z 010-2025 4.2): the roster of 公安, 城管 and 市场监管 staff sunk into grids, the
coverage check, and the patrol logs of the other departments with their weekly compliance."""
