"""Builders for tests: small keyword-only functions returning flushed ORM objects, and a way to
act as a user of any role. Users get a precomputed argon2 hash (hashing is deliberately slow)."""

from __future__ import annotations

import itertools
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from dualcarbon.core import registry_rules as rules
from dualcarbon.db.types import utcnow
from dualcarbon.identity.models import AuthSession, RoleGrant, User
from dualcarbon.identity.passwords import hash_password
from dualcarbon.identity.service import _hash_token
from dualcarbon.registry.models import (
    Device,
    Enterprise,
    Facility,
    MeteringPoint,
    Park,
    Process,
    Product,
)

# Per-checkout prefix of the PostgreSQL databases tests create, so that two checkouts running
# their suites at once on one server never drop each other's databases.
PG_DB_PREFIX = os.environ.get("DUALCARBON_TEST_DB_PREFIX", "dualcarbon_test")

PASSWORD = "Test#Passw0rd!"
_HASH = hash_password(PASSWORD)
_seq = itertools.count(1)


def n() -> int:
    return next(_seq)


def credit_code(seed: int) -> str:
    """A valid GB 32100 code: 91 + division 320500 + a valid organisation code + check digit."""
    return rules.make_credit_code(f"91320500{_org_code(seed)}")


def _org_code(seed: int) -> str:
    body = f"{(seed * 7919) % 10**8:08d}"
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c) * w for c, w in zip(body, weights, strict=True))
    c9 = 11 - total % 11
    check = "0" if c9 == 11 else "X" if c9 == 10 else str(c9)
    return body + check


def make_park(session: Session, **kw: Any) -> Park:
    i = n()
    park = Park(
        code=kw.pop("code", f"P{i}"),
        name=kw.pop("name", f"测试园区{i}"),
        province_code=kw.pop("province_code", "320000"),
        grid_region=kw.pop("grid_region", "east_china"),
        **kw,
    )
    session.add(park)
    session.flush()
    return park


def make_enterprise(session: Session, park: Park, **kw: Any) -> Enterprise:
    i = n()
    ent = Enterprise(
        park_id=park.id,
        code=kw.pop("code", f"E{i}"),
        name=kw.pop("name", f"测试企业{i}"),
        credit_code=kw.pop("credit_code", credit_code(i)),
        industry_code=kw.pop("industry_code", "2614"),
        **kw,
    )
    session.add(ent)
    session.flush()
    return ent


def make_facility(session: Session, ent: Enterprise, **kw: Any) -> Facility:
    i = n()
    f = Facility(
        park_id=ent.park_id,
        enterprise_id=ent.id,
        code=kw.pop("code", f"F{i}"),
        name=kw.pop("name", f"锅炉{i}"),
        kind=kw.pop("kind", "boiler"),
        **kw,
    )
    session.add(f)
    session.flush()
    return f


def make_process(session: Session, ent: Enterprise, **kw: Any) -> Process:
    i = n()
    p = Process(
        park_id=ent.park_id,
        enterprise_id=ent.id,
        code=kw.pop("code", f"PR{i}"),
        name=kw.pop("name", f"工艺{i}"),
        **kw,
    )
    session.add(p)
    session.flush()
    return p


def make_product(session: Session, ent: Enterprise, **kw: Any) -> Product:
    i = n()
    p = Product(
        park_id=ent.park_id,
        enterprise_id=ent.id,
        code=kw.pop("code", f"PD{i}"),
        name=kw.pop("name", f"产品{i}"),
        unit=kw.pop("unit", "t"),
        **kw,
    )
    session.add(p)
    session.flush()
    return p


def make_device(session: Session, ent: Enterprise, **kw: Any) -> Device:
    i = n()
    d = Device(
        park_id=ent.park_id,
        enterprise_id=ent.id,
        code=kw.pop("code", f"D{i}"),
        name=kw.pop("name", f"电能表{i}"),
        device_type=kw.pop("device_type", "electricity_meter"),
        **kw,
    )
    session.add(d)
    session.flush()
    return d


