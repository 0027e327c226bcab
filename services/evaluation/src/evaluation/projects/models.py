"""Tables and API schemas of assistance projects: the bid (target groups, planned activities, budget, staffing,
schedule) and the actuals (activities held, expenditure, budget adjustments, articles, recognitions, complaints,
satisfaction surveys, safety incidents, archive items, resource mobilisation), plus evidence documents."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlmodel
from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator
from sqlalchemy import JSON, BigInteger, Date, DateTime, Uuid

from evaluation.tables import EvaluationTable
from jiading_shared.types import UtcDateTime

FEN_PER_YUAN = 100
Money = Field(ge=0, max_digits=14, decimal_places=2, description="元, two decimals at most")


def to_fen(amount: Decimal) -> int:
    return int(amount * FEN_PER_YUAN)


def to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


class DisabilityType(StrEnum):
    """The six disability types of 5.2.2.4."""

    VISUAL = "visual"  # 视力残疾
    HEARING = "hearing"  # 听力残疾
    SPEECH = "speech"  # 言语残疾
    PHYSICAL = "physical"  # 肢体残疾
    INTELLECTUAL = "intellectual"  # 智力残疾
    MENTAL = "mental"  # 精神残疾


class AdjustmentStatus(StrEnum):
    """预算调整 and the purchaser's procedure (5.3.4)."""

    PENDING = "pending"  # 待审批 (not in effect)
    APPROVED = "approved"  # 已批准 (in effect)
    REJECTED = "rejected"  # 未获批准 (not in effect)
    UNAPPROVED = "unapproved"  # 未履行必要手续，私自调整 (in effect: the veto of 表 A.3 预算管理)


ADJUSTMENTS_IN_EFFECT = frozenset({AdjustmentStatus.APPROVED, AdjustmentStatus.UNAPPROVED})


class ArticleChannel(StrEnum):
    """Where an article (项目活动通讯) was accepted; the first four are the 一网一台一微一刊 of 5.2.4.2."""

    DISTRICT_SITE = "district_site"  # 一网: 嘉定区残联频道
    DISTRICT_RADIO = "district_radio"  # 一台: 嘉定区残疾人广播电台
    WECHAT = "wechat"  # 一微: 嘉定残联微信工作平台
    JOURNAL = "journal"  # 一刊:《嘉定残联人》
    OTHER = "other"  # 其他渠道 (not counted by 5.2.4.2)


COUNTED_CHANNELS = frozenset(
    {ArticleChannel.DISTRICT_SITE, ArticleChannel.DISTRICT_RADIO, ArticleChannel.WECHAT, ArticleChannel.JOURNAL}
)


class RecognitionKind(StrEnum):
    REPORT = "report"  # 报道
    HONOUR = "honour"  # 荣誉
    ARTICLE = "article"  # 发表有关文章


class RecognitionLevel(StrEnum):
    DISTRICT = "district"  # 区级 (1 分 each, 表 A.4)
    ABOVE_DISTRICT = "above_district"  # 区级以上 (2 分 each, 表 A.4)


class Audience(StrEnum):
    """The six audiences of 表 A.2 资源动员 (5.2.3)."""

    SERVICE_USERS = "service_users"  # 服务对象
    COMMUNITY = "community"  # 社区资源
    EXPERTS = "experts"  # 专家
    GOVERNMENT = "government"  # 政府部门
    ENTERPRISES = "enterprises"  # 企事业单位
    PUBLIC = "public"  # 社会公众（志愿者）


class ExpenditureCategory(StrEnum):
    BUSINESS_ACTIVITY = "business_activity"  # 业务活动经费
    MANAGEMENT_FEE = "management_fee"  # 管理费
    OTHER = "other"


class ArchiveCategory(StrEnum):
    """归档范围 of 5.2.6.1 b)."""

    APPLICATION = "application"  # 项目立项申请书
    PERFORMANCE_REPORT = "performance_report"  # 绩效报告
    AUDIT_REPORT = "audit_report"  # 审计报告
    FINANCIAL_STATEMENT = "financial_statement"  # 月、季度财务报表
    LEDGER = "ledger"  # 工作台账记录
    ACTIVITY_MATERIAL = "activity_material"  # 活动资料 (方案、通知、签到、记录)
    SELF_EVALUATION_REPORT = "self_evaluation_report"  # 自评报告 (5.2.5.5)
    OTHER = "other"


