"""Device-door cryptography shared by the edge agent and the ingestion server (pure, no I/O).

Signature (docs/api.md, "Device ingestion door")::

    X-Signature: hmac-sha256=<hex>   or   hmac-sm3=<hex>
    over  f"{timestamp}\\n{batch_id}\\n".encode() + body

``body`` is the request body exactly as sent (after gzip and encryption).

HMAC-SM3 is HMAC per RFC 2104 (block size 64 bytes) over SM3 (GB/T 32905). gmssl 3.2 has SM3 but
no HMAC, so :func:`hmac_sm3_gmssl` builds it over ``gmssl.sm3``. When the installed OpenSSL offers
SM3 (``cryptography``), the C implementation is used instead (≈ 100× faster); the two are checked
against each other and against the vector of protocols.md §6.6 in the tests.

Payload encryption (``X-Encryption``), output always ``nonce/iv ‖ ciphertext ‖ tag``:

- ``aes-256-gcm`` — 32-byte key; AES-256-GCM, 12-byte random nonce, 16-byte tag (cryptography).
- ``sm4-gcm`` — 16-byte key; SM4-GCM (GB/T 32907), 12-byte random nonce, 16-byte tag
  (cryptography).
- ``sm4-cbc-hmac-sm3`` — 32-byte key; SM4-CBC + PKCS#7 with ``key[:16]`` and a 16-byte random IV,
  then HMAC-SM3 with ``key[16:]`` over ``AAD ‖ IV ‖ ct`` (encrypt-then-MAC, 32-byte tag) (gmssl).

gmssl 3.2 implements SM4 in ECB and CBC mode only — no GCM/AEAD — so the pure-Python variant is
SM4-CBC with an HMAC-SM3 tag (the composite of RFC 7518 §5.2, with SM4/SM3). ``sm4-gcm`` needs an
OpenSSL with SM4 (``cryptography`` ≥ 42 on a stock OpenSSL 3). Prefer ``sm4-gcm``; use
``sm4-cbc-hmac-sm3`` where the OpenSSL build lacks SM4.

Keys: :func:`derive_key` derives the payload key from the device secret (HKDF, RFC 5869, with
HMAC-SHA256 for AES and HMAC-SM3 for SM4), so a device needs only its one secret.
"""

from __future__ import annotations

import hashlib
import hmac as _hmac
import os
import re
from typing import Final

from gmssl import func as _gm_func
from gmssl import sm3 as _gm_sm3
from gmssl.sm4 import SM4_DECRYPT, SM4_ENCRYPT, CryptSM4

__all__ = [
    "ENCRYPTION_ALGS",
    "KEY_SIZES",
    "SIGNATURE_ALGS",
    "DecryptionError",
    "decrypt",
    "derive_key",
    "encrypt",
    "envelope_message",
    "hmac_digest",
    "hmac_sm3_gmssl",
    "sign",
    "sign_envelope",
    "signed_message",
    "sm3_hex",
    "timestamp_fresh",
    "verify",
    "verify_envelope",
]

SIGNATURE_ALGS: Final = ("hmac-sha256", "hmac-sm3")
ENCRYPTION_ALGS: Final = ("aes-256-gcm", "sm4-gcm", "sm4-cbc-hmac-sm3")
KEY_SIZES: Final[dict[str, int]] = {"aes-256-gcm": 32, "sm4-gcm": 16, "sm4-cbc-hmac-sm3": 32}
DEFAULT_WINDOW_S: Final = 300

_BLOCK = 64  # SM3 and SHA-256 block size in bytes (RFC 2104 "B")
_GCM_NONCE = 12
_GCM_TAG = 16
_CBC_IV = 16
_SM3_LEN = 32


class DecryptionError(ValueError):
    """The ciphertext is malformed, was tampered with, or the key is wrong."""


# --------------------------------------------------------------------------- SM3 / HMAC


def sm3_hex(data: bytes) -> str:
    """SM3 digest (GB/T 32905) as lowercase hex, computed by gmssl."""
    return str(_gm_sm3.sm3_hash(_gm_func.bytes_to_list(data)))


def _sm3(data: bytes) -> bytes:
    return bytes.fromhex(sm3_hex(data))


def hmac_sm3_gmssl(key: bytes, message: bytes) -> bytes:
    """HMAC-SM3 per RFC 2104 over gmssl's SM3: H(K ⊕ opad ‖ H(K ⊕ ipad ‖ m))."""
    if len(key) > _BLOCK:
        key = _sm3(key)
    key = key.ljust(_BLOCK, b"\x00")
    inner = _sm3(bytes(k ^ 0x36 for k in key) + message)
    return _sm3(bytes(k ^ 0x5C for k in key) + inner)


def _openssl_hmac_sm3() -> bool:
    try:
        from cryptography.hazmat.backends import default_backend
        from cryptography.hazmat.primitives import hashes

        return bool(default_backend().hmac_supported(hashes.SM3()))
    except Exception:  # pragma: no cover - depends on the OpenSSL build
        return False


_FAST_SM3: Final = _openssl_hmac_sm3()


