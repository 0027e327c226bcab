"""Tables and API schemas of providers."""

import uuid
from datetime import datetime
from typing import Annotated

import sqlmodel
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from sqlalchemy import DateTime, UniqueConstraint, Uuid

from evaluation.providers.rules import validated_credit_code, validated_phone_number
from evaluation.tables import EvaluationTable
from jiading_shared.types import UtcDateTime

USCC_LENGTH = 18


class Provider(EvaluationTable, table=True):
    __tablename__ = "provider"
    __table_args__ = (UniqueConstraint("unified_social_credit_code", name="uq_provider_unified_social_credit_code"),)

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    name: str = sqlmodel.Field(max_length=200)
    unified_social_credit_code: str = sqlmodel.Field(max_length=USCC_LENGTH)
    contact_name: str = sqlmodel.Field(max_length=100)
    # AES-256-GCM token and blind index of the contact number (personal information).
    contact_phone_ciphertext: str = sqlmodel.Field(max_length=500)
    contact_phone_index: str = sqlmodel.Field(max_length=64, index=True)
    registered_by: str = sqlmodel.Field(max_length=200)
    registered_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


# --- API schemas ---------------------------------------------------------------------------------------------------


class ProviderIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200, description="承接机构名称")
    unified_social_credit_code: Annotated[str, AfterValidator(validated_credit_code)] = Field(
        max_length=40, description="统一社会信用代码 (18 characters, checked)"
    )
    contact_name: str = Field(min_length=1, max_length=100, description="联系人")
    contact_phone: Annotated[str, AfterValidator(validated_phone_number)] = Field(
        max_length=40, description="联系电话: mobile or fixed line; stored encrypted, returned masked"
    )


class ProviderContactOut(BaseModel):
    id: uuid.UUID
    contact_name: str
    contact_phone: str = Field(description="unmasked; every read leaves an access record")


class ProviderOut(BaseModel):
    id: uuid.UUID
    name: str
    unified_social_credit_code: str
    contact_name: str
    contact_phone: str = Field(description="masked, e.g. 138****5678")
    registered_by: str
    registered_at: UtcDateTime


class ProviderDocument(EvaluationTable, table=True):
    """承接资质证明材料 (DB 31114/Z 017-2025 5.1.2.5): 机构概况, 年度财务报表, 规范化评估等级证书; the file is in
    the BlobStore."""

    __tablename__ = "provider_document"

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    provider_id: uuid.UUID = sqlmodel.Field(foreign_key="provider.id", sa_type=Uuid, index=True)
    kind: str = sqlmodel.Field(max_length=40)
    title: str = sqlmodel.Field(max_length=300)
    blob_key: str = sqlmodel.Field(max_length=64)
    content_type: str = sqlmodel.Field(max_length=100)
    size: int
    uploaded_by: str = sqlmodel.Field(max_length=200)
    uploaded_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


class ProviderDocumentOut(BaseModel):
    id: uuid.UUID
    provider_id: uuid.UUID
    kind: str
    title: str
    blob_key: str
    content_type: str
    size: int
    uploaded_by: str
    uploaded_at: UtcDateTime
