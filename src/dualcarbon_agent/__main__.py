"""``dualcarbon-agent`` command line.

    dualcarbon-agent run          --config agent.toml   collect and upload until SIGTERM
    dualcarbon-agent drain        --config agent.toml   upload what is queued, then exit
    dualcarbon-agent status       --config agent.toml   queue depth, oldest unsent, last ack
    dualcarbon-agent check-config --config agent.toml   validate, size the buffer, exit 0/2
    dualcarbon-agent probe        --config agent.toml   read every source once, store nothing
    dualcarbon-agent dead-letters --config agent.toml [--requeue]

Exit codes: 0 ok, 1 runtime failure (or drain incomplete), 2 invalid configuration or buffer
smaller than one week, 3 another agent holds the outbox.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import time
from typing import Any

from .config import AgentConfig, ConfigError, capacity, load_config

DEFAULT_CONFIG = os.environ.get("DUALCARBON_AGENT_CONFIG", "/etc/dualcarbon-agent/agent.toml")
log = logging.getLogger("dualcarbon_agent")


def _setup_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "httpcore", "pymodbus", "asyncua"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.root.level))


def _load(path: str) -> AgentConfig | None:
    try:
        return load_config(path)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return None


def _checked(cfg: AgentConfig) -> bool:
    for warning in cfg.warnings:
        log.warning("config: %s", warning)
    cap = capacity(cfg)
    log.info("outbox capacity: %s", cap.summary())
    for warning in cap.warnings:
        log.warning("capacity: %s", warning)
    for error in cap.errors:
        log.error("capacity: %s", error)
    if cap.errors:
        log.error("refusing to start: the outbox cannot buffer %g days", cfg.outbox.min_buffer_days)
    return not cap.errors


def cmd_check_config(args: argparse.Namespace) -> int:
    cfg = _load(args.config)
    if cfg is None:
        return 2
    cap = capacity(cfg)
    print(f"config {args.config}: OK")
    print(f"  agent {cfg.agent_id} → {cfg.server.ingest_url}")
    enc = f", encryption {cfg.encryption.alg}" if cfg.encryption else ", no payload encryption"
    print(f"  device key {cfg.device_key.key_id}, signature {cfg.device_key.signature}{enc}")
    for s in cfg.sources:
        state = "" if s.enabled else " (disabled)"
        where = s.endpoint or s.serial_port or f"{s.host}:{s.port}"
        print(
            f"  source {s.name}: {s.type} {where}, {len(s.point_codes)} points every "
            f"{s.interval_s:g} s{state}"
        )
    print(f"  outbox {cfg.outbox.path}")
    print(f"  capacity: {cap.summary()}")
    for w in (*cfg.warnings, *cap.warnings):
        print(f"  warning: {w}")
    for e in cap.errors:
        print(f"  ERROR: {e}")
    return 2 if cap.errors else 0


def _open_outbox(cfg: AgentConfig, lock: bool) -> Any:
    from .outbox import Outbox, OutboxLocked

    outbox = Outbox(cfg.outbox.path, capacity_rows=cfg.outbox.capacity_rows)
    if lock:
        try:
            outbox.lock()
        except OutboxLocked as exc:
            outbox.close()
            log.error("%s", exc)
            return None
    return outbox


def cmd_run(args: argparse.Namespace) -> int:
    cfg = _load(args.config)
    if cfg is None:
        return 2
    _setup_logging(args.log_level or cfg.log_level)
    if not _checked(cfg):
        return 2
    outbox = _open_outbox(cfg, lock=True)
    if outbox is None:
        return 3
    from .scheduler import Agent

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        agent = Agent(cfg, outbox=outbox)
        await agent.run(stop)

    try:
        asyncio.run(main())
    finally:
        outbox.close()
    log.info("agent stopped")
    return 0


def cmd_drain(args: argparse.Namespace) -> int:
    cfg = _load(args.config)
    if cfg is None:
        return 2
    _setup_logging(args.log_level or cfg.log_level)
    outbox = _open_outbox(cfg, lock=True)
    if outbox is None:
        return 3
    from .scheduler import Agent

    agent = Agent(cfg, outbox=outbox, drivers=[])
    try:
        empty = asyncio.run(agent.drain(args.timeout))
        status = outbox.status()
    finally:
        outbox.close()
    print(json.dumps({"drained": empty, **status.as_dict()}, ensure_ascii=False))
    return 0 if empty else 1


def cmd_status(args: argparse.Namespace) -> int:
    cfg = _load(args.config)
    if cfg is None:
        return 2
    if not cfg.outbox.path.exists():
        print(f"no outbox yet at {cfg.outbox.path}")
        return 0
    outbox = _open_outbox(cfg, lock=False)
    try:
        status = outbox.status().as_dict()
    finally:
        outbox.close()
    status["capacity_days"] = round(capacity(cfg).days, 2)
    if args.json:
        print(json.dumps(status, ensure_ascii=False, indent=2))
        return 0
    last_ack = status["last_ack_at"]
    age = "never" if last_ack is None else f"{time.time() - last_ack:,.0f} s ago"
    print(
        f"queue depth      {status['queue_depth']:,} readings "
        f"({status['pending']:,} waiting, {status['in_flight']:,} in batch "
        f"{status['in_flight_batch'] or '-'})"
    )
    print(f"oldest unsent    {status['oldest_unsent_ts'] or '-'}")
    print(f"last ack         {age}; data acked up to {status['last_acked_ts'] or '-'}")
    print(
        f"batches          {status['acked_batches']:,} acked, "
        f"{status['rejected_batches']:,} rejected"
    )
    print(f"dead letters     {status['dead_letters']:,}")
    print(f"overflow dropped {status['overflow_dropped']:,}")
    cap_rows = status["capacity_rows"] or 0
    print(
        f"outbox           {status['rows']:,} / {cap_rows:,} rows, "
        f"{status['file_bytes'] / 1048576:,.1f} MB, sized for {status['capacity_days']} days"
    )
    return 0


def cmd_dead_letters(args: argparse.Namespace) -> int:
    cfg = _load(args.config)
    if cfg is None:
        return 2
    outbox = _open_outbox(cfg, lock=args.requeue)
    if outbox is None:
        return 3
    try:
        if args.requeue:
            print(f"requeued {outbox.requeue_dead_letters()} readings")
        else:
            for item in outbox.dead_letters(args.limit):
                print(json.dumps(item, ensure_ascii=False))
    finally:
        outbox.close()
    return 0


def cmd_probe(args: argparse.Namespace) -> int:
    cfg = _load(args.config)
    if cfg is None:
        return 2
    _setup_logging(args.log_level or "WARNING")
    from .clock import SystemClock
    from .drivers import PollingDriver, build_driver

    async def main() -> int:
        failures = 0
        now_ms = int(time.time() * 1000)
        for source in cfg.sources:
            if not source.enabled or source.type == "hj212_forward":
                continue
            probe_cfg = source
            if source.type == "opcua" and source.mode == "subscription":
                from dataclasses import replace

                probe_cfg = replace(source, mode="poll")
            driver = build_driver(probe_cfg, SystemClock())
            assert isinstance(driver, PollingDriver)
            try:
                async with asyncio.timeout(driver.timeout_s):
                    readings = await driver.poll(now_ms)
            except Exception as exc:
                failures += 1
                print(f"{source.name}: FAILED {type(exc).__name__}: {exc}")
                continue
            finally:
                await driver.close()
            print(f"{source.name}: {len(readings)}/{len(source.point_codes)} points")
            for r in readings:
                print(f"  {r.point} = {r.value} [{r.quality}]")
        return 1 if failures else 0

    return asyncio.run(main())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dualcarbon-agent", description="dualcarbon edge agent (化工园区双碳 数据采集代理)"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func: Any, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--config", "-c", default=DEFAULT_CONFIG, help="agent.toml")
        p.add_argument("--log-level", default=None)
        p.set_defaults(func=func)
        return p

    add("run", cmd_run, "collect and upload until stopped")
    p = add("drain", cmd_drain, "upload everything queued, then exit")
    p.add_argument("--timeout", type=float, default=None, help="give up after N seconds")
    p = add("status", cmd_status, "queue depth, oldest unsent reading, last ack")
    p.add_argument("--json", action="store_true")
    add("check-config", cmd_check_config, "validate the configuration and the buffer size")
    add("probe", cmd_probe, "read every source once and print the readings")
    p = add("dead-letters", cmd_dead_letters, "list (or requeue) readings the server refused")
    p.add_argument("--requeue", action="store_true")
    p.add_argument("--limit", type=int, default=100)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in ("check-config", "status", "dead-letters"):
        _setup_logging(args.log_level or "WARNING")
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
