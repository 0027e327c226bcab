"""Tables and API schemas of residence registrations (实有人口居住登记表, DB 31114/Z 001-2025 表 A.1 / A.2).

ID numbers, phones and the guardian's ID number are stored encrypted with a blind index (jiading_shared.pii);
responses mask them unless the caller states a purpose and is entitled (issue 3 item 8)."""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

import sqlmodel
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from sqlalchemy import Date, DateTime, ForeignKeyConstraint, Index, String, Text, UniqueConstraint, Uuid

from collection.places.rules import HOUSE_CODE_PATTERN
from collection.registrations import rules
from collection.registrations.rules import (
    Education,
    Ethnicity,
    PersonCategory,
    RegistrationAction,
    ResidenceReason,
    ResidenceType,
)
from collection.tables import CollectionTable
from jiading_shared.types import UtcDateTime

FORM_NO_MAX_LENGTH = 50


class RegistrationStatus(StrEnum):
    ACTIVE = "active"
    DEREGISTERED = "deregistered"


class RegistrationChannel(StrEnum):
    VISIT = "visit"  # 上门采集
    SELF_DECLARATION = "self_declaration"  # 自主填报 (随申办)
    IMPORT = "import"  # bulk import


class DuplicateKind(StrEnum):
    """How a duplicate registration (不重复, DB 31114/Z 001-2025 6.1) was found."""

    SAME_ROOM = "same_room"  # the person again at the room where they are registered: refused (409)
    NEW_ADDRESS = "new_address"  # registered at a new address while still registered at another: the old one ends
    IMPORT_REPEAT = "import_repeat"  # the same person twice in one bulk import: the import is refused
    CONCURRENT = "concurrent"  # registered by someone else at the same moment: refused (409)


class DuplicateResolution(StrEnum):
    """How a found duplicate was resolved; NULL while it is not."""

    REFUSED = "refused"  # the second registration was refused; the existing one stands
    MOVED = "moved"  # the older registration was ended and linked to the new one
    REGISTERED_ONCE = "registered_once"  # a person listed twice in a refused import was later registered once


class DuplicateDetection(CollectionTable, table=True):
    """One duplicate registration found (不重复), for the coverage report: where (the area of the room the form
    named), when, by whom, and whether and how it was resolved. `person_key` is the person's blind index, so that a
    later registration of a person found twice in a refused import resolves the detection."""

    __tablename__ = "duplicate_detection"
    __table_args__ = (
        ForeignKeyConstraint(["room_id"], ["room.id"], name="fk_duplicate_detection_room"),
        Index("ix_duplicate_detection_area", "area"),
        Index("ix_duplicate_detection_person_key", "person_key"),
    )

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    area: str = sqlmodel.Field(max_length=50)
    room_id: uuid.UUID = sqlmodel.Field(sa_type=Uuid)
    person_key: str = sqlmodel.Field(max_length=64)
    kind: str = sqlmodel.Field(sa_type=String(20))
    channel: str = sqlmodel.Field(sa_type=String(20))
    existing_registration_id: uuid.UUID | None = sqlmodel.Field(default=None, sa_type=Uuid)
    detected_by: str = sqlmodel.Field(max_length=200)
    detected_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    resolution: str | None = sqlmodel.Field(default=None, sa_type=String(20))
    resolved_at: datetime | None = sqlmodel.Field(default=None, sa_type=DateTime(timezone=True))


