"""Agent configuration: one TOML file (see docs/examples/agent.toml and docs/agent.md).

Every error is collected, so ``check-config`` reports them all at once. Relative paths are
resolved against the directory of the config file.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dualcarbon.core import devicecrypto

from .model import QUALITY_FLAGS
from .outbox import BYTES_PER_ROW
from .sources import (
    MODBUS_TYPES,
    DIMap,
    Meter,
    NodeMap,
    RegisterMap,
    SimPoint,
    SourceConfig,
    TableReader,
    parse_source,
)

WEEK_S = 7 * 24 * 3600
MB = 1024 * 1024


class ConfigError(ValueError):
    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("invalid agent configuration:\n  - " + "\n  - ".join(errors))


# --------------------------------------------------------------------------- sections


@dataclass(frozen=True)
class ServerConfig:
    url: str
    ingest_path: str = "/api/v1/ingest/batches"
    timeout_s: float = 30.0
    verify_tls: bool = True
    ca_file: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None

    @property
    def ingest_url(self) -> str:
        return self.url.rstrip("/") + "/" + self.ingest_path.lstrip("/")


@dataclass(frozen=True)
class DeviceKeyConfig:
    key_id: str
    secret: bytes = field(repr=False)
    signature: str = "hmac-sm3"
    secret_file: Path | None = None


@dataclass(frozen=True)
class EncryptionConfig:
    alg: str
    key: bytes = field(repr=False)
    derived: bool = True


@dataclass(frozen=True)
class UploadConfig:
    batch_size: int = 500
    gzip: bool = True
    max_batches_per_s: float = 10.0
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 300.0
    idle_s: float = 1.0


@dataclass(frozen=True)
class OutboxConfig:
    path: Path
    capacity_rows: int
    max_mb: float
    min_buffer_days: float = 7.0
    keep_acked_hours: float = 1.0


@dataclass(frozen=True)
class AgentConfig:
    agent_id: str
    server: ServerConfig
    device_key: DeviceKeyConfig
    upload: UploadConfig
    outbox: OutboxConfig
    sources: tuple[SourceConfig, ...]
    encryption: EncryptionConfig | None = None
    log_level: str = "INFO"
    config_path: Path | None = None
    warnings: tuple[str, ...] = ()

    @property
    def readings_per_s(self) -> float:
        return sum(s.readings_per_s for s in self.sources)


# --------------------------------------------------------------------------- capacity


@dataclass(frozen=True)
class Capacity:
    readings_per_s: float
    rows_needed: int
    bytes_needed: int
    capacity_rows: int
    max_bytes: int
    available_bytes: int | None
    days_by_rows: float
    days_by_bytes: float
    errors: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def days(self) -> float:
        return min(self.days_by_rows, self.days_by_bytes)

    def summary(self) -> str:
        days = "∞" if math.isinf(self.days) else f"{self.days:.1f}"
        free = "?" if self.available_bytes is None else f"{self.available_bytes / MB:,.0f} MB"
        return (
            f"{self.readings_per_s:.3f} readings/s; buffer for one week needs "
            f"{self.rows_needed:,} rows ≈ {self.bytes_needed / MB:,.1f} MB "
            f"({BYTES_PER_ROW} B/row); configured {self.capacity_rows:,} rows / "
            f"{self.max_bytes / MB:,.0f} MB → {days} days; disk available {free}"
        )


def capacity(cfg: AgentConfig) -> Capacity:
    """Size the outbox for ``min_buffer_days`` (≥ 7) of readings at the configured rates."""
    rate = cfg.readings_per_s
    days = cfg.outbox.min_buffer_days
    rows_needed = math.ceil(rate * days * 24 * 3600)
    bytes_needed = rows_needed * BYTES_PER_ROW
    max_bytes = int(cfg.outbox.max_mb * MB)
    per_day = rate * 86400
    days_rows = math.inf if per_day == 0 else cfg.outbox.capacity_rows / per_day
    days_bytes = math.inf if per_day == 0 else max_bytes / (per_day * BYTES_PER_ROW)
    errors: list[str] = []
    warnings: list[str] = []
    if cfg.outbox.capacity_rows < rows_needed:
        errors.append(
            f"outbox.capacity_rows = {cfg.outbox.capacity_rows:,} holds {days_rows:.1f} days; "
            f"{days:g} days at {rate:.3f} readings/s need ≥ {rows_needed:,}"
        )
    if max_bytes < bytes_needed:
        errors.append(
            f"outbox.max_mb = {cfg.outbox.max_mb:g} holds {days_bytes:.1f} days; "
            f"{days:g} days need ≥ {math.ceil(bytes_needed / MB)} MB"
        )
    available = _available_bytes(cfg.outbox.path)
    if available is not None:
        if available < bytes_needed:
            errors.append(
                f"only {available / MB:,.0f} MB available for {cfg.outbox.path}; one buffer of "
                f"{days:g} days needs {bytes_needed / MB:,.1f} MB"
            )
        elif available < max_bytes:
            warnings.append(
                f"outbox.max_mb = {cfg.outbox.max_mb:g} but only {available / MB:,.0f} MB "
                f"are available on the disk"
            )
    return Capacity(
        rate,
        rows_needed,
        bytes_needed,
        cfg.outbox.capacity_rows,
        max_bytes,
        available,
        days_rows,
        days_bytes,
        tuple(errors),
        tuple(warnings),
    )


def _available_bytes(path: Path) -> int | None:
    """Free space on the outbox's file system plus what the outbox already occupies."""
    probe = path.parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        free = shutil.disk_usage(probe).free
    except OSError:
        return None
    used = 0
    for suffix in ("", "-wal"):
        with contextlib.suppress(OSError):
            used += os.path.getsize(str(path) + suffix)
    return free + used


