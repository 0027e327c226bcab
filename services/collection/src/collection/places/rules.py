"""Pure rules about buildings and rooms."""

from collections.abc import Sequence

# DB 31114/Z 001-2025 A.2.2: a house code is "一组8位数字" identifying one room. ASCII digits only: `\d` would
# also accept full-width and other Unicode digits.
HOUSE_CODE_PATTERN = r"^[0-9]{8}$"


def repeated_positions(values: Sequence[str]) -> list[tuple[int, int]]:
    """(position, position of its first occurrence) for every value that occurs earlier in `values`."""
    first_seen: dict[str, int] = {}
    repeats: list[tuple[int, int]] = []
    for position, value in enumerate(values):
        if value in first_seen:
            repeats.append((position, first_seen[value]))
        else:
            first_seen[value] = position
    return repeats
