"""The `dualcarbon` command."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

from dualcarbon import __version__


def _settings():  # type: ignore[no-untyped-def]
    from dualcarbon.db import crypto
    from dualcarbon.settings import get_settings

    settings = get_settings()
    crypto.configure(settings.security.secret_key.get_secret_value())
    return settings


def _engine(settings):  # type: ignore[no-untyped-def]
    from dualcarbon.db.engine import make_engine

    return make_engine(settings.database.url)


def _sync_factor_catalogue(engine) -> None:  # type: ignore[no-untyped-def]
    """Seed the platform rows of the factor library from the engine catalogue (idempotent)."""
    from dualcarbon.db.engine import make_sessionmaker
    from dualcarbon.db.session import unit_of_work
    from dualcarbon.factors.service import sync_catalogue

    with unit_of_work(make_sessionmaker(engine)) as session:
        sync_catalogue(session)


def cmd_migrate(args: argparse.Namespace) -> int:
    from dualcarbon.db.migrate import downgrade, upgrade

    settings = _settings()
    engine = _engine(settings)
    if args.downgrade:
        downgrade(engine, args.downgrade)
    else:
        upgrade(engine, args.revision)
        _sync_factor_catalogue(engine)
    print(f"database at revision {args.downgrade or args.revision}: {_safe_url(settings)}")
    return 0


def _safe_url(settings) -> str:  # type: ignore[no-untyped-def]
    from sqlalchemy.engine import make_url

    return make_url(settings.database.url).render_as_string(hide_password=True)


def cmd_create_user(args: argparse.Namespace) -> int:
    from dualcarbon.core.context import SYSTEM_ACTOR
    from dualcarbon.db.engine import make_sessionmaker
    from dualcarbon.db.migrate import upgrade
    from dualcarbon.db.session import unit_of_work
    from dualcarbon.db.tenancy import Grant
    from dualcarbon.identity import service

    settings = _settings()
    engine = _engine(settings)
    upgrade(engine)
    password = args.password or os.environ.get("DUALCARBON_NEW_PASSWORD") or getpass.getpass()
    grant = Grant(args.role, args.park_id, args.enterprise_id)
    with unit_of_work(make_sessionmaker(engine)) as session:
        user = service.create_user(
            session,
            settings.security,
            SYSTEM_ACTOR,
            username=args.username,
            display_name=args.display_name or args.username,
            password=password,
            grants=[grant],
            must_change_password=not args.no_force_change,
        )
        print(f"created user {user.username} (id {user.id}) as {args.role}")
    return 0


def _build_webui() -> None:
    """Build the SPA when Node is available and the build is missing or stale."""
    root = Path(__file__).resolve().parents[2]
    web = root / "web"
    if not (web / "package.json").is_file():
        return
    dist = Path(__file__).resolve().parent / "webui" / "index.html"  # vite outDir
    sources = [p for p in (web / "src").rglob("*") if p.is_file()] if (web / "src").is_dir() else []
    newest = max((p.stat().st_mtime for p in sources), default=0)
    if dist.is_file() and dist.stat().st_mtime >= newest:
        return
    npm = shutil.which("npm")
    if npm is None:
        print("npm not found: serving the API and /docs only (install Node.js 20 for the web UI)")
        return
    print("building the web UI (npm ci && npm run build) …")
    if not (web / "node_modules").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=web, check=True)  # noqa: S603
    subprocess.run([npm, "run", "build"], cwd=web, check=True)  # noqa: S603


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from dualcarbon.server.app import create_app

    settings = _settings()
    app = create_app(settings)
    print(f"dualcarbon {__version__} on http://{args.host}:{args.port}/  (API docs: /docs)")
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        proxy_headers=True,
        timeout_graceful_shutdown=5,  # open event streams must not hold a shutdown for minutes
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
    )
    return 0


def _start_doors(settings) -> None:  # type: ignore[no-untyped-def]
    """Network doors `serve` runs next to the API when configured (DUALCARBON_HJ212__ENABLED,
    DUALCARBON_MQTT__ENABLED): each in a daemon thread, all feeding the one ingestion service."""
    import threading

    from dualcarbon.db.engine import make_sessionmaker

    if settings.hj212.enabled:
        from dualcarbon.protocols import hj212_server

        factory = make_sessionmaker(_engine(settings))
        threading.Thread(target=hj212_server.run, name="hj212", daemon=True,
                         args=(factory, settings.hj212.host, settings.hj212.port)).start()
        print(f"HJ 212 server on {settings.hj212.host}:{settings.hj212.port}")
    if settings.mqtt.enabled:
        _mqtt_ingestor(settings).start()
        print(f"MQTT subscriber on {settings.mqtt.host}:{settings.mqtt.port}")


def _mqtt_ingestor(settings):  # type: ignore[no-untyped-def]
    from dualcarbon.db.engine import make_sessionmaker
    from dualcarbon.protocols.mqtt_ingest import MqttIngestor

    m = settings.mqtt
    return MqttIngestor(make_sessionmaker(_engine(settings)), host=m.host, port=m.port,
                        group=m.group, client_id=m.client_id or None,
                        username=m.username or None,
                        password=m.password.get_secret_value() or None)


def cmd_serve(args: argparse.Namespace) -> int:
    from dualcarbon.db.migrate import upgrade

    settings = _settings()
    upgrade(_engine(settings))
    _start_doors(settings)
    return _serve(args)


def cmd_hj212(args: argparse.Namespace) -> int:
    from dualcarbon.db.engine import make_sessionmaker
    from dualcarbon.db.migrate import upgrade
    from dualcarbon.protocols import hj212_server

    settings = _settings()
    engine = _engine(settings)
    upgrade(engine)
    print(f"HJ 212 server on {args.host}:{args.port}; Ctrl+C to stop")
    with contextlib.suppress(KeyboardInterrupt):
        hj212_server.run(make_sessionmaker(engine), args.host, args.port)
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    import asyncio

    from dualcarbon.db.engine import make_sessionmaker
    from dualcarbon.protocols import simulator

    settings = _settings()
    print("simulating HJ 212 loggers and MQTT edges; Ctrl+C to stop")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(simulator.run(make_sessionmaker(_engine(settings)),
                                  hj212_host=args.hj212_host, hj212_port=args.hj212_port,
                                  mqtt_host=args.mqtt_host, mqtt_port=args.mqtt_port,
                                  interval_s=args.interval, park_code=args.park))
    return 0


def cmd_mqtt(args: argparse.Namespace) -> int:
    from dualcarbon.db.migrate import upgrade

    settings = _settings()
    upgrade(_engine(settings))
    if args.host:
        settings.mqtt.host = args.host
    if args.port:
        settings.mqtt.port = args.port
    ingestor = _mqtt_ingestor(settings)
    print(f"MQTT subscriber on {settings.mqtt.host}:{settings.mqtt.port} "
          f"({', '.join(ingestor.subscriptions())}); Ctrl+C to stop")
    with contextlib.suppress(KeyboardInterrupt):
        ingestor.run_forever()
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from dualcarbon.db.engine import make_sessionmaker
    from dualcarbon.db.migrate import upgrade
    from dualcarbon.demo import seed

    settings = _settings()
    if args.fresh and settings.is_sqlite:
        db_file = Path(settings.database.url.split("///", 1)[-1])
        for suffix in ("", "-wal", "-shm"):
            Path(str(db_file) + suffix).unlink(missing_ok=True)
    engine = _engine(settings)
    upgrade(engine)
    _sync_factor_catalogue(engine)
    factory = make_sessionmaker(engine)
    created = seed.seed_demo(factory, settings)
    print("demo park seeded" if created else "demo park already present")
    from dualcarbon.demo import live, park_data

    live.ensure_demo_cems(factory, park_data.PARK_CODE)
    stored = live.backfill_history(factory, park_data.PARK_CODE)
    if stored:
        print(f"演示历史数据 / demo history: {stored} readings (CEMS 3 days, meters 14 days)")
    if not args.no_simulate:
        streams = live.start_streams(factory, settings, park_data.PARK_CODE,
                                     interval_s=args.interval)
        print(streams.describe())
    print(seed.credentials_text())
    if not args.no_web:
        try:
            _build_webui()
        except (subprocess.CalledProcessError, OSError) as exc:
            print(f"web UI build failed ({exc}); serving the API and /docs only")
    return _serve(args)


def cmd_worker(args: argparse.Namespace) -> int:
    from dualcarbon.db.engine import make_sessionmaker
    from dualcarbon.jobs.service import Runner

    settings = _settings()
    runner = Runner(
        make_sessionmaker(_engine(settings)),
        settings.jobs.poll_seconds,
        settings.jobs.lease_seconds,
    )
    print("worker running; Ctrl+C to stop")
    with contextlib.suppress(KeyboardInterrupt):
        runner.loop()
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from dualcarbon.db.backup import backup

    settings = _settings()
    path = backup(settings.database.url, settings.data_dir, Path(args.file))
    print(f"backup written to {path}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from dualcarbon.db.backup import restore

    settings = _settings()
    if not args.yes:
        print("restore replaces the database and data files; stop the server and pass --yes")
        return 2
    restore(settings.database.url, settings.data_dir, Path(args.file))
    print(f"restored from {args.file}")
    return 0


def cmd_calc(args: argparse.Namespace) -> int:
    from dualcarbon.core.accounting.calc import calc_json
    from dualcarbon.core.errors import DomainError

    if args.template:
        return _calc_template(args)
    if args.file is None:
        print("calc: FILE is required (or --template OUT.xlsx)", file=sys.stderr)
        return 2
    raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    if args.file.lower().endswith(".xlsx") or raw[:4] == b"PK\x03\x04":
        if args.park:
            print("calc --park: a park document is JSON; the workbook is one enterprise's",
                  file=sys.stderr)
            return 2
        return _calc_workbook(raw, args)
    try:
        print(calc_json(raw.decode("utf-8-sig"), park=args.park, exact=args.exact))
    except DomainError as e:
        for fe in e.field_errors:
            print(f"{'/'.join(map(str, fe.loc))}: {fe.msg or fe.code}", file=sys.stderr)
        if not e.field_errors:
            print(str(e), file=sys.stderr)
        return 2
    return 0


def _calc_workbook(raw: bytes, args: argparse.Namespace) -> int:
    """An enterprise's activity document given as the Excel workbook (企业信息 + report sheets):
    every bad cell is printed as 工作表 S 第 R 行 C 列：原因 and nothing is accounted."""
    from dualcarbon.activity import workbook
    from dualcarbon.core.accounting.dataio import dumps_json
    from dualcarbon.core.accounting.engine import account
    from dualcarbon.core.errors import DomainError

    try:
        doc, where = workbook.read(raw, filename=args.file, locale=args.lang)
    except DomainError as e:
        for fe in e.field_errors:
            print(fe.msg or fe.code, file=sys.stderr)
        return 2
    try:
        result = account(doc)
    except DomainError as e:
        print(workbook.locate(e, where, args.lang) or str(e), file=sys.stderr)
        return 2
    print(dumps_json(result, rounded=not args.exact))
    return 0


def _calc_template(args: argparse.Namespace) -> int:
    """Write the workbook: blank, or filled from the JSON activity document FILE."""
    from dualcarbon.activity import workbook
    from dualcarbon.core.accounting.dataio import activity_from_json
    from dualcarbon.core.errors import DomainError

    doc = None
    if args.file is not None:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text("utf-8-sig")
        try:
            doc = activity_from_json(text)
        except DomainError as e:
            for fe in e.field_errors:
                print(f"{'/'.join(map(str, fe.loc))}: {fe.msg or fe.code}", file=sys.stderr)
            if not e.field_errors:
                print(str(e), file=sys.stderr)
            return 2
    content, lost = workbook.write(doc)
    Path(args.template).write_bytes(content)
    for item in lost:
        print(f"not in the workbook (the template has no place for it): {item}",
              file=sys.stderr)
    print(f"template written to {args.template}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="dualcarbon", description="化工园区双碳管理信息系统 (chemical-park carbon MIS)"
    )
    p.add_argument("--version", action="version", version=__version__)
    sub = p.add_subparsers(dest="command", required=True)

    def add_server_args(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--host", default="127.0.0.1")
        sp.add_argument("--port", type=int, default=8000)
        sp.add_argument("--log-level", default="info")

    sp = sub.add_parser("serve", help="migrate and serve the API and web UI")
    add_server_args(sp)
    sp.set_defaults(fn=cmd_serve)

    sp = sub.add_parser("demo", help="seed the demo park if empty, then serve")
    add_server_args(sp)
    sp.add_argument("--fresh", action="store_true", help="start from an empty SQLite database")
    sp.add_argument("--no-web", action="store_true", help="do not build the web UI")
    sp.add_argument("--no-simulate", action="store_true",
                    help="do not stream simulated HJ 212 / MQTT readings")
    sp.add_argument("--interval", type=float, default=5.0,
                    help="seconds between simulated readings (default 5)")
    sp.set_defaults(fn=cmd_demo)

    sp = sub.add_parser("migrate", help="apply database migrations")
    sp.add_argument("--revision", default="heads")
    sp.add_argument("--downgrade", metavar="REV")
    sp.set_defaults(fn=cmd_migrate)

    sp = sub.add_parser("create-user", help="create a user with one role")
    sp.add_argument("username")
    sp.add_argument(
        "--role",
        required=True,
        choices=[
            "park_admin",
            "enterprise_user",
            "verifier",
            "system_admin",
            "security_admin",
            "audit_admin",
        ],
    )
    sp.add_argument("--park-id", type=int)
    sp.add_argument("--enterprise-id", type=int)
    sp.add_argument("--display-name")
    sp.add_argument("--password", help="(else DUALCARBON_NEW_PASSWORD or a prompt)")
    sp.add_argument("--no-force-change", action="store_true")
    sp.set_defaults(fn=cmd_create_user)

    sp = sub.add_parser("backup", help="write a backup (database dump + data files) to FILE")
    sp.add_argument("file")
    sp.set_defaults(fn=cmd_backup)

    sp = sub.add_parser("restore", help="restore a backup written by `backup`")
    sp.add_argument("file")
    sp.add_argument("--yes", action="store_true", help="confirm replacing the current data")
    sp.set_defaults(fn=cmd_restore)

    sp = sub.add_parser("calc", help="account an activity document (JSON or the Excel workbook) "
                                     "and print the result as JSON")
    sp.add_argument("file", nargs="?",
                    help="activity document: JSON (a park document with --park) or the .xlsx "
                         "workbook (企业信息 + report sheets); - = stdin")
    sp.add_argument("--park", action="store_true", help="FILE is a park document")
    sp.add_argument("--exact", action="store_true", help="full precision instead of 0.01 t")
    sp.add_argument("--template", metavar="OUT.xlsx",
                    help="write the workbook template (filled from the JSON document FILE if "
                         "given) instead of accounting")
    sp.add_argument("--lang", choices=["zh-CN", "en"], default="zh-CN",
                    help="language of the workbook's error messages")
    sp.set_defaults(fn=cmd_calc)

    sp = sub.add_parser("hj212", help="run the HJ 212-2017 TCP server alone")
    sp.add_argument("--host", default="0.0.0.0")  # noqa: S104
    sp.add_argument("--port", type=int, default=9212)
    sp.set_defaults(fn=cmd_hj212)

    sp = sub.add_parser("mqtt", help="run the MQTT ingestion subscriber alone")
    sp.add_argument("--host")
    sp.add_argument("--port", type=int)
    sp.set_defaults(fn=cmd_mqtt)

    sp = sub.add_parser("simulate", help="stream simulated HJ 212 and MQTT data to the doors")
    sp.add_argument("--hj212-host", default="127.0.0.1")
    sp.add_argument("--hj212-port", type=int, default=9212)
    sp.add_argument("--mqtt-host", default="127.0.0.1")
    sp.add_argument("--mqtt-port", type=int, default=1883)
    sp.add_argument("--interval", type=float, default=5.0, help="seconds between sends")
    sp.add_argument("--park", help="park code (default: every park)")
    sp.set_defaults(fn=cmd_simulate)

    sp = sub.add_parser("worker", help="run background jobs")
    sp.set_defaults(fn=cmd_worker)
    return p


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    args = build_parser().parse_args(argv)
    sys.exit(args.fn(args))
