"""Driver interfaces.

* :class:`PollingDriver` — the scheduler calls ``poll(ts_ms)`` once per slot of ``interval_s``
  (slots aligned to the clock: a 60 s source polls at every full minute and stamps the slot start).
* :class:`StreamingDriver` — pushes readings itself (OPC UA subscriptions) through a sink.
* :class:`Service` — runs beside the pipeline without producing readings (HJ 212 forwarder).
"""

from __future__ import annotations

import abc
import asyncio
from collections.abc import Callable

from ..model import Reading

Sink = Callable[[list[Reading]], None]


class PollingDriver(abc.ABC):
    name: str
    interval_s: float
    timeout_s: float

    @abc.abstractmethod
    async def poll(self, ts_ms: int) -> list[Reading]:
        """Read every mapped point once; readings carry ``ts_ms``. Raise on a link failure."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Drop the connection; the next poll reconnects."""


class StreamingDriver(abc.ABC):
    name: str
    interval_s: float

    @abc.abstractmethod
    async def run(self, sink: Sink, stop: asyncio.Event) -> None:
        """Deliver readings to ``sink`` until ``stop`` is set; reconnect on failures."""


class Service(abc.ABC):
    name: str

    @abc.abstractmethod
    async def run(self, stop: asyncio.Event) -> None: ...