# --------------------------------------------------------------------------- parsing


def _path(base: Path, text: str) -> Path:
    p = Path(text).expanduser()
    return p if p.is_absolute() else (base / p)


def load_config(path: str | os.PathLike[str]) -> AgentConfig:
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError([f"cannot read {file}: {exc}"]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{file} is not valid TOML: {exc}"]) from exc
    return parse_config(data, base=file.resolve().parent, config_path=file)


def parse_config(
    data: dict[str, Any], *, base: Path, config_path: Path | None = None
) -> AgentConfig:
    errors: list[str] = []
    warnings: list[str] = []
    top = TableReader(data, "config", errors)

    agent = TableReader(top.table("agent", required=True), "agent", errors)
    agent_id = agent.text("id", required=True)
    log_level = agent.text("log_level", "INFO").upper()
    agent.check_unknown()

    srv = TableReader(top.table("server", required=True), "server", errors)
    url = srv.text("url", required=True)
    if url and not url.startswith(("http://", "https://")):
        errors.append("server.url must start with https:// (or http:// for tests)")
    elif url.startswith("http://") and not any(h in url for h in ("127.0.0.1", "localhost")):
        warnings.append("server.url uses plain http: readings travel unencrypted (use https)")
    ca = srv.text("ca_file")
    cert, key = srv.text("client_cert"), srv.text("client_key")
    server = ServerConfig(
        url=url,
        ingest_path=srv.text("ingest_path", "/api/v1/ingest/batches"),
        timeout_s=srv.number("timeout_s", 30.0),
        verify_tls=srv.flag("verify_tls", True),
        ca_file=_path(base, ca) if ca else None,
        client_cert=_path(base, cert) if cert else None,
        client_key=_path(base, key) if key else None,
    )
    if not server.verify_tls:
        warnings.append("server.verify_tls = false: the server certificate is not checked")
    srv.check_unknown()

    dk = TableReader(top.table("device_key", required=True), "device_key", errors)
    key_id = dk.text("key_id", required=True)
    secret_text, secret_file = dk.text("secret"), dk.text("secret_file")
    signature = dk.text("signature", "hmac-sm3")
    if signature not in devicecrypto.SIGNATURE_ALGS:
        errors.append(f"device_key.signature must be one of {devicecrypto.SIGNATURE_ALGS}")
    secret = b""
    secret_path = None
    if secret_text and secret_file:
        errors.append("device_key: give secret or secret_file, not both")
    elif secret_file:
        secret_path = _path(base, secret_file)
        try:
            secret = secret_path.read_text(encoding="utf-8").strip().encode()
            mode = secret_path.stat().st_mode
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                warnings.append(f"{secret_path} is readable by others: chmod 600 it")
        except OSError as exc:
            errors.append(f"device_key.secret_file: {exc}")
    elif secret_text:
        secret = secret_text.encode()
        warnings.append("device_key.secret is inline; prefer secret_file (chmod 600)")
    else:
        errors.append("device_key: secret_file (or secret) is required")
    if (secret_text or secret_file) and not secret and secret_path and secret_path.exists():
        errors.append("device_key: the secret is empty")
    dk.check_unknown()
    device_key = DeviceKeyConfig(key_id, secret, signature, secret_path)

    encryption = None
    if "encryption" in data:
        enc = TableReader(top.table("encryption"), "encryption", errors)
        alg = enc.text("alg", required=True)
        key_hex, key_file = enc.text("key_hex"), enc.text("key_file")
        if alg and alg not in devicecrypto.ENCRYPTION_ALGS:
            errors.append(f"encryption.alg must be one of {devicecrypto.ENCRYPTION_ALGS}")
        elif alg:
            raw = key_hex
            if key_file:
                try:
                    raw = _path(base, key_file).read_text(encoding="utf-8").strip()
                except OSError as exc:
                    errors.append(f"encryption.key_file: {exc}")
            if raw:
                try:
                    key_bytes = bytes.fromhex(raw)
                except ValueError:
                    errors.append("encryption key must be hex")
                    key_bytes = b""
                if key_bytes and len(key_bytes) != devicecrypto.KEY_SIZES[alg]:
                    errors.append(f"{alg} needs a {devicecrypto.KEY_SIZES[alg]}-byte key")
                encryption = EncryptionConfig(alg, key_bytes, derived=False)
            elif secret:
                encryption = EncryptionConfig(alg, devicecrypto.derive_key(secret, alg))
        enc.check_unknown()

    up = TableReader(top.table("upload"), "upload", errors)
    upload = UploadConfig(
        batch_size=up.integer("batch_size", 500),
        gzip=up.flag("gzip", True),
        max_batches_per_s=up.number("max_batches_per_s", 10.0),
        backoff_base_s=up.number("backoff_base_s", 1.0),
        backoff_cap_s=up.number("backoff_cap_s", 300.0),
        idle_s=up.number("idle_s", 1.0),
    )
    if not 1 <= upload.batch_size <= 10_000:
        errors.append("upload.batch_size must be 1–10000")
    up.check_unknown()

    ob = TableReader(top.table("outbox", required=True), "outbox", errors)
    outbox = OutboxConfig(
        path=_path(base, ob.text("path", "outbox.db")),
        capacity_rows=ob.integer("capacity_rows", 5_000_000),
        max_mb=ob.number("max_mb", 1024.0),
        min_buffer_days=ob.number("min_buffer_days", 7.0),
        keep_acked_hours=ob.number("keep_acked_hours", 1.0),
    )
    if outbox.min_buffer_days < 7:
        errors.append("outbox.min_buffer_days cannot be below 7 (one week of buffering)")
    ob.check_unknown()

    sources = tuple(
        parse_source(s, f"sources[{i}]", errors, warnings)
        for i, s in enumerate(top.tables("sources"))
    )
    names = [s.name for s in sources]
    for name in {n for n in names if names.count(n) > 1}:
        errors.append(f"two sources are named {name!r}")
    codes = [c for s in sources if s.enabled for c in s.point_codes]
    for code in sorted({c for c in codes if codes.count(c) > 1}):
        errors.append(f"point {code!r} is mapped twice")
    if not sources:
        warnings.append("no [[sources]]: the agent will only upload what is already queued")
    top.check_unknown()

    if errors:
        raise ConfigError(errors)
    return AgentConfig(
        agent_id=agent_id,
        server=server,
        device_key=device_key,
        upload=upload,
        outbox=outbox,
        sources=sources,
        encryption=encryption,
        log_level=log_level,
        config_path=config_path,
        warnings=tuple(warnings),
    )


__all__ = [
    "MODBUS_TYPES",
    "QUALITY_FLAGS",
    "AgentConfig",
    "Capacity",
    "ConfigError",
    "DIMap",
    "Meter",
    "NodeMap",
    "RegisterMap",
    "SimPoint",
    "SourceConfig",
    "capacity",
    "load_config",
    "parse_config",
]
