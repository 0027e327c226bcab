"""Personal-information protection: field encryption, blind index, masking, access audit, raw-database check."""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlmodel import Field, Session, select

from jiading_shared.db import Database, create_db_engine, new_table_base
from jiading_shared.infra_tables import InfraTables
from jiading_shared.pii import (
    APPEND_ONLY_TRIGGER_DROP_SQL,
    APPEND_ONLY_TRIGGER_SQL,
    BlindIndex,
    FieldCipher,
    PiiDecryptionError,
    PiiKeyError,
    PiiVault,
    SealedValue,
    append_only_ddl,
    decode_key,
    drop_append_only_ddl,
    generate_key,
    mask_id_number,
    mask_mobile,
    mask_name,
    mask_text,
    normalise,
    pii_access_history,
    record_pii_access,
)
from jiading_shared.settings import ServiceSettings

ID_NUMBER = "310104198001011233"
CONTEXT = "collection.registration.id_number"
PG_URL = os.environ.get("PII_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

KEY_OLD = bytes(range(32))
KEY_NEW = bytes(range(100, 132))
INDEX_KEY = b"i" * 32


def _cipher(active: str = "2025-1", **extra: bytes) -> FieldCipher:
    return FieldCipher({"2025-1": KEY_OLD, **extra}, active)


# --- encryption --------------------------------------------------------------------------------------------------


def test_round_trip_and_token_format() -> None:
    cipher = _cipher()
    token = cipher.encrypt(ID_NUMBER, context=CONTEXT)
    version, key_id, payload = token.split(":")
    assert (version, key_id) == ("v1", "2025-1")
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    assert len(raw) == 12 + len(ID_NUMBER) + 16  # nonce | ciphertext | tag
    assert ID_NUMBER not in token
    assert cipher.decrypt(token, context=CONTEXT) == ID_NUMBER
    assert cipher.decrypt(cipher.encrypt("张三明"), context="") == "张三明"
    assert cipher.decrypt(cipher.encrypt(""), context="") == ""


def test_same_plaintext_encrypts_differently() -> None:
    cipher = _cipher()
    first = cipher.encrypt(ID_NUMBER, context=CONTEXT)
    second = cipher.encrypt(ID_NUMBER, context=CONTEXT)
    assert first != second
    assert first.split(":")[2][:16] != second.split(":")[2][:16]  # fresh nonce
    assert cipher.decrypt(first, context=CONTEXT) == cipher.decrypt(second, context=CONTEXT) == ID_NUMBER


def test_wrong_context_fails() -> None:
    cipher = _cipher()
    token = cipher.encrypt(ID_NUMBER, context=CONTEXT)
    with pytest.raises(PiiDecryptionError):
        cipher.decrypt(token, context="collection.registration.mobile")
    with pytest.raises(PiiDecryptionError):
        cipher.decrypt(token)


def test_tampered_token_fails() -> None:
    cipher = _cipher()
    token = cipher.encrypt(ID_NUMBER, context=CONTEXT)
    prefix, payload = token.rsplit(":", 1)
    raw = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    for position in (0, 12, len(raw) - 1):  # nonce, ciphertext, tag
        changed = bytearray(raw)
        changed[position] ^= 0x01
        forged = f"{prefix}:{base64.urlsafe_b64encode(bytes(changed)).rstrip(b'=').decode()}"
        with pytest.raises(PiiDecryptionError):
            cipher.decrypt(forged, context=CONTEXT)
    for malformed in ("", "v1:2025-1", "v2:2025-1:" + payload, "v1:2025-1:" + payload[:20], "v1:2025-1:@@@@", "plain"):
        with pytest.raises(PiiDecryptionError):
            cipher.decrypt(malformed, context=CONTEXT)
    assert issubclass(PiiDecryptionError, ValueError)


def test_rotation_old_keys_still_decrypt_and_rotate_reencrypts() -> None:
    old_cipher = _cipher()
    old_token = old_cipher.encrypt(ID_NUMBER, context=CONTEXT)

    rotated_cipher = _cipher(active="2026-1", **{"2026-1": KEY_NEW})
    assert rotated_cipher.decrypt(old_token, context=CONTEXT) == ID_NUMBER
    assert rotated_cipher.needs_rotation(old_token)
    assert rotated_cipher.key_id_of(old_token) == "2025-1"

    new_token = rotated_cipher.rotate(old_token, CONTEXT)
    assert new_token.startswith("v1:2026-1:")
    assert not rotated_cipher.needs_rotation(new_token)
    assert rotated_cipher.decrypt(new_token, context=CONTEXT) == ID_NUMBER
    assert rotated_cipher.rotate(new_token, CONTEXT) == new_token  # already current: unchanged
    with pytest.raises(PiiDecryptionError):
        rotated_cipher.rotate(old_token, "another.column")  # rotation checks the context too

    # Once every value is rotated the old key can be retired; the new token does not need it.
    retired = FieldCipher({"2026-1": KEY_NEW}, "2026-1")
    assert retired.decrypt(new_token, context=CONTEXT) == ID_NUMBER
    assert retired.key_ids == frozenset({"2026-1"})


def test_unknown_key_id() -> None:
    token = FieldCipher({"other": KEY_NEW}, "other").encrypt(ID_NUMBER, context=CONTEXT)
    with pytest.raises(PiiDecryptionError, match="unknown key id 'other'"):
        _cipher().decrypt(token, context=CONTEXT)
    with pytest.raises(PiiKeyError, match="active PII key id"):
        FieldCipher({"2025-1": KEY_OLD}, "missing")


def test_bad_key_length_and_bad_keys() -> None:
    with pytest.raises(PiiKeyError, match="exactly 32 bytes"):
        FieldCipher({"short": b"x" * 16}, "short")
    with pytest.raises(PiiKeyError, match="exactly 32 bytes"):
        FieldCipher({"long": b"x" * 33}, "long")
    with pytest.raises(PiiKeyError, match="key id"):
        FieldCipher({"a:b": KEY_OLD}, "a:b")
    with pytest.raises(PiiKeyError):
        FieldCipher({}, "none")
    with pytest.raises(PiiKeyError, match="exactly 32 bytes"):
        decode_key(base64.b64encode(b"k" * 24).decode(), name="pii_keys['x']")
    with pytest.raises(PiiKeyError, match="not valid base64"):
        decode_key("not base64 at all!", name="pii_keys['x']")
    with pytest.raises(PiiKeyError, match="at least 32 bytes"):
        BlindIndex(b"short")
    assert issubclass(PiiKeyError, ValueError)


def test_from_settings_and_generated_keys() -> None:
    default = ServiceSettings()
    vault = PiiVault.from_settings(default)
    assert vault.cipher.active_key_id == default.pii_active_key_id
    assert vault.open(vault.seal(ID_NUMBER, kind="id_number", context=CONTEXT).ciphertext, context=CONTEXT) == ID_NUMBER

    old_key, new_key = generate_key(), generate_key()
    assert len(base64.b64decode(old_key)) == 32
    urlsafe = base64.urlsafe_b64encode(base64.b64decode(new_key)).rstrip(b"=").decode()
    settings = ServiceSettings(pii_keys={"2025-1": old_key, "2026-1": urlsafe}, pii_active_key_id="2026-1")
    cipher = FieldCipher.from_settings(settings)
    assert cipher.key_ids == frozenset({"2025-1", "2026-1"})
    assert cipher.encrypt("x").startswith("v1:2026-1:")

    bad = ServiceSettings(pii_keys={"k": base64.b64encode(b"x" * 31).decode()}, pii_active_key_id="k")
    with pytest.raises(PiiKeyError, match=r"pii_keys\['k'\]"):
        FieldCipher.from_settings(bad)


# --- blind index -------------------------------------------------------------------------------------------------


def test_blind_index_deterministic_and_normalised() -> None:
    index = BlindIndex(INDEX_KEY)
    digest = index.digest(ID_NUMBER, kind="id_number")
    assert digest == index.digest(ID_NUMBER, kind="id_number")
    assert len(digest) == 64
    assert int(digest, 16) >= 0
    assert index.digest("31010419800101123x", kind="id_number") == index.digest("31010419800101123X", kind="id_number")
    assert index.digest(" 310104 19800101 1233 ", kind="id_number") == digest
    assert index.digest("３１０１０４１９８００１０１１２３３", kind="id_number") == digest  # full-width digits

    mobile = index.digest("13812345678", kind="mobile")
    for variant in ("+86 138 1234 5678", "8613812345678", "0086-138-1234-5678", "138-1234-5678"):
        assert index.digest(variant, kind="mobile") == mobile
    assert index.digest("021-6438 1234", kind="phone") == index.digest("02164381234", kind="phone")
    assert index.digest("  张  三明 ", kind="name") == index.digest("张 三明", kind="name")
    assert index.digest(" Alice@Example.COM ", kind="email") == index.digest("alice@example.com", kind="email")


def test_blind_index_differs_by_kind_and_key() -> None:
    index = BlindIndex(INDEX_KEY)
    assert index.digest("13812345678", kind="mobile") != index.digest("13812345678", kind="phone")
    assert index.digest("13812345678", kind="mobile") != BlindIndex(b"j" * 32).digest("13812345678", kind="mobile")
    with pytest.raises(ValueError, match="nothing to index"):
        index.digest("  ", kind="id_number")
    with pytest.raises(ValueError, match="kind"):
        index.digest("x", kind="id:number")


def test_normalise() -> None:
    assert normalise(" 31010419800101123x ", kind="id_number") == "31010419800101123X"
    assert normalise("+86 138 1234 5678", kind="mobile") == "13812345678"
    assert normalise("86 21 6438 1234", kind="mobile") == "862164381234"  # not a mobile: the 86 stays
    assert normalise("(021) 6438-1234", kind="phone") == "02164381234"
    assert normalise(" 张\u3000 三明 ", kind="name") == "张 三明"
    assert normalise(" ＡＢＣ ", kind="other") == "abc"


def test_vault_seal_open() -> None:
    vault = PiiVault(_cipher(), BlindIndex(INDEX_KEY))
    sealed = vault.seal("31010419800101123x", kind="id_number", context=CONTEXT)
    assert isinstance(sealed, SealedValue)
    ciphertext, index = sealed
    assert vault.open(ciphertext, context=CONTEXT) == "31010419800101123x"  # stored as given
    assert index == vault.blind_index("31010419800101123X", kind="id_number")
    assert vault.protect(ID_NUMBER, "id_number", CONTEXT)[1] == vault.blind_index(ID_NUMBER, kind="id_number")


# --- masking -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("310104198001011233", "310104********1233"),
        ("31010419800101123X", "310104********123X"),
        ("31010419800101123x", "310104********123X"),
        ("310104800101123", "310104*****1123"),
        ("1234567890", "**********"),
        ("", ""),
    ],
)
def test_mask_id_number(value: str, masked: str) -> None:
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+86 138 1234 5678", "138****5678"),
        ("138-1234-5678", "138****5678"),
        ("021-64381234", "021-****1234"),
        ("0512-6543210", "0512-***3210"),
        ("02164381234", "021****1234"),
        ("64381234", "****1234"),
        ("400-820-8820", "400-***-8820"),
        ("110", "***"),
        ("", ""),
    ],
)
def test_mask_mobile(value: str, masked: str) -> None:
    assert mask_mobile(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("张三明", "张*明"),
        ("张三", "张*"),
        ("张", "*"),
        ("欧阳娜娜", "欧**娜"),
        (" 张三明 ", "张*明"),
        ("John Smith", "J*********"),
        ("Li", "L*"),
        ("", ""),
    ],
)
def test_mask_name(value: str, masked: str) -> None:
    assert mask_name(value) == masked


