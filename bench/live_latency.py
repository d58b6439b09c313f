"""Publish-to-screen latency of the real-time page (issue 4 §9: p95 < 1 s); not in the test run.

The real app (`python -m dualcarbon serve`) on loopback over a fresh database; a signed-in user's
server-sent event streams (`/api/v1/point-latest/stream`, what the 实时监测 page opens) with
``--listeners`` copies open at once; readings published one at a time, each with a value never
used before, through

* the HTTP device door (gzip JSON + HMAC, as the edge agent sends), and
* MQTT through the broker on 127.0.0.1:1883 to a `dualcarbon mqtt` subscriber process
  (skipped with --no-mqtt or when no broker answers),

and the time from just before publishing to the event arriving at every listener is recorded.
Baseline in the same run: the HTTP door's own answer time (it answers after commit), so
``push overhead = screen − commit`` shows what the stream adds. The browser's render (Vue
patching one tile) is not included; it is a few milliseconds.

    PYTHONPATH=src python3 bench/live_latency.py [--db sqlite|postgresql] [--n 60]
        [--listeners 1,20] [--rate 5] [--no-mqtt]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import paho.mqtt.client as mqtt
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from dualcarbon.collection.models import DeviceKey  # noqa: E402
from dualcarbon.core import devicecrypto  # noqa: E402
from dualcarbon.core.context import SYSTEM_ACTOR  # noqa: E402
from dualcarbon.db import crypto  # noqa: E402
from dualcarbon.db.engine import make_engine  # noqa: E402
from dualcarbon.db.migrate import upgrade  # noqa: E402
from dualcarbon.db.tenancy import Grant  # noqa: E402
from dualcarbon.identity import service as identity_service  # noqa: E402
from dualcarbon.registry.models import Enterprise, MeteringPoint, Park  # noqa: E402
from dualcarbon.settings import Settings  # noqa: E402

PG = os.environ.get("DUALCARBON_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
SECRET = "bench-live-" + "y" * 24
PASSWORD = "Bench#2026live"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database(kind: str, tmp: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'live.db'}"
    name = f"dc_live_bench_{os.getpid()}"
    admin = create_engine(PG + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{PG}/{name}"


def drop(kind: str, url: str) -> None:
    if kind == "postgresql":
        admin = create_engine(PG + "/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
        admin.dispose()


def setup(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    upgrade(engine)
    crypto.configure(SECRET)
    settings = Settings(env="test", database_url=url)
    with Session(engine) as s:
        park = Park(code="LIVE", name="时延园区", province_code="320000", grid_region="east_china")
        s.add(park)
        s.flush()
        ent = Enterprise(park_id=park.id, code="E1", name="时延企业",
                         credit_code="91320500000000001X", industry_code="2614")
        s.add(ent)
        s.flush()
        pts = [MeteringPoint(park_id=park.id, enterprise_id=ent.id, code=f"LV{i:03d}",
                             name=f"测点{i}", medium="steam", unit="t/h",
                             measurement="instantaneous") for i in range(50)]
        s.add_all(pts)
        s.add(DeviceKey(park_id=park.id, enterprise_id=ent.id, key_id="dk-live", name="bench",
                        secret=SECRET, algorithm="hmac-sha256", created_by="bench"))
        identity_service.create_user(
            s, settings.security, SYSTEM_ACTOR, username="live.user", display_name="时延",
            password=PASSWORD, grants=[Grant("enterprise_user", park.id, ent.id)],
            must_change_password=False)
        s.commit()
        out = {"codes": [p.code for p in pts], "park": park.code, "ent": ent.code}
    engine.dispose()
    return out


def start(cmd: list[str], url: str, data_dir: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DUALCARBON_DATABASE_URL": url, "DUALCARBON_SECURITY__SECRET_KEY": SECRET,
           "DUALCARBON_DATA_DIR": str(data_dir), "DUALCARBON_ENV": "test",
           "DUALCARBON_JOBS__RUN_IN_PROCESS": "false", "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen([sys.executable, "-m", "dualcarbon", *cmd], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Listener(threading.Thread):
    def __init__(self, base: str, cookies: httpx.Cookies) -> None:
        super().__init__(daemon=True)
        self.base, self.cookies = base, cookies
        self.arrivals: dict[str, float] = {}
        self.ready = threading.Event()
        self.stop = False

    def run(self) -> None:
        with httpx.Client(base_url=self.base, cookies=self.cookies, timeout=None) as c, \
                c.stream("GET", "/api/v1/point-latest/stream",
                         params={"max_seconds": 3600}) as r:
            for line in r.iter_lines():
                if self.stop:
                    return
                if line.startswith("data: "):
                    now = time.perf_counter()
                    for item in json.loads(line[6:])["items"]:
                        self.arrivals.setdefault(item["value"], now)
                    self.ready.set()


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


def send_http(c: httpx.Client, code: str, value: str, batch: str) -> None:
    ts = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    body = gzip.compress(json.dumps({"batch_id": batch, "agent_id": "bench", "readings": [
        {"point": code, "ts": ts, "value": value, "quality": "N"}]}).encode())
    stamp = int(time.time())
    r = c.post("/api/v1/ingest/batches", content=body, headers={
        "Content-Type": "application/json", "Content-Encoding": "gzip",
        "X-Device-Key": "dk-live", "X-Timestamp": str(stamp), "X-Batch-Id": batch,
        "X-Signature": devicecrypto.sign(SECRET.encode(), "hmac-sha256", stamp, batch, body)})
    r.raise_for_status()
    assert r.json()["accepted"] == 1, r.text


def run(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="dc-live-"))
    url = database(args.db, tmp)
    world = setup(url)
    port = free_port()
    server = start(["serve", "--host", "127.0.0.1", "--port", str(port), "--log-level",
                    "warning"], url, tmp / "data")
    sub = None
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(base + "/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        login = httpx.post(base + "/api/v1/auth/login",
                           json={"username": "live.user", "password": PASSWORD})
        login.raise_for_status()
        cookies = login.cookies
        use_mqtt = not args.no_mqtt
        if use_mqtt:
            try:
                socket.create_connection(("127.0.0.1", 1883), timeout=1).close()
            except OSError:
                print("no MQTT broker on 127.0.0.1:1883: MQTT door skipped")
                use_mqtt = False
        if use_mqtt:
            sub = start(["mqtt"], url, tmp / "data")
            time.sleep(3)
        print(f"db={args.db} n={args.n} rate={args.rate}/s load={os.getloadavg()[0]:.1f}")
        counter = 0
        for n_listeners in [int(x) for x in args.listeners.split(",")]:
            listeners = [Listener(base, cookies) for _ in range(n_listeners)]
            for li in listeners:
                li.start()
            for li in listeners:
                li.ready.wait(10)
            doors = ["http"] + (["mqtt"] if use_mqtt else [])
            for door in doors:
                sent: dict[str, float] = {}
                commit: list[float] = []
                pub = None
                if door == "mqtt":
                    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"lb-{port}",
                                      protocol=mqtt.MQTTv5)
                    pub.connect("127.0.0.1", 1883)
                    pub.loop_start()
                with httpx.Client(base_url=base, timeout=10) as c:
                    for i in range(args.n):
                        counter += 1
                        value = f"{counter}.{i % 10}7"
                        code = world["codes"][i % len(world["codes"])]
                        t0 = time.perf_counter()
                        if door == "http":
                            send_http(c, code, value, f"lb-{counter}")
                            commit.append(time.perf_counter() - t0)
                        else:
                            assert pub is not None
                            ts = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                            edge = "EDGE-LB"
                            doc = {"v": 1, "edge": edge, "epoch": "e1", "seq": counter,
                                   "msg_id": f"{edge}:e1:{counter}", "sent_at": ts,
                                   "hist": False, "points": [{"pt": code, "ts": ts, "v": value,
                                                              "u": "t/h", "q": "good"}]}
                            pub.publish(f"cmis/v1/{world['park']}/{world['ent']}/{edge}/rt/m",
                                        json.dumps(doc), qos=1)
                        sent[value] = t0
                        time.sleep(1 / args.rate)
                time.sleep(2)
                if pub is not None:
                    pub.loop_stop()
                    pub.disconnect()
                lat = [li.arrivals[v] - t for li in listeners for v, t in sent.items()
                       if v in li.arrivals]
                missing = len(sent) * len(listeners) - len(lat)
                line = (f"  {door:<4} listeners={n_listeners:<3} screen p50 "
                        f"{statistics.median(lat) * 1000:6.0f} ms  p95 {pct(lat, .95) * 1000:6.0f}"
                        f" ms  max {max(lat) * 1000:6.0f} ms  missing {missing}")
                if commit:
                    cp50 = statistics.median(commit)
                    line += (f"  | door answer (commit) p50 {cp50 * 1000:5.0f} ms → push overhead"
                             f" p50 {(statistics.median(lat) - cp50) * 1000:5.0f} ms")
                print(line)
            for li in listeners:
                li.stop = True
    finally:
        for p in (sub, server):
            if p is not None:
                p.terminate()
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(10)
        drop(args.db, url)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--n", type=int, default=60)
    ap.add_argument("--rate", type=float, default=5.0)
    ap.add_argument("--listeners", default="1,20")
    ap.add_argument("--no-mqtt", action="store_true")
    run(ap.parse_args())


if __name__ == "__main__":
    main()
