"""Service institutions (政务服务机构): the district centre, other institutions and stations, with the assistance
forms each offers ("3+X")."""
