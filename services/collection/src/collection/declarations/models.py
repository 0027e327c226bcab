"""Tables and API schemas of self-declarations (实有人口信息自主申报, DB 31114/Z 001-2025 §5).

The declarant fills the registration form (表 A.1) in 随申办 after face verification (5.2.4–5.2.5) and uploads
materials (5.2.6); the declaration waits, pending, until the area's 协管员 confirms it (creating the registration) or
rejects it with a reason, typically at a booked visit (§4 预约社区综合协管员上门采集和核查信息).

The form is kept whole, encrypted (it holds the ID number and phones); the ID number's blind index allows search."""

import uuid
from datetime import date, datetime
from enum import StrEnum

import sqlmodel
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import DateTime, ForeignKeyConstraint, Index, String, Text, Uuid

from collection.registrations.models import RegistrationIn
from collection.tables import CollectionTable
from jiading_shared.types import UtcDateTime

MAX_MATERIALS = 10
MAX_MATERIAL_BYTES = 5 * 1024 * 1024
MATERIAL_TYPES = frozenset({"image/jpeg", "image/png", "application/pdf"})


class DeclarationStatus(StrEnum):
    PENDING = "pending"  # 待核查
    CONFIRMED = "confirmed"  # 已确认 (registration created)
    REJECTED = "rejected"  # 已退回


class DeclarationApp(StrEnum):
    """The three 随申办 entrances of 5.1."""

    APP = "app"  # “随申办”APP
    WECHAT = "wechat"  # 微信“随申办”小程序
    ALIPAY = "alipay"  # 支付宝“随申办”小程序


class SelfDeclaration(CollectionTable, table=True):
    __tablename__ = "self_declaration"
    __table_args__ = (
        ForeignKeyConstraint(["room_id"], ["room.id"], name="fk_self_declaration_room"),
        ForeignKeyConstraint(["registration_id"], ["registration.id"], name="fk_self_declaration_registration"),
        Index("ix_self_declaration_area_status", "area", "status"),
        Index("ix_self_declaration_id_number_index", "id_number_index"),
    )

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    room_id: uuid.UUID = sqlmodel.Field(sa_type=Uuid)
    area: str = sqlmodel.Field(max_length=50)
    app: str = sqlmodel.Field(sa_type=String(20))
    external_reference: str | None = sqlmodel.Field(default=None, max_length=100)
    declarant_name: str = sqlmodel.Field(max_length=100)
    form_cipher: str = sqlmodel.Field(sa_type=Text)
    id_number_index: str | None = sqlmodel.Field(default=None, max_length=64)
    face_verified: bool
    face_verified_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    preferred_visit_date: date | None = None
    status: str = sqlmodel.Field(sa_type=String(20), default=DeclarationStatus.PENDING.value)
    submitted_by: str = sqlmodel.Field(max_length=200)
    submitted_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    reviewed_by: str | None = sqlmodel.Field(default=None, max_length=200)
    reviewed_at: datetime | None = sqlmodel.Field(default=None, sa_type=DateTime(timezone=True))
    rejection_reason: str | None = sqlmodel.Field(default=None, max_length=500)
    registration_id: uuid.UUID | None = sqlmodel.Field(default=None, sa_type=Uuid)


class DeclarationMaterial(CollectionTable, table=True):
    """An uploaded material (5.2.6); the file itself lies in the blob store under its SHA-256."""

    __tablename__ = "self_declaration_material"
    __table_args__ = (
        ForeignKeyConstraint(["declaration_id"], ["self_declaration.id"], name="fk_material_declaration"),
    )

    declaration_id: uuid.UUID = sqlmodel.Field(primary_key=True, sa_type=Uuid)
    position: int = sqlmodel.Field(primary_key=True)
    name: str = sqlmodel.Field(max_length=200)
    blob_key: str = sqlmodel.Field(max_length=64)
    content_type: str = sqlmodel.Field(max_length=100)
    size: int


# --- API schemas ----------------------------------------------------------------------------------------------------


class MaterialIn(BaseModel):
    """A material as base64 in the JSON body: the channel sends one JSON document per declaration (no multipart)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200, description="材料名称, e.g. 租赁合同")
    content_base64: str = Field(min_length=1, description="the file, base64: JPEG, PNG or PDF, at most 5 MB")


class SelfDeclarationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    app: DeclarationApp = Field(description="随申办 entrance (5.1): app / wechat / alipay")
    external_reference: str | None = Field(default=None, max_length=100, description="the channel's case number")
    face_verified: bool = Field(description="人脸认证 passed (5.2.4): a declaration without it is refused")
    face_verified_at: datetime = Field(description="when the face verification passed (ISO 8601 with offset)")
    form: RegistrationIn = Field(description="申报人信息 (5.2.5): the fields of 表 A.1")
    materials: list[MaterialIn] = Field(default=[], max_length=MAX_MATERIALS, description="上传材料 (5.2.6)")
    preferred_visit_date: date | None = Field(default=None, description="预约上门核查 date (§4)")


class MaterialOut(BaseModel):
    position: int
    name: str
    content_type: str
    size: int
    sha256: str


class SelfDeclarationOut(BaseModel):
    id: uuid.UUID
    room_id: uuid.UUID
    house_code: str
    area: str
    app: DeclarationApp
    external_reference: str | None
    declarant_name: str = Field(description="masked")
    id_number: str | None = Field(description="masked")
    face_verified: bool
    face_verified_at: UtcDateTime
    preferred_visit_date: date | None
    status: DeclarationStatus
    submitted_at: UtcDateTime
    reviewed_by: str | None
    reviewed_at: UtcDateTime | None
    rejection_reason: str | None
    registration_id: uuid.UUID | None
    materials: list[MaterialOut]


class ConfirmationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    visit_id: uuid.UUID | None = Field(default=None, description="the booked visit at which it was checked")


class RejectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=2, max_length=500, description="退回原因, told to the declarant")
