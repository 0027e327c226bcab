"""Personal-information protection: field encryption, blind indexes, masking and the access audit.

* `FieldCipher` encrypts one column value with AES-256-GCM into a compact text token
  ``v1:<key_id>:<base64url(nonce | ciphertext | tag)>``. Every token names its key, so keys rotate: new values use the
  active key while every configured older key still decrypts. The column's *context*
  (``"collection.registration.id_number"``) is bound as associated data, so a token copied into another column, or
  another service's column, does not decrypt.
* `BlindIndex` is a keyed HMAC-SHA256 over a normalised value, stored next to the ciphertext for exact-match search
  and unique constraints without storing the plaintext. It uses its own key, never an encryption key.
* `mask_id_number`, `mask_mobile`, `mask_name` and `mask_text` produce the display forms used by default in lists,
  logs and API responses (``310104********1233``, ``138****5678``, ``张*明``).
* `record_pii_access` appends one row to ``pii_access_audit`` whenever an unmasked value leaves a service; it runs in
  the transaction that read the value. The table is append-only: there is no update or delete helper, and on
  PostgreSQL `append_only_ddl` installs triggers that reject UPDATE, DELETE and TRUNCATE.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, MetaData, Table, insert, select
from sqlalchemy.orm import Session

from jiading_shared.infra_tables import InfraTables, pii_access_audit_template
from jiading_shared.types import assume_utc

if TYPE_CHECKING:
    from jiading_shared.auth import Principal
    from jiading_shared.settings import ServiceSettings

__all__ = [
    "APPEND_ONLY_TRIGGER_DROP_SQL",
    "APPEND_ONLY_TRIGGER_SQL",
    "BLIND_INDEX_KINDS",
    "KEY_BYTES",
    "TOKEN_VERSION",
    "BlindIndex",
    "EncryptedColumn",
    "FieldCipher",
    "PiiAccessRecord",
    "PiiDecryptionError",
    "PiiKeyError",
    "PiiVault",
    "SealedValue",
    "append_only_ddl",
    "declare_encrypted_columns",
    "decode_key",
    "drop_append_only_ddl",
    "encrypted_columns",
    "generate_key",
    "mask_id_number",
    "mask_mobile",
    "mask_name",
    "mask_text",
    "normalise",
    "pii_access_history",
    "record_pii_access",
    "record_reveal",
]

KEY_BYTES = 32  # AES-256
MIN_INDEX_KEY_BYTES = 32  # HMAC-SHA256: a key shorter than the digest weakens it
NONCE_BYTES = 12  # 96-bit GCM nonce, fresh from os.urandom for every value
TAG_BYTES = 16
TOKEN_VERSION = "v1"

_KEY_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_B64URL_RE = re.compile(r"^[A-Za-z0-9_-]+$")
_KIND_RE = re.compile(r"^[a-z0-9_.-]{1,64}$")


class PiiKeyError(ValueError):
    """The key configuration is unusable: a key of the wrong length, bad base64, a missing active key, ..."""


class PiiDecryptionError(ValueError):
    """A token does not decrypt: malformed, unknown key id, wrong context, or tampered with."""


# --- keys --------------------------------------------------------------------------------------------------------


def decode_key(value: str, *, name: str = "key", min_bytes: int = KEY_BYTES, exact: bool = True) -> bytes:
    """Decode a base64 (standard or URL-safe, padding optional) key and check its length.

    The error names the key but never shows its value."""
    if not isinstance(value, str) or not value.strip():
        raise PiiKeyError(f"{name}: empty key")
    text = value.strip().replace("-", "+").replace("_", "/")
    text += "=" * (-len(text) % 4)
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PiiKeyError(f"{name}: not valid base64") from exc
    if exact and len(raw) != min_bytes:
        raise PiiKeyError(
            f"{name}: must be exactly {min_bytes} bytes (base64 of {min_bytes} random bytes), got {len(raw)}"
        )
    if not exact and len(raw) < min_bytes:
        raise PiiKeyError(f"{name}: must be at least {min_bytes} bytes, got {len(raw)}")
    return raw


def generate_key() -> str:
    """A new random 32-byte key, base64-encoded, for `pii_keys` or `pii_index_key`."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def _b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    if not _B64URL_RE.match(text):
        raise PiiDecryptionError("malformed PII token: payload is not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise PiiDecryptionError("malformed PII token: payload is not base64url") from exc


# --- field encryption --------------------------------------------------------------------------------------------


class FieldCipher:
    """AES-256-GCM encryption of single field values, with key ids and rotation.

    `keys` maps key id -> 32 raw bytes; `active_key_id` encrypts new values. Keep retired keys in `keys` until
    `rotate` has re-encrypted every value that uses them."""

    def __init__(self, keys: Mapping[str, bytes], active_key_id: str) -> None:
        if not keys:
            raise PiiKeyError("no PII encryption keys configured")
        self._aead: dict[str, AESGCM] = {}
        for key_id, key in keys.items():
            if not isinstance(key_id, str) or not _KEY_ID_RE.match(key_id):
                raise PiiKeyError(f"PII key id {key_id!r} must be 1-64 characters of letters, digits, '.', '_', '-'")
            if not isinstance(key, bytes | bytearray) or len(key) != KEY_BYTES:
                length = len(key) if isinstance(key, bytes | bytearray) else type(key).__name__
                raise PiiKeyError(f"PII key {key_id!r} must be exactly {KEY_BYTES} bytes for AES-256, got {length}")
            self._aead[key_id] = AESGCM(bytes(key))
        if active_key_id not in self._aead:
            raise PiiKeyError(f"active PII key id {active_key_id!r} is not among the configured keys {sorted(keys)}")
        self._active_key_id = active_key_id

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> FieldCipher:
        keys = {key_id: decode_key(value, name=f"pii_keys[{key_id!r}]") for key_id, value in settings.pii_keys.items()}
        return cls(keys, settings.pii_active_key_id)

    @property
    def active_key_id(self) -> str:
        return self._active_key_id

    @property
    def key_ids(self) -> frozenset[str]:
        return frozenset(self._aead)

    def encrypt(self, plaintext: str, *, context: str = "") -> str:
        """Encrypt under the active key with a fresh nonce; `context` is authenticated, not stored."""
        if not isinstance(plaintext, str):
            raise TypeError(f"plaintext must be str, not {type(plaintext).__name__}")
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead[self._active_key_id].encrypt(nonce, plaintext.encode("utf-8"), _aad(context))
        return f"{TOKEN_VERSION}:{self._active_key_id}:{_b64url_encode(nonce + sealed)}"

    def decrypt(self, token: str, *, context: str = "") -> str:
        key_id, blob = _parse_token(token)
        aead = self._aead.get(key_id)
        if aead is None:
            raise PiiDecryptionError(
                f"PII token uses unknown key id {key_id!r}; is a retired key missing from pii_keys?"
            )
        try:
            plain = aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _aad(context))
        except InvalidTag as exc:
            raise PiiDecryptionError(
                f"PII token does not decrypt under key {key_id!r} and context {context!r} (tampered or wrong column)"
            ) from exc
        return plain.decode("utf-8")

    def key_id_of(self, token: str) -> str:
        """The key id a token was encrypted under (the token is parsed, not decrypted)."""
        return _parse_token(token)[0]

    def needs_rotation(self, token: str) -> bool:
        """True when the token was encrypted under a key other than the active one."""
        return self.key_id_of(token) != self._active_key_id

    def rotate(self, token: str, context: str = "") -> str:
        """Re-encrypt under the active key. A token already under the active key is returned unchanged (after
        checking that it decrypts), so a rotation job can run repeatedly and only writes rows that change."""
        plaintext = self.decrypt(token, context=context)
        if not self.needs_rotation(token):
            return token
        return self.encrypt(plaintext, context=context)


