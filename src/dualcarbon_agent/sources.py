"""Source sections of the agent configuration ([[sources]]) and the TOML reader they share
with :mod:`dualcarbon_agent.config`."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from dualcarbon.core.codecs import dlt645

MODBUS_TYPES = {
    "int16": 1,
    "uint16": 1,
    "int32": 2,
    "uint32": 2,
    "float32": 2,
    "int64": 4,
    "uint64": 4,
    "float64": 4,
}


@dataclass(frozen=True)
class RegisterMap:
    point: str
    address: int
    type: str = "uint16"
    table: str = "holding"  # holding | input
    scale: str = "1"
    offset: str = "0"
    word_order: str | None = None  # None → the source's

    @property
    def count(self) -> int:
        return MODBUS_TYPES[self.type]


@dataclass(frozen=True)
class DIMap:
    point: str
    di: int
    index: int = 0


@dataclass(frozen=True)
class Meter:
    address: str
    dis: tuple[DIMap, ...]


@dataclass(frozen=True)
class NodeMap:
    point: str
    node_id: str


@dataclass(frozen=True)
class SimPoint:
    point: str
    kind: str = "gauge"  # gauge | counter
    base: str = "0"
    amplitude: str = "10"
    rate_per_h: str = "1"


@dataclass(frozen=True)
class SourceConfig:
    type: str  # modbus | dlt645 | opcua | hj212_forward | simulated
    name: str
    interval_s: float = 60.0
    enabled: bool = True
    host: str = ""
    port: int = 0
    timeout_s: float = 3.0
    # modbus
    unit: int = 1
    word_order: str = "big"
    registers: tuple[RegisterMap, ...] = ()
    # dlt645
    transport: str = "tcp"  # tcp | serial
    serial_port: str = ""
    baudrate: int = 2400
    parity: str = "E"
    meters: tuple[Meter, ...] = ()
    # opcua
    endpoint: str = ""
    mode: str = "subscription"  # subscription | poll
    security: str = ""
    username: str = ""
    password: str = field(default="", repr=False)
    nodes: tuple[NodeMap, ...] = ()
    # hj212_forward
    listen_host: str = "0.0.0.0"  # noqa: S104 - loggers connect from the plant network
    listen_port: int = 0
    # simulated
    points: tuple[SimPoint, ...] = ()

    @property
    def point_codes(self) -> list[str]:
        if self.type == "modbus":
            return [r.point for r in self.registers]
        if self.type == "dlt645":
            return [d.point for m in self.meters for d in m.dis]
        if self.type == "opcua":
            return [n.point for n in self.nodes]
        if self.type == "simulated":
            return [p.point for p in self.points]
        return []

    @property
    def readings_per_s(self) -> float:
        if not self.enabled or self.type == "hj212_forward":
            return 0.0
        return len(self.point_codes) / self.interval_s


class TableReader:
    """Typed access to a TOML table that records errors instead of raising."""

    def __init__(self, data: dict[str, Any], where: str, errors: list[str]) -> None:
        self.data, self.where, self.errors = data, where, errors
        self.used: set[str] = set()

    def _get(self, key: str, kinds: tuple[type, ...], default: Any, required: bool) -> Any:
        self.used.add(key)
        if key not in self.data:
            if required:
                self.errors.append(f"{self.where}.{key} is required")
            return default
        value = self.data[key]
        if isinstance(value, bool) and bool not in kinds:
            self.errors.append(f"{self.where}.{key} must be {kinds[0].__name__}")
            return default
        if not isinstance(value, kinds):
            self.errors.append(f"{self.where}.{key} must be {kinds[0].__name__}, got {value!r}")
            return default
        return value

    def text(self, key: str, default: str = "", required: bool = False) -> str:
        return str(self._get(key, (str,), default, required))

    def integer(self, key: str, default: int = 0, required: bool = False) -> int:
        return int(self._get(key, (int,), default, required))

    def number(self, key: str, default: float = 0.0, required: bool = False) -> float:
        return float(self._get(key, (int, float), default, required))

    def flag(self, key: str, default: bool = False) -> bool:
        return bool(self._get(key, (bool,), default, False))

    def decimal(self, key: str, default: str) -> str:
        value = self._get(key, (int, float, str), default, False)
        try:
            text = str(value)
            Decimal(text)
        except InvalidOperation:
            self.errors.append(f"{self.where}.{key} must be a number, got {value!r}")
            return default
        return text

    def table(self, key: str, required: bool = False) -> dict[str, Any]:
        return dict(self._get(key, (dict,), {}, required))

    def tables(self, key: str) -> list[dict[str, Any]]:
        value = self._get(key, (list,), [], False)
        if not all(isinstance(v, dict) for v in value):
            self.errors.append(f"{self.where}.{key} must be an array of tables")
            return []
        return list(value)

    def check_unknown(self) -> None:
        for key in self.data:
            if key not in self.used:
                self.errors.append(f"{self.where}.{key} is not a known setting")


def parse_source(
    data: dict[str, Any], where: str, errors: list[str], warnings: list[str]
) -> SourceConfig:
    r = TableReader(data, where, errors)
    kind = r.text("type", required=True)
    name = r.text("name", kind)
    where = f"sources[{name}]"
    r.where = where
    interval = r.number("interval_s", 60.0)
    if interval <= 0:
        errors.append(f"{where}.interval_s must be > 0")
        interval = 60.0
    if interval > 300 and kind != "hj212_forward":
        warnings.append(f"{where}: interval_s {interval:g} > 300 misses the 5-minute update rule")
    common: dict[str, Any] = {
        "type": kind,
        "name": name,
        "interval_s": interval,
        "enabled": r.flag("enabled", True),
        "timeout_s": r.number("timeout_s", 3.0),
    }
    if kind == "modbus":
        word_order = r.text("word_order", "big")
        regs = []
        for i, item in enumerate(r.tables("registers")):
            rr = TableReader(item, f"{where}.registers[{i}]", errors)
            reg = RegisterMap(
                point=rr.text("point", required=True),
                address=rr.integer("address", required=True),
                type=rr.text("type", "uint16").lower(),
                table=rr.text("table", "holding").lower(),
                scale=rr.decimal("scale", "1"),
                offset=rr.decimal("offset", "0"),
                word_order=rr.text("word_order") or None,
            )
            if reg.type not in MODBUS_TYPES:
                errors.append(f"{rr.where}.type must be one of {sorted(MODBUS_TYPES)}")
                reg = RegisterMap(reg.point, reg.address, "uint16", reg.table)
            if reg.table not in ("holding", "input"):
                errors.append(f"{rr.where}.table must be holding or input")
            if not 0 <= reg.address <= 65535:
                errors.append(f"{rr.where}.address must be 0–65535 (0-based protocol address)")
            if (reg.word_order or word_order) not in ("big", "little"):
                errors.append(f"{rr.where}.word_order must be big or little")
            rr.check_unknown()
            regs.append(reg)
        src = SourceConfig(
            **common,
            host=r.text("host", required=True),
            port=r.integer("port", 502),
            unit=r.integer("unit", 1),
            word_order=word_order,
            registers=tuple(regs),
        )
    elif kind == "dlt645":
        meters = []
        meter_tables = r.tables("meters")
        if "address" in data:  # one meter written inline
            meter_tables = [{"address": data["address"], "dis": data.get("dis", [])}, *meter_tables]
            r.used.update({"address", "dis"})
        for i, item in enumerate(meter_tables):
            mr = TableReader(item, f"{where}.meters[{i}]", errors)
            address = mr.text("address", required=True)
            try:
                dlt645.encode_address(address)
            except ValueError as exc:
                errors.append(f"{mr.where}.address: {exc}")
            dis = []
            for j, di_item in enumerate(mr.tables("dis")):
                dr = TableReader(di_item, f"{mr.where}.dis[{j}]", errors)
                point, di_text, index = (
                    dr.text("point", required=True),
                    dr.text("di", required=True),
                    dr.integer("index", 0),
                )
                try:
                    di = dlt645.parse_di(di_text)
                    fmt = dlt645.lookup_format(di)
                    if not 0 <= index < fmt.count:
                        errors.append(f"{dr.where}.index must be 0–{fmt.count - 1}")
                    if fmt.kind != "decimal":
                        errors.append(f"{dr.where}: DI {di_text} is not a numeric value")
                except (ValueError, KeyError) as exc:
                    errors.append(f"{dr.where}.di: {exc}")
                    di = 0
                dr.check_unknown()
                dis.append(DIMap(point, di, index))
            mr.check_unknown()
            meters.append(Meter(address, tuple(dis)))
        transport = r.text("transport", "tcp")
        if transport not in ("tcp", "serial"):
            errors.append(f"{where}.transport must be tcp or serial")
        host = r.text("host", required=transport == "tcp")
        serial_port = r.text("serial_port", required=transport == "serial")
        if transport == "serial":
            try:
                import serial  # noqa: F401
            except ImportError:
                errors.append(f"{where}: transport = serial needs pyserial (pip install pyserial)")
        src = SourceConfig(
            **common,
            host=host,
            port=r.integer("port", 8899),
            transport=transport,
            serial_port=serial_port,
            baudrate=r.integer("baudrate", 2400),
            parity=r.text("parity", "E"),
            meters=tuple(meters),
        )
    elif kind == "opcua":
        nodes = []
        for i, item in enumerate(r.tables("nodes")):
            nr = TableReader(item, f"{where}.nodes[{i}]", errors)
            nodes.append(
                NodeMap(nr.text("point", required=True), nr.text("node_id", required=True))
            )
            nr.check_unknown()
        mode = r.text("mode", "subscription")
        if mode not in ("subscription", "poll"):
            errors.append(f"{where}.mode must be subscription or poll")
        endpoint = r.text("endpoint", required=True)
        if endpoint and not endpoint.startswith("opc.tcp://"):
            errors.append(f"{where}.endpoint must start with opc.tcp://")
        src = SourceConfig(
            **common,
            endpoint=endpoint,
            mode=mode,
            security=r.text("security"),
            username=r.text("username"),
            password=r.text("password"),
            nodes=tuple(nodes),
        )
    elif kind == "hj212_forward":
        src = SourceConfig(
            **common,
            host=r.text("host", required=True),
            port=r.integer("port", 0),
            listen_host=r.text("listen_host", "0.0.0.0"),  # noqa: S104
            listen_port=r.integer("listen_port", 0),
        )
        if not 0 < src.port < 65536:
            errors.append(f"{where}.port (upstream HJ 212 server) is required")
    elif kind == "simulated":
        pts = []
        for i, item in enumerate(r.tables("points")):
            pr = TableReader(item, f"{where}.points[{i}]", errors)
            sp = SimPoint(
                pr.text("point", required=True),
                pr.text("kind", "gauge"),
                pr.decimal("base", "0"),
                pr.decimal("amplitude", "10"),
                pr.decimal("rate_per_h", "1"),
            )
            if sp.kind not in ("gauge", "counter"):
                errors.append(f"{pr.where}.kind must be gauge or counter")
            pr.check_unknown()
            pts.append(sp)
        src = SourceConfig(**common, points=tuple(pts))
    else:
        errors.append(f"{where}.type must be modbus, dlt645, opcua, hj212_forward or simulated")
        src = SourceConfig(**common)
    r.check_unknown()
    if (
        kind != "hj212_forward"
        and not src.point_codes
        and kind in ("modbus", "dlt645", "opcua", "simulated")
    ):
        warnings.append(f"{where} maps no points")
    return src
