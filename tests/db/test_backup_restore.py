"""Restore drill: backup → wipe → restore → identical checksums, on the database under test."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from dualcarbon.db.backup import backup, checksum, restore
from dualcarbon.db.engine import make_engine, make_sessionmaker
from dualcarbon.db.migrate import upgrade
from dualcarbon.db.session import unit_of_work
from testkit import fresh_database_url, make_enterprise, make_park


def _fresh_url(db_kind: str, database_url: str, tmp_path: Path) -> str:
    return fresh_database_url(db_kind, database_url, tmp_path, "drill")


def test_backup_wipe_restore_identical(db_kind, database_url, tmp_path, settings):
    url = _fresh_url(db_kind, database_url, tmp_path)
    engine = make_engine(url)
    upgrade(engine)
    with unit_of_work(make_sessionmaker(engine)) as s:
        park = make_park(s, name="备份园区")
        make_enterprise(s, park, contact_phone="13800000000")
    data_dir = tmp_path / "data"
    (data_dir / "uploads").mkdir(parents=True)
    (data_dir / "uploads" / "evidence.pdf").write_bytes(b"%PDF-1.4 evidence")
    before = checksum(engine)
    archive = backup(url, data_dir, tmp_path / "backup.tar.gz")

    with engine.begin() as conn:  # wipe: lose the business data and the upload
        conn.execute(text("DELETE FROM enterprises"))
        conn.execute(text("DELETE FROM parks"))
    (data_dir / "uploads" / "evidence.pdf").unlink()
    assert checksum(engine) != before
    engine.dispose()

    restore(url, data_dir, archive)
    engine = make_engine(url)
    assert checksum(engine) == before
    assert (data_dir / "uploads" / "evidence.pdf").read_bytes() == b"%PDF-1.4 evidence"
    engine.dispose()