def _aad(context: str) -> bytes:
    if not isinstance(context, str):
        raise TypeError(f"context must be str, not {type(context).__name__}")
    return f"{TOKEN_VERSION}|{context}".encode()


def _parse_token(token: str) -> tuple[str, bytes]:
    if not isinstance(token, str):
        raise PiiDecryptionError(f"PII token must be str, not {type(token).__name__}")
    parts = token.split(":")
    if len(parts) != 3 or parts[0] != TOKEN_VERSION:
        raise PiiDecryptionError(f"malformed PII token: expected '{TOKEN_VERSION}:<key_id>:<data>'")
    _, key_id, payload = parts
    if not _KEY_ID_RE.match(key_id):
        raise PiiDecryptionError("malformed PII token: bad key id")
    blob = _b64url_decode(payload)
    if len(blob) < NONCE_BYTES + TAG_BYTES:
        raise PiiDecryptionError("malformed PII token: too short")
    return key_id, blob


# --- registry of encrypted columns ------------------------------------------------------------------------------

_REGISTRY_KEY = "jiading_encrypted_columns"


@dataclass(frozen=True, slots=True)
class EncryptedColumn:
    """One column holding `FieldCipher` tokens, and the context they were encrypted with."""

    table: str
    column: str
    context: str


def declare_encrypted_columns(metadata: MetaData, *columns: EncryptedColumn) -> None:
    """Record, on the service's own metadata, which columns hold ciphertext: key rotation and the personal-data scan
    walk exactly these. Declared next to the context constants, so a column cannot be encrypted under one context
    and rotated under another. Idempotent; the table and column must exist in `metadata`."""
    registry: dict[tuple[str, str], EncryptedColumn] = metadata.info.setdefault(_REGISTRY_KEY, {})
    for column in columns:
        table = metadata.tables.get(column.table)
        if table is None or column.column not in table.c:
            raise ValueError(f"encrypted column {column.table}.{column.column} is not in this metadata")
        known = registry.get((column.table, column.column))
        if known is not None and known != column:
            raise ValueError(f"{column.table}.{column.column} is already declared with context {known.context!r}")
        registry[(column.table, column.column)] = column


