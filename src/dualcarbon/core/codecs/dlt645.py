"""DL/T 645-2007 frame codec (multi-function electricity meters), pure — no I/O.

Frame (protocols.md §3.1)::

    [FE × 0–4]  68  A0..A5  68  C  L  DATA(+0x33 each)  CS  16

* address: 12 BCD digits, least-significant byte first (``123456789012`` → ``12 90 78 56 34 12``);
  ``AAAAAAAAAAAA`` is the wildcard, ``999999999999`` the broadcast address (no reply);
* C: D7 direction (1 = meter → master), D6 abnormal reply, D5 follow-up frame, D4–D0 function;
* DATA: every byte +0x33 (mod 256) on the wire; a read carries DI0 DI1 DI2 DI3 (DI0 first);
* CS: sum of all bytes from the first ``68`` through DATA, mod 256 (preamble excluded).

Values are packed BCD, least-significant byte first, with the implied decimals of the DI's format
(:data:`DI_FORMATS`, protocols.md §3.2). Signed quantities use the top bit of the most significant
byte as the sign. A field of ``FF`` bytes means "not supported" and decodes to ``None``.

``build_time_sync`` follows the common ``ss mm hh DD MM YY`` order, which protocols.md marks
unverified [M]: try it on a real meter before enabling broadcast time sync.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import IntEnum
from typing import Final

__all__ = [
    "BROADCAST_ADDRESS",
    "DI_FORMATS",
    "WILDCARD_ADDRESS",
    "Control",
    "DIFormat",
    "DLT645Error",
    "Frame",
    "FrameError",
    "MeterError",
    "ReadResponse",
    "ResponseMismatch",
    "Value",
    "build_error_response",
    "build_frame",
    "build_read",
    "build_read_address",
    "build_read_response",
    "build_time_sync",
    "checksum",
    "decode_address",
    "decode_read_response",
    "decode_values",
    "di_bytes",
    "encode_address",
    "encode_values",
    "find_frame",
    "format_di",
    "lookup_format",
    "parse_di",
    "parse_frame",
]

START: Final = 0x68
END: Final = 0x16
PREAMBLE_BYTE: Final = 0xFE
OFFSET: Final = 0x33
BROADCAST_ADDRESS: Final = "999999999999"
WILDCARD_ADDRESS: Final = "AAAAAAAAAAAA"
MAX_DATA_LEN: Final = 255

Value = Decimal | str | None


class Control(IntEnum):
    """Function codes (D4–D0) of the control byte, master → meter."""

    BROADCAST_TIME = 0x08
    READ = 0x11
    READ_FOLLOWUP = 0x12
    READ_ADDRESS = 0x13
    WRITE = 0x14
    WRITE_ADDRESS = 0x15
    FREEZE = 0x16
    CHANGE_BAUD = 0x17
    CHANGE_PASSWORD = 0x18
    CLEAR_DEMAND = 0x19
    CLEAR_METER = 0x1A
    CLEAR_EVENTS = 0x1B


RESPONSE_BIT: Final = 0x80
ABNORMAL_BIT: Final = 0x40
FOLLOWUP_BIT: Final = 0x20

ERROR_BITS: Final = (
    "other error",
    "no requested data",
    "password error or unauthorised",
    "baud rate cannot be changed",
    "too many annual time zones",
    "too many daily time slots",
    "too many tariffs",
)


class DLT645Error(Exception):
    """Base of every DL/T 645 codec error."""


class FrameError(DLT645Error):
    """The bytes are not a well-formed frame (start, length, checksum, end)."""


class ResponseMismatch(DLT645Error):
    """A well-formed reply that does not answer the request (address, control or DI)."""


class MeterError(DLT645Error):
    """Abnormal reply (C | 0xC0, e.g. ``D1``) carrying the meter's error word."""

    def __init__(self, address: str, control: int, error_word: int) -> None:
        self.address = address
        self.control = control
        self.error_word = error_word
        self.reasons = tuple(r for bit, r in enumerate(ERROR_BITS) if error_word >> bit & 1)
        text = ", ".join(self.reasons) or "unspecified"
        super().__init__(f"meter {address} error {error_word:#04x}: {text}")