def test_mask_text() -> None:
    assert mask_text("abcdefgh", 2, 3) == "ab***fgh"
    assert mask_text("abcdefgh", 0, 4) == "****efgh"
    assert mask_text("abcdefgh") == "********"
    assert mask_text("abcde", 2, 3) == "*****"  # nothing short is shown whole
    assert mask_text("abcdef", 1, 1, mask_char="#") == "a####f"
    with pytest.raises(ValueError, match="negative"):
        mask_text("abc", -1, 0)


# --- access audit ------------------------------------------------------------------------------------------------


@pytest.fixture
def audit_db(tmp_path: Path) -> Iterator[tuple[Database, InfraTables]]:
    metadata = MetaData()
    tables = InfraTables(metadata)
    database = Database(f"sqlite:///{tmp_path / 'audit.db'}")
    metadata.create_all(database.engine)
    yield database, tables
    database.dispose()


def _audit(target: object, tables: InfraTables, **overrides: object) -> None:
    arguments: dict[str, object] = {
        "tables": tables,
        "actor_sub": "u-1001",
        "actor_name": "王小红",
        "actor_roles": ["collection.officer", "auditor"],
        "purpose": "核对登记信息 / verify registration",
        "record_type": "registration",
        "record_id": "R-42",
        "fields": ["id_number", "mobile"],
        "request_id": "req-1",
    }
    arguments.update(overrides)
    record_pii_access(target, **arguments)  # type: ignore[arg-type]


