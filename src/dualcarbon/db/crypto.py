"""Confidentiality at rest for sensitive columns (contacts, device secrets): AES-256-GCM with a
key derived from the server secret, which lives outside the database (environment or the data
directory's secret.key). A raw dump of the database shows no plaintext.

The key is configuration, set once per process by `configure(secret)` (create_app and the CLI do
it); every process of a deployment derives the same key from the same secret.
"""

from __future__ import annotations

import base64
import os
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

PREFIX = "enc1:"
_key: bytes | None = None


def derive_key(secret: str, purpose: str = "field-encryption") -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"dualcarbon",
                info=purpose.encode()).derive(secret.encode())


def configure(secret: str) -> None:
    global _key
    _key = derive_key(secret)


def _require_key() -> bytes:
    if _key is None:
        raise RuntimeError("field encryption key not configured (call db.crypto.configure)")
    return _key


def encrypt(plaintext: str, key: bytes | None = None) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(key or _require_key()).encrypt(nonce, plaintext.encode(), PREFIX.encode())
    return PREFIX + base64.b64encode(nonce + sealed).decode()


def decrypt(token: str, key: bytes | None = None) -> str:
    if not token.startswith(PREFIX):
        return token  # written before encryption was enabled
    raw = base64.b64decode(token[len(PREFIX):])
    return AESGCM(key or _require_key()).decrypt(raw[:12], raw[12:], PREFIX.encode()).decode()


class EncryptedString(TypeDecorator[str]):
    """A string column stored encrypted. Not searchable or sortable in SQL, by design."""

    impl = String
    cache_ok = True

    def __init__(self, length: int = 200) -> None:
        # base64 of nonce + ciphertext + tag, plus the prefix
        super().__init__(length=len(PREFIX) + ((12 + length * 4 + 16 + 2) // 3) * 4)
        self.plain_length = length

    def __repr__(self) -> str:
        return f"EncryptedString({self.plain_length})"

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else encrypt(str(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else decrypt(value)
