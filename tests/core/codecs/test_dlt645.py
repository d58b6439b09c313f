"""DL/T 645-2007 codec: the verified frames of protocols.md §3.3 as golden tests."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dualcarbon.core.codecs import dlt645 as d


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# ---------------------------------------------------------------- §3.3 verified frames

READ_ADDRESS_REQ = "FE 68 AA AA AA AA AA AA 68 13 00 DF 16"
ADDRESS_REPLY = "68 00 36 19 00 00 00 68 93 06 33 69 4C 33 33 33 39 16"
READ_BLOCK_REQ = "FE 68 00 36 19 00 00 00 68 11 04 33 32 34 33 00 16"
BLOCK_REPLY = (
    "68 00 36 19 00 00 00 68 91 18 33 32 34 33 63 69 33 33 89 35 33 33 4C 33 33 33 "
    "6B 33 33 33 4A 66 33 33 E9 16"
)
READ_BLOCK_REQ_2 = "68 12 00 00 00 10 20 68 11 04 33 32 34 33 F3 16"
BLOCK_REPLY_2 = (
    "68 12 00 00 00 10 20 68 91 18 33 32 34 33 5C 34 33 33 95 33 33 33 93 33 33 33 "
    "36 33 33 33 35 33 33 33 74 16"
)
VOLTAGE_REPLY = "68 12 00 00 00 10 20 68 91 0A 33 32 34 35 89 55 32 32 32 32 21 16"
ERROR_REPLY = "68 12 00 00 00 10 20 68 D1 01 35 19 16"
WILDCARD_READ = "FE FE FE FE 68 AA AA AA AA AA AA 68 11 04 33 33 34 33 AE 16"
PAIR_REQ = "FE FE FE FE 68 12 90 78 56 34 12 68 11 04 33 33 34 33 68 16"
PAIR_REPLY = "68 12 90 78 56 34 12 68 91 08 33 33 34 33 9A 78 56 34 88 16"
PAIR_ERROR = "68 12 90 78 56 34 12 68 D1 01 35 8D 16"


def test_read_address_request() -> None:
    assert d.build_read_address(preamble=1) == h(READ_ADDRESS_REQ)
    frame = d.parse_frame(h(READ_ADDRESS_REQ))
    assert (frame.address, frame.control, frame.data) == ("AAAAAAAAAAAA", 0x13, b"")


def test_address_reply() -> None:
    frame = d.parse_frame(h(ADDRESS_REPLY))
    assert frame.control == 0x93 and frame.is_response and not frame.is_abnormal
    assert frame.data == h("00 36 19 00 00 00")
    assert d.decode_address(frame.data) == "000000193600" == frame.address


def test_read_forward_active_block_capture_2014() -> None:
    assert d.build_read("000000193600", "0001FF00", preamble=1) == h(READ_BLOCK_REQ)
    reply = d.decode_read_response(
        d.parse_frame(h(BLOCK_REPLY)), "0001FF00", address="000000193600"
    )
    assert reply.values == tuple(Decimal(v) for v in ("36.30", "2.56", "0.19", "0.38", "33.17"))
    assert sum(reply.values[1:], Decimal(0)) == reply.values[0]  # total = Σ tariffs
    assert reply.format.unit == "kWh"
    assert d.build_read_response("000000193600", "0001FF00", reply.values) == h(BLOCK_REPLY)


def test_read_forward_active_block_meter_201000000012() -> None:
    assert d.build_read("201000000012", 0x0001FF00, preamble=0) == h(READ_BLOCK_REQ_2)
    reply = d.decode_read_response(d.parse_frame(h(BLOCK_REPLY_2)), 0x0001FF00)
    assert reply.address == "201000000012"
    assert [str(v) for v in reply.values] == ["1.29", "0.62", "0.60", "0.03", "0.02"]


def test_voltage_block_with_unsupported_phases() -> None:
    reply = d.decode_read_response(d.parse_frame(h(VOLTAGE_REPLY)), "0201FF00")
    assert reply.values == (Decimal("225.6"), None, None)
    assert d.build_read_response("201000000012", "0201FF00", reply.values) == h(VOLTAGE_REPLY)


def test_abnormal_reply_no_requested_data() -> None:
    frame = d.parse_frame(h(ERROR_REPLY))
    assert frame.control == 0xD1 and frame.is_abnormal
    with pytest.raises(d.MeterError) as err:
        d.decode_read_response(frame, "00010000", address="201000000012")
    assert err.value.error_word == 0x02
    assert err.value.reasons == ("no requested data",)
    assert d.build_error_response("201000000012", 0x02) == h(ERROR_REPLY)


def test_wildcard_read_unit_test_frame() -> None:
    assert d.build_read(d.WILDCARD_ADDRESS, "00010000") == h(WILDCARD_READ)


def test_worked_pair_12345_67_kwh() -> None:
    assert d.build_read("123456789012", "00 01 00 00") == h(PAIR_REQ)
    frame = d.parse_frame(h(PAIR_REPLY))
    assert frame.data == h("00 00 01 00 67 45 23 01")
    reply = d.decode_read_response(frame, 0x00010000, address="123456789012")
    assert reply.values == (Decimal("12345.67"),)
    assert str(reply.values[0]) == "12345.67"  # decimals kept
    assert d.build_read_response("123456789012", "00010000", [Decimal("12345.67")]) == h(PAIR_REPLY)
    with pytest.raises(d.MeterError):
        d.decode_read_response(d.parse_frame(h(PAIR_ERROR)), "00010000")
    assert d.build_error_response("123456789012", 2) == h(PAIR_ERROR)


ALL_FRAMES = [
    READ_ADDRESS_REQ,
    ADDRESS_REPLY,
    READ_BLOCK_REQ,
    BLOCK_REPLY,
    READ_BLOCK_REQ_2,
    BLOCK_REPLY_2,
    VOLTAGE_REPLY,
    ERROR_REPLY,
    WILDCARD_READ,
    PAIR_REQ,
    PAIR_REPLY,
    PAIR_ERROR,
]


@pytest.mark.parametrize("frame", ALL_FRAMES)
def test_every_verified_frame_checks_and_rebuilds(frame: str) -> None:
    raw = h(frame)
    parsed = d.parse_frame(raw)
    preamble = len(raw) - len(raw.lstrip(b"\xfe"))
    rebuilt = d.build_frame(parsed.address, parsed.control, parsed.data, preamble=preamble)
    assert rebuilt == raw


@pytest.mark.parametrize("frame", ALL_FRAMES)
def test_every_single_byte_corruption_is_caught(frame: str) -> None:
    raw = h(frame)
    start = len(raw) - len(raw.lstrip(b"\xfe"))
    for i in range(start, len(raw)):
        bad = bytearray(raw)
        bad[i] ^= 0x01
        with pytest.raises(d.FrameError):
            d.parse_frame(bytes(bad))


# ---------------------------------------------------------------- mismatch checks


def test_reply_checked_against_request() -> None:
    frame = d.parse_frame(h(PAIR_REPLY))
    with pytest.raises(d.ResponseMismatch):
        d.decode_read_response(frame, "00010000", address="000000000001")
    with pytest.raises(d.ResponseMismatch):
        d.decode_read_response(frame, "00020000")
    with pytest.raises(d.ResponseMismatch):  # a request is not a reply
        d.decode_read_response(d.parse_frame(h(PAIR_REQ)), "00010000")
    # a wildcard request accepts any replying address
    assert d.decode_read_response(frame, "00010000", address=d.WILDCARD_ADDRESS).values


# ---------------------------------------------------------------- stream framing


def test_find_frame_resynchronises_on_noise_and_splits() -> None:
    stream = b"\x00\x68\x11" + h(PAIR_REQ) + h(VOLTAGE_REPLY)
    frame, end = d.find_frame(stream)
    assert frame is not None and frame.control == 0x11
    frame2, end2 = d.find_frame(stream[end:])
    assert frame2 is not None and frame2.control == 0x91 and end + end2 == len(stream)
    partial = h(PAIR_REPLY)[:-3]
    assert d.find_frame(b"\xfe\xfe" + partial) == (None, 2)
    assert d.find_frame(b"\xfe\xfe") == (None, 2)


# ---------------------------------------------------------------- values


def test_signed_values_and_formats() -> None:
    cur = d.lookup_format("02020100")
    assert cur.signed and cur.decimals == 3
    raw = d.encode_values("02020100", [Decimal("-1.234")])
    assert raw == h("34 12 80")
    assert d.decode_values("02020100", raw) == (Decimal("-1.234"),)
    assert d.decode_values("02030000", h("56 34 92")) == (Decimal("-12.3456"),)
    assert d.decode_values("02060000", h("00 10")) == (Decimal("1.000"),)
    assert d.decode_values("02800002", h("00 50")) == (Decimal("50.00"),)
    assert d.decode_values("04000101", h("02 24 11 26")) == ("2026-11-24",)
    assert d.decode_values("04000102", h("30 15 10")) == ("10:15:30",)
    assert d.decode_values("04000401", h("12 90 78 56 34 12")) == ("123456789012",)
    with pytest.raises(d.FrameError):
        d.decode_values("00010000", h("1A 00 00 00"))  # not BCD
    with pytest.raises(d.FrameError):
        d.decode_values("00010000", h("00 00 00"))  # wrong length
    with pytest.raises(KeyError):
        d.lookup_format("EEEEEEEE")
    with pytest.raises(ValueError):
        d.encode_values("02030000", [Decimal("80.0000")])  # outside ±79.9999


def test_di_table_covers_protocols_3_2() -> None:
    for di in (
        "00000000", "00010000", "00010100", "00010400", "0001FF00", "00020000", "00030000",
        "00040000", "00010001", "0001000C", "02010100", "02010300", "0201FF00", "02020100",
        "02020300", "02030000", "02030300", "02040000", "02050000", "02060000", "02800002",
        "02800004", "04000101", "04000102", "04000401", "04000402", "05060001", "05060101",
    ):  # fmt: skip
        assert d.lookup_format(di)


def test_addresses_and_broadcast() -> None:
    assert d.encode_address("123456789012") == h("12 90 78 56 34 12")
    assert d.decode_address(h("12 90 78 56 34 12")) == "123456789012"
    for bad in ("12345678901", "12345678901A", "abc"):
        with pytest.raises(ValueError):
            d.encode_address(bad)
    sync = d.build_time_sync(datetime(2026, 11, 24, 13, 5, 9), preamble=0)
    frame = d.parse_frame(sync)
    assert frame.address == d.BROADCAST_ADDRESS and frame.control == 0x08
    assert frame.data == h("09 05 13 24 11 26")


def test_parse_di_forms() -> None:
    assert d.parse_di("00 01 00 00") == d.parse_di("0x00010000") == 0x00010000
    assert d.di_bytes(0x0201FF00) == h("00 FF 01 02")
    with pytest.raises(ValueError):
        d.parse_di("0001")


@given(
    st.sampled_from(sorted(k for k, f in d.DI_FORMATS.items() if f.kind == "decimal")),
    st.data(),
)
def test_decimal_roundtrip(di: int, data: st.DataObject) -> None:
    fmt = d.DI_FORMATS[di]
    limit = 10 ** (fmt.size * 2) - 1
    if fmt.signed:
        limit = 8 * 10 ** (fmt.size * 2 - 1) - 1
    ints = data.draw(
        st.lists(
            st.integers(-limit if fmt.signed else 0, limit), min_size=fmt.count, max_size=fmt.count
        )
    )
    values = tuple(Decimal(i).scaleb(-fmt.decimals) for i in ints)
    frame = d.parse_frame(d.build_read_response("123456789012", di, values))
    assert d.decode_read_response(frame, di).values == values
