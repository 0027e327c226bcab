"""Pure rules of the residence registration form (DB 31114/Z 001-2025 附录 A)."""

from datetime import date

import pytest
from stdnum.cn import ric

from collection.registrations import rules
from collection.registrations.rules import (
    Ethnicity,
    FormFacts,
    ResidenceReason,
    check_id_number,
    check_landline,
    check_mobile,
    cross_field_problems,
)
from collection.testing import id_number

TODAY = date(2025, 11, 26)


def test_valid_id_number_with_x_check_digit_and_lower_case() -> None:
    # DB 31114/Z 001-2025 A.2.4: the ID number as on the card (GB 11643: the check character may be X).
    checked = check_id_number("11010519491231002x", TODAY)

    assert checked.value == "11010519491231002X"
    assert checked.birth_date == date(1949, 12, 31)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("11010519491231002", "18 characters"),
        ("1101051949123100211", "18 characters"),
        ("11010519491231002A", "17 digits"),
        ("110105194912310021", "check digit"),
    ],
)
def test_id_number_shape_and_checksum(value: str, reason: str) -> None:
    # DB 31114/Z 001-2025 A.2.4 / GB 11643: 18 characters with a check digit.
    with pytest.raises(ValueError, match=reason):
        check_id_number(value, TODAY)


def test_impossible_birth_date_is_rejected() -> None:
    with pytest.raises(ValueError, match="not a real date"):
        check_id_number(id_number(birth="19850230"), TODAY)


def test_future_birth_date_is_rejected() -> None:
    with pytest.raises(ValueError, match="future"):
        check_id_number(id_number(birth="20251127"), TODAY)
    assert check_id_number(id_number(birth="20251126"), TODAY).birth_date == TODAY  # a newborn today is fine


def test_unknown_region_code_is_rejected() -> None:
    with pytest.raises(ValueError, match="region code 999999"):
        check_id_number(id_number(region="999999"), TODAY)


def test_region_code_newer_than_the_birth_year_is_accepted() -> None:
    # 310114 嘉定区 exists since 1992 (earlier 嘉定县 310221): a person born in 1980 may carry the newer code.
    # python-stdnum alone rejects it (it compares the code's years with the birth year); the suite does not.
    number = id_number(region="310114", birth="19800101")
    assert not ric.is_valid(number)

    assert check_id_number(number, TODAY).region_code == "310114"


def test_retired_region_code_is_accepted() -> None:
    # 512301 涪陵市 (1983-1995) no longer exists, but numbers issued with it stay valid.
    assert check_id_number(id_number(region="512301", birth="19900101"), TODAY).region_code == "512301"


def test_ethnicity_list_has_56_groups_plus_other_and_foreign_origin() -> None:
    # DB 31114/Z 001-2025 A.2.4 民族 (GB/T 3304 code list).
    assert len(Ethnicity) == 58
    assert rules.ETHNICITY_LABELS[Ethnicity.HAN] == "汉族"
    assert rules.ETHNICITY_LABELS[Ethnicity.JINO] == "基诺族"
    assert rules.ETHNICITY_LABELS[Ethnicity.FOREIGN_ORIGIN] == "外国血统中国籍人士"
    assert rules.label_to_value("维吾尔族", rules.ETHNICITY_LABELS) == "uygur"


def test_seventeen_residence_reasons_with_the_old_labels_as_aliases() -> None:
    # DB 31114/Z 001-2025 A.2.6: 17 reasons; 表 A.1's 就读 / 投靠亲友 are the renamed 借读培训 / 投亲靠友.
    assert len(ResidenceReason) == 17
    labels = rules.RESIDENCE_REASON_LABELS
    aliases = rules.RESIDENCE_REASON_ALIASES
    assert rules.label_to_value("就读", labels, aliases) == "study_training"
    assert rules.label_to_value("投靠亲友", labels, aliases) == "staying_with_relatives"
    assert rules.label_to_value("人才引进", labels, aliases) == "talent_introduction"