def make_point(session: Session, ent: Enterprise, **kw: Any) -> MeteringPoint:
    i = n()
    p = MeteringPoint(
        park_id=ent.park_id,
        enterprise_id=ent.id,
        code=kw.pop("code", f"MP{i}"),
        name=kw.pop("name", f"进线{i}"),
        medium=kw.pop("medium", "electricity"),
        unit=kw.pop("unit", "kWh"),
        multiplier=kw.pop("multiplier", Decimal(1)),
        **kw,
    )
    session.add(p)
    session.flush()
    return p


def make_user(
    session: Session,
    role: str | None = None,
    *,
    park: Park | None = None,
    enterprise: Enterprise | None = None,
    **kw: Any,
) -> User:
    i = n()
    user = User(
        username=kw.pop("username", f"user{i}"),
        display_name=kw.pop("display_name", f"用户{i}"),
        password_hash=_HASH,
        **kw,
    )
    session.add(user)
    session.flush()
    if role:
        user.grants.append(
            RoleGrant(
                role=role,
                park_id=enterprise.park_id if enterprise else park.id if park else None,
                enterprise_id=enterprise.id if enterprise else None,
            )
        )
        session.flush()
    return user


def token_for(session: Session, user: User) -> str:
    token = secrets.token_urlsafe(24)
    now = utcnow()
    session.add(
        AuthSession(
            token_hash=_hash_token(token),
            user_id=user.id,
            kind="api",
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=1),
        )
    )
    session.flush()
    return token


class As:
    """A client acting as one user through a bearer token."""

    def __init__(self, client: TestClient, token: str, locale: str = "zh-CN") -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}", "Accept-Language": locale}

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, headers=self.headers, **kw)

    def post(self, url: str, **kw: Any) -> Any:
        return self.client.post(url, headers=self.headers, **kw)

    def patch(self, url: str, **kw: Any) -> Any:
        return self.client.patch(url, headers=self.headers, **kw)

    def put(self, url: str, **kw: Any) -> Any:
        return self.client.put(url, headers=self.headers, **kw)

    def delete(self, url: str, **kw: Any) -> Any:
        return self.client.delete(url, headers=self.headers, **kw)

    def request(self, method: str, url: str, **kw: Any) -> Any:
        return self.client.request(method, url, headers=self.headers, **kw)


def as_user(client: TestClient, session: Session, role: str | None = None, **kw: Any) -> As:
    user = make_user(session, role, **kw)
    return As(client, token_for(session, user))


def fresh_database_url(db_kind: str, database_url: str, tmp_path: Path, label: str) -> str:
    """An empty database of the kind under test (for tests that need their own, e.g. migration
    round trips or several processes): a SQLite file in tmp_path or a new PostgreSQL database."""
    if db_kind == "sqlite":
        return f"sqlite:///{tmp_path / f'{label}.db'}"
    name = f"{PG_DB_PREFIX}_{label}_{os.getpid()}"
    base = database_url.rsplit("/", 1)[0]
    admin = create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{base}/{name}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def drop_fresh_database(db_kind: str, url: str) -> None:
    """Drop a database made by fresh_database_url (PostgreSQL; SQLite files go with tmp_path)."""
    if db_kind != "postgresql":
        return
    name = url.rsplit("/", 1)[1]
    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class LiveServer:
    """`python -m dualcarbon serve` on a loopback port, stoppable and restartable."""

    def __init__(self, url: str, secret: str, data_dir: Path) -> None:
        self.port = free_port()
        self.env = {**os.environ, "DUALCARBON_DATABASE_URL": url,
                    "DUALCARBON_SECURITY__SECRET_KEY": secret,
                    "DUALCARBON_DATA_DIR": str(data_dir), "DUALCARBON_ENV": "test",
                    "DUALCARBON_JOBS__RUN_IN_PROCESS": "false"}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dualcarbon", "serve", "--host", "127.0.0.1", "--port",
             str(self.port), "--log-level", "warning"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(self.proc.stderr.read().decode() if self.proc.stderr else "")
            try:
                httpx.get(self.url + "/healthz", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        if self.proc is not None and self.proc.stderr:
            self.proc.stderr.close()
        self.proc = None
