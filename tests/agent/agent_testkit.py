"""Test kit for the edge agent: a fake ingestion door that follows docs/api.md ("Device ingestion
door") and counts every reading per (point, ts), plus config and reading helpers.

The fake door verifies with ``dualcarbon.core.devicecrypto`` exactly as the server must: key id →
secret, timestamp window ±300 s (against an injectable clock), signature, optional decryption,
gunzip, batch id idempotency (a known batch id is answered with the stored answer), readings
deduplicated on (point, ts) and counted.
"""

from __future__ import annotations

import email.utils
import gzip
import json
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from dualcarbon.core import devicecrypto
from dualcarbon_agent.model import Reading, iso_from_ms
from testkit import free_port  # noqa: F401  (re-exported for the agent tests)

PATH = "/api/v1/ingest/batches"
KEY_ID = "dk-test-01"
SECRET = b"s3cret-device-key-issued-once"
T0_MS = 1_764_000_000_000  # 2025-11-24T16:00:00Z


class FakeIngestServer:
    def __init__(
        self,
        *,
        devices: dict[str, bytes] | None = None,
        now: Callable[[], float] = time.time,
        port: int = 0,
        window_s: int = 300,
    ) -> None:
        self.devices = devices if devices is not None else {KEY_ID: SECRET}
        self.now = now
        self.window_s = window_s
        self.port = port
        self.lock = threading.Lock()
        self.stored: dict[tuple[str, str], dict[str, Any]] = {}
        self.store_count: Counter[tuple[str, str]] = Counter()  # must stay ≤ 1 per key
        self.arrivals: Counter[tuple[str, str]] = Counter()  # in newly processed batches
        self.duplicates = 0  # readings already stored, arriving inside a new batch id
        self.answers: dict[tuple[str, str], dict[str, Any]] = {}
        self.batch_log: list[dict[str, Any]] = []
        self.refusals: list[tuple[int, str]] = []
        self.requests = 0
        self.new_batches = 0
        self.fail_next: deque[int] = deque()
        self.reject_points: set[str] = set()
        self.reject_batch_status: int | None = None
        self.hold_after_commit: set[int] = set()  # 1-based numbers of new batches to hold
        self.holding = threading.Event()
        self.release = threading.Event()
        self.httpd: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeIngestServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                status, payload, headers = server.handle(self.path, dict(self.headers), body)
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    ctype = "application/json" if status < 400 else "application/problem+json"
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(data)))
                    self.send_header("Date", email.utils.formatdate(server.now(), usegmt=True))
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the agent was killed while we held the answer
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def __enter__(self) -> FakeIngestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ the door

    def _refuse(self, status: int, code: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self.lock:
            self.refusals.append((status, code))
        return status, {"status": status, "code": code, "title": code}, {}

    def handle(
        self, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        h = {k.lower(): v for k, v in headers.items()}
        with self.lock:
            self.requests += 1
            forced = self.fail_next.popleft() if self.fail_next else None
        if path != PATH:
            return self._refuse(404, "not-found")
        if forced is not None:
            extra = {"Retry-After": "7"} if forced == 429 else {}
            status, payload, _ = self._refuse(forced, f"forced-{forced}")
            return status, payload, extra
        key_id = h.get("x-device-key", "")
        secret = self.devices.get(key_id)
        if secret is None:
            return self._refuse(401, "ingest.unknown-key")
        try:
            ts = int(h.get("x-timestamp", ""))
        except ValueError:
            return self._refuse(401, "ingest.stale-timestamp")
        if not devicecrypto.timestamp_fresh(ts, self.now(), self.window_s):
            return self._refuse(401, "ingest.stale-timestamp")
        batch_id = h.get("x-batch-id", "")
        if not batch_id or len(batch_id) > 64:
            return self._refuse(400, "ingest.bad-batch-id")
        if not devicecrypto.verify(secret, h.get("x-signature", ""), ts, batch_id, body):
            return self._refuse(401, "ingest.bad-signature")
        try:
            if h.get("x-encryption"):
                alg = h["x-encryption"]
                body = devicecrypto.decrypt(devicecrypto.derive_key(secret, alg), alg, body)
            if h.get("content-encoding") == "gzip":
                body = gzip.decompress(body)
            doc = json.loads(body)
        except (ValueError, OSError):
            return self._refuse(400, "ingest.bad-body")
        if doc.get("batch_id") != batch_id:
            return self._refuse(400, "ingest.batch-id-mismatch")
        if self.reject_batch_status is not None:
            return self._refuse(self.reject_batch_status, "ingest.invalid")
        hold = False
        with self.lock:
            known = self.answers.get((key_id, batch_id))
            readings = doc.get("readings", [])
            entry = {
                "batch_id": batch_id,
                "n": len(readings),
                "first_ts": min((r["ts"] for r in readings), default=None),
                "last_ts": max((r["ts"] for r in readings), default=None),
                "replay": known is not None,
            }
            self.batch_log.append(entry)
            if known is not None:
                answer = known
            else:
                accepted, dups, rejected = 0, 0, []
                for i, r in enumerate(readings):
                    key = (r["point"], r["ts"])
                    if r["point"] in self.reject_points:
                        rejected.append({"index": i, "point": r["point"], "reason": "unknown"})
                        continue
                    self.arrivals[key] += 1
                    if key in self.stored:
                        dups += 1
                        continue
                    self.stored[key] = r
                    self.store_count[key] += 1
                    accepted += 1
                self.duplicates += dups
                answer = {
                    "batch_id": batch_id,
                    "accepted": accepted,
                    "duplicates": dups,
                    "rejected": rejected,
                }
                self.answers[(key_id, batch_id)] = answer  # committed before answering
                self.new_batches += 1
                hold = self.new_batches in self.hold_after_commit
        if hold:
            self.holding.set()
            self.release.wait(30)
            self.release.clear()
        return 200, answer, {}

    # ------------------------------------------------------------------ counting

    def report(self, source: Iterable[tuple[str, str]]) -> dict[str, int]:
        """Counts per (point, ts): at the source vs stored at the server."""
        src = Counter(source)
        with self.lock:
            stored = Counter(self.store_count)
        return {
            "source": sum(src.values()),
            "stored": len(stored),
            "missing": sum(1 for k in src if stored[k] == 0),
            "stored_twice": sum(1 for k in stored if stored[k] > 1),
            "unexpected": sum(1 for k in stored if k not in src),
            "duplicates_in_new_batches": self.duplicates,
            "replayed_batches": sum(1 for b in self.batch_log if b["replay"]),
        }


def readings(points: Iterable[str], start_ms: int, count: int, step_s: int) -> list[Reading]:
    """count slots × points, value distinct per (point, slot)."""
    out = []
    pts = list(points)
    for k in range(count):
        ts = start_ms + k * step_s * 1000
        for j, p in enumerate(pts):
            out.append(Reading(p, ts, f"{1000 + k * 0.25 + j:.2f}"))
    return out


def keys(rs: Iterable[Reading]) -> list[tuple[str, str]]:
    return [(r.point, iso_from_ms(r.ts_ms)) for r in rs]


def write_config(
    directory: Path,
    url: str,
    *,
    sources: str = "",
    extra: str = "",
    upload: str = "",
    signature: str = "hmac-sm3",
    secret: bytes = SECRET,
    capacity_rows: int = 1_000_000,
    max_mb: int = 200,
) -> Path:
    secret_file = directory / "device.secret"
    secret_file.write_bytes(secret + b"\n")
    secret_file.chmod(0o600)
    path = directory / "agent.toml"
    path.write_text(
        f"""
[agent]
id = "EDGE-TEST"
log_level = "INFO"

[server]
url = "{url}"
timeout_s = 20

[device_key]
key_id = "{KEY_ID}"
secret_file = "device.secret"
signature = "{signature}"

[upload]
batch_size = 100
backoff_base_s = 0.05
backoff_cap_s = 0.5
max_batches_per_s = 0
{upload}

[outbox]
path = "outbox.db"
capacity_rows = {capacity_rows}
max_mb = {max_mb}
{extra}
{sources}
""",
        encoding="utf-8",
    )
    return path
