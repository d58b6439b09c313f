"""HJ 212-2017 packet codec (污染物在线监控（监测）系统数据传输标准), pure — no I/O.

Packet (protocols.md §1.1)::

    ##  LLLL  <data segment>  CCCC  \\r\\n

* ``LLLL``: decimal byte count of the data segment (UTF-8 bytes; the standard says ASCII chars);
* ``CCCC``: the Annex A "CRC16" of the data segment, hex, compared case-insensitively. It is not a
  catalogued CRC (shift first, then XOR) and takes only 256 values: a frame check, not integrity;
* data segment: ``QN=…;ST=..;CN=....;PW=......;MN=…;Flag=n;[PNUM=n;PNO=n;]CP=&&…&&``. QN and Flag
  may be missing (legacy senders); the CP area holds ``;``-separated items of ``,``-separated
  ``key=value`` fields, factor fields named ``<factor>-<Suffix>`` (``a05001-Rtd``).

:class:`Framer` splits a TCP byte stream into frames (sticky/split packets, garbage resync, length
and tail checks, §1.10 rule 1); :func:`decode` validates the CRC and parses a frame; the
``build_*`` functions write packets and the standard replies (9011/9012/9013/9014, history
requests with BeginTime/EndTime, set time 1012).

Values are kept as the exact strings read (significant digits, 8.2); :meth:`CpData.decimal`
converts one. ``DataTime`` carries no time zone: it is returned naive (local time of the site).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import IntEnum
from typing import Final

__all__ = [
    "DATA_CNS",
    "HEADER",
    "LEGACY_GAS_CODES",
    "TRAILER",
    "Cn",
    "CpData",
    "CrcError",
    "ExeRtn",
    "FrameError",
    "Framer",
    "HJ212Error",
    "Packet",
    "PacketError",
    "QnRtn",
    "RawFrame",
    "build_data_ack",
    "build_exe_result",
    "build_frame",
    "build_history_request",
    "build_notify_reply",
    "build_packet",
    "build_request_reply",
    "build_set_time",
    "crc16",
    "decode",
    "encode",
    "format_cp",
    "format_qn",
    "format_time",
    "make_flag",
    "parse_segment",
    "parse_time",
]

HEADER: Final = b"##"
TRAILER: Final = b"\r\n"
MAX_LEN: Final = 9999
STANDARD_MAX_LEN: Final = 1024
ST_SYSTEM: Final = "91"
VERSION_2017: Final = 1


class Cn(IntEnum):
    """Command codes we act on (表 9)."""

    SET_TIME = 1012
    TIME_CALIBRATION_REQUEST = 1013
    REALTIME = 2011
    STOP_REALTIME = 2012
    DAY = 2031
    MINUTE = 2051
    HOUR = 2061
    RESTART_TIME = 2081
    REQUEST_REPLY = 9011
    EXECUTION_RESULT = 9012
    NOTIFY_REPLY = 9013
    DATA_ACK = 9014


DATA_CNS: Final = frozenset({Cn.REALTIME, Cn.DAY, Cn.MINUTE, Cn.HOUR})


class QnRtn(IntEnum):
    """9011 request-reply codes (表 7)."""

    READY = 1
    REJECTED = 2
    PW_ERROR = 3
    MN_ERROR = 4
    ST_ERROR = 5
    FLAG_ERROR = 6
    QN_ERROR = 7
    CN_ERROR = 8
    CRC_ERROR = 9
    UNKNOWN = 100


class ExeRtn(IntEnum):
    """9012 execution-result codes (表 6)."""

    SUCCESS = 1
    FAILED = 2
    BAD_CONDITIONS = 3
    TIMEOUT = 4
    BUSY = 5
    SYSTEM_FAULT = 6
    NO_DATA = 100


# HJ/T 212-2005 gas factor codes → 2017 codes (附录 B 表 B.2 "原编码"), for legacy loggers.
LEGACY_GAS_CODES: Final[Mapping[str, str]] = {
    "B02": "a00000", "S01": "a19001", "S02": "a01011", "S03": "a01012", "S04": "a01017",
    "S05": "a01014", "S06": "a01015", "S07": "a01016", "S08": "a01013", "30": "a05001",
    "01": "a34013", "02": "a21026", "03": "a21002", "04": "a21005", "B01": "w00000",
}


class HJ212Error(Exception):
    """Base of every HJ 212 codec error."""


class FrameError(HJ212Error):
    """Bytes that are not a frame (header, length, tail)."""


class CrcError(HJ212Error):
    """A well-framed packet whose CRC does not match its data segment."""

    def __init__(self, expected: int, got: str) -> None:
        super().__init__(f"CRC mismatch: computed {expected:04X}, packet says {got}")
        self.expected = expected
        self.got = got


class PacketError(HJ212Error):
    """A frame with a valid CRC whose data segment does not parse."""


# --------------------------------------------------------------------------- CRC (附录 A)


def _crc_table() -> tuple[int, ...]:
    out = []
    for v in range(256):
        crc = v
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        out.append(crc)
    return tuple(out)


_CRC_TABLE: Final = _crc_table()


def crc16(data: bytes) -> int:
    """HJ 212-2017 Annex A check value: per byte ``crc = (crc >> 8) ^ b`` then 8 shifts with
    polynomial 0xA001. ``(crc >> 8) ^ b`` is one byte, so the result is a 256-entry table lookup
    (and the check takes only 256 values, protocols.md §1.8)."""
    crc = 0xFFFF
    for b in data:
        crc = _CRC_TABLE[(crc >> 8) ^ b]
    return crc


# --------------------------------------------------------------------------- time


def parse_time(text: str) -> datetime:
    """``YYYYMMDDhhmmss`` (N14), leniently also with milliseconds (17 digits)."""
    t = text.strip()
    if not t.isdigit() or len(t) not in (14, 17):
        raise PacketError(f"bad time {text!r}")
    try:
        dt = datetime.strptime(t[:14], "%Y%m%d%H%M%S")  # site local time, naive
    except ValueError as exc:
        raise PacketError(f"bad time {text!r}") from exc
    if len(t) == 17:
        dt = dt.replace(microsecond=int(t[14:]) * 1000)
    return dt


def format_time(dt: datetime) -> str:
    return dt.strftime("%Y%m%d%H%M%S")


def format_qn(dt: datetime) -> str:
    return dt.strftime("%Y%m%d%H%M%S") + f"{dt.microsecond // 1000:03d}"


# --------------------------------------------------------------------------- data model


@dataclass(frozen=True, slots=True)
class CpData:
    """The CP area. ``fields`` holds plain fields (DataTime, BeginTime, QnRtn …); ``factors``
    maps a factor code to its suffixed values (``{"a05001": {"Rtd": "11.82", "Flag": "N"}}``),
    in packet order, as the exact strings sent."""

    fields: Mapping[str, str] = field(default_factory=dict)
    factors: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @property
    def data_time(self) -> datetime | None:
        raw = self.fields.get("DataTime")
        return parse_time(raw) if raw else None

    def time(self, name: str) -> datetime | None:
        raw = self.fields.get(name)
        return parse_time(raw) if raw else None

    def decimal(self, factor: str, suffix: str) -> Decimal | None:
        raw = self.factors.get(factor, {}).get(suffix)
        if raw is None or raw == "":
            return None
        try:
            value = Decimal(raw)
        except InvalidOperation as exc:
            raise PacketError(f"{factor}-{suffix}: not a number: {raw!r}") from exc
        if not value.is_finite():
            raise PacketError(f"{factor}-{suffix}: not a number: {raw!r}")
        return value


@dataclass(frozen=True, slots=True)
class Packet:
    """A parsed data segment. Missing header fields are ``None``."""

    qn: str | None
    st: str | None
    cn: int
    pw: str | None
    mn: str
    flag: int | None
    cp: CpData
    pnum: int | None = None
    pno: int | None = None

    @property
    def version(self) -> int | None:
        """1 = HJ 212-2017, 0 = HJ/T 212-2005; ``None`` when Flag is absent."""
        return None if self.flag is None else self.flag >> 2

    @property
    def needs_ack(self) -> bool:
        """Flag bit A: the receiver must answer (uploads: with 9014)."""
        return self.flag is not None and bool(self.flag & 1)

    @property
    def is_split(self) -> bool:
        """Flag bit D: one of several sub-packets (PNUM/PNO present)."""
        return self.flag is not None and bool(self.flag & 2)

    @property
    def is_data(self) -> bool:
        return self.cn in DATA_CNS


def make_flag(*, ack: bool, split: bool = False, version: int = VERSION_2017) -> int:
    return (version << 2) | (int(split) << 1) | int(ack)


# --------------------------------------------------------------------------- parsing


_HEADER_KEYS: Final = ("QN", "ST", "CN", "PW", "MN", "Flag", "PNUM", "PNO")


def _parse_cp(body: str) -> CpData:
    fields: dict[str, str] = {}
    factors: dict[str, dict[str, str]] = {}
    for item in body.split(";"):
        for part in item.split(","):
            part = part.strip()
            if not part:
                continue
            key, sep, value = part.partition("=")
            if not sep or not key:
                raise PacketError(f"CP field without '=': {part!r}")
            code, dash, suffix = key.rpartition("-")
            if dash and code and suffix:
                factors.setdefault(code, {})[suffix] = value
            else:
                fields[key] = value
    return CpData(fields, factors)


def parse_segment(segment: str) -> Packet:
    """Parse a data segment (no header, length, CRC or trailer): tokenise the header on ``;`` up
    to ``CP=``, then take CP from the first ``&&`` to the last ``&&`` (§1.10 rule 3)."""
    cp_at = segment.find("CP=&&")
    if cp_at < 0:
        raise PacketError("no CP=&& in data segment")
    end = segment.rfind("&&")
    if end < cp_at + 5:
        raise PacketError("CP area not closed with &&")
    if segment[end + 2:].strip():
        raise PacketError("text after the CP area")
    head: dict[str, str] = {}
    for token in segment[:cp_at].split(";"):
        if not token:
            continue
        key, sep, value = token.partition("=")
        if not sep:
            raise PacketError(f"header token without '=': {token!r}")
        if key in head:
            raise PacketError(f"duplicate header field {key}")
        head[key] = value
    unknown = set(head) - set(_HEADER_KEYS)
    if unknown:
        raise PacketError(f"unknown header field(s): {', '.join(sorted(unknown))}")
    cn_raw, mn = head.get("CN"), head.get("MN")
    if not cn_raw or not cn_raw.isdigit() or len(cn_raw) != 4:
        raise PacketError(f"bad CN {cn_raw!r}")
    if not mn:
        raise PacketError("missing MN")

    def _int(name: str, lo: int, hi: int) -> int | None:
        raw = head.get(name)
        if raw is None:
            return None
        if not raw.isdigit() or not lo <= int(raw) <= hi:
            raise PacketError(f"bad {name} {raw!r}")
        return int(raw)

    flag = _int("Flag", 0, 255)
    pnum, pno = _int("PNUM", 1, 9999), _int("PNO", 1, 9999)
    if (pnum is None) != (pno is None):
        raise PacketError("PNUM and PNO go together")
    if pnum is not None and pno is not None and pno > pnum:
        raise PacketError(f"PNO {pno} > PNUM {pnum}")
    return Packet(
        qn=head.get("QN"), st=head.get("ST"), cn=int(cn_raw), pw=head.get("PW"), mn=mn,
        flag=flag, cp=_parse_cp(segment[cp_at + 5:end]), pnum=pnum, pno=pno,
    )


@dataclass(frozen=True, slots=True)
class RawFrame:
    """One frame cut from the stream: the whole packet bytes and its data segment."""

    raw: bytes
    segment: bytes
    crc_text: str

    @property
    def crc_ok(self) -> bool:
        try:
            return int(self.crc_text, 16) == crc16(self.segment)
        except ValueError:
            return False


def decode(frame: bytes | RawFrame) -> Packet:
    """Check a complete packet (header, length, tail, CRC) and parse it."""
    rf = frame if isinstance(frame, RawFrame) else _cut(frame)
    if not rf.crc_ok:
        raise CrcError(crc16(rf.segment), rf.crc_text)
    try:
        text = rf.segment.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PacketError("data segment is not UTF-8") from exc
    return parse_segment(text)


def _cut(data: bytes) -> RawFrame:
    if not data.startswith(HEADER) or not data.endswith(TRAILER) or len(data) < 12:
        raise FrameError("a packet is ##LLLL…CCCC\\r\\n")
    length = data[2:6]
    if not length.isdigit():
        raise FrameError(f"bad length field {length!r}")
    n = int(length)
    if len(data) != 12 + n:
        raise FrameError(f"length field says {n}, data segment has {len(data) - 12}")
    return RawFrame(data, data[6:6 + n], data[6 + n:10 + n].decode("ascii", "replace"))


class Framer:
    """Cuts a byte stream into frames (§1.10 rule 1): scan for ``##``, read 4 digits, wait for
    ``6 + L + 6`` bytes, check the tail ``\\r\\n``; on a bad length or tail skip one byte and
    rescan. Feeds may split or join packets arbitrarily. CRC is *not* checked here (the caller
    decides what to do with a corrupt packet); ``skipped`` counts garbage bytes dropped."""

    def __init__(self, max_len: int = MAX_LEN) -> None:
        self.buf = bytearray()
        self.max_len = max_len
        self.skipped = 0
        self.oversized = 0

    def feed(self, data: bytes) -> list[RawFrame]:
        self.buf.extend(data)
        out: list[RawFrame] = []
        buf = self.buf
        while True:
            start = buf.find(HEADER)
            if start < 0:
                keep = 1 if buf.endswith(b"#") else 0
                self.skipped += len(buf) - keep
                del buf[: len(buf) - keep]
                break
            if start:
                self.skipped += start
                del buf[:start]
            if len(buf) < 6:
                break
            length = bytes(buf[2:6])
            if not length.isdigit() or int(length) > self.max_len:
                self.skipped += 1
                del buf[:1]
                continue
            n = int(length)
            total = 12 + n
            if len(buf) < total:
                break
            if bytes(buf[total - 2:total]) != TRAILER:
                self.skipped += 1
                del buf[:1]
                continue
            if n > STANDARD_MAX_LEN:
                self.oversized += 1
            raw = bytes(buf[:total])
            del buf[:total]
            out.append(RawFrame(raw, raw[6:6 + n], raw[6 + n:10 + n].decode("ascii", "replace")))
        return out


# --------------------------------------------------------------------------- building


def format_cp(
    fields: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    factors: Mapping[str, Mapping[str, str]] | None = None,
) -> str:
    """The text between ``CP=&&`` and ``&&``: plain fields joined by ``;``, then one ``;``-item
    per factor with its suffixed values joined by ``,``."""
    pairs = list(fields.items()) if isinstance(fields, Mapping) else list(fields)
    items = [f"{k}={v}" for k, v in pairs]
    for code, values in (factors or {}).items():
        items.append(",".join(f"{code}-{suffix}={v}" for suffix, v in values.items()))
    return ";".join(items)


def build_frame(segment: str) -> bytes:
    """Wrap a data segment: ``##`` + length + segment + CRC + CRLF."""
    body = segment.encode("utf-8")
    if len(body) > MAX_LEN:
        raise ValueError(f"data segment of {len(body)} bytes exceeds {MAX_LEN}")
    return b"%s%04d%s%04X\r\n" % (HEADER, len(body), body, crc16(body))


