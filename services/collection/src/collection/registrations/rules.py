"""Pure rules of the residence registration form (DB 31114/Z 001-2025 附录 A, 表 A.1 and A.2): the citizen ID number,
the code lists of the form, phone numbers and the rules that tie fields together. No I/O."""

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import phonenumbers
from stdnum import numdb
from stdnum.cn import ric

# --- code lists -----------------------------------------------------------------------------------------------------


class PersonCategory(StrEnum):
    """人员类别 (A.2.3)."""

    NON_LOCAL = "non_local"  # 来沪人员
    LOCAL = "local"  # 本市户籍 (人户分离)


class RegistrationAction(StrEnum):
    REGISTER = "register"  # 登记
    DEREGISTER = "deregister"  # 注销


class Education(StrEnum):
    """文化程度 (表 A.1)."""

    ILLITERATE = "illiterate"  # 文盲
    PRIMARY = "primary"  # 小学
    JUNIOR_SECONDARY = "junior_secondary"  # 初中
    SENIOR_SECONDARY = "senior_secondary"  # 高中
    JUNIOR_COLLEGE = "junior_college"  # 大学专科
    BACHELOR = "bachelor"  # 大学本科
    POSTGRADUATE = "postgraduate"  # 研究生
    DOCTORATE = "doctorate"  # 博士


class ResidenceType(StrEnum):
    """居住类型 (表 A.1)."""

    OWNER_OCCUPIED = "owner_occupied"  # 自住
    RENTED = "rented"  # 租住
    LODGING = "lodging"  # 寄住


class ResidenceReason(StrEnum):
    """居住事由: the 17 reasons of A.2.6."""

    WORK = "work"  # 务工
    BUSINESS = "business"  # 经商
    FARMING = "farming"  # 务农
    SERVICE = "service"  # 服务 (娱乐场所、发廊、足浴等从业)
    BUSINESS_TRIP = "business_trip"  # 因公出差
    STUDY_TRAINING = "study_training"  # 借读培训 (表 A.1: 就读)
    MEDICAL_CARE = "medical_care"  # 治病疗养
    ACCOMPANYING_FAMILY = "accompanying_family"  # 随迁亲属
    DEMOLITION_RELOCATION = "demolition_relocation"  # 拆迁搬家
    REGISTERED_ADDRESS_ONLY = "registered_address_only"  # 寄挂户口
    MARRIAGE = "marriage"  # 婚姻嫁娶
    STAYING_WITH_RELATIVES = "staying_with_relatives"  # 投亲靠友 (表 A.1: 投靠亲友)
    DOMESTIC_HELPER = "domestic_helper"  # 保姆
    VISITING = "visiting"  # 探亲访友
    TOURISM = "tourism"  # 旅游观光
    TALENT_INTRODUCTION = "talent_introduction"  # 人才引进
    OTHER = "other"  # 其他 (文字说明具体事由)


class Ethnicity(StrEnum):
    """民族: the 56 groups in the order and romanisation of GB/T 3304, plus its 其他 and 外国血统中国籍人士."""

    HAN = "han"
    MONGOL = "mongol"
    HUI = "hui"
    ZANG = "zang"
    UYGUR = "uygur"
    MIAO = "miao"
    YI = "yi"
    ZHUANG = "zhuang"
    BUYEI = "buyei"
    CHOSEN = "chosen"
    MAN = "man"
    DONG = "dong"
    YAO = "yao"
    BAI = "bai"
    TUJIA = "tujia"
    HANI = "hani"
    KAZAK = "kazak"
    DAI = "dai"
    LI = "li"
    LISU = "lisu"
    VA = "va"
    SHE = "she"
    GAOSHAN = "gaoshan"
    LAHU = "lahu"
    SUI = "sui"
    DONGXIANG = "dongxiang"
    NAXI = "naxi"
    JINGPO = "jingpo"
    KIRGIZ = "kirgiz"
    TU = "tu"
    DAUR = "daur"
    MULAO = "mulao"
    QIANG = "qiang"
    BLANG = "blang"
    SALAR = "salar"
    MAONAN = "maonan"
    GELAO = "gelao"
    XIBE = "xibe"
    ACHANG = "achang"
    PUMI = "pumi"
    TAJIK = "tajik"
    NU = "nu"
    UZBEK = "uzbek"
    RUSS = "russ"
    EWENKI = "ewenki"
    DEANG = "deang"
    BONAN = "bonan"
    YUGUR = "yugur"
    GIN = "gin"
    TATAR = "tatar"
    DERUNG = "derung"
    OROQEN = "oroqen"
    HEZHEN = "hezhen"
    MONBA = "monba"
    LHOBA = "lhoba"
    JINO = "jino"
    OTHER = "other"  # 97 其他
    FOREIGN_ORIGIN = "foreign_origin"  # 98 外国血统中国籍人士


