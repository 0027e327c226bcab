"""Uploaded files (room sketches, photos, evidence documents, materials) stored outside the database row.

Content-addressed: a file is stored once under its SHA-256, the row keeps the key, type, size and checksum. The type
is checked from the file's first bytes, not trusted from the client. Local directory in the embedded run; production
mounts a volume (or replaces this class with an object store behind the same methods).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from jiading_shared.errors import field_error

# Signatures of the types the standards' forms need: photos, sketches, scanned documents.
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/pdf": (b"%PDF-",),
}


@dataclass(frozen=True)
class StoredBlob:
    key: str  # sha256 hex
    content_type: str
    size: int

    @property
    def sha256(self) -> str:
        return self.key


def sniff_content_type(data: bytes) -> str | None:
    for content_type, signatures in _SIGNATURES.items():
        if any(data.startswith(signature) for signature in signatures):
            return content_type
    return None


# Binary files people send instead of a CSV: zip containers (xlsx, docx), legacy Office (xls), gzip.
_BINARY_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\x1f\x8b")
# Control characters no text file holds (tab, LF, CR allowed).
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text_upload(data: bytes, *, field: str, max_bytes: int, encodings: Sequence[str] = ("utf-8-sig",)) -> str:
    """An uploaded text file (a CSV list) decoded: 413 over `max_bytes`, 422 when empty, 415 when its bytes are not
    text in one of `encodings` (an image or a spreadsheet sent as CSV is refused by its content, whatever type the
    client declared)."""
    if len(data) > max_bytes:
        raise field_error(413, field, f"the file has {len(data)} bytes; at most {max_bytes} are accepted")
    if not data.strip():
        raise field_error(422, field, "the file is empty")
    not_text = field_error(415, field, f"the file is not {' or '.join(encodings)} text", slug="unsupported-media-type")
    if sniff_content_type(data) is not None or data.startswith(_BINARY_SIGNATURES):
        raise not_text
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _CONTROL_CHARACTERS.search(text):
            raise not_text
        return text
    raise not_text


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if len(key) != 64 or any(char not in "0123456789abcdef" for char in key):
            raise ValueError("not a blob key")
        return self.root / key[:2] / key

    def put(self, data: bytes, *, field: str, allowed_types: frozenset[str] | set[str], max_bytes: int) -> StoredBlob:
        """Check and store an upload; a 4xx problem naming `field` when it is empty, too large or of the wrong type."""
        if not data:
            raise field_error(422, field, "the file is empty")
        if len(data) > max_bytes:
            raise field_error(413, field, f"the file has {len(data)} bytes; at most {max_bytes} are accepted")
        content_type = sniff_content_type(data)
        if content_type is None or content_type not in allowed_types:
            allowed = ", ".join(sorted(allowed_types))
            raise field_error(415, field, f"the file is not one of: {allowed}", slug="unsupported-media-type")
        key = hashlib.sha256(data).hexdigest()
        path = self._path(key)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write then rename: a reader never sees half a file, and a crash leaves no partial blob.
            with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
                handle.write(data)
                temporary = Path(handle.name)
            os.replace(temporary, path)
        return StoredBlob(key=key, content_type=content_type, size=len(data))

    def get(self, key: str) -> bytes:
        data = self._path(key).read_bytes()
        if hashlib.sha256(data).hexdigest() != key:
            raise OSError(f"blob {key} is corrupt")
        return data

    def exists(self, key: str) -> bool:
        return self._path(key).exists()