class QualificationKind(StrEnum):
    """承接资质证明材料 of 5.1.2.5."""

    ORGANISATION_PROFILE = "organisation_profile"  # 机构概况
    ANNUAL_FINANCIAL_STATEMENT = "annual_financial_statement"  # 年度财务报表
    EVALUATION_GRADE_CERTIFICATE = "evaluation_grade_certificate"  # 规范化评估等级证书
    OTHER = "other"


# --- the bid -------------------------------------------------------------------------------------------------------


class StaffingPlanItem(BaseModel):
    """人员配置 (5.1.1): a role of the team and how many people fill it."""

    model_config = ConfigDict(extra="forbid")

    role: str = Field(min_length=1, max_length=100, description="e.g. 项目管理者, 社工, 财务人员, 培训人员")
    count: int = Field(ge=1, le=1000)
    qualification: str | None = Field(default=None, max_length=200, description="资质 required")


class ScheduleItem(BaseModel):
    """项目进度表 (5.2.1.1): a task and when it runs."""

    model_config = ConfigDict(extra="forbid")

    task: str = Field(min_length=1, max_length=200)
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> "ScheduleItem":
        if self.end < self.start:
            raise ValueError("end is before start")
        return self


class PlannedActivityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    planned_persons: int = Field(ge=1, le=1_000_000, description="规定的服务人次 (5.4.1.1)")
    planned_frequency: int = Field(ge=1, le=10_000, description="规定的活动频次 (5.4.1.1)")
    disability_types: list[DisabilityType] = Field(default_factory=list)


class ProjectIn(BaseModel):
    """项目投标方案 (the bid)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    provider_id: uuid.UUID
    name: str = Field(min_length=1, max_length=200, description="项目名称")
    service_year: int = Field(ge=2000, le=2100, description="服务年度 (5.2.4.2 counts articles per year)")
    start_date: date
    end_date: date
    target_disability_types: list[DisabilityType] = Field(
        min_length=1, description="目标人群: among the six disability types of 5.2.2.4"
    )
    budget_planned: Decimal = Field(gt=0, max_digits=14, decimal_places=2, description="B 预算数 (元), formula (1)")
    satisfied_planned: int = Field(ge=1, le=1_000_000, description="H 计划达到的服务对象满意人数, formula (3)")
    staffing_plan: list[StaffingPlanItem] = Field(min_length=1)
    schedule: list[ScheduleItem] = Field(min_length=1)
    planned_activities: list[PlannedActivityIn] = Field(min_length=1)
    quality_targets: list[str] = Field(default_factory=list, description="质量目标 of the bid (5.4.2)")

    @model_validator(mode="after")
    def _consistent(self) -> "ProjectIn":
        if self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        if len(set(self.target_disability_types)) != len(self.target_disability_types):
            raise ValueError("target_disability_types lists a type twice")
        outside = [
            activity.name
            for activity in self.planned_activities
            if not set(activity.disability_types) <= set(self.target_disability_types)
        ]
        if outside:
            raise ValueError(f"planned activities serve types outside the target groups: {', '.join(outside)}")
        return self


class AssistanceProject(EvaluationTable, table=True):
    __tablename__ = "assistance_project"

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    provider_id: uuid.UUID = sqlmodel.Field(foreign_key="provider.id", sa_type=Uuid, index=True)
    name: str = sqlmodel.Field(max_length=200)
    service_year: int
    start_date: date = sqlmodel.Field(sa_type=Date)
    end_date: date = sqlmodel.Field(sa_type=Date)
    target_disability_types: list[str] = sqlmodel.Field(sa_type=JSON)
    budget_planned_fen: int = sqlmodel.Field(sa_type=BigInteger)
    satisfied_planned: int
    staffing_plan: list[dict[str, Any]] = sqlmodel.Field(sa_type=JSON)
    schedule: list[dict[str, Any]] = sqlmodel.Field(sa_type=JSON)
    quality_targets: list[str] = sqlmodel.Field(sa_type=JSON)
    created_by: str = sqlmodel.Field(max_length=200)
    created_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


class PlannedActivity(EvaluationTable, table=True):
    __tablename__ = "planned_activity"

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    project_id: uuid.UUID = sqlmodel.Field(foreign_key="assistance_project.id", sa_type=Uuid, index=True)
    name: str = sqlmodel.Field(max_length=200)
    planned_persons: int
    planned_frequency: int
    disability_types: list[str] = sqlmodel.Field(sa_type=JSON)


class PlannedActivityOut(PlannedActivityIn):
    model_config = ConfigDict(extra="ignore")

    id: uuid.UUID


class ProjectOut(BaseModel):
    id: uuid.UUID
    provider_id: uuid.UUID
    name: str
    service_year: int
    start_date: date
    end_date: date
    target_disability_types: list[DisabilityType]
    budget_planned: Decimal
    satisfied_planned: int
    staffing_plan: list[StaffingPlanItem]
    schedule: list[ScheduleItem]
    planned_activities: list[PlannedActivityOut]
    quality_targets: list[str]
    created_by: str
    created_at: UtcDateTime


# --- actuals -------------------------------------------------------------------------------------------------------
# Every actual is a row of its own table with the same bookkeeping columns: which project, who recorded it, when.


class ProjectRecord(EvaluationTable):
    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    project_id: uuid.UUID = sqlmodel.Field(foreign_key="assistance_project.id", sa_type=Uuid, index=True)
    recorded_by: str = sqlmodel.Field(max_length=200)
    recorded_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))
    # A record entered by mistake is withdrawn, never deleted: it stays listed and no longer counts.
    withdrawn_at: datetime | None = sqlmodel.Field(default=None, sa_type=DateTime(timezone=True))
    withdrawn_by: str | None = sqlmodel.Field(default=None, max_length=200)
    withdrawal_reason: str | None = sqlmodel.Field(default=None, max_length=1000)


class RecordIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    def row_fields(self) -> dict[str, Any]:
        """The table's columns for this record (money is stored in 分)."""
        return self.model_dump()


