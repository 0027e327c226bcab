"""Pure rules about matters and their materials checklists."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

CODE_PATTERN = r"^[A-Za-z0-9._-]{1,50}$"


class Material(BaseModel):
    """One entry of a matter's materials checklist (申请材料)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    code: str = Field(pattern=CODE_PATTERN, description="material code, unique within the matter")
    name: str = Field(min_length=1, max_length=200, description="材料名称")
    required: bool = Field(default=True, description="必要材料 (false: only in some cases)")
    legal_form: str | None = Field(default=None, max_length=500, description="法定形式: originals, seals, copies …")


def duplicate_codes(materials: Iterable[Material]) -> list[str]:
    seen: set[str] = set()
    duplicates: list[str] = []
    for material in materials:
        if material.code in seen and material.code not in duplicates:
            duplicates.append(material.code)
        seen.add(material.code)
    return duplicates