def build_packet(
    *,
    qn: str | None,
    st: str | None,
    cn: int,
    pw: str | None,
    mn: str,
    flag: int | None,
    cp: str = "",
    pnum: int | None = None,
    pno: int | None = None,
) -> bytes:
    head = [
        f"{k}={v}"
        for k, v in (("QN", qn), ("ST", st), ("CN", f"{cn:04d}"), ("PW", pw), ("MN", mn),
                     ("Flag", flag), ("PNUM", pnum), ("PNO", pno))
        if v is not None
    ]
    return build_frame(";".join([*head, f"CP=&&{cp}&&"]))


def encode(packet: Packet) -> bytes:
    """Inverse of :func:`decode` for a :class:`Packet`."""
    return build_packet(
        qn=packet.qn, st=packet.st, cn=packet.cn, pw=packet.pw, mn=packet.mn, flag=packet.flag,
        cp=format_cp(packet.cp.fields, packet.cp.factors), pnum=packet.pnum, pno=packet.pno,
    )


def _reply(to: Packet, cn: int, cp: str = "") -> bytes:
    return build_packet(qn=to.qn, st=ST_SYSTEM, cn=cn, pw=to.pw, mn=to.mn,
                        flag=make_flag(ack=False), cp=cp)


def build_data_ack(to: Packet) -> bytes:
    """9014 数据应答: same QN, ST=91, Flag=4, ``CP=&&&&``."""
    return _reply(to, Cn.DATA_ACK)


