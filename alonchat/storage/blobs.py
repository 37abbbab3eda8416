"""Files' bytes, stored once per content (sha256) in one table, whoever refers to them: a prompt's attachments
and an eval set's case files alike."""

from __future__ import annotations

import hashlib

from sqlalchemy import delete, insert, select

from .tables import AttachmentBlob, EvalFile, MessageAttachment

_BLOBS = AttachmentBlob.__table__


def digest(data: bytes) -> str:
    """The key a file's bytes are stored under."""
    return hashlib.sha256(data).hexdigest()


def put(conn, data: bytes) -> str:
    """Store `data` unless the same bytes are there already; returns its key. `conn`: a connection or a session,
    in the caller's transaction."""
    key = digest(data)
    if conn.execute(select(_BLOBS.c.sha256).where(_BLOBS.c.sha256 == key)).first() is None:
        conn.execute(insert(_BLOBS).values(sha256=key, size=len(data), data=data))
    return key


def read(conn, key: str) -> bytes | None:
    """The bytes stored under `key` (None: none are)."""
    data = conn.execute(select(_BLOBS.c.data).where(_BLOBS.c.sha256 == key)).scalar()
    return None if data is None else bytes(data)


def drop_unused(conn) -> None:
    """Delete the bytes nothing refers to any more: no message's attachment and no eval set's file."""
    conn.execute(delete(_BLOBS).where(~_BLOBS.c.sha256.in_(select(MessageAttachment.__table__.c.sha256)),
                                      ~_BLOBS.c.sha256.in_(select(EvalFile.__table__.c.sha256))))
