"""Uploaded files stored outside the row: type sniffed from the bytes, size limit, checksum, atomic write."""

from __future__ import annotations

from pathlib import Path

import pytest

from jiading_shared.blobs import BlobStore, sniff_content_type
from jiading_shared.errors import ProblemError

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
IMAGES = frozenset({"image/png", "image/jpeg"})


def test_store_and_read_back_by_checksum(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    blob = store.put(PNG, field="sketch", allowed_types=IMAGES, max_bytes=1024)
    assert blob.content_type == "image/png"
    assert blob.size == len(PNG)
    assert len(blob.sha256) == 64
    assert store.get(blob.key) == PNG
    assert store.put(PNG, field="sketch", allowed_types=IMAGES, max_bytes=1024) == blob, "stored once"


@pytest.mark.parametrize(
    ("data", "max_bytes", "status"),
    [(b"", 10, 422), (PNG, 8, 413), (b"%PDF-1.7 ...", 1024, 415), (b"GIF89a", 1024, 415)],
)
def test_rejections_name_the_field(tmp_path: Path, data: bytes, max_bytes: int, status: int) -> None:
    with pytest.raises(ProblemError) as raised:
        BlobStore(tmp_path).put(data, field="sketch", allowed_types=IMAGES, max_bytes=max_bytes)
    assert raised.value.status == status
    assert raised.value.errors is not None
    assert raised.value.errors[0].field == "sketch"
    assert not any(tmp_path.rglob("*?" * 1)), "nothing written for a rejected upload"


def test_corruption_is_detected(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    blob = store.put(PNG, field="f", allowed_types=IMAGES, max_bytes=1024)
    (tmp_path / blob.key[:2] / blob.key).write_bytes(PNG + b"tampered")
    with pytest.raises(OSError, match="corrupt"):
        store.get(blob.key)


def test_keys_cannot_escape_the_directory(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a blob key"):
        BlobStore(tmp_path).get("../../etc/passwd")


def test_sniffing() -> None:
    assert sniff_content_type(b"\xff\xd8\xff\xe0rest") == "image/jpeg"
    assert sniff_content_type(b"%PDF-1.4") == "application/pdf"
    assert sniff_content_type(b"plain text") is None