def build_request_reply(to: Packet, qn_rtn: int) -> bytes:
    """9011 请求应答 with ``QnRtn``."""
    return _reply(to, Cn.REQUEST_REPLY, f"QnRtn={int(qn_rtn)}")


def build_exe_result(to: Packet, exe_rtn: int) -> bytes:
    """9012 执行结果 with ``ExeRtn``."""
    return _reply(to, Cn.EXECUTION_RESULT, f"ExeRtn={int(exe_rtn)}")


def build_notify_reply(to: Packet) -> bytes:
    """9013 通知应答."""
    return _reply(to, Cn.NOTIFY_REPLY)


def build_history_request(
    *, qn: str, st: str, cn: int, pw: str, mn: str, begin: datetime, end: datetime,
) -> bytes:
    """Host → logger: replay minute (2051), hour (2061) or day (2031) data in [begin, end]
    (site local times), Flag=5 so the logger answers 9011 … data … 9012."""
    if cn not in (Cn.MINUTE, Cn.HOUR, Cn.DAY):
        raise ValueError(f"history is asked with CN 2051/2061/2031, not {cn}")
    if end < begin:
        raise ValueError("EndTime before BeginTime")
    return build_packet(qn=qn, st=st, cn=cn, pw=pw, mn=mn, flag=make_flag(ack=True),
                        cp=f"BeginTime={format_time(begin)};EndTime={format_time(end)}")


def build_set_time(*, qn: str, st: str, pw: str, mn: str, system_time: datetime) -> bytes:
    """Host → logger: CN 1012 set field time (``SystemTime``)."""
    return build_packet(qn=qn, st=st, cn=Cn.SET_TIME, pw=pw, mn=mn, flag=make_flag(ack=True),
                        cp=f"SystemTime={format_time(system_time)}")