def _hmac_sm3(key: bytes, message: bytes) -> bytes:
    if _FAST_SM3:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives import hmac as c_hmac

        mac = c_hmac.HMAC(key, hashes.SM3())
        mac.update(message)
        return mac.finalize()
    return hmac_sm3_gmssl(key, message)


def hmac_digest(alg: str, key: bytes, message: bytes) -> bytes:
    """Raw HMAC for ``alg`` in ``SIGNATURE_ALGS`` (also accepts ``sha256`` / ``sm3``)."""
    name = _normalise_sig_alg(alg)
    if name == "hmac-sha256":
        return _hmac.new(key, message, hashlib.sha256).digest()
    return _hmac_sm3(key, message)


def _normalise_sig_alg(alg: str) -> str:
    name = alg.strip().lower()
    if not name.startswith("hmac-"):
        name = "hmac-" + name
    if name not in SIGNATURE_ALGS:
        raise ValueError(f"unknown signature algorithm {alg!r}; use one of {SIGNATURE_ALGS}")
    return name


# --------------------------------------------------------------------------- signature


def signed_message(timestamp: int, batch_id: str, body: bytes) -> bytes:
    """The exact bytes the signature covers."""
    return f"{int(timestamp)}\n{batch_id}\n".encode() + body


def sign(secret: bytes, alg: str, timestamp: int, batch_id: str, body: bytes) -> str:
    """``X-Signature`` value: ``"<alg>=<lowercase hex>"``."""
    name = _normalise_sig_alg(alg)
    mac = hmac_digest(name, secret, signed_message(timestamp, batch_id, body))
    return f"{name}={mac.hex()}"


def verify(secret: bytes, header_value: str, timestamp: int, batch_id: str, body: bytes) -> bool:
    """True iff ``header_value`` is a valid signature; never raises on malformed input.

    The timestamp window is checked separately (:func:`timestamp_fresh`), because the server answers
    a different error code for it.
    """
    if not isinstance(header_value, str) or "=" not in header_value:
        return False
    alg, _, given = header_value.partition("=")
    try:
        name = _normalise_sig_alg(alg)
        given_mac = bytes.fromhex(given.strip())
    except ValueError:
        return False
    expected = hmac_digest(name, secret, signed_message(timestamp, batch_id, body))
    return _hmac.compare_digest(expected, given_mac)


def timestamp_fresh(timestamp: int, now: float, window_s: int = DEFAULT_WINDOW_S) -> bool:
    """``|now − timestamp| ≤ window_s`` (the door's ±300 s rule)."""
    return abs(float(now) - float(timestamp)) <= window_s


# --------------------------------------------------------------------------- MQTT envelope
#
# The MQTT envelope carries its own signature (protocols.md §4.4, §6.6):
#     {..., "sig": {"alg": "HMAC-SM3", "kid": "<device key id>", "val": "<hex>"}}
# ``val`` is the HMAC over ``f"{topic_base}\n".encode() + payload``, where ``payload`` is the
# envelope's exact bytes with ``val`` still empty (``"val":""``) and ``topic_base`` the topic's
# ``cmis/v1/{park}/{ent}/{edge}`` (so a signed message cannot be replayed under another edge;
# the rt/hist lane and stream are not covered, an edge may move a message between lanes).
# Signing = write the JSON with ``"val":""``, MAC it, put the hex in. Verifying = take the one
# ``"<hex>"`` out again and MAC the result: byte-exact, no JSON canonicalisation needed.

_VAL_PLACEHOLDER = re.compile(rb'("val"\s*:\s*)""')
_HEX_MAC = re.compile(r"[0-9a-f]{64}")


def envelope_message(topic_base: str, unsigned_payload: bytes) -> bytes:
    """The exact bytes an envelope signature covers."""
    return topic_base.encode() + b"\n" + unsigned_payload


def sign_envelope(secret: bytes, alg: str, topic_base: str, unsigned_payload: bytes) -> bytes:
    """``unsigned_payload`` with its one ``"val":""`` filled with the HMAC (lowercase hex)."""
    found = list(_VAL_PLACEHOLDER.finditer(unsigned_payload))
    if len(found) != 1:
        raise ValueError('the envelope needs exactly one empty "val":"" in its "sig"')
    mac = hmac_digest(alg, secret, envelope_message(topic_base, unsigned_payload)).hex()
    m = found[0]
    return (unsigned_payload[:m.start()] + m.group(1) + b'"' + mac.encode() + b'"'
            + unsigned_payload[m.end():])


def verify_envelope(secret: bytes, alg: str, topic_base: str, payload: bytes, val: str) -> bool:
    """True iff ``val`` (the envelope's ``sig.val``) is the HMAC of ``payload`` with that value
    emptied; never raises on malformed input."""
    if not isinstance(val, str) or not _HEX_MAC.fullmatch(val.lower()):
        return False
    needle = b'"' + val.encode() + b'"'
    if payload.count(needle) != 1:
        return False
    try:
        name = _normalise_sig_alg(alg)
    except (ValueError, AttributeError):
        return False
    unsigned = payload.replace(needle, b'""', 1)
    expected = hmac_digest(name, secret, envelope_message(topic_base, unsigned))
    return _hmac.compare_digest(expected, bytes.fromhex(val))