def encrypted_columns(metadata: MetaData) -> list[EncryptedColumn]:
    """Every column declared with `declare_encrypted_columns`, ordered by table and column."""
    registry: dict[tuple[str, str], EncryptedColumn] = metadata.info.get(_REGISTRY_KEY, {})
    return [registry[key] for key in sorted(registry)]


# --- blind index -------------------------------------------------------------------------------------------------

_NON_DIGITS = re.compile(r"\D+")
_WHITESPACE = re.compile(r"\s+")


def _normalise_id_number(value: str) -> str:
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", value)).upper()


def _normalise_mobile(value: str) -> str:
    digits = _NON_DIGITS.sub("", unicodedata.normalize("NFKC", value))
    return _strip_country_code(digits)


def _strip_country_code(digits: str) -> str:
    """Drop a +86 / 0086 / 86 prefix when what remains is an 11-digit mainland mobile number."""
    for prefix in ("0086", "86"):
        rest = digits[len(prefix) :]
        if digits.startswith(prefix) and len(rest) == 11 and rest.startswith("1"):
            return rest
    return digits


def _normalise_phone(value: str) -> str:
    return _NON_DIGITS.sub("", unicodedata.normalize("NFKC", value))


def _normalise_name(value: str) -> str:
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", value).strip())


def _normalise_default(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().casefold()


_NORMALISERS = {
    "id_number": _normalise_id_number,
    "mobile": _normalise_mobile,
    "phone": _normalise_phone,
    "name": _normalise_name,
}
BLIND_INDEX_KINDS = frozenset(_NORMALISERS)


def normalise(value: str, *, kind: str) -> str:
    """The normal form a blind index is computed over. Known kinds: id_number, mobile, phone, name; any other kind
    gets NFKC + strip + casefold."""
    if not isinstance(value, str):
        raise TypeError(f"value must be str, not {type(value).__name__}")
    return _NORMALISERS.get(kind, _normalise_default)(value)


class BlindIndex:
    """Deterministic keyed digest for exact-match lookup and uniqueness: hex HMAC-SHA256 of f"{kind}:{normal form}".

    The kind is part of the message, so the same string indexed as a mobile and as a phone number gives unrelated
    digests; the key is separate from the encryption keys and is not rotated casually (every index would change)."""

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes | bytearray) or len(key) < MIN_INDEX_KEY_BYTES:
            length = len(key) if isinstance(key, bytes | bytearray) else type(key).__name__
            raise PiiKeyError(f"blind index key must be at least {MIN_INDEX_KEY_BYTES} bytes, got {length}")
        self._key = bytes(key)

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> BlindIndex:
        return cls(decode_key(settings.pii_index_key, name="pii_index_key", min_bytes=MIN_INDEX_KEY_BYTES, exact=False))

    def digest(self, value: str, *, kind: str) -> str:
        if not _KIND_RE.match(kind):
            raise ValueError(f"blind index kind {kind!r} must be 1-64 characters of a-z, 0-9, '_', '.', '-'")
        normal = normalise(value, kind=kind)
        if not normal:
            raise ValueError(f"nothing to index: the {kind} value is empty after normalisation")
        return hmac.new(self._key, f"{kind}:{normal}".encode(), hashlib.sha256).hexdigest()