ETHNICITY_LABELS: dict[Ethnicity, str] = dict(
    zip(
        Ethnicity,
        [
            "汉族",
            "蒙古族",
            "回族",
            "藏族",
            "维吾尔族",
            "苗族",
            "彝族",
            "壮族",
            "布依族",
            "朝鲜族",
            "满族",
            "侗族",
            "瑶族",
            "白族",
            "土家族",
            "哈尼族",
            "哈萨克族",
            "傣族",
            "黎族",
            "傈僳族",
            "佤族",
            "畲族",
            "高山族",
            "拉祜族",
            "水族",
            "东乡族",
            "纳西族",
            "景颇族",
            "柯尔克孜族",
            "土族",
            "达斡尔族",
            "仫佬族",
            "羌族",
            "布朗族",
            "撒拉族",
            "毛南族",
            "仡佬族",
            "锡伯族",
            "阿昌族",
            "普米族",
            "塔吉克族",
            "怒族",
            "乌孜别克族",
            "俄罗斯族",
            "鄂温克族",
            "德昂族",
            "保安族",
            "裕固族",
            "京族",
            "塔塔尔族",
            "独龙族",
            "鄂伦春族",
            "赫哲族",
            "门巴族",
            "珞巴族",
            "基诺族",
            "其他",
            "外国血统中国籍人士",
        ],
        strict=True,
    )
)

EDUCATION_LABELS: dict[Education, str] = dict(
    zip(Education, ["文盲", "小学", "初中", "高中", "大学专科", "大学本科", "研究生", "博士"], strict=True)
)
RESIDENCE_TYPE_LABELS: dict[ResidenceType, str] = dict(zip(ResidenceType, ["自住", "租住", "寄住"], strict=True))
RESIDENCE_REASON_LABELS: dict[ResidenceReason, str] = dict(
    zip(
        ResidenceReason,
        [
            "务工",
            "经商",
            "务农",
            "服务",
            "因公出差",
            "借读培训",
            "治病疗养",
            "随迁亲属",
            "拆迁搬家",
            "寄挂户口",
            "婚姻嫁娶",
            "投亲靠友",
            "保姆",
            "探亲访友",
            "旅游观光",
            "人才引进",
            "其他",
        ],
        strict=True,
    )
)
PERSON_CATEGORY_LABELS = {PersonCategory.NON_LOCAL: "来沪人员", PersonCategory.LOCAL: "本市户籍"}
ACTION_LABELS = {RegistrationAction.REGISTER: "登记", RegistrationAction.DEREGISTER: "注销"}

# The older labels printed on 表 A.1 that A.2.6 renamed.
RESIDENCE_REASON_ALIASES = {"就读": ResidenceReason.STUDY_TRAINING, "投靠亲友": ResidenceReason.STAYING_WITH_RELATIVES}


def _by_label(labels: dict, aliases: dict | None = None) -> dict[str, str]:  # type: ignore[type-arg]
    table = {label: member.value for member, label in labels.items()}
    table.update({alias: member.value for alias, member in (aliases or {}).items()})
    return table


def label_to_value(value: object, labels: dict, aliases: dict | None = None) -> object:  # type: ignore[type-arg]
    """Accept a code list entry by its English value or its Chinese label (or an alias label)."""
    if isinstance(value, str):
        stripped = value.strip()
        return _by_label(labels, aliases).get(stripped, stripped)
    return value


# --- citizen ID number (公民身份号码, GB 11643) ----------------------------------------------------------------------

_ID_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
EARLIEST_BIRTH = date(1890, 1, 1)


@dataclass(frozen=True)
class IdNumber:
    value: str
    birth_date: date
    region_code: str


def normalise_id_number(value: str) -> str:
    return re.sub(r"\s+", "", value).upper()


def region_ever_existed(code: str) -> bool:
    """True when the six-digit code is, or once was, a GB/T 2260 county-level code. The birth year is deliberately not
    compared with the code's years of validity: a person keeps the number issued to them, and numbers are issued
    with codes that came into use after the birth year (e.g. 310114 嘉定区 since 1992 for a person born in 1980)."""
    parts = numdb.get("cn/loc").info(code)
    return len(parts) >= 2 and bool(parts[-1][1].get("county")) and bool(parts[0][1].get("province"))


