"""Photo bytes stored once, addressed by their SHA-256."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms.errors import NotFound
from cms.models import Blob, table_of
from cms.sqlutil import insert_ignore
from cms.timeutil import utcnow


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data`` as 64 hex digits."""
    return hashlib.sha256(data).hexdigest()


def put_blob(
    session: Session,
    data: bytes,
    *,
    media_type: str,
    width: int | None = None,
    height: int | None = None,
    meta: Mapping[str, Any] | None = None,
) -> str:
    """Store ``data`` unless a blob with the same hash exists; return the hash."""
    digest = sha256_hex(data)
    insert_ignore(
        session,
        table_of(Blob),
        [{
            "sha256": digest, "media_type": media_type, "size": len(data), "width": width,
            "height": height, "data": data,
            "meta": json.dumps(dict(meta or {}), sort_keys=True, ensure_ascii=False),
            "created_at": utcnow(),
        }],
    )
    return digest


def has_blob(session: Session, digest: str) -> bool:
    """True when the store holds the blob."""
    return session.scalar(sa.select(Blob.sha256).where(Blob.sha256 == digest)) is not None


def blob_bytes(session: Session, digest: str) -> bytes:
    """The stored bytes of a blob."""
    data = session.scalar(sa.select(Blob.data).where(Blob.sha256 == digest))
    if data is None:
        raise NotFound(f"no photo {digest[:12]} in the store")
    return bytes(data)
