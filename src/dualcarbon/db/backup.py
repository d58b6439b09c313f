"""Backup and restore (数据备份与恢复): one .tar.gz holding a consistent database dump and the
data directory's files (uploads, keys). SQLite uses the online backup API (a consistent copy while
the server runs); PostgreSQL uses pg_dump/pg_restore in the custom format."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url

MANIFEST = "manifest.json"


def _pg_args(url: str) -> tuple[list[str], dict[str, str]]:
    u = make_url(url)
    args = ["-h", u.host or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres",
            "-d", u.database or "postgres"]
    env = {"PGPASSWORD": u.password} if u.password else {}
    return args, env


def backup(url: str, data_dir: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / ("database.sqlite" if url.startswith("sqlite") else "database.pgdump")
        if url.startswith("sqlite"):
            src = sqlite3.connect(url.split("///", 1)[-1])
            dst = sqlite3.connect(dump)
            with dst:
                src.backup(dst)
            src.close()
            dst.close()
        else:
            args, env = _pg_args(url)
            import os

            subprocess.run(["pg_dump", "-Fc", "-f", str(dump), *args], check=True,  # noqa: S603,S607
                           env={**os.environ, **env})
        manifest = {"created_at": datetime.now(UTC).isoformat(), "database": dump.name,
                    "dialect": "sqlite" if url.startswith("sqlite") else "postgresql"}
        with tarfile.open(target, "w:gz") as tar:
            tar.add(dump, arcname=dump.name)
            db_file = Path(url.split("///", 1)[-1]).resolve() if url.startswith("sqlite") else None
            if data_dir.is_dir():
                for path in sorted(data_dir.rglob("*")):
                    if not path.is_file():
                        continue
                    if db_file and path.resolve().name.startswith(db_file.name):
                        continue  # the live database and its -wal/-shm come from the dump
                    tar.add(path, arcname=f"data/{path.relative_to(data_dir)}")
            blob = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return target


def restore(url: str, data_dir: Path, source: Path) -> None:
    """Replace the database and the data directory's files with the backup's. Stop the server
    first."""
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(source, "r:gz") as tar:
        tar.extractall(tmp, filter="data")
        manifest = json.loads((Path(tmp) / MANIFEST).read_text())
        dump = Path(tmp) / manifest["database"]
        if url.startswith("sqlite"):
            if manifest["dialect"] != "sqlite":
                raise ValueError("this backup holds a PostgreSQL dump")
            db_file = Path(url.split("///", 1)[-1])
            for suffix in ("-wal", "-shm"):
                Path(str(db_file) + suffix).unlink(missing_ok=True)
            db_file.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(dump, db_file)
        else:
            if manifest["dialect"] != "postgresql":
                raise ValueError("this backup holds a SQLite database")
            import os

            args, env = _pg_args(url)
            subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", *args,  # noqa: S603,S607
                            str(dump)], check=True, env={**os.environ, **env})
        files = Path(tmp) / "data"
        if files.is_dir():
            for path in files.rglob("*"):
                if path.is_file():
                    dest = data_dir / path.relative_to(files)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, dest)


def checksum(engine: Engine) -> dict[str, str]:
    """A digest per table of its rows in primary-key order: equal digests, equal contents."""
    out = {}
    insp = inspect(engine)
    with engine.connect() as conn:
        for table in sorted(insp.get_table_names()):
            if table == "alembic_version":
                continue
            pk = insp.get_pk_constraint(table).get("constrained_columns") or []
            order = ", ".join(f'"{c}"' for c in pk) or "1"
            digest = hashlib.sha256()
            for row in conn.execute(text(f'SELECT * FROM "{table}" ORDER BY {order}')):  # noqa: S608
                digest.update(repr(tuple(row)).encode())
            out[table] = digest.hexdigest()
    return out
