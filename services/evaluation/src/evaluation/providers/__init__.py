"""Providers (承接机构): the organisations that carry out assistance projects and are evaluated."""
