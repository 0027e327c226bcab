"""Pure rules of equipment checks."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from jiading_shared.workdays import WorkdayCalendar


class DeviceKind(StrEnum):
    """硬件设施 (8.2.1)."""

    SELF_SERVICE_TERMINAL = "self_service_terminal"  # 自助终端
    ID_CARD_READER = "id_card_reader"  # 身份证读取器
    PRINTER = "printer"  # 打印机
    SCANNER = "scanner"  # 扫描仪
    RATING_DEVICE = "rating_device"  # 评价器
    CAMERA = "camera"  # 摄像头
    COMPUTER = "computer"  # 计算机
    MONITORING = "monitoring"  # 监控系统
    BROADCAST = "broadcast"  # 广播系统
    HEADSET = "headset"  # 耳机
    MICROPHONE = "microphone"  # 麦克风
    SPEAKER = "speaker"  # 音响
    NETWORK = "network"  # 网络
    WHEELCHAIR = "wheelchair"  # 轮椅
    FORM_DESK = "form_desk"  # 填表桌台
    SUGGESTION_BOX = "suggestion_box"  # 意见评议箱
    OTHER = "other"


class CheckKind(StrEnum):
    DAILY = "daily"  # 每日服务结束后测试、检查 (8.3 a)
    MONTHLY = "monthly"  # 定期调试检查，每月 1 次 (8.3 b)


class CheckResult(StrEnum):
    OK = "ok"
    FAILED = "failed"


def daily_check_missed(
    last_check: dt.date | None, today: dt.date, calendar: WorkdayCalendar, in_service_since: dt.date
) -> dt.date | None:
    """The first service day (working day before today) without a daily check, or None. A day's check is due by the
    end of that day's service, so today is never missed yet, nor a day before the device was put in service."""
    day = today - dt.timedelta(days=1)
    # Look back to the last working day: weekends and holidays have no service to check after.
    for _ in range(30):
        if calendar.is_working_day(day):
            break
        day -= dt.timedelta(days=1)
    else:
        return None
    if day < in_service_since or (last_check is not None and last_check >= day):
        return None
    return day


def monthly_inspection_missed(last_inspection: dt.date | None, today: dt.date, in_service_since: dt.date) -> bool:
    """True when the last calendar month, in which the device was in service throughout, passed without an
    inspection (8.3 b 每月 1 次). The current month is not over yet, so it is never missed; nor is the month the
    device was put in service in (its first inspection is due in its first whole month)."""
    first_of_month = today.replace(day=1)
    previous_month = (first_of_month - dt.timedelta(days=1)).replace(day=1)
    if in_service_since > previous_month:
        return False
    return last_inspection is None or last_inspection < previous_month