# --------------------------------------------------------------------------- addresses & DIs


def encode_address(address: str) -> bytes:
    """12 BCD digits (or the wildcard) → 6 bytes, least-significant byte first."""
    text = address.strip().replace(" ", "").upper()
    if len(text) != 12 or not (text.isdigit() or text == WILDCARD_ADDRESS):
        raise ValueError(f"meter address must be 12 decimal digits, got {address!r}")
    return bytes.fromhex(text)[::-1]


def decode_address(raw: bytes) -> str:
    if len(raw) != 6:
        raise ValueError("an address is 6 bytes")
    return raw[::-1].hex().upper()


def parse_di(di: int | str) -> int:
    """``0x00010000``, ``"00010000"``, ``"00 01 00 00"`` or ``"0x00010000"`` → int (DI3 first)."""
    if isinstance(di, int):
        value = di
    else:
        text = di.strip().replace(" ", "").replace("_", "").lower().removeprefix("0x")
        if len(text) != 8:
            raise ValueError(f"a DI has 8 hex digits (DI3 DI2 DI1 DI0), got {di!r}")
        value = int(text, 16)
    if not 0 <= value <= 0xFFFFFFFF:
        raise ValueError(f"DI out of range: {di!r}")
    return value


def format_di(di: int) -> str:
    return f"{di:08X}"


def di_bytes(di: int) -> bytes:
    """DI as transmitted before scrambling: DI0 DI1 DI2 DI3."""
    return parse_di(di).to_bytes(4, "little")


# --------------------------------------------------------------------------- frames


def checksum(data: bytes) -> int:
    return sum(data) & 0xFF


def _scramble(data: bytes) -> bytes:
    return bytes((b + OFFSET) & 0xFF for b in data)


def _descramble(data: bytes) -> bytes:
    return bytes((b - OFFSET) & 0xFF for b in data)


@dataclass(frozen=True, slots=True)
class Frame:
    """A decoded frame; ``data`` is already de-scrambled (−0x33)."""

    address: str
    control: int
    data: bytes

    @property
    def is_response(self) -> bool:
        return bool(self.control & RESPONSE_BIT)

    @property
    def is_abnormal(self) -> bool:
        return self.is_response and bool(self.control & ABNORMAL_BIT)

    @property
    def has_followup(self) -> bool:
        return bool(self.control & FOLLOWUP_BIT)

    @property
    def function(self) -> int:
        return self.control & 0x1F


def build_frame(address: str, control: int, data: bytes = b"", *, preamble: int = 4) -> bytes:
    """Frame bytes; ``data`` is given plain and scrambled here (+0x33)."""
    if len(data) > MAX_DATA_LEN:
        raise ValueError("DATA longer than 255 bytes")
    if not 0 <= control <= 0xFF or not 0 <= preamble <= 4:
        raise ValueError("control must be a byte and the preamble 0–4 bytes")
    body = (
        bytes([START])
        + encode_address(address)
        + bytes([START, control, len(data)])
        + _scramble(data)
    )
    return bytes([PREAMBLE_BYTE]) * preamble + body + bytes([checksum(body), END])


def build_read(address: str, di: int | str, *, preamble: int = 4) -> bytes:
    """Read-data request (C = 0x11) for one DI."""
    return build_frame(address, Control.READ, di_bytes(parse_di(di)), preamble=preamble)


def build_read_address(*, preamble: int = 1) -> bytes:
    """Read-address request to the wildcard address (point-to-point links only)."""
    return build_frame(WILDCARD_ADDRESS, Control.READ_ADDRESS, preamble=preamble)


def build_time_sync(when: datetime, *, preamble: int = 4) -> bytes:
    """Broadcast time sync (C = 0x08 to 999999999999, no reply). Byte order is [M]: verify first."""
    digits = when.strftime("%S%M%H%d%m%y")
    return build_frame(
        BROADCAST_ADDRESS, Control.BROADCAST_TIME, bytes.fromhex(digits), preamble=preamble
    )