def test_audit_record_written_and_readable(audit_db: tuple[Database, InfraTables]) -> None:
    database, tables = audit_db
    before = datetime.now(UTC)
    with database.session() as session:
        _audit(session, tables)
    with database.engine.begin() as connection:
        _audit(connection, tables.pii_access_audit, record_id="R-43", fields=["name"], actor_name=None, request_id=None)

    with database.engine.connect() as connection:
        raw = connection.execute(text("SELECT actor_roles, fields, purpose FROM pii_access_audit ORDER BY id")).all()
        assert json.loads(raw[0][0]) == ["collection.officer", "auditor"]
        assert json.loads(raw[0][1]) == ["id_number", "mobile"]
        assert raw[0][2] == "核对登记信息 / verify registration"

        history = pii_access_history(connection, tables=tables, record_type="registration", record_id="R-42")
        assert len(history) == 1
        entry = history[0]
        assert (entry.actor_sub, entry.actor_name, entry.request_id) == ("u-1001", "王小红", "req-1")
        assert entry.actor_roles == ["collection.officer", "auditor"]
        assert entry.fields == ["id_number", "mobile"]
        assert entry.accessed_at.tzinfo is not None
        assert before - timedelta(seconds=1) <= entry.accessed_at <= datetime.now(UTC) + timedelta(seconds=1)

        everything = pii_access_history(connection, tables=tables)
        assert [item.record_id for item in everything] == ["R-43", "R-42"]  # newest first
        assert everything[0].actor_name is None
        assert everything[0].request_id is None


