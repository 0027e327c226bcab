"""Pure rules of the policy: which version applies at a moment, and its validation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol, TypeVar

from assist_desk.institutions.rules import AssistanceForm
from assist_desk.tickets.models import FallbackType
from assist_desk.time_limits.rules import TimeLimit

# The clause each policy field carries out; returned with every version so a reader sees why the number exists.
POLICY_CLAUSES: dict[str, str] = {
    "form_time_limits": "DB31114/Z 022-2025 7.4.4 服务事项应在规定的时限内办结",
    "fallback_time_limits": "DB31114/Z 022-2025 7.4.4 遇到咨询和投诉时应在规定的时限内处理; 9.2.1 及时处理投诉和建议",
    "warning_lead_hours": "DB31114/Z 022-2025 7.4.4 限时办结 (预警)",
    "rectification_working_days": "DB31114/Z 022-2025 9.1.1 评价、整改、反馈、监督全流程衔接; 9.2.3",
    "callback_share_percent": "DB31114/Z 022-2025 4.3 e) 随机抽取服务对象开展回访调查",
}


class Versioned(Protocol):
    @property
    def version(self) -> int: ...

    @property
    def effective_from(self) -> dt.datetime: ...


V = TypeVar("V", bound=Versioned)


def version_in_force(versions: Sequence[V], at: dt.datetime) -> V | None:
    """The highest version whose effective_from is not after `at`."""
    candidates = [v for v in versions if _aware(v.effective_from) <= _aware(at)]
    return max(candidates, key=lambda v: v.version, default=None)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def missing_fallback_limits(limits: dict[FallbackType, TimeLimit]) -> list[FallbackType]:
    return [kind for kind in FallbackType if kind not in limits]


def missing_form_limits(limits: dict[AssistanceForm, TimeLimit]) -> list[AssistanceForm]:
    # 兜底办 is timed by its type (fallback_time_limits), every other form by its own default.
    return [form for form in AssistanceForm if form is not AssistanceForm.FALLBACK and form not in limits]
