"""Pure rules about service institutions."""

from collections.abc import Iterable
from enum import StrEnum


class InstitutionKind(StrEnum):
    CENTRE = "centre"  # 区政务服务中心
    INSTITUTION = "institution"  # 其他政务服务机构
    STATION = "station"  # 政务服务站


INSTITUTION_KIND_LABELS: dict[InstitutionKind, str] = {
    InstitutionKind.CENTRE: "区政务服务中心",
    InstitutionKind.INSTITUTION: "其他政务服务机构",
    InstitutionKind.STATION: "政务服务站",
}


class AssistanceForm(StrEnum):
    SELF_SERVICE = "self_service"  # 自助办
    ACCOMPANIED = "accompanied"  # 陪同办
    FALLBACK = "fallback"  # 兜底办
    EXPRESS = "express"  # 快闪办
    VIDEO = "video"  # 视讯办
    OUTREACH = "outreach"  # 延伸办


ASSISTANCE_FORM_LABELS: dict[AssistanceForm, str] = {
    AssistanceForm.SELF_SERVICE: "自助办",
    AssistanceForm.ACCOMPANIED: "陪同办",
    AssistanceForm.FALLBACK: "兜底办",
    AssistanceForm.EXPRESS: "快闪办",
    AssistanceForm.VIDEO: "视讯办",
    AssistanceForm.OUTREACH: "延伸办",
}

# The "3" of "3+X": every institution offers these (DB 31114/Z 022-2025 引言, 7.2.1); the "X" (7.2.2) is optional.
REQUIRED_FORMS: tuple[AssistanceForm, ...] = (
    AssistanceForm.SELF_SERVICE,
    AssistanceForm.ACCOMPANIED,
    AssistanceForm.FALLBACK,
)


def missing_required_forms(forms: Iterable[AssistanceForm]) -> list[AssistanceForm]:
    offered = set(forms)
    return [form for form in REQUIRED_FORMS if form not in offered]


def in_canonical_order(forms: Iterable[str]) -> list[AssistanceForm]:
    """The forms (enum members or their stored values) in the order the standard lists them, each once."""
    offered = set(forms)
    return [form for form in AssistanceForm if form in offered]