class RecordOut(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: uuid.UUID
    project_id: uuid.UUID
    recorded_by: str
    recorded_at: UtcDateTime
    withdrawn_at: UtcDateTime | None = Field(default=None, description="set when withdrawn: no longer counted")
    withdrawn_by: str | None = None
    withdrawal_reason: str | None = None


class WithdrawalIn(BaseModel):
    """Withdrawing a record entered by mistake: the row stays, with who withdrew it, when and why."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=1, max_length=1000, description="why the record is withdrawn")


class ActivityRecord(ProjectRecord, table=True):
    """An activity held (5.4.1.1), with the persons served and the 实名签到 count (5.2.5.3)."""

    __tablename__ = "activity_record"

    planned_activity_id: uuid.UUID = sqlmodel.Field(foreign_key="planned_activity.id", sa_type=Uuid)
    held_on: date = sqlmodel.Field(sa_type=Date)
    persons_served: int
    signed_in: int
    notes: str | None = sqlmodel.Field(default=None, max_length=2000)


class ActivityRecordIn(RecordIn):
    planned_activity_id: uuid.UUID = Field(description="the planned activity of the bid this one delivers")
    held_on: date
    persons_served: int = Field(ge=0, le=100_000, description="服务人次")
    signed_in: int = Field(ge=0, le=100_000, description="签到册上实名签到人数 (5.2.5.3)")
    notes: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _signed(self) -> "ActivityRecordIn":
        if self.signed_in > self.persons_served:
            raise ValueError("signed_in exceeds persons_served")
        return self


class ActivityRecordOut(RecordOut, ActivityRecordIn):
    model_config = ConfigDict(extra="ignore")


class Expenditure(ProjectRecord, table=True):
    """A payment out of the project's funds (A of formula 1)."""

    __tablename__ = "expenditure"

    spent_on: date = sqlmodel.Field(sa_type=Date)
    amount_fen: int = sqlmodel.Field(sa_type=BigInteger)
    category: str = sqlmodel.Field(max_length=40)
    description: str = sqlmodel.Field(max_length=500)
    voucher_no: str | None = sqlmodel.Field(default=None, max_length=100)


class ExpenditureIn(RecordIn):
    spent_on: date
    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2, description="元")
    category: ExpenditureCategory
    description: str = Field(min_length=1, max_length=500)
    voucher_no: str | None = Field(default=None, max_length=100, description="票据号 (5.3.2.3)")

    def row_fields(self) -> dict[str, Any]:
        return {**self.model_dump(exclude={"amount"}), "amount_fen": to_fen(self.amount)}


class ExpenditureOut(RecordOut):
    spent_on: date
    amount_fen: int = Field(exclude=True)
    category: ExpenditureCategory
    description: str
    voucher_no: str | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def amount(self) -> Decimal:
        return to_yuan(self.amount_fen)