def _parse_at(buf: bytes, i: int) -> tuple[Frame | None, int, str]:
    """Try a frame starting at ``buf[i] == 0x68``. Returns (frame, end, error); frame None and
    error "" means "incomplete, wait for more bytes"."""
    if len(buf) - i < 10:
        return None, i, ""
    if buf[i + 7] != START:
        return None, i, "second 0x68 missing at offset 7"
    length = buf[i + 9]
    end = i + 12 + length
    if len(buf) < end:
        return None, i, ""
    if buf[end - 1] != END:
        return None, i, f"end byte {buf[end - 1]:#04x} is not 0x16"
    cs = checksum(buf[i : end - 2])
    if buf[end - 2] != cs:
        return None, i, f"checksum {buf[end - 2]:#04x} != computed {cs:#04x}"
    frame = Frame(
        address=decode_address(buf[i + 1 : i + 7]),
        control=buf[i + 8],
        data=_descramble(buf[i + 10 : i + 10 + length]),
    )
    return frame, end, ""


def find_frame(buf: bytes) -> tuple[Frame | None, int]:
    """Stream resynchronisation: the first valid frame in ``buf`` and the index just after it.

    If none is complete yet, returns ``(None, n)`` where ``buf[:n]`` is garbage that can be
    dropped (preamble, noise, corrupt frames) and the rest may still become a frame.
    """
    i = 0
    while True:
        i = buf.find(START, i)
        if i < 0:
            return None, len(buf)
        frame, end, error = _parse_at(buf, i)
        if frame is not None:
            return frame, end
        if not error:  # incomplete
            return None, i
        i += 1


def parse_frame(raw: bytes) -> Frame:
    """Parse exactly one frame (optional FE preamble); raise :class:`FrameError` with the reason."""
    i = 0
    while i < len(raw) and raw[i] == PREAMBLE_BYTE:
        i += 1
    if i >= len(raw) or raw[i] != START:
        raise FrameError("frame does not start with 0x68")
    frame, end, error = _parse_at(raw, i)
    if frame is None:
        raise FrameError(error or "frame is incomplete")
    if end != len(raw):
        raise FrameError(f"{len(raw) - end} trailing bytes after the frame")
    return frame


# --------------------------------------------------------------------------- value formats


@dataclass(frozen=True, slots=True)
class DIFormat:
    """Layout of a DI's value: ``count`` fields of ``size`` BCD bytes each."""

    name: str
    unit: str
    size: int
    decimals: int = 0
    count: int = 1
    signed: bool = False
    kind: str = "decimal"  # decimal | date | time | datetime | digits