def test_education_and_residence_type_lists() -> None:
    assert list(rules.EDUCATION_LABELS.values()) == [
        "文盲",
        "小学",
        "初中",
        "高中",
        "大学专科",
        "大学本科",
        "研究生",
        "博士",
    ]
    assert list(rules.RESIDENCE_TYPE_LABELS.values()) == ["自住", "租住", "寄住"]


@pytest.mark.parametrize("value", ["13812345678", "+86 138 1234 5678", "008613812345678", "199-1234-5678"])
def test_mobile_numbers(value: str) -> None:
    # DB 31114/Z 001-2025 A.2.7: 手机.
    assert len(check_mobile(value)) == 11


@pytest.mark.parametrize("value", ["12345678901", "1381234567", "021-59991234", "hello"])
def test_bad_mobile_numbers(value: str) -> None:
    with pytest.raises(ValueError, match="number"):
        check_mobile(value)


@pytest.mark.parametrize(
    ("value", "stored"),
    [("021-59991234", "02159991234"), ("59991234", "02159991234"), ("010 6512 3456", "01065123456")],
)
def test_landlines(value: str, stored: str) -> None:
    # DB 31114/Z 001-2025 A.2.7: 固定电话; 8 digits without area code are a Shanghai number.
    assert check_landline(value) == stored


@pytest.mark.parametrize("value", ["13812345678", "021-1234", "abc"])
def test_bad_landlines(value: str) -> None:
    with pytest.raises(ValueError, match="number"):
        check_landline(value)


def facts(**overrides: object) -> FormFacts:
    values: dict[str, object] = {
        "has_id_number": True,
        "residence_reason": ResidenceReason.WORK,
        "residence_reason_other": None,
        "guardian_name": None,
        "guardian_id_number": None,
        "guardian_relation": None,
        "guardian_household_address": None,
        "filled_on": TODAY,
    } | overrides
    return FormFacts(**values)  # type: ignore[arg-type]


def test_other_reason_needs_a_text() -> None:
    # DB 31114/Z 001-2025 A.2.6: 勾选"其他"的，需用文字说明具体事由.
    assert cross_field_problems(facts(residence_reason=ResidenceReason.OTHER), TODAY) == [
        ("residence_reason_other", "required when the residence reason is 其他")
    ]
    assert (
        cross_field_problems(facts(residence_reason=ResidenceReason.OTHER, residence_reason_other="照顾孙辈"), TODAY)
        == []
    )


def test_person_without_id_number_needs_the_guardian() -> None:
    # DB 31114/Z 001-2025 6.2.7: 监护人姓名、监护人公民身份证号码、与监护人关系、监护人户籍所在地.
    problems = cross_field_problems(facts(has_id_number=False, guardian_name="张父"), TODAY)

    assert [field for field, _ in problems] == ["guardian.id_number", "guardian.relation", "guardian.household_address"]


def test_filling_date_cannot_lie_in_the_future() -> None:
    # DB 31114/Z 001-2025 A.2.10: 填表日期 is the date of registration.
    assert cross_field_problems(facts(filled_on=date(2025, 11, 27)), TODAY) == [
        ("filled_on", "the filling date lies in the future")
    ]


def test_person_category_matches_the_household_province() -> None:
    # DB 31114/Z 001-2025 A.2.3: 本市户籍人户分离人员 have a Shanghai household; 3.1: 来沪人员 are 外省户籍人员.
    local = rules.PersonCategory.LOCAL
    non_local = rules.PersonCategory.NON_LOCAL

    assert [f for f, _ in cross_field_problems(facts(person_category=local, household_province="安徽省"), TODAY)] == [
        "household_address.province"
    ]
    assert cross_field_problems(facts(person_category=local, household_province="上海市"), TODAY) == []
    assert cross_field_problems(facts(person_category=local, household_province="上海"), TODAY) == []
    assert [
        f for f, _ in cross_field_problems(facts(person_category=non_local, household_province="上海市"), TODAY)
    ] == ["household_address.province"]
    assert cross_field_problems(facts(person_category=non_local, household_province="安徽省"), TODAY) == []
