"""Migrations and models never drift; upgrade and downgrade work on the database under test."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from dualcarbon.db.base import Base
from dualcarbon.db.engine import make_engine
from dualcarbon.db.migrate import MIGRATIONS, alembic_config, downgrade, upgrade
from dualcarbon.db.models_registry import import_all_models
from testkit import fresh_database_url


def test_single_head():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1
    assert MIGRATIONS.is_dir()


def test_models_match_migrations(engine):
    import_all_models()
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_downgrade_then_upgrade(database_url, tmp_path, db_kind):
    eng = make_engine(fresh_database_url(db_kind, database_url, tmp_path, "roundtrip"))
    upgrade(eng)
    downgrade(eng, "base")
    upgrade(eng)
    from sqlalchemy import inspect

    assert "audit_events" in inspect(eng).get_table_names()
    eng.dispose()
