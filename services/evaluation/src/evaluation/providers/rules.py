"""Pure rules about providers: identifiers and contact numbers."""

import phonenumbers
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError

# The provider's contact number is personal information: encrypted under this context, never on the event bus.
CONTACT_PHONE_CONTEXT = "evaluation.provider.contact_phone"


def validated_credit_code(value: str) -> str:
    """The compact upper-case form of a 统一社会信用代码 (GB 32100: 18 characters, check character last)."""
    try:
        return str(uscc.validate(value.upper()))
    except ValidationError as exc:
        raise ValueError(f"not a unified social credit code: {exc}") from exc


def validated_phone_number(value: str) -> str:
    """A mainland mobile or fixed-line number as national digits (13812345678, 02164381234)."""
    try:
        number = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException as exc:
        raise ValueError("not a phone number") from exc
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid mainland China phone number")
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return "".join(character for character in national if character.isdigit())