def _table() -> dict[int, DIFormat]:
    t: dict[int, DIFormat] = {}
    energy = {0x00: ("combined active", "kWh"), 0x01: ("forward active", "kWh")}
    energy |= {0x02: ("reverse active", "kWh"), 0x03: ("combined reactive 1", "kvarh")}
    energy |= {0x04: ("combined reactive 2", "kvarh")}
    for kind, (name, unit) in energy.items():
        t[kind << 16] = DIFormat(f"{name} energy, total", unit, 4, 2)
        for tariff in range(1, 5):
            t[kind << 16 | tariff << 8] = DIFormat(f"{name} energy, tariff {tariff}", unit, 4, 2)
        t[kind << 16 | 0xFF00] = DIFormat(f"{name} energy, total + T1..T4", unit, 4, 2, 5)
        for day in range(1, 13):
            t[kind << 16 | day] = DIFormat(
                f"{name} energy, total, settlement day -{day}", unit, 4, 2
            )
    for phase in (1, 2, 3):
        t[0x02010000 | phase << 8] = DIFormat(f"voltage phase {'ABC'[phase - 1]}", "V", 2, 1)
        t[0x02020000 | phase << 8] = DIFormat(
            f"current phase {'ABC'[phase - 1]}", "A", 3, 3, signed=True
        )
    t[0x0201FF00] = DIFormat("voltage A/B/C", "V", 2, 1, 3)
    t[0x0202FF00] = DIFormat("current A/B/C", "A", 3, 3, 3, signed=True)
    powers = {0x0203: ("active power", "kW"), 0x0204: ("reactive power", "kvar")}
    for prefix, (name, unit) in powers.items():
        for phase, label in enumerate(("total", "phase A", "phase B", "phase C")):
            t[prefix << 16 | phase << 8] = DIFormat(f"{name}, {label}", unit, 3, 4, signed=True)
        t[prefix << 16 | 0xFF00] = DIFormat(f"{name}, total + A/B/C", unit, 3, 4, 4, signed=True)
    for phase, label in enumerate(("total", "phase A", "phase B", "phase C")):
        t[0x02050000 | phase << 8] = DIFormat(f"apparent power, {label}", "kVA", 3, 4)
        t[0x02060000 | phase << 8] = DIFormat(f"power factor, {label}", "", 2, 3, signed=True)
    t[0x02800002] = DIFormat("grid frequency", "Hz", 2, 2)
    t[0x02800004] = DIFormat("current active demand", "kW", 3, 4)
    t[0x04000101] = DIFormat("date", "", 4, kind="date")
    t[0x04000102] = DIFormat("time", "", 3, kind="time")
    t[0x04000401] = DIFormat("communication address", "", 6, kind="digits")
    t[0x04000402] = DIFormat("meter number", "", 6, kind="digits")
    t[0x05060001] = DIFormat("last daily freeze time [M]", "", 5, kind="datetime")
    t[0x05060101] = DIFormat("last daily freeze forward active, total + T1..T4 [M]", "kWh", 4, 2, 5)
    return t


DI_FORMATS: Final[dict[int, DIFormat]] = _table()


def lookup_format(di: int | str) -> DIFormat:
    key = parse_di(di)
    try:
        return DI_FORMATS[key]
    except KeyError:
        raise KeyError(f"DI {format_di(key)} is not in the DL/T 645 format table") from None


def _bcd_digits(field: bytes) -> str:
    text = field[::-1].hex()
    if not text.isdigit():
        raise FrameError(f"not BCD: {field[::-1].hex().upper()}")
    return text


def _decode_field(fmt: DIFormat, field: bytes) -> Value:
    if all(b == 0xFF for b in field):
        return None
    if fmt.kind == "decimal":
        negative = False
        if fmt.signed and field[-1] & 0x80:
            negative = True
            field = field[:-1] + bytes([field[-1] & 0x7F])
        value = Decimal(int(_bcd_digits(field))).scaleb(-fmt.decimals)
        return -value if negative else value
    digits = _bcd_digits(field)
    if fmt.kind == "digits":
        return digits
    if fmt.kind == "date":  # YYMMDDWW
        return f"20{digits[0:2]}-{digits[2:4]}-{digits[4:6]}"
    if fmt.kind == "time":  # hhmmss
        return f"{digits[0:2]}:{digits[2:4]}:{digits[4:6]}"
    if fmt.kind == "datetime":  # YYMMDDhhmm
        return f"20{digits[0:2]}-{digits[2:4]}-{digits[4:6]}T{digits[6:8]}:{digits[8:10]}"
    raise ValueError(f"unknown value kind {fmt.kind!r}")


def decode_values(di: int | str, data: bytes) -> tuple[Value, ...]:
    """De-scrambled value bytes (after the DI) → one value per field of the DI's format."""
    fmt = lookup_format(di)
    if len(data) != fmt.size * fmt.count:
        need = fmt.size * fmt.count
        raise FrameError(f"DI {format_di(parse_di(di))} needs {need} value bytes, got {len(data)}")
    return tuple(
        _decode_field(fmt, data[k * fmt.size : (k + 1) * fmt.size]) for k in range(fmt.count)
    )


