"""Pure rules about assistance staff."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Team(StrEnum):
    """ "1+2+X" 帮办队伍 (DB 31114/Z 022-2025 4.2)."""

    LEADER = "leader"  # 领导帮办队伍 (the "1")
    GENERAL = "general"  # 综合帮办队伍 (the "2")
    SPECIALIST = "specialist"  # 专业帮办队伍 (the "2")
    VOLUNTEER = "volunteer"  # 志愿帮办队伍 (the "X")


TEAM_LABELS = {
    Team.LEADER: "领导帮办",
    Team.GENERAL: "综合帮办",
    Team.SPECIALIST: "专业帮办",
    Team.VOLUNTEER: "志愿帮办",
}
# 4.2: the leader team is the core, general and specialist teams the body; volunteers take part "广泛参与" (optional).
CORE_TEAMS = (Team.LEADER, Team.GENERAL, Team.SPECIALIST)


class Employment(StrEnum):
    FULL_TIME = "full_time"  # 专职
    PART_TIME = "part_time"  # 兼职


class StaffSource(StrEnum):
    """Where a staff member comes from (6.2.1, 4.2)."""

    INSTITUTION = "institution"  # 政务服务机构工作人员 / 指派
    DEPARTMENT = "department"  # 审批部门或业务条线专业人员
    LEADERSHIP = "leadership"  # 领导干部
    VOLUNTEER = "volunteer"  # 志愿者 / 社会力量
    SECONDMENT = "secondment"  # 挂职锻炼
    TRAINEE = "trainee"  # 岗位实训


class TrainingKind(StrEnum):
    PRE_JOB = "pre_job"  # 岗前培训 (6.1.3)
    ROUTINE = "routine"  # 日常培训 (4.3 c)


def staffing_problems(
    team: Team, employment: Employment, source: StaffSource, department_code: str | None
) -> list[tuple[str, str]]:
    """(field, reason) for each way a staff record breaks the standard's staffing rules."""
    problems: list[tuple[str, str]] = []
    # 6.2.1 a): full-time staff are assigned from the institution (its own staff, or its leaders).
    if employment is Employment.FULL_TIME and source not in (StaffSource.INSTITUTION, StaffSource.LEADERSHIP):
        problems.append(("body.employment", "专职人员从政务服务机构中指派: full-time staff come from the institution"))
    # 4.2 a): the leader team is made of 领导干部.
    if team is Team.LEADER and source is not StaffSource.LEADERSHIP:
        problems.append(("body.source", "领导帮办队伍由领导干部组成: the leader team needs source leadership"))
    # 4.2 c): specialists come from an approval department; which one matters for routing questions.
    if team is Team.SPECIALIST and not department_code:
        problems.append(("body.department_code", "专业帮办 names the approval department they come from"))
    # 4.2 d): the volunteer team is made of social forces, not of assigned staff.
    if team is Team.VOLUNTEER and source in (StaffSource.INSTITUTION, StaffSource.LEADERSHIP):
        problems.append(("body.source", "志愿帮办队伍 comes from volunteers, secondments or trainees"))
    return problems


def missing_core_teams(teams: Iterable[Team]) -> list[Team]:
    present = set(teams)
    return [team for team in CORE_TEAMS if team not in present]


def may_serve(training_kinds: Iterable[TrainingKind], active: bool) -> str | None:
    """Why a staff member may not serve tickets yet, or None. 6.1.3: 服务人员应接受岗前培训."""
    if not active:
        return "the staff member is no longer active"
    if TrainingKind.PRE_JOB not in set(training_kinds):
        return "服务人员应接受岗前培训 (DB31114/Z 022-2025 6.1.3): no pre-job training on record"
    return None
