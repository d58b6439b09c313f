"""Known-answer and property tests for dualcarbon.core.devicecrypto (protocols.md §6.6)."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as c_hmac
from hypothesis import given, settings
from hypothesis import strategies as st

from dualcarbon.core import devicecrypto as dc

KEY16 = bytes(range(16))
CANONICAL = b"POST\n/v1/ingest\nedge-001\n1710468000123\nn-0001\n" + b'{"seq":42}'


# ---------------------------------------------------------------- national test vectors


def test_sm3_abc_gbt32905() -> None:
    assert dc.sm3_hex(b"abc") == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )


def test_sm3_64_byte_example_gbt32905() -> None:
    # GB/T 32905-2016 example 2: "abcd" × 16
    assert dc.sm3_hex(b"abcd" * 16) == (
        "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    )


def test_sm4_block_gbt32907() -> None:
    from gmssl.sm4 import SM4_ENCRYPT, CryptSM4

    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    cipher = CryptSM4()
    cipher.set_key(key, SM4_ENCRYPT)
    out = cipher.crypt_ecb(key)  # plaintext = key in the standard's example
    assert bytes(out[:16]).hex() == "681edf34d206965e86b3e94f536e4246"  # PKCS#7 block follows


def test_hmac_vectors_protocols_6_6() -> None:
    assert dc.hmac_digest("hmac-sm3", KEY16, CANONICAL).hex() == (
        "a93cbbb5f7a81120b465f0dd53d31d4c8825f9e1b7a3930aed0fbbe0562b212b"
    )
    assert dc.hmac_sm3_gmssl(KEY16, CANONICAL).hex() == (
        "a93cbbb5f7a81120b465f0dd53d31d4c8825f9e1b7a3930aed0fbbe0562b212b"
    )
    assert dc.hmac_digest("hmac-sha256", KEY16, CANONICAL).hex() == (
        "5796fb33589a67ec53a2aa474c48adc9a897c2dffb07e1ae02bf76bf2c5f8f18"
    )


def test_sm4_gcm_vector_protocols_6_6() -> None:
    out = dc._gcm_encrypt("sm4-gcm", KEY16, bytes(12), b'{"seq":42}', b"edge-001|42")
    assert out[12:-16].hex() == "597ffeaa930260689c9b"
    assert out[-16:].hex() == "71af8a1443bea05c8660905b7b32b82b"
    assert dc.decrypt(KEY16, "sm4-gcm", out, aad=b"edge-001|42") == b'{"seq":42}'


def test_sm4_cbc_gmssl_equals_openssl() -> None:
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key, iv, pt = KEY16, bytes(range(16, 32)), b"payload that spans more than one block"
    padder = padding.PKCS7(128).padder()
    enc = Cipher(algorithms.SM4(key), modes.CBC(iv)).encryptor()
    expected = enc.update(padder.update(pt) + padder.finalize()) + enc.finalize()
    assert dc._sm4_cbc(key, iv, pt, 0) == expected


@settings(max_examples=40, deadline=None)
@given(key=st.binary(min_size=0, max_size=100), msg=st.binary(max_size=300))
def test_hmac_sm3_gmssl_matches_openssl(key: bytes, msg: bytes) -> None:
    mac = c_hmac.HMAC(key, hashes.SM3())
    mac.update(msg)
    assert dc.hmac_sm3_gmssl(key, msg) == mac.finalize()


# ---------------------------------------------------------------- sign / verify


def test_sign_format_and_message() -> None:
    sig = dc.sign(b"s3cret", "hmac-sha256", 1764000000, "b-1", b"body")
    expected = hmac.new(b"s3cret", b"1764000000\nb-1\nbody", hashlib.sha256).hexdigest()
    assert sig == f"hmac-sha256={expected}"
    assert dc.sign(b"s3cret", "hmac-sm3", 1, "b", b"").startswith("hmac-sm3=")
    assert dc.sign(b"k", "sm3", 1, "b", b"") == dc.sign(b"k", "HMAC-SM3", 1, "b", b"")


@pytest.mark.parametrize("alg", dc.SIGNATURE_ALGS)
def test_verify_accepts_good_and_refuses_everything_else(alg: str) -> None:
    secret, ts, bid, body = b"device-secret", 1764000000, "batch-7", b'{"readings":[]}'
    sig = dc.sign(secret, alg, ts, bid, body)
    assert dc.verify(secret, sig, ts, bid, body)
    assert dc.verify(secret, sig.upper().replace("HMAC-", "hmac-"), ts, bid, body)
    assert not dc.verify(secret, sig, ts, bid, body + b" ")  # tampered body
    assert not dc.verify(secret, sig, ts + 1, bid, body)  # other timestamp
    assert not dc.verify(secret, sig, ts, "batch-8", body)  # other batch id
    assert not dc.verify(b"other", sig, ts, bid, body)  # wrong secret
    other_alg = next(a for a in dc.SIGNATURE_ALGS if a != alg)
    assert not dc.verify(secret, other_alg + "=" + sig.split("=")[1], ts, bid, body)
    for junk in ("", "nonsense", "hmac-md5=00", f"{alg}=zz", f"{alg}=", sig[:-2]):
        assert not dc.verify(secret, junk, ts, bid, body)


def test_unknown_alg_raises() -> None:
    with pytest.raises(ValueError):
        dc.sign(b"k", "hmac-md5", 1, "b", b"")


def test_timestamp_window() -> None:
    assert dc.timestamp_fresh(1000, 1300)
    assert dc.timestamp_fresh(1300, 1000)
    assert not dc.timestamp_fresh(1000, 1301)
    assert not dc.timestamp_fresh(1301, 1000)


# ---------------------------------------------------------------- encryption


@pytest.mark.parametrize("alg", dc.ENCRYPTION_ALGS)
def test_encrypt_roundtrip_and_tamper(alg: str) -> None:
    key = dc.derive_key(b"device-secret", alg)
    assert len(key) == dc.KEY_SIZES[alg]
    pt = b'{"batch_id":"b1","readings":[]}' * 3
    c1, c2 = dc.encrypt(key, alg, pt), dc.encrypt(key, alg, pt)
    assert c1 != c2  # fresh nonce every time
    assert dc.decrypt(key, alg, c1) == pt
    for i in (0, len(c1) // 2, len(c1) - 1):
        bad = bytearray(c1)
        bad[i] ^= 0x01
        with pytest.raises(dc.DecryptionError):
            dc.decrypt(key, alg, bytes(bad))
    with pytest.raises(dc.DecryptionError):
        dc.decrypt(dc.derive_key(b"other", alg), alg, c1)
    with pytest.raises(dc.DecryptionError):
        dc.decrypt(key, alg, c1[:10])
    with pytest.raises(ValueError):
        dc.encrypt(key + b"x", alg, pt)


def test_derive_key_is_deterministic_and_alg_bound() -> None:
    assert dc.derive_key(b"s", "sm4-gcm") == dc.derive_key(b"s", "sm4-gcm")
    assert dc.derive_key(b"s", "sm4-cbc-hmac-sm3")[:16] != dc.derive_key(b"s", "sm4-gcm")
    with pytest.raises(ValueError):
        dc.derive_key(b"s", "des")


def test_hkdf_sha256_rfc5869_case1() -> None:
    ikm = bytes.fromhex("0b" * 22)
    salt = bytes.fromhex("000102030405060708090a0b0c")
    info = bytes.fromhex("f0f1f2f3f4f5f6f7f8f9")
    okm = dc._hkdf("hmac-sha256", ikm, info, 42, salt=salt)
    assert okm.hex() == (
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    )


def test_envelope_signature_round_trip_and_tampering() -> None:
    key = bytes(range(16))
    base = "cmis/v1/P01/ENT001/EDGE001"
    unsigned = (b'{"v":1,"msg_id":"EDGE001:E:1","points":[{"pt":"A","v":11.82}],'
                b'"sig":{"alg":"HMAC-SM3","kid":"dk-1","val": ""}}')
    for alg in ("HMAC-SM3", "HMAC-SHA256"):
        signed = dc.sign_envelope(key, alg, base, unsigned)
        val = signed.split(b'"val": "')[1].split(b'"')[0].decode()
        # the MAC is over the topic base and the envelope with an empty val
        assert bytes.fromhex(val) == dc.hmac_digest(
            alg, key, base.encode() + b"\n" + unsigned)
        assert dc.verify_envelope(key, alg, base, signed, val)
        assert not dc.verify_envelope(key, alg, base + "X", signed, val)
        assert not dc.verify_envelope(key, alg, base, signed.replace(b"11.82",
                                                                            b"11.83"), val)
        assert not dc.verify_envelope(key[::-1], alg, base, signed, val)
        assert not dc.verify_envelope(key, alg, base, signed, val[:-2])
        assert not dc.verify_envelope(key, "md5", base, signed, val)
    with pytest.raises(ValueError):
        dc.sign_envelope(key, "HMAC-SM3", base, b'{"sig":{"val":"x"}}')
