"""Departments (职能部门 / 参勤单位) of each town, of the unit types of DB 31114/Z 009-2025 form B.1, with their
liaison."""