# --- vault: cipher + index together ------------------------------------------------------------------------------


class SealedValue(NamedTuple):
    """What a service stores for one protected field: the ciphertext token and its blind index."""

    ciphertext: str
    index: str


class PiiVault:
    """Field cipher and blind index used together: `seal` for writes, `open` for authorised reads,
    `blind_index` for lookups."""

    def __init__(self, cipher: FieldCipher, index: BlindIndex) -> None:
        self.cipher = cipher
        self.index = index

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> PiiVault:
        return cls(FieldCipher.from_settings(settings), BlindIndex.from_settings(settings))

    def seal(self, value: str, *, kind: str, context: str) -> SealedValue:
        """Encrypt the value as given and index its normal form."""
        return SealedValue(self.cipher.encrypt(value, context=context), self.index.digest(value, kind=kind))

    def protect(self, value: str, kind: str, context: str) -> tuple[str, str]:
        """`seal` as a plain (ciphertext, blind index) tuple."""
        sealed = self.seal(value, kind=kind, context=context)
        return sealed.ciphertext, sealed.index

    def open(self, ciphertext: str, *, context: str) -> str:
        """Decrypt. Returning the result to a caller unmasked requires `record_pii_access` in the same transaction."""
        return self.cipher.decrypt(ciphertext, context=context)

    def blind_index(self, value: str, *, kind: str) -> str:
        return self.index.digest(value, kind=kind)


# --- masking -----------------------------------------------------------------------------------------------------


def mask_text(value: str, keep_start: int = 0, keep_end: int = 0, *, mask_char: str = "*") -> str:
    """Keep `keep_start` leading and `keep_end` trailing characters and mask the rest, one mask character per
    character. A value no longer than what would be kept is masked entirely, so nothing short is ever shown whole."""
    if keep_start < 0 or keep_end < 0:
        raise ValueError("keep_start and keep_end must not be negative")
    if len(mask_char) != 1:
        raise ValueError("mask_char must be a single character")
    if len(value) <= keep_start + keep_end:
        return mask_char * len(value)
    end = value[len(value) - keep_end :] if keep_end else ""
    return value[:keep_start] + mask_char * (len(value) - keep_start - keep_end) + end


def mask_id_number(value: str) -> str:
    """``310104198001011233`` -> ``310104********1233``: the six-digit region code and last four characters stay.
    Works for 18- and 15-character numbers; anything shorter than 11 characters is masked completely."""
    compact = _WHITESPACE.sub("", unicodedata.normalize("NFKC", value)).upper()
    if len(compact) < 11:
        return "*" * len(compact)
    return mask_text(compact, 6, 4)


_MOBILE_RE = re.compile(r"^1\d{10}$")
_SEPARATORS = re.compile(r"[\s\-]+")


def _area_code_length(digits: str) -> int:
    """Mainland area codes: 010 and 02x have three digits, other 0xxx codes four; numbers without a leading 0 none."""
    if not digits.startswith("0"):
        return 0
    return 3 if digits[1:2] in ("1", "2") else 4


def _mask_digits_keep_last(text: str, keep: int) -> str:
    """Mask every digit except the last `keep` digits, leaving separators in place."""
    total = sum(ch.isdigit() for ch in text)
    out: list[str] = []
    seen = 0
    for ch in text:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen > total - keep else "*")
        else:
            out.append(ch)
    return "".join(out)


def mask_mobile(value: str) -> str:
    """``13812345678`` (also ``+86 138 1234 5678``) -> ``138****5678``; landlines keep the area code and the last
    four digits: ``021-64381234`` -> ``021-****1234``, ``02164381234`` -> ``021****1234``."""
    text = unicodedata.normalize("NFKC", value).strip().replace("(", "").replace(")", "")
    digits = _NON_DIGITS.sub("", text)
    if not digits:
        return "*" * len(text)
    mobile = _strip_country_code(digits)
    if _MOBILE_RE.match(mobile):
        return mask_text(mobile, 3, 4)
    if len(digits) <= 6:
        return "*" * len(digits)
    parts = _SEPARATORS.split(text, maxsplit=1)
    if len(parts) == 2 and parts[0].isdigit() and len(parts[0]) <= 4:
        # Written with a separator: the first group is the area (or service) code and stays as written.
        separator = text[len(parts[0]) : len(text) - len(parts[1])]
        return parts[0] + separator + _mask_digits_keep_last(parts[1], 4)
    area = _area_code_length(digits)
    if area and len(digits) - area >= 7:
        return mask_text(digits, area, 4)
    return mask_text(digits, 0, 4)


