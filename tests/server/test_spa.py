"""The built web UI (SPA) is served by the Python app: index.html for every client route, the
hashed assets as files, while unknown API paths stay RFC 9457 problems."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from dualcarbon.settings import Settings

INDEX = "<!doctype html><html><body><div id=app></div><script src=/assets/x.js></script></body>"


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    d = tmp_path / "dist"
    (d / "assets").mkdir(parents=True)
    (d / "index.html").write_text(INDEX, encoding="utf-8")
    (d / "assets" / "x.js").write_text("console.log('x')", encoding="utf-8")
    (d / "favicon.ico").write_bytes(b"\x00\x00\x01\x00")
    (tmp_path / "secret.txt").write_text("outside the dist", encoding="utf-8")
    return d


@pytest.fixture
def spa_client(settings: Settings, session: Session, dist: Path) -> Iterator[TestClient]:
    from dualcarbon.server.app import create_app
    from dualcarbon.server.deps import get_session

    s = settings.model_copy(deep=True)
    s.web.dist_dir = str(dist)
    application = create_app(s, run_jobs=False)

    def _session() -> Iterator[Session]:
        yield session
        session.flush()

    application.dependency_overrides[get_session] = _session
    with TestClient(application) as c:
        yield c


@pytest.mark.parametrize("path", ["/", "/enterprises", "/metering-points", "/login?next=/devices"])
def test_client_routes_serve_index(spa_client: TestClient, path: str) -> None:
    r = spa_client.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert r.text == INDEX
    assert r.headers["cache-control"] == "no-cache"


def test_assets_and_root_files_are_served(spa_client: TestClient) -> None:
    r = spa_client.get("/assets/x.js")
    assert r.status_code == 200
    assert r.text == "console.log('x')"
    assert "javascript" in r.headers["content-type"]
    assert spa_client.get("/favicon.ico").content == b"\x00\x00\x01\x00"
    assert spa_client.get("/assets/missing.js").status_code == 404


def test_files_outside_the_dist_are_not_served(spa_client: TestClient) -> None:
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/assets/../../secret.txt"):
        r = spa_client.get(path)
        assert "outside the dist" not in r.text


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/enterprises/1/nope", "/api/nope"])
def test_unknown_api_paths_stay_problem_json(spa_client: TestClient, path: str) -> None:
    r = spa_client.get(path, headers={"Accept-Language": "en"})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == 404
    assert body["instance"] == path


def test_api_and_health_still_answer(spa_client: TestClient) -> None:
    assert spa_client.get("/healthz").json()["status"] == "ok"
    assert spa_client.get("/api/v1/openapi.json").status_code == 200
    r = spa_client.get("/api/v1/auth/me")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
