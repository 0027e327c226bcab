"""Events of the facility aggregate (topic `library.facility`)."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from jiading_shared.events import define_event
from library_metrics.facilities.rules import FacilityTier


class FacilityRegistered(BaseModel):
    facility_id: uuid.UUID
    tier: FacilityTier = Field(description="设施层级")
    name: str
    town: str = Field(description="街道/镇 code")
    parent_id: uuid.UUID | None = Field(description="上级馆 (总分馆)")
    registered_by: str
    registered_at: datetime


FACILITY_REGISTERED = define_event(
    service="library",
    aggregate="facility",
    name="registered",
    payload=FacilityRegistered,
    description="A library, reading room, cultural centre or extension point was registered.",
)
