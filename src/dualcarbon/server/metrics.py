"""Prometheus text metrics per process (each uvicorn worker is scraped on its own)."""

from __future__ import annotations

import threading
from collections import defaultdict

from starlette.requests import Request

_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
_lock = threading.Lock()
_requests: dict[tuple[str, str], int] = defaultdict(int)
_hist: list[int] = [0] * (len(_BUCKETS) + 1)
_sum = 0.0


def observe(request: Request, status: int, seconds: float) -> None:
    global _sum
    cls = f"{status // 100}xx"
    with _lock:
        _requests[(request.method, cls)] += 1
        for i, b in enumerate(_BUCKETS):
            if seconds <= b:
                _hist[i] += 1
                break
        else:
            _hist[-1] += 1
        _sum += seconds


def render() -> str:
    lines = ["# TYPE dualcarbon_http_requests_total counter"]
    with _lock:
        for (method, cls), n in sorted(_requests.items()):
            lines.append(f'dualcarbon_http_requests_total{{method="{method}",status="{cls}"}} {n}')
        lines.append("# TYPE dualcarbon_http_request_seconds histogram")
        cumulative = 0
        for b, n in zip(_BUCKETS, _hist, strict=False):
            cumulative += n
            lines.append(f'dualcarbon_http_request_seconds_bucket{{le="{b}"}} {cumulative}')
        cumulative += _hist[-1]
        lines.append(f'dualcarbon_http_request_seconds_bucket{{le="+Inf"}} {cumulative}')
        lines.append(f"dualcarbon_http_request_seconds_sum {_sum:.6f}")
        lines.append(f"dualcarbon_http_request_seconds_count {cumulative}")
    return "\n".join(lines) + "\n"
