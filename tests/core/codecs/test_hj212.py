"""HJ 212-2017 codec: every test vector of protocols.md §1.9, framing of a byte stream, replies,
and a hypothesis round-trip property."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dualcarbon.core.codecs import hj212 as h

MN = "010000A8900016F000169DC0"

# (packet without CRLF, length, CRC as on the wire)
PUBLISHED = [
    ("##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;"
     "CP=&&RtdInterval=30&&1C80", 101, "1C80"),
    ("##0435QN=20210301111100112;ST=21;CN=2011;PW=123456;MN=ZLDSZ20210127;Flag=8;CP=&&"
     "DataTime=20210301111100;w01001-Rtd=8.33,w01001-Flag=N;w01009-Rtd=10.15,w01009-Flag=N;"
     "w01010-Rtd=9.7,w01010-Flag=N;w01014-Rtd=1425,w01014-Flag=N;w01003-Rtd=13.10,w01003-Flag=N;"
     "w21011-Rtd=0,w21011-Flag=N;w21001-Rtd=3.563168,w21001-Flag=N;w21003-Rtd=0.09055002,"
     "w21003-Flag=N;w01019-Rtd=4.102818,w01019-Flag=N;w01008-Rtd=0,w01008-Flag=N;"
     "w23002-Rtd=0,w23002-Flag=N&&7d00", 435, "7d00"),
    ("##0109ST=32;CN=2011;PW=123456;MN=NJGDKYYC202101q0001w0001;CP=&&"
     "DataTime=20210305003817000;ele01-Rtd=1;ele02-Rtd=0&&8c41", 109, "8c41"),
    ("##0178ST=32;CN=2011;PW=123456;MN=0873HHMZWSLH02;CP=&&DataTime=20160103133030;"
     "060-Rtd=3.0943,060-Flag=N;011-Rtd=18.0412,011-Flag=N;001-Rtd=8.2137,001-Flag=N;"
     "B01-Rtd=10.9890,B01-Flag=N&&a9c1", 178, "a9c1"),
]

RT_2011 = ("##0325QN=20240315103000123;ST=31;CN=2011;PW=123456;MN=010000A8900016F000169DC0;"
           "Flag=5;CP=&&DataTime=20240315103000;a05001-Rtd=11.82,a05001-Flag=N;a19001-Rtd=6.35,"
           "a19001-Flag=N;a01011-Rtd=12.41,a01011-Flag=N;a01012-Rtd=48.6,a01012-Flag=N;"
           "a01013-Rtd=-0.215,a01013-Flag=N;a01014-Rtd=8.7,a01014-Flag=N;a00000-Rtd=91.850,"
           "a00000-Flag=N&&BF41\r\n")
HOUR_2061 = ("##0342QN=20240315110000001;ST=31;CN=2061;PW=123456;MN=010000A8900016F000169DC0;"
             "Flag=5;CP=&&DataTime=20240315100000;a05001-Min=11.52,a05001-Avg=11.80,"
             "a05001-Max=12.07,a05001-Cou=76660.0,a05001-Flag=N;a00000-Min=89.72,"
             "a00000-Avg=91.850,a00000-Max=93.64,a00000-Cou=330661.3,a00000-Flag=N;"
             "a19001-Min=6.10,a19001-Avg=6.33,a19001-Max=6.61,a19001-Flag=N&&7EC0\r\n")
ACK_9014 = ("##0087QN=20240315110000001;ST=91;CN=9014;PW=123456;MN=010000A8900016F000169DC0;"
            "Flag=4;CP=&&&&3C00\r\n")
SPLIT_1_OF_2 = ("##0173QN=20240315110000002;ST=31;CN=2061;PW=123456;"
                "MN=010000A8900016F000169DC0;Flag=7;PNUM=2;PNO=1;CP=&&DataTime=20240315100000;"
                "a05001-Avg=11.80,a05001-Cou=76660.0,a05001-Flag=N&&3E80\r\n")
START_RT = ("##0087QN=20160801085857223;ST=32;CN=2011;PW=123456;MN=010000A8900016F000169DC0;"
            "Flag=5;CP=&&&&30C0\r\n")
REPLY_9011 = ("##0094QN=20160801085857223;ST=91;CN=9011;PW=123456;MN=010000A8900016F000169DC0;"
              "Flag=4;CP=&&QnRtn=1&&1B00\r\n")
REPLY_9012 = ("##0095QN=20160801085857223;ST=91;CN=9012;PW=123456;MN=010000A8900016F000169DC0;"
              "Flag=4;CP=&&ExeRtn=1&&6240\r\n")
HISTORY = ("##0134QN=20160801085857223;ST=32;CN=2061;PW=123456;MN=010000A8900016F000169DC0;"
           "Flag=5;CP=&&BeginTime=20160801080000;EndTime=20160801080000&&7EC0\r\n")
SET_TIME = ("##0112QN=20160801085857223;ST=32;CN=1012;PW=123456;MN=010000A8900016F000169DC0;"
            "Flag=5;CP=&&SystemTime=20160801085857&&6C00\r\n")

OURS = [RT_2011, HOUR_2061, ACK_9014, SPLIT_1_OF_2, START_RT, REPLY_9011, REPLY_9012, HISTORY,
        SET_TIME]


@pytest.mark.parametrize(("packet", "length", "crc"), PUBLISHED)
def test_published_packets_length_and_crc(packet: str, length: int, crc: str) -> None:
    segment = packet[6:-4].encode()
    assert int(packet[2:6]) == length == len(segment)
    assert h.crc16(segment) == int(crc, 16)
    parsed = h.decode((packet + "\r\n").encode())
    assert parsed.cn in (1062, 2011)


def test_standard_annex_a_example() -> None:
    p = h.decode((PUBLISHED[0][0] + "\r\n").encode())
    assert (p.qn, p.st, p.cn, p.pw, p.mn, p.flag) == ("20160801085857223", "32", 1062, "100000",
                                                      MN, 5)
    assert p.cp.fields == {"RtdInterval": "30"}
    assert p.needs_ack and not p.is_split and p.version == 1


def test_modbus_crc_is_not_hj212() -> None:
    seg = PUBLISHED[0][0][6:-4].encode()
    crc = 0xFFFF
    for b in seg:  # CRC-16/MODBUS for contrast
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    assert crc == 0x0759 != h.crc16(seg)


def test_crc_takes_only_256_values() -> None:
    import random

    rng = random.Random(212)
    values = {h.crc16(rng.randbytes(50)) for _ in range(6000)}
    assert len(values) == 256  # an 8-bit check in disguise (§1.8)
    assert h.crc16(b"") == 0xFFFF


@pytest.mark.parametrize("packet", OURS)
def test_our_vectors_rebuild_byte_exact(packet: str) -> None:
    raw = packet.encode()
    p = h.decode(raw)
    assert h.encode(p) == raw


def test_realtime_cems_packet() -> None:
    p = h.decode(RT_2011.encode())
    assert p.cn == h.Cn.REALTIME and p.st == "31" and p.is_data and p.needs_ack
    assert p.cp.data_time == datetime(2024, 3, 15, 10, 30)
    assert list(p.cp.factors) == ["a05001", "a19001", "a01011", "a01012", "a01013", "a01014",
                                  "a00000"]
    assert p.cp.factors["a01013"] == {"Rtd": "-0.215", "Flag": "N"}
    assert p.cp.decimal("a00000", "Rtd") == Decimal("91.850")
    assert str(p.cp.decimal("a00000", "Rtd")) == "91.850"  # significant digits kept
    assert p.cp.decimal("a05001", "Avg") is None


def test_hour_packet_and_its_ack() -> None:
    p = h.decode(HOUR_2061.encode())
    assert p.cn == h.Cn.HOUR
    assert p.cp.factors["a05001"] == {"Min": "11.52", "Avg": "11.80", "Max": "12.07",
                                      "Cou": "76660.0", "Flag": "N"}
    assert h.build_data_ack(p) == ACK_9014.encode()


def test_split_packet() -> None:
    p = h.decode(SPLIT_1_OF_2.encode())
    assert p.flag == 7 and p.is_split and p.needs_ack and (p.pnum, p.pno) == (2, 1)
    assert h.build_packet(qn=p.qn, st=p.st, cn=p.cn, pw=p.pw, mn=p.mn, flag=h.make_flag(
        ack=True, split=True), pnum=2, pno=1, cp=h.format_cp(
        {"DataTime": "20240315100000"},
        {"a05001": {"Avg": "11.80", "Cou": "76660.0", "Flag": "N"}})) == SPLIT_1_OF_2.encode()


def test_interaction_replies() -> None:
    req = h.decode(START_RT.encode())
    assert h.build_request_reply(req, h.QnRtn.READY) == REPLY_9011.encode()
    assert h.build_exe_result(req, h.ExeRtn.SUCCESS) == REPLY_9012.encode()
    assert h.decode(REPLY_9011.encode()).cp.fields == {"QnRtn": "1"}


def test_history_and_set_time_requests() -> None:
    common = {"qn": "20160801085857223", "st": "32", "pw": "123456", "mn": MN}
    t = datetime(2016, 8, 1, 8)
    assert h.build_history_request(cn=2061, begin=t, end=t, **common) == HISTORY.encode()
    assert h.build_set_time(system_time=datetime(2016, 8, 1, 8, 58, 57),
                            **common) == SET_TIME.encode()
    p = h.decode(HISTORY.encode())
    assert p.cp.time("BeginTime") == p.cp.time("EndTime") == t
    with pytest.raises(ValueError):
        h.build_history_request(cn=2011, begin=t, end=t, **common)


def test_legacy_packet_without_qn_and_flag() -> None:
    p = h.decode((PUBLISHED[3][0] + "\r\n").encode())
    assert p.qn is None and p.flag is None and not p.needs_ack and p.version is None
    assert h.LEGACY_GAS_CODES["B01"] == "w00000" and "B01" in p.cp.factors
    ms = h.decode((PUBLISHED[2][0] + "\r\n").encode())
    assert ms.cp.data_time == datetime(2021, 3, 5, 0, 38, 17)


def test_corrupt_crc_and_bad_frames() -> None:
    bad = RT_2011.replace("11.82", "11.83").encode()
    with pytest.raises(h.CrcError):
        h.decode(bad)
    with pytest.raises(h.FrameError):
        h.decode(RT_2011.encode()[:-1])
    with pytest.raises(h.FrameError):
        h.decode(b"##0999" + RT_2011.encode()[6:])
    with pytest.raises(h.PacketError):
        h.decode(h.build_frame("QN=1;ST=31;CN=20;MN=X;CP=&&&&"))
    with pytest.raises(h.PacketError):
        h.decode(h.build_frame("QN=1;ST=31;CN=2011;CP=&&&&"))
    with pytest.raises(h.PacketError):
        h.decode(h.build_frame("QN=1;ST=31;CN=2011;MN=X;Flag=7;PNUM=2;CP=&&&&"))
    with pytest.raises(h.PacketError):
        h.parse_time("20241315000000")


def test_lowercase_crc_accepted() -> None:
    raw = RT_2011.replace("BF41", "bf41").encode()
    assert h.decode(raw).cn == 2011


def test_cp_with_spaces_is_trimmed() -> None:
    p = h.parse_segment("QN=1;ST=91;CN=9014;PW=1;MN=X;Flag=4;CP=&& &&")
    assert p.cp.fields == {} and p.cp.factors == {}


def test_framer_sticky_split_and_garbage() -> None:
    stream = (b"\x00garbage#" + RT_2011.encode() + HOUR_2061.encode() + b"##12x" +
              b"##0010abc\r\n" + ACK_9014.encode())
    f = h.Framer()
    frames: list[h.RawFrame] = []
    for i in range(0, len(stream), 7):
        frames += f.feed(stream[i:i + 7])
    assert [fr.raw for fr in frames] == [RT_2011.encode(), HOUR_2061.encode(), ACK_9014.encode()]
    assert all(fr.crc_ok for fr in frames)
    assert f.skipped == len(b"\x00garbage#") + len(b"##12x") + len(b"##0010abc\r\n")
    assert f.buf == bytearray()


def test_framer_keeps_corrupt_frames_for_the_caller() -> None:
    bad = RT_2011.replace("11.82", "11.83").encode()
    frames = h.Framer().feed(bad + ACK_9014.encode())
    assert [fr.crc_ok for fr in frames] == [False, True]


def test_framer_counts_oversized() -> None:
    seg = "QN=1;ST=31;CN=2011;MN=X;Flag=4;CP=&&" + "a" * 1100 + "=1&&"
    f = h.Framer()
    assert len(f.feed(h.build_frame(seg))) == 1 and f.oversized == 1


# ------------------------------------------------------------------ property

_code = st.from_regex(r"[a-w][0-9]{5}", fullmatch=True)
_num = st.decimals(min_value=-10**6, max_value=10**6, places=3, allow_nan=False).map(str)
_factor = st.dictionaries(st.sampled_from(["Rtd", "Min", "Avg", "Max", "Cou", "ZsAvg"]), _num,
                          min_size=1, max_size=4).map(
    lambda d: {**d, "Flag": "N"})
_times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)).map(
    lambda d: d.replace(microsecond=0))


@st.composite
def packets(draw: st.DrawFn) -> h.Packet:
    split = draw(st.booleans())
    pnum = draw(st.integers(1, 20)) if split else None
    pno = draw(st.integers(1, pnum)) if pnum else None
    factors = draw(st.dictionaries(_code, _factor, max_size=8))
    return h.Packet(
        qn=draw(st.one_of(st.none(), st.from_regex(r"[0-9]{17}", fullmatch=True))),
        st=draw(st.sampled_from(["31", "32", "51", "91"])),
        cn=draw(st.sampled_from([2011, 2051, 2061, 2031, 9014, 1012])),
        pw=draw(st.from_regex(r"[0-9A-Za-z]{6}", fullmatch=True)),
        mn=draw(st.from_regex(r"[0-9A-F]{24}", fullmatch=True)),
        flag=h.make_flag(ack=draw(st.booleans()), split=split),
        cp=h.CpData({"DataTime": h.format_time(draw(_times))}, factors),
        pnum=pnum, pno=pno,
    )


@settings(max_examples=150, deadline=None)
@given(packets(), st.lists(st.integers(1, 97), min_size=1, max_size=30))
def test_round_trip_through_stream(packet: h.Packet, cuts: list[int]) -> None:
    raw = h.encode(packet)
    stream = b"noise" + raw + raw
    f = h.Framer()
    frames: list[h.RawFrame] = []
    i = 0
    for c in cuts * 100:
        if i >= len(stream):
            break
        frames += f.feed(stream[i:i + c])
        i += c
    frames += f.feed(stream[i:])
    assert len(frames) == 2
    for fr in frames:
        assert fr.raw == raw
        back = h.decode(fr)
        assert back == packet
