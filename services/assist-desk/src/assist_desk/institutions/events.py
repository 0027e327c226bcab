"""Events of the institution aggregate (topic `assist.institution`)."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from assist_desk.institutions.rules import AssistanceForm, InstitutionKind
from jiading_shared.events import define_event


class InstitutionRegistered(BaseModel):
    institution_id: uuid.UUID
    kind: InstitutionKind = Field(
        description="centre 区政务服务中心 / institution 其他政务服务机构 / station 政务服务站"
    )
    name: str
    town: str = Field(description="街道/镇 code")
    assistance_forms: list[AssistanceForm] = Field(description="帮办形式 offered")
    registered_by: str
    registered_at: datetime


INSTITUTION_REGISTERED = define_event(
    service="assist",
    aggregate="institution",
    name="registered",
    payload=InstitutionRegistered,
    description="A service institution (政务服务机构) and the assistance forms it offers were registered.",
)