def _is_latin(ch: str) -> bool:
    return ch.isascii() or unicodedata.name(ch, "").startswith("LATIN")


def mask_name(value: str) -> str:
    """Chinese names keep the first and last character: ``张三明`` -> ``张*明``, ``欧阳娜娜`` -> ``欧**娜``,
    ``张三`` -> ``张*``, ``张`` -> ``*``. Latin-script names keep only the first letter: ``John Smith`` ->
    ``J*********``."""
    name = _WHITESPACE.sub(" ", value.strip())
    if not name:
        return ""
    if len(name) == 1:
        return "*"
    if _is_latin(name[0]):
        return name[0] + "*" * (len(name) - 1)
    if len(name) == 2:
        return name[0] + "*"
    return mask_text(name, 1, 1)


# --- access audit ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PiiAccessRecord:
    id: int
    accessed_at: datetime
    actor_sub: str
    actor_name: str | None
    actor_roles: list[str]
    purpose: str
    record_type: str
    record_id: str
    fields: list[str]
    request_id: str | None


def _audit_table(tables: InfraTables | Table) -> Table:
    return tables.pii_access_audit if isinstance(tables, InfraTables) else tables


def _connection_of(connection_or_session: Connection | Session) -> Connection:
    if isinstance(connection_or_session, Session):
        # The connection of the session's current transaction: the audit row commits or rolls back with the read.
        return connection_or_session.connection()
    if isinstance(connection_or_session, Connection):
        return connection_or_session
    raise TypeError(f"expected a SQLAlchemy Connection or Session, not {type(connection_or_session).__name__}")


def _require_text(name: str, value: str | None, max_length: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"PII access audit: {name} is required")
    value = value.strip()
    if len(value) > max_length:
        raise ValueError(f"PII access audit: {name} is longer than {max_length} characters")
    return value


def _string_list(name: str, values: Sequence[str], *, required: bool) -> str:
    if isinstance(values, str) or not all(isinstance(item, str) and item for item in values):
        raise ValueError(f"PII access audit: {name} must be a list of non-empty strings")
    if required and not values:
        raise ValueError(f"PII access audit: {name} must not be empty")
    return json.dumps(list(values), ensure_ascii=False)


def record_pii_access(
    connection_or_session: Connection | Session,
    *,
    tables: InfraTables | Table,
    actor_sub: str,
    actor_name: str | None,
    actor_roles: Sequence[str],
    purpose: str,
    record_type: str,
    record_id: str,
    fields: Sequence[str],
    request_id: str | None = None,
) -> None:
    """Append one row to pii_access_audit: who (subject, name, roles) saw which unmasked fields of which record,
    and why. Call it in the transaction that reads the value, before returning it; if the transaction rolls back
    the value must not be returned either. The table is append-only: there is deliberately no update or delete."""
    row: dict[str, Any] = {
        "accessed_at": datetime.now(UTC),
        "actor_sub": _require_text("actor_sub", actor_sub, 200),
        "actor_name": actor_name.strip()[:200] if actor_name and actor_name.strip() else None,
        "actor_roles": _string_list("actor_roles", actor_roles, required=False),
        "purpose": _require_text("purpose", purpose, 500),
        "record_type": _require_text("record_type", record_type, 100),
        "record_id": _require_text("record_id", str(record_id) if record_id is not None else None, 200),
        "fields": _string_list("fields", fields, required=True),
        "request_id": request_id[:100] if request_id else None,
    }
    _connection_of(connection_or_session).execute(insert(_audit_table(tables)).values(**row))


def record_reveal(
    connection_or_session: Connection | Session,
    principal: Principal,
    *,
    purpose: str,
    record_type: str,
    record_id: str,
    fields: Sequence[str],
    request_id: str | None,
) -> None:
    """`record_pii_access` for the caller of an API route that returns unmasked values: the actor is the token's
    subject, name and roles."""
    record_pii_access(
        connection_or_session,
        tables=pii_access_audit_template,
        actor_sub=principal.sub,
        actor_name=principal.name,
        actor_roles=sorted(principal.roles),
        purpose=purpose,
        record_type=record_type,
        record_id=record_id,
        fields=fields,
        request_id=request_id,
    )


