"""Password hashing (argon2id) and the complexity policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from dualcarbon.core.errors import FieldError, Invalid

_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) defaults


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# A fixed hash to verify against when the user does not exist, so both paths cost the same.
DUMMY_HASH = _hasher.hash("dualcarbon-timing-equaliser")


def character_classes(password: str) -> int:
    return sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )


def check_policy(
    password: str, *, username: str, min_length: int, min_classes: int, field: str = "new_password"
) -> None:
    errors: list[FieldError] = []
    if len(password) < min_length:
        errors.append(
            FieldError(("body", field), "identity.password.too-short", {"min_length": min_length})
        )
    if character_classes(password) < min_classes:
        errors.append(
            FieldError(
                ("body", field), "identity.password.too-simple", {"min_classes": min_classes}
            )
        )
    if username and username.lower() in password.lower():
        errors.append(FieldError(("body", field), "identity.password.contains-username"))
    if errors:
        raise Invalid(field_errors=errors)
