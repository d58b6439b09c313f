"""Live values pushed to the browser as server-sent events (实时监测, 5.2.2.2-a, 6.1).

Every door commits through ingest(), which moves ``point_latest.seq``. One watcher per process
asks the database for ``max(seq)`` a few times a second — one tiny query however many screens are
open, and it sees doors running in other processes (``dualcarbon hj212``, ``dualcarbon mqtt``)
as well as in this one. When the maximum moves, each open stream asks for the rows of its own
scope changed since the ``seq`` it last sent (``service.latest_since`` applies the tenancy
filter, the one place it lives).

Batch ids are taken before commit, so a slow transaction can commit a smaller ``seq`` after a
larger one was sent; a stream therefore re-sends its whole scope every ``REFRESH_SECONDS``
(a few hundred rows), which bounds how long such a value can stay unseen.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from dualcarbon.collection import service
from dualcarbon.collection.models import PointLatest

Factory = Callable[[], AbstractContextManager[Session]]
POLL_SECONDS = 0.2
HEARTBEAT_SECONDS = 15.0
REFRESH_SECONDS = 10.0


class SeqWatcher:
    """Polls ``max(point_latest.seq)`` while anyone listens and wakes the listeners on a move."""

    def __init__(self, factory: Factory, poll_seconds: float = POLL_SECONDS):
        self.factory = factory
        self.poll_seconds = poll_seconds
        self.current = 0
        self._changed = asyncio.Condition()
        self._listeners = 0
        self._task: asyncio.Task[None] | None = None

    def _max_seq(self) -> int:
        with self.factory() as s:
            return int(s.scalar(select(func.coalesce(func.max(PointLatest.seq), 0))) or 0)

    async def _run(self) -> None:
        while self._listeners > 0:
            try:
                seq = await run_in_threadpool(self._max_seq)
            except Exception:  # database briefly away: keep the streams open, try again
                seq = self.current
            if seq != self.current:
                self.current = seq
                async with self._changed:
                    self._changed.notify_all()
            await asyncio.sleep(self.poll_seconds)
        self._task = None

    def attach(self) -> None:
        loop = asyncio.get_running_loop()
        if self._task is not None and (self._task.done() or self._task.get_loop() is not loop):
            # a previous event loop ended (tests, reloads): start over on this one
            self._task, self._listeners = None, 0
            self._changed = asyncio.Condition()
        self._listeners += 1
        if self._task is None:
            self._task = loop.create_task(self._run())

    async def detach(self) -> None:
        """The last listener stops the polling and waits for a query in flight to finish."""
        self._listeners = max(0, self._listeners - 1)
        task = self._task
        if self._listeners == 0 and task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            self._task = None

    async def wait_beyond(self, seq: int, timeout: float) -> bool:
        """True when the database holds a ``seq`` newer than ``seq`` (within ``timeout``)."""
        if self.current > seq:
            return True
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: self.current > seq),
                                       timeout)
            except TimeoutError:
                return False
        return True


def watcher_of(state: Any, factory: Factory) -> SeqWatcher:
    """The app's watcher, made on first use (``state`` is ``app.state``)."""
    w: SeqWatcher | None = getattr(state, "seq_watcher", None)
    if w is None:
        w = SeqWatcher(factory)
        state.seq_watcher = w
    return w


def sse(event: str, data: Any, event_id: int | None = None) -> bytes:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


async def stream(watcher: SeqWatcher, fetch: Callable[[int], dict[str, Any]], *, since: int,
                 max_seconds: float, disconnected: Callable[[], Any]) -> AsyncIterator[bytes]:
    """Snapshot (changes after ``since``), then every change, heartbeats and periodic full
    refreshes, until ``max_seconds`` pass (the browser's EventSource reconnects by itself, which
    also re-checks the session) or the client goes away."""
    watcher.attach()
    try:
        ends = time.monotonic() + max_seconds
        yield b"retry: 2000\n\n"
        answer = await run_in_threadpool(fetch, since)
        last = int(answer["seq"])
        yield sse("latest", answer, last)
        refresh_at = time.monotonic() + REFRESH_SECONDS
        beat_at = time.monotonic() + HEARTBEAT_SECONDS
        while (now := time.monotonic()) < ends:
            if await disconnected():
                return
            timeout = min(ends, refresh_at, beat_at) - now
            moved = await watcher.wait_beyond(last, max(0.0, timeout))
            now = time.monotonic()
            if moved or now >= refresh_at:
                full = now >= refresh_at
                answer = await run_in_threadpool(fetch, 0 if full else last)
                if full:
                    refresh_at = now + REFRESH_SECONDS
                if answer["items"]:
                    last = max(last, int(answer["seq"]))
                    answer["seq"] = last
                    answer["full"] = full
                    yield sse("latest", answer, last)
                    beat_at = now + HEARTBEAT_SECONDS
                elif moved:
                    # the move belongs to another tenant: remember it, send nothing
                    last = max(last, watcher.current)
            if now >= beat_at:
                yield b": ping\n\n"
                beat_at = now + HEARTBEAT_SECONDS
    finally:
        await watcher.detach()


def fetcher(factory: Factory, scope: Any,
            enterprise_id: int | None) -> Callable[[int], dict[str, Any]]:
    def fetch(since: int) -> dict[str, Any]:
        with factory() as s:
            return service.latest_since(s, scope, since=since, enterprise_id=enterprise_id)
    return fetch