class BudgetAdjustment(ProjectRecord, table=True):
    """预算调整 (5.3.4) and where it stands in the purchaser's procedure."""

    __tablename__ = "budget_adjustment"

    requested_on: date = sqlmodel.Field(sa_type=Date)
    amount_fen: int = sqlmodel.Field(sa_type=BigInteger)
    reason: str = sqlmodel.Field(max_length=1000)
    status: str = sqlmodel.Field(max_length=20)
    decided_on: date | None = sqlmodel.Field(default=None, sa_type=Date)


class BudgetAdjustmentIn(RecordIn):
    requested_on: date
    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2, description="调整金额 (元, absolute)")
    reason: str = Field(min_length=1, max_length=1000)
    status: AdjustmentStatus = Field(description="approval status in the purchaser's procedure")
    decided_on: date | None = None

    def row_fields(self) -> dict[str, Any]:
        return {**self.model_dump(exclude={"amount"}), "amount_fen": to_fen(self.amount)}


class BudgetAdjustmentOut(RecordOut):
    requested_on: date
    amount_fen: int = Field(exclude=True)
    reason: str
    status: AdjustmentStatus
    decided_on: date | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def amount(self) -> Decimal:
        return to_yuan(self.amount_fen)


class Article(ProjectRecord, table=True):
    """项目活动通讯 accepted by a channel (5.2.4.2)."""

    __tablename__ = "article"

    title: str = sqlmodel.Field(max_length=300)
    channel: str = sqlmodel.Field(max_length=40)
    published_on: date = sqlmodel.Field(sa_type=Date)


class ArticleIn(RecordIn):
    title: str = Field(min_length=1, max_length=300)
    channel: ArticleChannel
    published_on: date


class ArticleOut(RecordOut, ArticleIn):
    model_config = ConfigDict(extra="ignore")


class Recognition(ProjectRecord, table=True):
    """区级或区级以上报道、荣誉、文章 about the project (5.4.4.2, 表 A.4 影响目标)."""

    __tablename__ = "recognition"

    kind: str = sqlmodel.Field(max_length=20)
    level: str = sqlmodel.Field(max_length=20)
    title: str = sqlmodel.Field(max_length=300)
    received_on: date = sqlmodel.Field(sa_type=Date)


class RecognitionIn(RecordIn):
    kind: RecognitionKind
    level: RecognitionLevel
    title: str = Field(min_length=1, max_length=300)
    received_on: date


class RecognitionOut(RecordOut, RecognitionIn):
    model_config = ConfigDict(extra="ignore")


class Complaint(ProjectRecord, table=True):
    """A complaint and how it was handled (5.2.2.5)."""

    __tablename__ = "complaint"

    received_on: date = sqlmodel.Field(sa_type=Date)
    summary: str = sqlmodel.Field(max_length=1000)
    valid: bool
    handled_on: date | None = sqlmodel.Field(default=None, sa_type=Date)
    handling: str | None = sqlmodel.Field(default=None, max_length=2000)
    handled_in_time: bool


class ComplaintIn(RecordIn):
    received_on: date
    summary: str = Field(min_length=1, max_length=1000)
    valid: bool = Field(description="有效投诉")
    handled_on: date | None = None
    handling: str | None = Field(default=None, max_length=2000, description="how it was handled")
    handled_in_time: bool = Field(default=False, description="处置及时 (5.2.2.5)")

    @model_validator(mode="after")
    def _handled(self) -> "ComplaintIn":
        if self.handled_in_time and (self.handled_on is None or not self.handling):
            raise ValueError("a complaint handled in time needs handled_on and handling")
        if self.handled_on is not None and self.handled_on < self.received_on:
            raise ValueError("handled_on is before received_on")
        return self


class ComplaintOut(RecordOut, ComplaintIn):
    model_config = ConfigDict(extra="ignore")


SATISFACTION_ASPECTS = (
    "project_setting",  # 项目设置
    "service_attitude",  # 服务态度
    "service_quality",  # 服务质量
    "work_efficiency",  # 工作效率
    "integrity",  # 廉洁自律
    "needs_met",  # 需求满足
)


class SatisfactionSurvey(ProjectRecord, table=True):
    """满意度调查 over the six aspects of 5.4.3: how many respondents were satisfied with each."""

    __tablename__ = "satisfaction_survey"

    surveyed_on: date = sqlmodel.Field(sa_type=Date)
    respondents: int
    project_setting: int
    service_attitude: int
    service_quality: int
    work_efficiency: int
    integrity: int
    needs_met: int