def test_audit_rolls_back_with_the_read(audit_db: tuple[Database, InfraTables]) -> None:
    database, tables = audit_db

    def read_then_fail() -> None:
        with database.session() as session:
            _audit(session, tables)
            raise RuntimeError("the request failed after reading")

    with pytest.raises(RuntimeError):
        read_then_fail()
    with database.engine.connect() as connection:
        assert pii_access_history(connection, tables=tables) == []


@pytest.mark.parametrize("purpose", ["", "   ", None])
def test_audit_purpose_required(audit_db: tuple[Database, InfraTables], purpose: str | None) -> None:
    database, tables = audit_db
    with database.engine.begin() as connection, pytest.raises(ValueError, match="purpose is required"):
        _audit(connection, tables, purpose=purpose)


def test_audit_other_validation(audit_db: tuple[Database, InfraTables]) -> None:
    database, tables = audit_db
    with database.engine.begin() as connection:
        with pytest.raises(ValueError, match="actor_sub"):
            _audit(connection, tables, actor_sub="")
        with pytest.raises(ValueError, match="fields must not be empty"):
            _audit(connection, tables, fields=[])
        with pytest.raises(ValueError, match="fields must be a list"):
            _audit(connection, tables, fields="id_number")
        with pytest.raises(ValueError, match="purpose is longer"):
            _audit(connection, tables, purpose="x" * 501)
        with pytest.raises(TypeError):
            _audit(object(), tables)
    with database.engine.connect() as connection:
        assert pii_access_history(connection, tables=tables) == []


def test_append_only_ddl() -> None:
    assert append_only_ddl("sqlite") == []
    assert drop_append_only_ddl("sqlite") == []
    statements = append_only_ddl("postgresql")
    assert any("BEFORE UPDATE OR DELETE ON pii_access_audit" in statement for statement in statements)
    assert any("BEFORE TRUNCATE ON pii_access_audit" in statement for statement in statements)
    assert "LANGUAGE plpgsql" in APPEND_ONLY_TRIGGER_SQL
    assert all(statement.strip() in APPEND_ONLY_TRIGGER_SQL for statement in statements)
    with pytest.raises(NotImplementedError):
        append_only_ddl("mysql")


# --- the raw database holds no plaintext -------------------------------------------------------------------------

PiiTestTable = new_table_base("piitest")


class PiiPerson(PiiTestTable, table=True):  # type: ignore[call-arg]
    __tablename__ = "pii_person"

    id: int | None = Field(default=None, primary_key=True)
    id_number_ciphertext: str
    id_number_index: str = Field(unique=True, index=True)


