"""Tables and API schemas of publicity (DB 31114/Z 004-2025): activities with the fields of form A.1, preparation
records (7.3), the versioned rules and the committee-months reported as missed (7.5)."""

import uuid
from datetime import date, datetime

import sqlmodel
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import JSON, Date, DateTime, ForeignKeyConstraint, Index, String, UniqueConstraint, Uuid

from collection.publicity.rules import PublicityForm, VenueType
from collection.tables import CollectionTable
from jiading_shared.types import UtcDateTime

MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_TYPES = frozenset({"image/jpeg", "image/png"})


class PublicityRuleVersion(CollectionTable, table=True):
    """The 7.3 / 7.5 figures as versioned, effective-dated data (seeded by migration 0005)."""

    __tablename__ = "publicity_rule_version"

    version: int = sqlmodel.Field(primary_key=True)
    effective_from: date = sqlmodel.Field(sa_type=Date)
    preparation_days_before: int
    monthly_centralised_minimum: int
    clause: str = sqlmodel.Field(max_length=300)
    created_by: str = sqlmodel.Field(max_length=200)
    created_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


class PublicityPreparation(CollectionTable, table=True):
    """活动前期准备 (7.3): time, place, materials, people — recorded before a 集中 or 体验式 activity."""

    __tablename__ = "publicity_preparation"
    __table_args__ = (ForeignKeyConstraint(["committee"], ["committee.code"], name="fk_preparation_committee"),)

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    committee: str = sqlmodel.Field(max_length=50, index=True)
    form: str = sqlmodel.Field(sa_type=String(20))
    planned_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    place: str = sqlmodel.Field(max_length=200)
    materials: str = sqlmodel.Field(max_length=1000)
    people: str = sqlmodel.Field(max_length=1000)
    recorded_by: str = sqlmodel.Field(max_length=200)
    recorded_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


class PublicityActivity(CollectionTable, table=True):
    """表 A.1 实有人口服务与管理宣传活动情况表."""

    __tablename__ = "publicity_activity"
    __table_args__ = (
        ForeignKeyConstraint(["committee"], ["committee.code"], name="fk_activity_committee"),
        ForeignKeyConstraint(["preparation_id"], ["publicity_preparation.id"], name="fk_activity_preparation"),
        ForeignKeyConstraint(["rule_version"], ["publicity_rule_version.version"], name="fk_activity_rule_version"),
        Index("ix_publicity_activity_committee_held", "committee", "held_at"),
        # 7.3: a preparation belongs to one activity (NULLs, activities without one, do not collide).
        UniqueConstraint("preparation_id", name="uq_publicity_activity_preparation"),
    )

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    committee: str = sqlmodel.Field(max_length=50)
    form: str = sqlmodel.Field(sa_type=String(20))
    venue_type: str = sqlmodel.Field(sa_type=String(30))
    held_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    place: str = sqlmodel.Field(max_length=200)
    organiser: str = sqlmodel.Field(max_length=200)
    participants: list[str] = sqlmodel.Field(sa_type=JSON)
    theme: str = sqlmodel.Field(max_length=200)
    description: str = sqlmodel.Field(max_length=4000)
    photos: list[dict[str, object]] = sqlmodel.Field(sa_type=JSON)
    preparation_id: uuid.UUID | None = sqlmodel.Field(default=None, sa_type=Uuid)
    rule_version: int
    recorded_by: str = sqlmodel.Field(max_length=200)
    recorded_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


class PublicityMonthMissed(CollectionTable, table=True):
    """A committee-month reported as missing its 集中 activity (7.5): the event is published once per row."""

    __tablename__ = "publicity_month_missed"

    committee: str = sqlmodel.Field(primary_key=True, max_length=50)
    month: date = sqlmodel.Field(primary_key=True, sa_type=Date)
    centralised_activities: int
    rule_version: int
    reported_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


# --- API schemas ----------------------------------------------------------------------------------------------------


class PreparationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    committee: str = Field(min_length=1, max_length=50, description="居/村委 code")
    form: PublicityForm = Field(description="centralised 集中 or experiential 体验式")
    planned_at: AwareDatetime = Field(
        description="活动时间 (ISO 8601 with offset); at least the rule's days (7.3: 三天) after today, Shanghai time"
    )
    place: str = Field(min_length=1, max_length=200, description="活动地点")
    materials: str = Field(min_length=1, max_length=1000, description="物资要求")
    people: str = Field(min_length=1, max_length=1000, description="参与人员情况")


class PreparationOut(BaseModel):
    id: uuid.UUID
    committee: str
    form: PublicityForm
    planned_at: UtcDateTime
    place: str
    materials: str
    people: str
    recorded_by: str
    recorded_at: UtcDateTime


class PhotoIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content_base64: str = Field(min_length=1, description="JPEG or PNG, base64, at most 5 MB")


class ActivityIn(BaseModel):
    """表 A.1: 时间, 地点, 组织人员, 参与宣传人员签到, 主题, 宣传活动情况 (附照片)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    committee: str = Field(min_length=1, max_length=50, description="居/村委 code")
    form: PublicityForm = Field(description="宣传形式 (§6)")
    venue_type: VenueType = Field(description="宣传场所 (§5.1–5.6)")
    held_at: AwareDatetime = Field(description="时间 (ISO 8601 with offset); not in the future: filled in 活动后 (7.3)")
    place: str = Field(min_length=1, max_length=200, description="地点")
    organiser: str = Field(min_length=1, max_length=200, description="组织人员")
    participants: list[str] = Field(min_length=1, max_length=500, description="参与宣传人员签到")
    theme: str = Field(min_length=1, max_length=200, description="宣传活动主题")
    description: str = Field(min_length=1, max_length=4000, description="宣传活动情况")
    photos: list[PhotoIn] = Field(
        default=[], max_length=20, description="附照片: at least one for 集中 / 体验式 (表 A.1)"
    )
    preparation_id: uuid.UUID | None = Field(
        default=None,
        description="required for 集中 / 体验式 (7.3): the preparation planned for this activity's day, used once",
    )


class ActivityOut(BaseModel):
    id: uuid.UUID
    committee: str
    form: PublicityForm
    venue_type: VenueType
    held_at: UtcDateTime
    place: str
    organiser: str
    participants: list[str]
    theme: str
    description: str
    photos: list[dict[str, object]]
    preparation_id: uuid.UUID | None
    rule_version: int
    recorded_by: str
    recorded_at: UtcDateTime


class PublicityRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    effective_from: date
    preparation_days_before: int = Field(ge=0, le=60)
    monthly_centralised_minimum: int = Field(ge=0, le=31)
    clause: str = Field(min_length=1, max_length=300)


class PublicityRuleOut(BaseModel):
    version: int
    effective_from: date
    preparation_days_before: int
    monthly_centralised_minimum: int
    clause: str
    created_by: str
    created_at: UtcDateTime


class CommitteeMonthOut(BaseModel):
    committee: str
    committee_name: str
    town: str
    centralised_activities: int
    missed: bool


class MonthlyReportOut(BaseModel):
    month: str = Field(description="YYYY-MM")
    rule_version: int
    required_centralised: int
    committees: list[CommitteeMonthOut]
