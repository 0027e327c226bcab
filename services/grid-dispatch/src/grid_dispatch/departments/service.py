"""Database reads and writes of departments."""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, select

from grid_dispatch.departments.events import DEPARTMENT_REGISTERED, DepartmentRegistered
from grid_dispatch.departments.models import Department, DepartmentIn, DepartmentOut, LiaisonContactOut, LiaisonIn
from grid_dispatch.departments.rules import UNIT_TYPE_LABELS, UnitType, duty_kind
from grid_dispatch.grids.models import Grid
from jiading_shared.auth import Principal
from jiading_shared.db import conflict_on_unique_violation
from jiading_shared.errors import ProblemError, field_error
from jiading_shared.events import enqueue
from jiading_shared.pii import EncryptedColumn, PiiVault, declare_encrypted_columns, mask_text, record_reveal

LIAISON_PHONE_CONTEXT = "grid-dispatch:department.liaison_phone"
declare_encrypted_columns(
    Department.metadata, EncryptedColumn("department", "liaison_phone_ciphertext", LIAISON_PHONE_CONTEXT)
)


@dataclass(frozen=True)
class DepartmentRef:
    """What routing needs to know about a department."""

    code: str
    town: str
    unit_type: UnitType
    grids: tuple[str, ...]


def register_department(session: Session, vault: PiiVault, data: DepartmentIn, *, registered_by: str) -> DepartmentOut:
    _check_grids(session, data.town, data.grids)
    now = datetime.now(UTC)
    phone = vault.seal(data.liaison_phone, kind="phone", context=LIAISON_PHONE_CONTEXT) if data.liaison_phone else None
    department = Department(
        **data.model_dump(exclude={"liaison_phone"}),
        liaison_phone_ciphertext=phone.ciphertext if phone else None,
        registered_by=registered_by,
        registered_at=now,
        updated_at=now,
    )
    with conflict_on_unique_violation(session, lambda: _code_conflict(session, data.code)):
        session.add(department)
        session.flush()
    payload = DepartmentRegistered(
        code=department.code,
        name=department.name,
        town=department.town,
        unit_type=department.unit_type,
        liaison_name=department.liaison_name,
        registered_at=now,
    )
    enqueue(session, DEPARTMENT_REGISTERED, payload, key=department.code)
    return department_out(department, data.liaison_phone)


def update_liaison(session: Session, vault: PiiVault, department: Department, data: LiaisonIn) -> DepartmentOut:
    phone = vault.seal(data.liaison_phone, kind="phone", context=LIAISON_PHONE_CONTEXT) if data.liaison_phone else None
    department.liaison_name = data.liaison_name
    department.liaison_title = data.liaison_title
    department.liaison_phone_ciphertext = phone.ciphertext if phone else None
    department.updated_at = datetime.now(UTC)
    session.add(department)
    session.flush()
    return department_out(department, data.liaison_phone)


def find_department(session: Session, code: str) -> Department | None:
    return session.get(Department, code)


def read_department(session: Session, vault: PiiVault, code: str) -> DepartmentOut | None:
    department = session.get(Department, code)
    if department is None:
        return None
    return department_out(department, _phone_of(vault, department))


def list_departments(
    session: Session, vault: PiiVault, *, town: str | None, unit_type: UnitType | None
) -> list[DepartmentOut]:
    query = select(Department).order_by(Department.code)
    if town is not None:
        query = query.where(Department.town == town)
    if unit_type is not None:
        query = query.where(Department.unit_type == unit_type)
    return [department_out(department, _phone_of(vault, department)) for department in session.exec(query)]


def department_refs(session: Session, town: str) -> list[DepartmentRef]:
    rows = session.exec(select(Department).where(Department.town == town)).all()
    return [DepartmentRef(row.code, row.town, UnitType(row.unit_type), tuple(row.grids or ())) for row in rows]


def department_out(department: Department, liaison_phone: str | None) -> DepartmentOut:
    unit_type = UnitType(department.unit_type)
    return DepartmentOut(
        code=department.code,
        name=department.name,
        town=department.town,
        unit_type=unit_type,
        unit_type_label=UNIT_TYPE_LABELS[unit_type],
        duty_kind=duty_kind(unit_type),
        grids=list(department.grids or []),
        liaison_name=department.liaison_name,
        liaison_title=department.liaison_title,
        # A work phone is still personal information: masked like a mobile number (keep first 3, last 4).
        liaison_phone_masked=mask_text(liaison_phone, 3, 4) if liaison_phone else None,
        registered_by=department.registered_by,
        registered_at=department.registered_at,
        updated_at=department.updated_at,
    )


def reveal_liaison(
    session: Session,
    vault: PiiVault,
    department: Department,
    principal: Principal,
    purpose: str,
    request_id: str | None,
) -> LiaisonContactOut:
    """The liaison's phone unmasked, after the access record is written in the same transaction."""
    record_reveal(
        session,
        principal,
        purpose=purpose,
        record_type="department",
        record_id=department.code,
        fields=["liaison_phone"],
        request_id=request_id,
    )
    return LiaisonContactOut(
        code=department.code, liaison_name=department.liaison_name, liaison_phone=_phone_of(vault, department)
    )


def _phone_of(vault: PiiVault, department: Department) -> str | None:
    if department.liaison_phone_ciphertext is None:
        return None
    return vault.open(department.liaison_phone_ciphertext, context=LIAISON_PHONE_CONTEXT)


def _check_grids(session: Session, town: str, grids: list[str]) -> None:
    for index, code in enumerate(grids):
        grid = session.get(Grid, code)
        if grid is None or grid.town != town:
            raise field_error(422, f"body.grids.{index}", f"no grid {code} in town {town}")


def _code_conflict(session: Session, code: str) -> ProblemError | None:
    if session.get(Department, code) is None:
        return None
    return field_error(409, "body.code", f"department {code} is already registered", slug="department-code-taken")