def _encode_field(fmt: DIFormat, value: Value) -> bytes:
    if value is None:
        return b"\xff" * fmt.size
    if fmt.kind == "decimal":
        number = Decimal(value).scaleb(fmt.decimals)
        if number != number.to_integral_value():
            raise ValueError(f"{value} has more than {fmt.decimals} decimals")
        magnitude = abs(int(number))
        digits = f"{magnitude:0{fmt.size * 2}d}"
        if len(digits) > fmt.size * 2 or (fmt.signed and digits[0] >= "8"):
            raise ValueError(f"{value} does not fit {fmt.size} BCD bytes")
        raw = bytearray(bytes.fromhex(digits)[::-1])
        if fmt.signed and number < 0:
            raw[-1] |= 0x80
        return bytes(raw)
    text = str(value).replace("-", "").replace(":", "").replace("T", "")
    if fmt.kind in ("date", "datetime"):
        text = text[2:]
    if fmt.kind == "date" and len(text) == 6:
        text += "00"  # weekday unknown
    if len(text) != fmt.size * 2 or not text.isdigit():
        raise ValueError(f"{value!r} does not fit a {fmt.kind} field")
    return bytes.fromhex(text)[::-1]


def encode_values(di: int | str, values: tuple[Value, ...] | list[Value]) -> bytes:
    """Inverse of :func:`decode_values` (used by responders and simulators)."""
    fmt = lookup_format(di)
    if len(values) != fmt.count:
        raise ValueError(f"DI {format_di(parse_di(di))} carries {fmt.count} values")
    return b"".join(_encode_field(fmt, v) for v in values)


# --------------------------------------------------------------------------- read replies


@dataclass(frozen=True, slots=True)
class ReadResponse:
    address: str
    di: int
    values: tuple[Value, ...]
    format: DIFormat
    followup: bool = False


def decode_read_response(
    frame: Frame, di: int | str | None = None, *, address: str | None = None
) -> ReadResponse:
    """Check a reply against the request and decode it.

    Raises :class:`MeterError` for an abnormal reply (``D1``) and :class:`ResponseMismatch` when
    the reply's address (unless the request used the wildcard), control code or DI do not match.
    """
    wildcard = address is None or address.upper() == WILDCARD_ADDRESS
    if not wildcard and frame.address != address:
        raise ResponseMismatch(f"reply from {frame.address}, expected {address}")
    if frame.is_abnormal and frame.function == Control.READ:
        if len(frame.data) < 1:
            raise FrameError("abnormal reply without an error word")
        raise MeterError(frame.address, frame.control, frame.data[0])
    if not frame.is_response or frame.function != Control.READ or frame.is_abnormal:
        raise ResponseMismatch(f"control {frame.control:#04x} is not a read reply (0x91)")
    if len(frame.data) < 4:
        raise FrameError("read reply without a DI")
    got = int.from_bytes(frame.data[:4], "little")
    if di is not None and got != parse_di(di):
        raise ResponseMismatch(f"reply for DI {format_di(got)}, expected {format_di(parse_di(di))}")
    return ReadResponse(
        address=frame.address,
        di=got,
        values=decode_values(got, frame.data[4:]),
        format=lookup_format(got),
        followup=frame.has_followup,
    )


def build_read_response(
    address: str, di: int | str, values: tuple[Value, ...] | list[Value], *, preamble: int = 0
) -> bytes:
    """Normal read reply (C = 0x91), as a meter sends it."""
    key = parse_di(di)
    data = di_bytes(key) + encode_values(key, values)
    return build_frame(address, Control.READ | RESPONSE_BIT, data, preamble=preamble)


def build_error_response(
    address: str, error_word: int, *, control: int = Control.READ, preamble: int = 0
) -> bytes:
    """Abnormal reply (C | 0xC0) with a one-byte error word."""
    return build_frame(
        address,
        control | RESPONSE_BIT | ABNORMAL_BIT,
        bytes([error_word & 0xFF]),
        preamble=preamble,
    )