def check_id_number(value: str, today: date) -> IdNumber:
    """Validate a citizen ID number (GB 11643-1999 via python-stdnum, plus the suite's rules); ValueError names the
    problem."""
    number = normalise_id_number(value)
    if len(number) != 18:
        raise ValueError(f"must have 18 characters, has {len(number)}")
    if not _ID_SHAPE.match(number):
        raise ValueError("17 digits followed by a digit or X")
    if ric.calc_check_digit(number) != number[-1]:
        raise ValueError("check digit does not match (GB 11643)")
    try:
        birth = ric.get_birth_date(number)
    except Exception as exc:  # stdnum raises InvalidComponent for an impossible date
        raise ValueError("date of birth is not a real date") from exc
    if birth > today:
        raise ValueError("date of birth lies in the future")
    if birth < EARLIEST_BIRTH:
        raise ValueError(f"date of birth before {EARLIEST_BIRTH.isoformat()}")
    if not region_ever_existed(number[:6]):
        raise ValueError(f"region code {number[:6]} does not exist and never existed in GB/T 2260")
    return IdNumber(number, birth, number[:6])


def birth_date_of(checked_number: str) -> date:
    """The date of birth of an already checked ID number."""
    return ric.get_birth_date(checked_number)


# --- phone numbers --------------------------------------------------------------------------------------------------

SHANGHAI_AREA_CODE = "021"
_FIXED_TYPES = {phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def _national_digits(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.national_significant_number(number)


def check_mobile(value: str) -> str:
    """A mainland mobile number (手机), returned as its 11 digits."""
    try:
        parsed = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException as exc:
        raise ValueError("not a phone number") from exc
    if parsed.country_code != 86 or not phonenumbers.is_valid_number(parsed):
        raise ValueError("not a valid mainland China mobile number")
    if phonenumbers.number_type(parsed) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValueError("not a mobile number (use landline for a fixed line)")
    return _national_digits(parsed)


def check_landline(value: str) -> str:
    """A mainland fixed line (固定电话) with its area code, returned as digits with the trunk 0 (02164381234). An
    8-digit number without an area code is taken as a Shanghai number."""
    digits = re.sub(r"[\s\-()]", "", value)
    if re.fullmatch(r"[2-9][0-9]{7}", digits):
        digits = SHANGHAI_AREA_CODE + digits
    try:
        parsed = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException as exc:
        raise ValueError("not a phone number") from exc
    if parsed.country_code != 86 or not phonenumbers.is_valid_number(parsed):
        raise ValueError("not a valid mainland China landline number")
    if phonenumbers.number_type(parsed) not in _FIXED_TYPES:
        raise ValueError("not a landline number (use mobile for a mobile phone)")
    return "0" + _national_digits(parsed)


# --- rules across fields --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormFacts:
    """The fields the cross-field rules read."""

    has_id_number: bool
    residence_reason: ResidenceReason
    residence_reason_other: str | None
    guardian_name: str | None
    guardian_id_number: str | None
    guardian_relation: str | None
    guardian_household_address: str | None
    filled_on: date
    person_category: PersonCategory | None = None
    household_province: str | None = None


SHANGHAI = "上海市"


def is_shanghai(province: str) -> bool:
    """上海市 as written on a form: with or without 市."""
    return province.strip() in (SHANGHAI, "上海")


def cross_field_problems(facts: FormFacts, today: date) -> list[tuple[str, str]]:
    """(field, reason) for every rule that ties fields together."""
    problems: list[tuple[str, str]] = []
    # DB 31114/Z 001-2025 A.2.6: 勾选"其他"的，需用文字说明具体事由.
    if facts.residence_reason is ResidenceReason.OTHER and not (facts.residence_reason_other or "").strip():
        problems.append(("residence_reason_other", "required when the residence reason is 其他"))
    if facts.residence_reason is not ResidenceReason.OTHER and facts.residence_reason_other:
        problems.append(("residence_reason_other", "only with the residence reason 其他"))
    # DB 31114/Z 001-2025 6.2.7: a person without an ID number needs the guardian's name, ID number, relation and
    # household address.
    if not facts.has_id_number:
        for field, value in (
            ("guardian.name", facts.guardian_name),
            ("guardian.id_number", facts.guardian_id_number),
            ("guardian.relation", facts.guardian_relation),
            ("guardian.household_address", facts.guardian_household_address),
        ):
            if not value:
                problems.append((field, "required for a person without an ID number (DB 31114/Z 001-2025 6.2.7)"))
    # DB 31114/Z 001-2025 A.2.3 and 3.1: 本市户籍人户分离人员 have their household (户籍所在地址) in Shanghai; 来沪人员
    # are 外省（自治区、直辖市）户籍人员, their household lies outside it.
    if facts.household_province is not None:
        if facts.person_category is PersonCategory.LOCAL and not is_shanghai(facts.household_province):
            problems.append(
                ("household_address.province", f"本市户籍 (人户分离) needs a household address in {SHANGHAI}")
            )
        if facts.person_category is PersonCategory.NON_LOCAL and is_shanghai(facts.household_province):
            problems.append(
                ("household_address.province", f"来沪人员 have their household outside {SHANGHAI}; use 本市户籍")
            )
    # A.2.10: the date of registration.
    if facts.filled_on > today:
        problems.append(("filled_on", "the filling date lies in the future"))
    return problems
