"""Source drivers. Each is imported only when a source of its type is configured, so the agent
starts without pymodbus/asyncua when it does not need them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import PollingDriver, Service, Sink, StreamingDriver

if TYPE_CHECKING:
    from ..clock import Clock
    from ..config import SourceConfig

Driver = PollingDriver | StreamingDriver | Service


def build_driver(cfg: SourceConfig, clock: Clock) -> Driver:
    if cfg.type == "modbus":
        from .modbus import ModbusDriver

        return ModbusDriver(cfg)
    if cfg.type == "dlt645":
        from .dlt645_tcp import Dlt645Driver

        return Dlt645Driver(cfg)
    if cfg.type == "opcua":
        from .opcua import OpcUaPollDriver, OpcUaSubscriptionDriver

        if cfg.mode == "poll":
            return OpcUaPollDriver(cfg)
        return OpcUaSubscriptionDriver(cfg, clock)
    if cfg.type == "hj212_forward":
        from .hj212_forward import Hj212Forwarder

        return Hj212Forwarder(cfg)
    if cfg.type == "simulated":
        from .simulated import SimulatedDriver

        return SimulatedDriver(cfg)
    raise ValueError(f"unknown source type {cfg.type!r}")


__all__ = ["Driver", "PollingDriver", "Service", "Sink", "StreamingDriver", "build_driver"]
