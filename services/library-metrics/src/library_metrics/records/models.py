"""Tables and input schemas of the facility records the compliance engine reads."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlmodel
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import JSON, Date, DateTime, ForeignKeyConstraint, Index, Numeric, String, UniqueConstraint, Uuid

from library_metrics.indicators.rules import EventKind, ReferenceChannel, ShelvedItemType, parse_clock
from library_metrics.records.rules import AcquisitionSource, sessions_problem
from library_metrics.tables import LibraryTable


def _facility_fk(table: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["facility_id"], ["facility.id"], name=f"fk_{table}_facility")


class _Record(LibraryTable):
    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    facility_id: uuid.UUID = sqlmodel.Field(sa_type=Uuid)
    recorded_by: str = sqlmodel.Field(max_length=200)
    recorded_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


class OpeningPattern(_Record, table=True):
    """Weekly opening pattern (开放时间) from a date until the next pattern of the facility."""

    __tablename__ = "opening_pattern"
    __table_args__ = (
        _facility_fk("opening_pattern"),
        UniqueConstraint("facility_id", "effective_from", name="uq_opening_pattern_facility_from"),
    )
    effective_from: date = sqlmodel.Field(sa_type=Date)
    sessions: list[dict[str, Any]] = sqlmodel.Field(default_factory=list, sa_type=JSON)


class OpeningException(_Record, table=True):
    """A dated exception to the pattern: other hours that day, or no sessions (closed without a closure notice)."""

    __tablename__ = "opening_exception"
    __table_args__ = (
        _facility_fk("opening_exception"),
        UniqueConstraint("facility_id", "on_date", name="uq_opening_exception_facility_date"),
    )
    on_date: date = sqlmodel.Field(sa_type=Date)
    sessions: list[dict[str, Any]] = sqlmodel.Field(default_factory=list, sa_type=JSON)
    note: str | None = sqlmodel.Field(default=None, max_length=500)


class Closure(_Record, table=True):
    """A temporary closure (暂时闭馆 / 临时关闭) with its announcement date and approval."""

    __tablename__ = "closure"
    __table_args__ = (_facility_fk("closure"), Index("ix_closure_facility_starts", "facility_id", "starts_on"))
    starts_on: date = sqlmodel.Field(sa_type=Date)
    ends_on: date = sqlmodel.Field(sa_type=Date)
    announced_on: date = sqlmodel.Field(sa_type=Date)
    emergency: bool = False
    approved: bool = False
    reported_to_town: bool = False
    reason: str = sqlmodel.Field(max_length=500)


class Event(_Record, table=True):
    __tablename__ = "event"
    __table_args__ = (_facility_fk("event"), Index("ix_event_facility_held", "facility_id", "held_on"))
    kind: EventKind = sqlmodel.Field(sa_type=String(40))
    held_on: date = sqlmodel.Field(sa_type=Date)
    title: str = sqlmodel.Field(max_length=300)
    attendance: int | None = None


class CollectionCount(_Record, table=True):
    __tablename__ = "collection_count"
    __table_args__ = (
        _facility_fk("collection_count"),
        UniqueConstraint("facility_id", "as_of", name="uq_collection_count_facility_as_of"),
    )
    as_of: date = sqlmodel.Field(sa_type=Date)
    books: int | None = None
    newspaper_titles: int | None = None
    magazine_titles: int | None = None
    digital_storage_local_tb: Decimal | None = sqlmodel.Field(default=None, sa_type=Numeric(12, 3))
    digital_storage_self_built_tb: Decimal | None = sqlmodel.Field(default=None, sa_type=Numeric(12, 3))
    digital_resources_total: int | None = None
    digital_resources_remote: int | None = None


class Acquisition(_Record, table=True):
    __tablename__ = "acquisition"
    __table_args__ = (
        _facility_fk("acquisition"),
        Index("ix_acquisition_facility_received", "facility_id", "received_on"),
    )
    received_on: date = sqlmodel.Field(sa_type=Date)
    source: AcquisitionSource = sqlmodel.Field(sa_type=String(30))
    titles: int
    volumes: int


class MonthlyUsage(_Record, table=True):
    __tablename__ = "monthly_usage"
    __table_args__ = (
        _facility_fk("monthly_usage"),
        UniqueConstraint("facility_id", "month", name="uq_monthly_usage_facility_month"),
    )
    month: str = sqlmodel.Field(max_length=7)
    loans: int
    downloads: int


class Shelving(_Record, table=True):
    __tablename__ = "shelving"
    __table_args__ = (_facility_fk("shelving"), Index("ix_shelving_facility_arrived", "facility_id", "arrived_on"))
    item_type: ShelvedItemType = sqlmodel.Field(sa_type=String(30))
    arrived_on: date = sqlmodel.Field(sa_type=Date)
    shelved_on: date | None = sqlmodel.Field(default=None, sa_type=Date)
    items: int


class ShelfCheck(_Record, table=True):
    __tablename__ = "shelf_check"
    __table_args__ = (_facility_fk("shelf_check"), Index("ix_shelf_check_facility_at", "facility_id", "checked_at"))
    checked_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    items_checked: int
    misplaced: int


class DocumentRequest(_Record, table=True):
    __tablename__ = "document_request"
    __table_args__ = (
        _facility_fk("document_request"),
        Index("ix_document_request_facility_at", "facility_id", "requested_at"),
    )
    held: bool
    requested_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    answered_at: datetime | None = sqlmodel.Field(default=None, sa_type=DateTime(timezone=True))


class ReferenceQuestion(_Record, table=True):
    __tablename__ = "reference_question"
    __table_args__ = (
        _facility_fk("reference_question"),
        Index("ix_reference_question_facility_at", "facility_id", "asked_at"),
    )
    channel: ReferenceChannel = sqlmodel.Field(sa_type=String(20))
    professional: bool = False
    asked_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    answered_at: datetime | None = sqlmodel.Field(default=None, sa_type=DateTime(timezone=True))


class Complaint(_Record, table=True):
    __tablename__ = "complaint"
    __table_args__ = (_facility_fk("complaint"), Index("ix_complaint_facility_at", "facility_id", "received_at"))
    received_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    answered_at: datetime | None = sqlmodel.Field(default=None, sa_type=DateTime(timezone=True))


class Survey(_Record, table=True):
    __tablename__ = "survey"
    __table_args__ = (_facility_fk("survey"), Index("ix_survey_facility_on", "facility_id", "conducted_on"))
    conducted_on: date = sqlmodel.Field(sa_type=Date)
    distributed: int
    returned: int
    satisfied: int


class StaffMember(_Record, table=True):
    __tablename__ = "staff_member"
    __table_args__ = (
        _facility_fk("staff_member"),
        UniqueConstraint("facility_id", "staff_code", name="uq_staff_member_facility_code"),
    )
    staff_code: str = sqlmodel.Field(max_length=50)
    full_time: bool = True
    joined_on: date = sqlmodel.Field(sa_type=Date)
    left_on: date | None = sqlmodel.Field(default=None, sa_type=Date)


class Training(_Record, table=True):
    __tablename__ = "training"
    __table_args__ = (_facility_fk("training"), Index("ix_training_facility_started", "facility_id", "started_on"))
    staff_code: str = sqlmodel.Field(max_length=50)
    started_on: date = sqlmodel.Field(sa_type=Date)
    hours: Decimal = sqlmodel.Field(sa_type=Numeric(8, 2))
    days: Decimal = sqlmodel.Field(sa_type=Numeric(6, 2))
    topic: str = sqlmodel.Field(max_length=300)


class VolunteerRoster(_Record, table=True):
    __tablename__ = "volunteer_roster"
    __table_args__ = (
        _facility_fk("volunteer_roster"),
        UniqueConstraint("facility_id", "year", name="uq_volunteer_roster_facility_year"),
    )
    year: int
    active_teams: int
    active_volunteers: int


# --- input schemas --------------------------------------------------------------------------------------------------


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SessionIn(_In):
    opens: str = Field(pattern=r"^\d{2}:\d{2}$", description="开门 HH:MM (China Standard Time)")
    closes: str = Field(pattern=r"^\d{2}:\d{2}$", description="闭门 HH:MM; 24:00 = midnight")

    @model_validator(mode="after")
    def _ordered(self) -> "SessionIn":
        if parse_clock(self.opens) >= parse_clock(self.closes):
            raise ValueError("opens must be before closes")
        return self


class WeeklySessionIn(SessionIn):
    weekday: int = Field(ge=1, le=7, description="1 = Monday … 7 = Sunday")


class OpeningPatternIn(_In):
    effective_from: date = Field(description="从该日起适用")
    sessions: list[WeeklySessionIn] = Field(max_length=50, description="每周开放时段")

    @model_validator(mode="after")
    def _no_overlap(self) -> "OpeningPatternIn":
        problem = sessions_problem([(s.weekday, s.opens, s.closes) for s in self.sessions])
        if problem:
            raise ValueError(problem)
        return self


class OpeningExceptionIn(_In):
    on_date: date = Field(description="日期")
    sessions: list[SessionIn] = Field(max_length=10, description="当日开放时段; empty = closed that day")
    note: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _no_overlap(self) -> "OpeningExceptionIn":
        problem = sessions_problem([(1, s.opens, s.closes) for s in self.sessions])
        if problem:
            raise ValueError(problem)
        return self


class ClosureIn(_In):
    starts_on: date = Field(description="闭馆开始日")
    ends_on: date = Field(description="闭馆结束日 (含)")
    announced_on: date = Field(description="向读者公告日")
    emergency: bool = Field(default=False, description="公共安全等突发事件临时闭馆")
    approved: bool = Field(default=False, description="已报上级管理部门 / 居委会、村委会同意")
    reported_to_town: bool = Field(default=False, description="已向街镇文化业务部门报备 (活动室)")
    reason: str = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _dates(self) -> "ClosureIn":
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        if (self.ends_on - self.starts_on).days > 366:
            raise ValueError("a temporary closure lasts at most a year")
        if self.announced_on > self.ends_on:
            raise ValueError("announced_on is after the closure ended")
        return self


class EventIn(_In):
    kind: EventKind = Field(description="活动类型")
    held_on: date
    title: str = Field(min_length=1, max_length=300)
    attendance: int | None = Field(default=None, ge=0, le=1_000_000, description="参与人次")


class CollectionCountIn(_In):
    as_of: date = Field(description="统计日期")
    books: int | None = Field(default=None, ge=0, le=100_000_000, description="普通文献 (册)")
    newspaper_titles: int | None = Field(default=None, ge=0, le=100_000, description="报纸 (种)")
    magazine_titles: int | None = Field(default=None, ge=0, le=100_000, description="杂志 (种)")
    digital_storage_local_tb: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=3)
    digital_storage_self_built_tb: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=3)
    digital_resources_total: int | None = Field(default=None, ge=0, description="数字资源总量")
    digital_resources_remote: int | None = Field(default=None, ge=0, description="可远程访问的数字资源")

    @model_validator(mode="after")
    def _nested(self) -> "CollectionCountIn":
        if (
            self.digital_resources_total is not None
            and self.digital_resources_remote is not None
            and self.digital_resources_remote > self.digital_resources_total
        ):
            raise ValueError("digital_resources_remote exceeds digital_resources_total")
        return self


class AcquisitionIn(_In):
    received_on: date
    source: AcquisitionSource = Field(description="purchase 采购 / district_delivery 区馆配送")
    titles: int = Field(ge=0, le=10_000_000, description="种")
    volumes: int = Field(ge=1, le=10_000_000, description="册")

    @model_validator(mode="after")
    def _titles_within_volumes(self) -> "AcquisitionIn":
        if self.titles > self.volumes:
            raise ValueError("titles exceed volumes")
        return self


class MonthlyUsageIn(_In):
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")
    loans: int = Field(ge=0, le=100_000_000, description="外借册次")
    downloads: int = Field(ge=0, le=1_000_000_000, description="数字文献下载量")


class ShelvingIn(_In):
    item_type: ShelvedItemType
    arrived_on: date = Field(description="到馆日期")
    shelved_on: date | None = Field(default=None, description="上架日期; empty = not shelved yet")
    items: int = Field(ge=1, le=1_000_000)

    @model_validator(mode="after")
    def _order(self) -> "ShelvingIn":
        if self.shelved_on is not None and self.shelved_on < self.arrived_on:
            raise ValueError("shelved_on is before arrived_on")
        return self


class ShelfCheckIn(_In):
    checked_at: AwareDatetime = Field(description="巡视查架时间 (with offset, e.g. +08:00)")
    items_checked: int = Field(ge=1, le=10_000_000)
    misplaced: int = Field(ge=0, le=10_000_000, description="错架册数")

    @model_validator(mode="after")
    def _within(self) -> "ShelfCheckIn":
        if self.misplaced > self.items_checked:
            raise ValueError("misplaced exceeds items_checked")
        return self


class _Answered(_In):
    answered_at: AwareDatetime | None = Field(default=None, description="答复时间; empty = not answered yet")

    def _check_answer_after(self, asked: datetime) -> None:
        if self.answered_at is not None and self.answered_at < asked:
            raise ValueError("answered_at is before the question")


class DocumentRequestIn(_Answered):
    held: bool = Field(description="true: 馆藏中存在的文献 (调阅); false: 馆藏中不存在的文献")
    requested_at: AwareDatetime

    @model_validator(mode="after")
    def _order(self) -> "DocumentRequestIn":
        self._check_answer_after(self.requested_at)
        return self


class ReferenceQuestionIn(_Answered):
    channel: ReferenceChannel = Field(description="现场/电话/网络/信件/传真/电子邮件/短信")
    professional: bool = Field(default=False, description="专业性咨询 (专题、立法与决策)")
    asked_at: AwareDatetime

    @model_validator(mode="after")
    def _order(self) -> "ReferenceQuestionIn":
        self._check_answer_after(self.asked_at)
        return self


class ComplaintIn(_Answered):
    received_at: AwareDatetime

    @model_validator(mode="after")
    def _order(self) -> "ComplaintIn":
        self._check_answer_after(self.received_at)
        return self


class SurveyIn(_In):
    conducted_on: date
    distributed: int = Field(ge=1, le=1_000_000, description="发放份数")
    returned: int = Field(ge=0, le=1_000_000, description="回收份数")
    satisfied: int = Field(ge=0, le=1_000_000, description="满意份数")

    @model_validator(mode="after")
    def _nested(self) -> "SurveyIn":
        if self.returned > self.distributed:
            raise ValueError("returned exceeds distributed")
        if self.satisfied > self.returned:
            raise ValueError("satisfied exceeds returned")
        return self


class StaffMemberIn(_In):
    staff_code: str = Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9_.-]+$", description="工号")
    full_time: bool = Field(default=True, description="专职")
    joined_on: date
    left_on: date | None = None

    @model_validator(mode="after")
    def _order(self) -> "StaffMemberIn":
        if self.left_on is not None and self.left_on < self.joined_on:
            raise ValueError("left_on is before joined_on")
        return self


class TrainingIn(_In):
    staff_code: str = Field(min_length=1, max_length=50, description="工号 of a staff member of this facility")
    started_on: date
    hours: Decimal = Field(gt=0, le=2000, max_digits=8, decimal_places=2, description="学时")
    days: Decimal = Field(gt=0, le=366, max_digits=6, decimal_places=2, description="集中培训天数")
    topic: str = Field(min_length=1, max_length=300)


class VolunteerRosterIn(_In):
    year: int = Field(ge=2000, le=2100)
    active_teams: int = Field(ge=0, le=10_000, description="活跃志愿者团队 (支)")
    active_volunteers: int = Field(ge=0, le=1_000_000, description="活跃志愿者 (人)")
