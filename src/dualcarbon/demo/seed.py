"""Seeds the demo park (idempotent): the park, its enterprises with facilities, processes,
products, devices and metering points from `park_data`, and one user per role."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dualcarbon.audit import service as audit
from dualcarbon.core.context import SYSTEM_ACTOR
from dualcarbon.db.session import unit_of_work
from dualcarbon.db.tenancy import Grant
from dualcarbon.demo import park_data
from dualcarbon.identity import service as identity_service
from dualcarbon.identity.models import User
from dualcarbon.registry import reference
from dualcarbon.registry.models import (
    Device,
    Enterprise,
    Facility,
    MeteringPoint,
    Park,
    Process,
    Product,
)
from dualcarbon.settings import Settings

# (user name, password, display name, role, scope): scope "park" or "enterprise" (the first
# enterprise of the demo park) or None for the three separated administrators.
DEMO_USERS: tuple[tuple[str, str, str, str, str | None], ...] = (
    ("park.admin", "Demo#2026park", "园区管理员（演示）", "park_admin", "park"),
    ("ent.user", "Demo#2026ent", "企业能源管理员（演示）", "enterprise_user", "enterprise"),
    ("verifier", "Demo#2026verify", "核查员（演示）", "verifier", "park"),
    ("sys.admin", "Demo#2026sys", "系统管理员（演示）", "system_admin", None),
    ("sec.admin", "Demo#2026sec", "安全管理员（演示）", "security_admin", None),
    ("audit.admin", "Demo#2026audit", "审计管理员（演示）", "audit_admin", None),
)
ROLE_NAMES = {"park_admin": "园区管理员", "enterprise_user": "企业填报员", "verifier": "核查员",
              "system_admin": "系统管理员", "security_admin": "安全管理员",
              "audit_admin": "审计管理员"}


def _columns(model: Any, source: Any, **extra: Any) -> dict[str, Any]:
    """The dataclass fields of `source` that are columns of `model`."""
    data = dataclasses.asdict(source) if dataclasses.is_dataclass(source) else dict(source)
    cols = set(model.__table__.c.keys()) - {"id", "park_id", "enterprise_id", "created_at",
                                             "updated_at"}
    out = {k: v for k, v in data.items() if k in cols and not isinstance(v, list | tuple | dict)}
    out.update(extra)
    return out


def seed_registry(session: Session, demo: Any) -> Park:
    p = demo.park
    park = Park(**_columns(Park, p))
    if not park.grid_region:
        park.grid_region = reference.grid_region_of(park.province_code) or ""
    session.add(park)
    session.flush()
    for e in demo.enterprises:
        ent = Enterprise(**_columns(Enterprise, e, park_id=park.id))
        session.add(ent)
        session.flush()
        ids = {"park_id": park.id, "enterprise_id": ent.id}
        processes: dict[str, int] = {}
        for pr in getattr(e, "processes", ()):
            row = Process(**_columns(Process, pr, **ids))
            session.add(row)
            session.flush()
            processes[row.code] = row.id
        for pd in getattr(e, "products", ()):
            process_code = getattr(pd, "process_code", None)
            session.add(Product(**_columns(Product, pd, **ids,
                                           process_id=processes.get(process_code or ""))))
        facilities: dict[str, int] = {}
        for f in getattr(e, "facilities", ()):
            row = Facility(**_columns(Facility, f, **ids))
            session.add(row)
            session.flush()
            facilities[row.code] = row.id
        devices: dict[str, int] = {}
        for d in getattr(e, "devices", ()):
            row = Device(**_columns(Device, d, **ids))
            session.add(row)
            session.flush()
            devices[row.code] = row.id
        for mp in getattr(e, "metering_points", ()):
            session.add(MeteringPoint(**_columns(
                MeteringPoint, mp, **ids,
                facility_id=facilities.get(getattr(mp, "facility_code", None) or ""),
                device_id=devices.get(getattr(mp, "device_code", None) or ""))))
        session.flush()
    return park


def seed_users(session: Session, settings: Settings, park: Park) -> None:
    first = session.scalar(select(Enterprise).where(Enterprise.park_id == park.id)
                           .order_by(Enterprise.id).limit(1))
    for username, password, display, role, scope in DEMO_USERS:
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            continue
        grant = Grant(role, park.id if scope == "park" else None,
                      first.id if scope == "enterprise" and first else None)
        identity_service.create_user(
            session, settings.security, SYSTEM_ACTOR, username=username, display_name=display,
            password=password, grants=[grant],
            must_change_password=settings.security.force_password_change_for_seeded)


def seed_demo(factory: sessionmaker[Session], settings: Settings) -> bool:
    """Seed the demo park if it is not there yet. Returns True when it seeded."""
    demo = park_data.build_demo_park()
    with unit_of_work(factory) as session:
        if session.scalar(select(Park.id).where(Park.code == demo.park.code)) is not None:
            return False
        park = seed_registry(session, demo)
        seed_users(session, settings, park)
        audit.record(session, SYSTEM_ACTOR, "seed", object_type="park", object_id=park.id,
                     object_label=park.name, detail="demo park")
    return True


def credentials_text() -> str:
    lines = ["", "演示账号 / demo logins:"]
    for username, password, _, role, _ in DEMO_USERS:
        lines.append(f"  {ROLE_NAMES[role]:<8} {role:<16} {username:<12} {password}")
    return "\n".join(lines) + "\n"