class Registration(CollectionTable, table=True):
    """One residence registration of one person at one room. `person_key` (the blind index of the person) is set
    only while the registration is active: the unique constraint holds one active registration per person (不重复)."""

    __tablename__ = "registration"
    __table_args__ = (
        ForeignKeyConstraint(["room_id"], ["room.id"], name="fk_registration_room"),
        UniqueConstraint("person_key", name="uq_registration_active_person"),
        Index("ix_registration_room_status", "room_id", "status"),
        Index("ix_registration_id_number_index", "id_number_index"),
        Index("ix_registration_area_status", "area", "status"),
    )

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    room_id: uuid.UUID = sqlmodel.Field(sa_type=Uuid)
    area: str = sqlmodel.Field(max_length=50)
    form_no: str | None = sqlmodel.Field(default=None, max_length=FORM_NO_MAX_LENGTH)
    person_category: str = sqlmodel.Field(sa_type=String(20))
    name: str = sqlmodel.Field(max_length=100)
    id_number_cipher: str | None = sqlmodel.Field(default=None, sa_type=Text)
    id_number_index: str | None = sqlmodel.Field(default=None, max_length=64)
    birth_date: date | None = sqlmodel.Field(default=None, sa_type=Date)
    ethnicity: str = sqlmodel.Field(sa_type=String(20))
    household_province: str = sqlmodel.Field(max_length=50)
    household_city: str = sqlmodel.Field(max_length=50)
    household_detail: str | None = sqlmodel.Field(default=None, max_length=200)
    education: str | None = sqlmodel.Field(default=None, sa_type=String(30))
    residence_type: str = sqlmodel.Field(sa_type=String(20))
    residence_reason: str = sqlmodel.Field(sa_type=String(30))
    residence_reason_other: str | None = sqlmodel.Field(default=None, max_length=200)
    landline_cipher: str | None = sqlmodel.Field(default=None, sa_type=Text)
    mobile_cipher: str | None = sqlmodel.Field(default=None, sa_type=Text)
    mobile_index: str | None = sqlmodel.Field(default=None, max_length=64)
    photo_collected: bool
    filled_by: str = sqlmodel.Field(max_length=100)
    filled_on: date = sqlmodel.Field(sa_type=Date)
    guardian_name: str | None = sqlmodel.Field(default=None, max_length=100)
    guardian_id_number_cipher: str | None = sqlmodel.Field(default=None, sa_type=Text)
    guardian_id_number_index: str | None = sqlmodel.Field(default=None, max_length=64)
    guardian_relation: str | None = sqlmodel.Field(default=None, max_length=50)
    guardian_household_address: str | None = sqlmodel.Field(default=None, max_length=300)
    status: str = sqlmodel.Field(sa_type=String(20), default=RegistrationStatus.ACTIVE.value)
    person_key: str | None = sqlmodel.Field(default=None, max_length=64)
    channel: str = sqlmodel.Field(sa_type=String(20))
    visit_id: uuid.UUID | None = sqlmodel.Field(default=None, sa_type=Uuid)
    registered_by: str = sqlmodel.Field(max_length=200)
    registered_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    deregistered_by: str | None = sqlmodel.Field(default=None, max_length=200)
    deregistered_at: datetime | None = sqlmodel.Field(default=None, sa_type=DateTime(timezone=True))
    deregistration_reason: str | None = sqlmodel.Field(default=None, max_length=300)
    superseded_by: uuid.UUID | None = sqlmodel.Field(default=None, sa_type=Uuid)


# --- API schemas ----------------------------------------------------------------------------------------------------


def _today() -> date:
    from collection.visits.rules import LOCAL_ZONE

    return datetime.now(LOCAL_ZONE).date()


def _valid_id_number(value: str) -> str:
    return rules.check_id_number(value, _today()).value


IdNumberText = Annotated[str, AfterValidator(_valid_id_number)]
MobileText = Annotated[str, AfterValidator(rules.check_mobile)]
LandlineText = Annotated[str, AfterValidator(rules.check_landline)]
EthnicityField = Annotated[Ethnicity, BeforeValidator(lambda v: rules.label_to_value(v, rules.ETHNICITY_LABELS))]
EducationField = Annotated[Education, BeforeValidator(lambda v: rules.label_to_value(v, rules.EDUCATION_LABELS))]
ResidenceTypeField = Annotated[
    ResidenceType, BeforeValidator(lambda v: rules.label_to_value(v, rules.RESIDENCE_TYPE_LABELS))
]
ResidenceReasonField = Annotated[
    ResidenceReason,
    BeforeValidator(lambda v: rules.label_to_value(v, rules.RESIDENCE_REASON_LABELS, rules.RESIDENCE_REASON_ALIASES)),
]
PersonCategoryField = Annotated[
    PersonCategory, BeforeValidator(lambda v: rules.label_to_value(v, rules.PERSON_CATEGORY_LABELS))
]
ActionField = Annotated[RegistrationAction, BeforeValidator(lambda v: rules.label_to_value(v, rules.ACTION_LABELS))]


class HouseholdAddressIn(BaseModel):
    """户籍所在地址 (A.2.5): province and city/county, the detail (镇、村或路、弄、号、室) optional."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    province: str = Field(min_length=2, max_length=50, description="省（直辖市、自治区）")
    city: str = Field(min_length=2, max_length=50, description="市（县、区）")
    detail: str | None = Field(default=None, max_length=200, description="详址")


class GuardianIn(BaseModel):
    """监护人 of a person without an ID number (DB 31114/Z 001-2025 6.2.7)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=100, description="监护人姓名")
    id_number: IdNumberText | None = Field(default=None, description="监护人公民身份号码")
    relation: str | None = Field(default=None, min_length=1, max_length=50, description="与监护人关系")
    household_address: str | None = Field(default=None, min_length=2, max_length=300, description="监护人户籍所在地")