# --------------------------------------------------------------------------- key derivation


def _hkdf(alg: str, secret: bytes, info: bytes, length: int, salt: bytes = b"") -> bytes:
    """HKDF (RFC 5869) with HMAC-``alg``; hash length 32 for SHA-256 and SM3."""
    prk = hmac_digest(alg, salt or b"\x00" * 32, secret)
    okm, block, counter = b"", b"", 1
    while len(okm) < length:
        block = hmac_digest(alg, prk, block + info + bytes([counter]))
        okm += block
        counter += 1
    return okm[:length]


def derive_key(secret: bytes, alg: str) -> bytes:
    """Payload key for ``alg`` derived from the device secret (HKDF, info names the alg)."""
    size = _key_size(alg)
    mac = "hmac-sha256" if alg.startswith("aes") else "hmac-sm3"
    return _hkdf(mac, secret, b"dualcarbon/ingest/payload-key/" + alg.encode(), size)


def _key_size(alg: str) -> int:
    if alg not in KEY_SIZES:
        raise ValueError(f"unknown encryption algorithm {alg!r}; use one of {ENCRYPTION_ALGS}")
    return KEY_SIZES[alg]


def _check_key(key: bytes, alg: str) -> None:
    size = _key_size(alg)
    if len(key) != size:
        raise ValueError(f"{alg} needs a {size}-byte key, got {len(key)}")


# --------------------------------------------------------------------------- encryption


def _gcm_encrypt(alg: str, key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    algo = algorithms.AES(key) if alg == "aes-256-gcm" else algorithms.SM4(key)
    enc = Cipher(algo, modes.GCM(nonce)).encryptor()
    if aad:
        enc.authenticate_additional_data(aad)
    ct = enc.update(plaintext) + enc.finalize()
    return nonce + ct + enc.tag


def _gcm_decrypt(alg: str, key: bytes, data: bytes, aad: bytes) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    if len(data) < _GCM_NONCE + _GCM_TAG:
        raise DecryptionError("ciphertext too short")
    nonce, ct, tag = data[:_GCM_NONCE], data[_GCM_NONCE:-_GCM_TAG], data[-_GCM_TAG:]
    algo = algorithms.AES(key) if alg == "aes-256-gcm" else algorithms.SM4(key)
    dec = Cipher(algo, modes.GCM(nonce, tag)).decryptor()
    if aad:
        dec.authenticate_additional_data(aad)
    try:
        return dec.update(ct) + dec.finalize()
    except InvalidTag as exc:
        raise DecryptionError("authentication tag mismatch") from exc


def _sm4_cbc(key: bytes, iv: bytes, data: bytes, mode: int) -> bytes:
    cipher = CryptSM4()  # PKCS#7 padding by default
    cipher.set_key(key, mode)
    return bytes(cipher.crypt_cbc(iv, data))


def _cbc_hmac_encrypt(key: bytes, iv: bytes, plaintext: bytes, aad: bytes) -> bytes:
    body = iv + _sm4_cbc(key[:16], iv, plaintext, SM4_ENCRYPT)
    return body + hmac_sm3_gmssl(key[16:], aad + body)


def _cbc_hmac_decrypt(key: bytes, data: bytes, aad: bytes) -> bytes:
    if len(data) < _CBC_IV + 16 + _SM3_LEN or (len(data) - _CBC_IV - _SM3_LEN) % 16:
        raise DecryptionError("ciphertext has a wrong length")
    body, tag = data[:-_SM3_LEN], data[-_SM3_LEN:]
    if not _hmac.compare_digest(hmac_sm3_gmssl(key[16:], aad + body), tag):
        raise DecryptionError("authentication tag mismatch")
    try:
        return _sm4_cbc(key[:16], body[:_CBC_IV], body[_CBC_IV:], SM4_DECRYPT)
    except Exception as exc:  # pragma: no cover - unreachable once the tag matched
        raise DecryptionError("bad padding") from exc


def encrypt(key: bytes, alg: str, plaintext: bytes, *, aad: bytes = b"") -> bytes:
    """Encrypt with a fresh random nonce/IV; returns ``nonce ‖ ciphertext ‖ tag``."""
    _check_key(key, alg)
    if alg == "sm4-cbc-hmac-sm3":
        return _cbc_hmac_encrypt(key, os.urandom(_CBC_IV), plaintext, aad)
    return _gcm_encrypt(alg, key, os.urandom(_GCM_NONCE), plaintext, aad)


def decrypt(key: bytes, alg: str, data: bytes, *, aad: bytes = b"") -> bytes:
    """Inverse of :func:`encrypt`; raises :class:`DecryptionError` if anything was altered."""
    _check_key(key, alg)
    if alg == "sm4-cbc-hmac-sm3":
        return _cbc_hmac_decrypt(key, data, aad)
    return _gcm_decrypt(alg, key, data, aad)
