"""Events of the department aggregate (topic `grid.department`)."""

from datetime import datetime

from pydantic import BaseModel, Field

from grid_dispatch.departments.rules import UnitType
from jiading_shared.events import define_event


class DepartmentRegistered(BaseModel):
    code: str
    name: str
    town: str = Field(description="街道/镇 code")
    unit_type: UnitType = Field(description="unit type of form B.1")
    liaison_name: str = Field(description="专人 liaising with the 城运中心")
    registered_at: datetime


DEPARTMENT_REGISTERED = define_event(
    service="grid",
    aggregate="department",
    name="registered",
    payload=DepartmentRegistered,
    description="A department (职能部门) of a town was registered with its liaison (DB 31114/Z 010-2025 4.2.4.2).",
)
