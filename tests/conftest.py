"""Test fixtures: one database fixture parametrised by --db (sqlite | postgresql), schema built by
running the migrations, every test in a rolled-back transaction, a TestClient bound to that
transaction, and helpers to act as any role."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from dualcarbon.db import crypto
from dualcarbon.db.engine import make_engine
from dualcarbon.db.migrate import upgrade
from dualcarbon.settings import Settings
from testkit import PG_DB_PREFIX

PG_ADMIN_URL = os.environ.get(
    "DUALCARBON_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        default=os.environ.get("DUALCARBON_TEST_DB", "sqlite"),
        choices=["sqlite", "postgresql"],
        help="database the tests run on",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "db: needs the database")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests of one database's own machinery (PostgreSQL partitions, COPY; SQLite locking) do not
    apply to the other: they are deselected there, not skipped — in CI nothing is skipped."""
    other = "sqlite_only" if config.getoption("--db") == "postgresql" else "pg_only"
    kept = [i for i in items if not i.get_closest_marker(other)]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i.get_closest_marker(other)])
        items[:] = kept


@pytest.fixture(scope="session")
def db_kind(pytestconfig: pytest.Config) -> str:
    return str(pytestconfig.getoption("--db"))


@pytest.fixture(scope="session")
def database_url(
    db_kind: str, tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> Iterator[str]:
    if db_kind == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / f'dc_{worker_id}.db'}"
        return
    name = f"{PG_DB_PREFIX}_{worker_id}".replace("-", "_")
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def engine(database_url: str, settings: Settings) -> Iterator[Engine]:
    eng = make_engine(database_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    s = Settings(env="test", data_dir=tmp_path_factory.mktemp("data"), database_url=database_url)
    s.security.login_rate_per_minute = 0
    s.jobs.run_in_process = False
    crypto.configure(s.security.secret_key.get_secret_value())
    return s


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    connection = engine.connect()
    trans = connection.begin()
    s = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield s
    finally:
        s.close()
        trans.rollback()
        connection.close()


@pytest.fixture
def app(settings: Settings, session: Session):  # type: ignore[no-untyped-def]
    from dualcarbon.server.app import create_app
    from dualcarbon.server.deps import get_session, get_session_factory

    application = create_app(settings, run_jobs=False)

    def _session() -> Iterator[Session]:
        yield session
        session.flush()

    application.dependency_overrides[get_session] = _session
    # streams open short sessions of their own: in tests they share the test's transaction,
    # one user at a time (a Session is not thread-safe)
    lock = threading.Lock()

    @contextlib.contextmanager
    def _shared() -> Iterator[Session]:
        with lock:
            yield session

    application.dependency_overrides[get_session_factory] = lambda: _shared
    return application


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as c:
        yield c


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path