class RegistrationIn(BaseModel):
    """表 A.1 实有人口居住登记表. The 居住地址 is the room's address, found by its house code."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    form_no: str | None = Field(
        default=None, min_length=1, max_length=FORM_NO_MAX_LENGTH, description="表号 (表 A.1): the paper form's number"
    )
    house_code: str = Field(pattern=HOUSE_CODE_PATTERN, description="房屋编码 (A.2.2): exactly 8 digits")
    person_category: PersonCategoryField = Field(
        description="人员类别 (A.2.3): non_local 来沪人员 (household outside Shanghai) / local 本市户籍人户分离人员 "
        "(Shanghai household, living away from it)"
    )
    action: ActionField = Field(default=RegistrationAction.REGISTER, description="登记 / 注销 (A.2.3)")
    name: str = Field(min_length=1, max_length=100, description="姓名 (A.2.4)")
    id_number: IdNumberText | None = Field(
        default=None, description="公民身份号码 (A.2.4): 18 characters, GB 11643 check digit; absent for e.g. an infant"
    )
    ethnicity: EthnicityField = Field(description="民族 (A.2.4): one of the 56 groups, other or foreign_origin")
    household_address: HouseholdAddressIn = Field(description="户籍所在地址 (A.2.5)")
    education: EducationField | None = Field(default=None, description="文化程度")
    residence_type: ResidenceTypeField = Field(description="居住类型: 自住 / 租住 / 寄住")
    residence_reason: ResidenceReasonField = Field(description="居住事由 (A.2.6), Chinese labels accepted")
    residence_reason_other: str | None = Field(
        default=None, min_length=1, max_length=200, description="具体事由 when the reason is 其他"
    )
    landline: LandlineText | None = Field(default=None, description="固定电话 (A.2.7)")
    mobile: MobileText | None = Field(default=None, description="手机 (A.2.7)")
    photo_collected: bool = Field(description="照片采集 (A.2.8): 已采集 / 未采集")
    filled_by: str = Field(min_length=1, max_length=100, description="填表人 (A.2.9)")
    filled_on: date = Field(description="填表日期 (A.2.10)")
    guardian: GuardianIn | None = Field(default=None, description="监护人 (6.2.7)")


class GuardianOut(BaseModel):
    name: str | None
    id_number: str | None
    relation: str | None
    household_address: str | None


class HouseholdAddressOut(BaseModel):
    province: str
    city: str
    detail: str | None


class RegistrationOut(BaseModel):
    id: uuid.UUID
    form_no: str | None = Field(description="表号 (表 A.1)")
    room_id: uuid.UUID
    house_code: str
    residence_address: str = Field(description="居住地址 (A.2.1): 区/县 街道/镇 (its name) 路 弄 号 室")
    area: str
    person_category: PersonCategory
    name: str
    id_number: str | None = Field(description="masked unless disclosed with a purpose")
    birth_date: date | None
    ethnicity: Ethnicity
    ethnicity_label: str
    household_address: HouseholdAddressOut
    education: Education | None
    residence_type: ResidenceType
    residence_reason: ResidenceReason
    residence_reason_label: str
    residence_reason_other: str | None
    landline: str | None
    mobile: str | None
    photo_collected: bool
    filled_by: str
    filled_on: date
    guardian: GuardianOut | None
    status: RegistrationStatus
    channel: RegistrationChannel
    visit_id: uuid.UUID | None
    registered_by: str
    registered_at: UtcDateTime
    deregistered_at: UtcDateTime | None
    deregistration_reason: str | None
    superseded_by: uuid.UUID | None
    masked: bool


class DeregistrationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=2, max_length=300, description="注销 reason, e.g. 已搬离")


class IdNumberSearchIn(BaseModel):
    """Search by exact ID number. In the body, not the URL: an ID number must not land in access logs."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id_number: str = Field(min_length=1, max_length=30)


class RegistrationImportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rows: list[RegistrationIn] = Field(min_length=1, max_length=100_000, description="表 A.1 forms")


class RegistrationImportOut(BaseModel):
    dry_run: bool
    rows: int
    imported: int