def pii_access_history(
    connection_or_session: Connection | Session,
    *,
    tables: InfraTables | Table,
    record_type: str | None = None,
    record_id: str | None = None,
    actor_sub: str | None = None,
    limit: int = 100,
) -> list[PiiAccessRecord]:
    """Read the access audit, newest first, optionally for one record or one actor."""
    table = _audit_table(tables)
    query = select(table).order_by(table.c.id.desc()).limit(limit)
    if record_type is not None:
        query = query.where(table.c.record_type == record_type)
    if record_id is not None:
        query = query.where(table.c.record_id == record_id)
    if actor_sub is not None:
        query = query.where(table.c.actor_sub == actor_sub)
    rows = _connection_of(connection_or_session).execute(query).mappings().all()
    return [
        PiiAccessRecord(
            id=row["id"],
            accessed_at=assume_utc(row["accessed_at"]),
            actor_sub=row["actor_sub"],
            actor_name=row["actor_name"],
            actor_roles=json.loads(row["actor_roles"]),
            purpose=row["purpose"],
            record_type=row["record_type"],
            record_id=row["record_id"],
            fields=json.loads(row["fields"]),
            request_id=row["request_id"],
        )
        for row in rows
    ]


# --- append-only enforcement (PostgreSQL) ------------------------------------------------------------------------

_APPEND_ONLY_STATEMENTS: tuple[str, ...] = (
    """CREATE OR REPLACE FUNCTION pii_access_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'pii_access_audit is append-only, ' || TG_OP || ' is not allowed',
        ERRCODE = 'insufficient_privilege';
END;
$$""",
    "DROP TRIGGER IF EXISTS pii_access_audit_no_update_delete ON pii_access_audit",
    """CREATE TRIGGER pii_access_audit_no_update_delete
    BEFORE UPDATE OR DELETE ON pii_access_audit
    FOR EACH ROW EXECUTE FUNCTION pii_access_audit_append_only()""",
    "DROP TRIGGER IF EXISTS pii_access_audit_no_truncate ON pii_access_audit",
    """CREATE TRIGGER pii_access_audit_no_truncate
    BEFORE TRUNCATE ON pii_access_audit
    FOR EACH STATEMENT EXECUTE FUNCTION pii_access_audit_append_only()""",
)

_DROP_APPEND_ONLY_STATEMENTS: tuple[str, ...] = (
    "DROP TRIGGER IF EXISTS pii_access_audit_no_truncate ON pii_access_audit",
    "DROP TRIGGER IF EXISTS pii_access_audit_no_update_delete ON pii_access_audit",
    "DROP FUNCTION IF EXISTS pii_access_audit_append_only()",
)

APPEND_ONLY_TRIGGER_SQL = ";\n\n".join(_APPEND_ONLY_STATEMENTS) + ";\n"
"""PostgreSQL: a plpgsql function and triggers rejecting UPDATE, DELETE (per row) and TRUNCATE of pii_access_audit.
Names are unqualified, so they land in the schema of the migration's search_path. Idempotent. Contains no '%' and no
':name', so it runs unchanged through `text()`, `op.execute` or `exec_driver_sql`."""

APPEND_ONLY_TRIGGER_DROP_SQL = ";\n".join(_DROP_APPEND_ONLY_STATEMENTS) + ";\n"


def _ddl_for(dialect_name: str, statements: tuple[str, ...]) -> list[str]:
    if dialect_name == "postgresql":
        return list(statements)
    if dialect_name == "sqlite":
        return []
    raise NotImplementedError(f"no append-only DDL for dialect {dialect_name!r}")


def append_only_ddl(dialect_name: str) -> list[str]:
    """Statements a migration runs (one `op.execute` each) to make pii_access_audit append-only: the trigger DDL on
    PostgreSQL, nothing on SQLite (the embedded development run)."""
    return _ddl_for(dialect_name, _APPEND_ONLY_STATEMENTS)


def drop_append_only_ddl(dialect_name: str) -> list[str]:
    """The downgrade counterpart of `append_only_ddl`."""
    return _ddl_for(dialect_name, _DROP_APPEND_ONLY_STATEMENTS)
