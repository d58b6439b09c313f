"""Agent configuration, one-week capacity rule and the dualcarbon-agent command line."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from agent_testkit import T0_MS, FakeIngestServer, readings, write_config

from dualcarbon.core import devicecrypto
from dualcarbon_agent.__main__ import main
from dualcarbon_agent.config import ConfigError, capacity, load_config, parse_config
from dualcarbon_agent.outbox import BYTES_PER_ROW, Outbox

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "agent.toml"


def example_in(tmp_path: Path) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace("/etc/dualcarbon-agent/device.secret", "device.secret")
    text = text.replace("/var/lib/dualcarbon-agent/outbox.db", "outbox.db")
    (tmp_path / "device.secret").write_text("abc\n")
    (tmp_path / "device.secret").chmod(0o600)
    path = tmp_path / "agent.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_is_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = load_config(example_in(tmp_path))
    assert cfg.server.ingest_url == "https://mis.park.example/api/v1/ingest/batches"
    assert cfg.device_key.secret == b"abc" and cfg.device_key.signature == "hmac-sm3"
    assert [s.type for s in cfg.sources] == ["modbus", "dlt645", "opcua", "hj212_forward"]
    dl = cfg.sources[1]
    assert dl.meters[0].address == "123456789012" and dl.meters[0].dis[0].di == 0x00010000
    assert cfg.sources[0].registers[1].scale == "0.1"
    assert main(["check-config", "--config", str(tmp_path / "agent.toml")]) == 0
    out = capsys.readouterr().out
    assert "buffer for one week needs" in out and "source substation-1: dlt645" in out


def test_capacity_one_week_rule(tmp_path: Path) -> None:
    src = '[[sources]]\ntype = "simulated"\nname = "s"\ninterval_s = 60\n' + "".join(
        f'[[sources.points]]\npoint = "P{i}"\n' for i in range(10)
    )
    cfg = load_config(write_config(tmp_path, "http://127.0.0.1:9", sources=src))
    cap = capacity(cfg)
    assert cap.readings_per_s == pytest.approx(10 / 60)
    assert cap.rows_needed == 100_800  # 10 points × 10 080 minutes
    assert cap.bytes_needed == 100_800 * BYTES_PER_ROW
    assert not cap.errors and cap.days == pytest.approx(1_000_000 / 14_400)
    small = load_config(
        write_config(tmp_path, "http://127.0.0.1:9", sources=src, capacity_rows=100_000)
    )
    errors = capacity(small).errors
    assert len(errors) == 1 and "capacity_rows = 100,000 holds 6.9 days" in errors[0]
    tiny_disk = load_config(write_config(tmp_path, "http://127.0.0.1:9", sources=src, max_mb=10))
    assert "outbox.max_mb = 10 holds" in capacity(tiny_disk).errors[0]


def test_run_refuses_to_start_below_one_week(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    src = (
        '[[sources]]\ntype = "simulated"\nname = "s"\ninterval_s = 1\n'
        '[[sources.points]]\npoint = "P"\n'
    )
    path = write_config(tmp_path, "http://127.0.0.1:9", sources=src, capacity_rows=600_000)
    assert main(["check-config", "--config", str(path)]) == 2
    assert "ERROR: outbox.capacity_rows" in capsys.readouterr().out
    assert main(["run", "--config", str(path)]) == 2
    assert "refusing to start" in caplog.text
    assert not (tmp_path / "outbox.db").exists()  # nothing started


def test_min_buffer_days_cannot_go_below_seven(tmp_path: Path) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:9", extra="min_buffer_days = 3")
    with pytest.raises(ConfigError, match="min_buffer_days cannot be below 7"):
        load_config(path)


BASE = """
[agent]
id = "E"
[server]
url = "https://x"
[device_key]
key_id = "k"
secret = "s"
[outbox]
path = "o.db"
"""


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("[upload]\nbatchsize = 5\n", "upload.batchsize is not a known setting"),
        ("[upload]\nbatch_size = 0\n", "upload.batch_size must be 1–10000"),
        ('[encryption]\nalg = "des"\n', "encryption.alg must be one of"),
        ('[encryption]\nalg = "sm4-gcm"\nkey_hex = "00"\n', "sm4-gcm needs a 16-byte key"),
        ('[[sources]]\ntype = "bacnet"\n', "type must be modbus, dlt645, opcua"),
        (
            '[[sources]]\ntype = "modbus"\nhost = "h"\n[[sources.registers]]\npoint = "P"\n'
            'address = 1\ntype = "float16"\n',
            "type must be one of",
        ),
        (
            '[[sources]]\ntype = "dlt645"\nhost = "h"\n[[sources.meters]]\naddress = "12"\n',
            "address: meter address must be 12 decimal digits",
        ),
        (
            '[[sources]]\ntype = "dlt645"\nhost = "h"\n[[sources.meters]]\n'
            'address = "123456789012"\ndis = [{ di = "EEEEEEEE", point = "P" }]\n',
            "is not in the DL/T 645 format table",
        ),
        (
            '[[sources]]\ntype = "dlt645"\nhost = "h"\n[[sources.meters]]\n'
            'address = "123456789012"\ndis = [{ di = "0001FF00", index = 5, point = "P" }]\n',
            "index must be 0–4",
        ),
        (
            '[[sources]]\ntype = "dlt645"\ntransport = "serial"\nserial_port = "/dev/ttyS0"\n',
            "needs pyserial",
        ),
        ('[[sources]]\ntype = "opcua"\nendpoint = "http://x"\n', "must start with opc.tcp://"),
        ('[[sources]]\ntype = "hj212_forward"\nhost = "h"\n', "upstream HJ 212 server"),
        (
            '[[sources]]\ntype = "simulated"\nname = "a"\n[[sources.points]]\npoint = "P"\n'
            '[[sources]]\ntype = "simulated"\nname = "b"\n[[sources.points]]\npoint = "P"\n',
            "point 'P' is mapped twice",
        ),
    ],
)
def test_config_errors_are_reported(tmp_path: Path, extra: str, message: str) -> None:
    try:
        import serial  # noqa: F401

        if "pyserial" in message:
            pytest.skip("pyserial installed")
    except ImportError:
        pass
    with pytest.raises(ConfigError) as err:
        parse_config(tomllib.loads(BASE + extra), base=tmp_path)
    assert any(message in e for e in err.value.errors), err.value.errors


def test_missing_sections_are_all_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config({}, base=tmp_path)
    assert {
        "agent.id is required",
        "server.url is required",
        "device_key.key_id is required",
    } <= set(err.value.errors)


def test_secret_file_permissions_and_derived_encryption_key(tmp_path: Path) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:9", extra='\n[encryption]\nalg = "sm4-gcm"\n')
    cfg = load_config(path)
    assert cfg.encryption is not None and cfg.encryption.derived
    assert cfg.encryption.key == devicecrypto.derive_key(cfg.device_key.secret, "sm4-gcm")
    assert not any("readable by others" in w for w in cfg.warnings)
    (tmp_path / "device.secret").chmod(0o644)
    assert any("readable by others" in w for w in load_config(path).warnings)


def test_status_drain_and_dead_letter_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeIngestServer() as server:
        server.reject_points = {"BAD"}
        path = write_config(tmp_path, server.url)
        assert main(["status", "--config", str(path)]) == 0
        assert "no outbox yet" in capsys.readouterr().out
        with Outbox(tmp_path / "outbox.db") as ob:
            ob.append(readings(["GOOD", "BAD"], T0_MS, 3, 60))
        assert main(["status", "--config", str(path)]) == 0
        out = capsys.readouterr().out
        assert "queue depth      6 readings" in out and "2025-11-24T16:00:00Z" in out
        assert main(["drain", "--config", str(path), "--timeout", "20"]) == 0
        drained = json.loads(capsys.readouterr().out)
        assert drained["drained"] and drained["dead_letters"] == 3
        assert main(["dead-letters", "--config", str(path)]) == 0
        letters = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert {d["point"] for d in letters} == {"BAD"} and letters[0]["reason"] == "unknown"
        server.reject_points = set()
        assert main(["dead-letters", "--config", str(path), "--requeue"]) == 0
        assert "requeued 3" in capsys.readouterr().out
        assert main(["drain", "--config", str(path), "--timeout", "20"]) == 0
        assert main(["status", "--config", str(path), "--json"]) == 0
        capsys.readouterr()
        assert len(server.stored) == 6


def test_probe_reads_sources_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = (
        '[[sources]]\ntype = "simulated"\nname = "sim"\ninterval_s = 60\n'
        '[[sources.points]]\npoint = "S.COUNTER"\nkind = "counter"\n'
    )
    path = write_config(tmp_path, "http://127.0.0.1:9", sources=src)
    assert main(["probe", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert "sim: 1/1 points" in out and "S.COUNTER = " in out
    assert not (tmp_path / "outbox.db").exists()


def test_invalid_config_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[agent\n")
    assert main(["check-config", "--config", str(bad)]) == 2
    assert "not valid TOML" in capsys.readouterr().err