class SatisfactionSurveyIn(RecordIn):
    surveyed_on: date
    respondents: int = Field(ge=1, le=1_000_000)
    project_setting: int = Field(ge=0, le=1_000_000, description="满意人数: 项目设置")
    service_attitude: int = Field(ge=0, le=1_000_000, description="满意人数: 服务态度")
    service_quality: int = Field(ge=0, le=1_000_000, description="满意人数: 服务质量")
    work_efficiency: int = Field(ge=0, le=1_000_000, description="满意人数: 工作效率")
    integrity: int = Field(ge=0, le=1_000_000, description="满意人数: 廉洁自律")
    needs_met: int = Field(ge=0, le=1_000_000, description="满意人数: 需求满足")

    @model_validator(mode="after")
    def _within_respondents(self) -> "SatisfactionSurveyIn":
        over = [aspect for aspect in SATISFACTION_ASPECTS if getattr(self, aspect) > self.respondents]
        if over:
            raise ValueError(f"more satisfied than respondents: {', '.join(over)}")
        return self


class SatisfactionSurveyOut(RecordOut, SatisfactionSurveyIn):
    model_config = ConfigDict(extra="ignore")


class SafetyIncident(ProjectRecord, table=True):
    """安全事件 (5.2.7); an accident (事故) triggers the veto of 表 A.2 安全管理."""

    __tablename__ = "safety_incident"

    occurred_on: date = sqlmodel.Field(sa_type=Date)
    description: str = sqlmodel.Field(max_length=2000)
    accident: bool
    response: str | None = sqlmodel.Field(default=None, max_length=2000)


class SafetyIncidentIn(RecordIn):
    occurred_on: date
    description: str = Field(min_length=1, max_length=2000)
    accident: bool = Field(description="安全事故 (the veto of 表 A.2), as opposed to a hazard or near miss")
    response: str | None = Field(default=None, max_length=2000, description="应急处置")


class SafetyIncidentOut(RecordOut, SafetyIncidentIn):
    model_config = ConfigDict(extra="ignore")


class ArchiveItem(ProjectRecord, table=True):
    """An item of the project's archive (5.2.6), optionally with its scanned document."""

    __tablename__ = "archive_item"

    category: str = sqlmodel.Field(max_length=40)
    title: str = sqlmodel.Field(max_length=300)
    archived_on: date = sqlmodel.Field(sa_type=Date)
    retention_years: int | None = None
    blob_key: str | None = sqlmodel.Field(default=None, max_length=64)


class ArchiveItemIn(RecordIn):
    category: ArchiveCategory
    title: str = Field(min_length=1, max_length=300)
    archived_on: date
    retention_years: int | None = Field(default=None, ge=1, le=100, description="保存期限 (5.2.6.1 a)")
    blob_key: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{64}$", description="a document uploaded as evidence (its sha256)"
    )


class ArchiveItemOut(RecordOut, ArchiveItemIn):
    model_config = ConfigDict(extra="ignore")


class Mobilisation(ProjectRecord, table=True):
    """资源动员 (5.2.3): an audience the organisation mobilised."""

    __tablename__ = "mobilisation"

    audience: str = sqlmodel.Field(max_length=20)
    description: str = sqlmodel.Field(max_length=1000)
    mobilised_on: date = sqlmodel.Field(sa_type=Date)


class MobilisationIn(RecordIn):
    audience: Audience
    description: str = Field(min_length=1, max_length=1000)
    mobilised_on: date


class MobilisationOut(RecordOut, MobilisationIn):
    model_config = ConfigDict(extra="ignore")


# --- evidence ------------------------------------------------------------------------------------------------------


class Evidence(EvaluationTable, table=True):
    """A document (pdf, jpeg, png) supporting a factor's score, stored in the shared BlobStore."""

    __tablename__ = "evidence"

    id: uuid.UUID = sqlmodel.Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    project_id: uuid.UUID = sqlmodel.Field(foreign_key="assistance_project.id", sa_type=Uuid, index=True)
    factor_code: str = sqlmodel.Field(max_length=80)
    title: str = sqlmodel.Field(max_length=300)
    blob_key: str = sqlmodel.Field(max_length=64)
    content_type: str = sqlmodel.Field(max_length=100)
    size: int
    uploaded_by: str = sqlmodel.Field(max_length=200)
    uploaded_at: datetime = sqlmodel.Field(sa_type=DateTime(timezone=True))


class EvidenceOut(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    factor_code: str
    title: str
    blob_key: str
    content_type: str
    size: int
    uploaded_by: str
    uploaded_at: UtcDateTime