def test_raw_database_holds_no_plaintext_id_number(tmp_path: Path) -> None:
    vault = PiiVault(_cipher(), BlindIndex(INDEX_KEY))
    db_path = tmp_path / "pii.db"
    engine = create_db_engine(f"sqlite:///{db_path}")
    PiiTestTable.metadata.create_all(engine)
    context = "piitest.pii_person.id_number"

    sealed = vault.seal(ID_NUMBER, kind="id_number", context=context)
    with Session(engine) as session:
        session.add(PiiPerson(id_number_ciphertext=sealed.ciphertext, id_number_index=sealed.index))
        session.commit()

    # Exact-match search and uniqueness go through the blind index.
    with Session(engine) as session:
        found = session.exec(
            select(PiiPerson).where(
                PiiPerson.id_number_index == vault.blind_index(" 310104 198001011233", kind="id_number")
            )
        ).one()
        assert vault.open(found.id_number_ciphertext, context=context) == ID_NUMBER
        duplicate = vault.seal(ID_NUMBER, kind="id_number", context=context)
        session.add(PiiPerson(id_number_ciphertext=duplicate.ciphertext, id_number_index=duplicate.index))
        with pytest.raises(IntegrityError):
            session.commit()

    masked_middle = ID_NUMBER[6:14]
    assert mask_id_number(ID_NUMBER) == ID_NUMBER[:6] + "*" * 8 + ID_NUMBER[14:]
    forbidden = [ID_NUMBER, masked_middle]

    # Every column of every row, as the database returns it.
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT * FROM pii_person").all()
        assert len(rows) == 1
        for row in rows:
            for column in row:
                for secret in forbidden:
                    assert secret not in str(column)
    engine.dispose()

    # The raw bytes of the database file (and its WAL / shared-memory files, should any remain).
    files = [path for path in tmp_path.iterdir() if path.name.startswith("pii.db")]
    assert db_path in files
    raw = b"".join(path.read_bytes() for path in files)
    assert sealed.ciphertext.encode() in raw  # sanity: the stored row is in these bytes
    for secret in forbidden:
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            assert secret.encode(encoding) not in raw


# --- PostgreSQL: append-only triggers -----------------------------------------------------------------------------


@pytest.fixture
def pg_schema() -> Iterator[str]:
    admin = create_engine(PG_URL, connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except OperationalError as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL does not answer at {PG_URL}: {exc.orig}")
    schema = f"pii_test_{uuid.uuid4().hex[:12]}"
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield schema
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.mark.postgres
def test_postgres_audit_is_append_only(pg_schema: str) -> None:
    engine = create_engine(PG_URL, connect_args={"options": f"-csearch_path={pg_schema}"})
    try:
        metadata = MetaData()
        tables = InfraTables(metadata)
        metadata.create_all(engine)
        with engine.begin() as connection:
            connection.execute(text(APPEND_ONLY_TRIGGER_SQL))  # the whole script at once, as op.execute would
            connection.execute(text(APPEND_ONLY_TRIGGER_DROP_SQL))
            for statement in append_only_ddl(connection.dialect.name):
                connection.exec_driver_sql(statement)
            for statement in append_only_ddl(connection.dialect.name):  # idempotent, and fine through text()
                connection.execute(text(statement))
            trigger_schemas = connection.execute(
                text("SELECT DISTINCT event_object_schema FROM information_schema.triggers WHERE trigger_name LIKE :p"),
                {"p": "pii_access_audit_%"},
            ).scalars()
            assert list(trigger_schemas) == [pg_schema]

        with Session(engine) as session:
            _audit(session, tables)
            session.commit()

        for statement in (
            "UPDATE pii_access_audit SET purpose = 'changed'",
            "DELETE FROM pii_access_audit",
            "TRUNCATE pii_access_audit",
        ):
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
                connection.exec_driver_sql(statement)

        with engine.connect() as connection:
            history = pii_access_history(connection, tables=tables)
            assert [(item.purpose, item.record_id) for item in history] == [
                ("核对登记信息 / verify registration", "R-42")
            ]
            assert history[0].accessed_at.tzinfo is not None

        # The downgrade removes the protection again.
        with engine.begin() as connection:
            for statement in drop_append_only_ddl("postgresql"):
                connection.exec_driver_sql(statement)
            connection.exec_driver_sql("DELETE FROM pii_access_audit")
    finally:
        engine.dispose()
