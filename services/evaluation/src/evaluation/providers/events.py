"""Events of the provider aggregate (topic `evaluation.provider`)."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from jiading_shared.events import define_event


class ProviderRegistered(BaseModel):
    """No contact details: personal information stays in the evaluation service."""

    provider_id: uuid.UUID
    name: str = Field(description="承接机构名称")
    unified_social_credit_code: str = Field(description="统一社会信用代码")
    registered_by: str
    registered_at: datetime


PROVIDER_REGISTERED = define_event(
    service="evaluation",
    aggregate="provider",
    name="registered",
    payload=ProviderRegistered,
    description="A provider (承接机构) of assistance projects was registered.",
)
