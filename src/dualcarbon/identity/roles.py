"""Roles and the permissions each grants. Permission strings are `<domain>.<resource>:<action>`;
the UI shows menu entries by the same strings. Default deny: a route declares its permission and a
role that does not list it cannot reach it.

三权分立: system_admin (users), security_admin (grants, policy), audit_admin (audit log) hold no
business permission at all.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    PARK_ADMIN = "park_admin"
    ENTERPRISE_USER = "enterprise_user"
    VERIFIER = "verifier"
    SYSTEM_ADMIN = "system_admin"
    SECURITY_ADMIN = "security_admin"
    AUDIT_ADMIN = "audit_admin"


BUSINESS_ROLES = {Role.PARK_ADMIN, Role.ENTERPRISE_USER, Role.VERIFIER}
ADMIN_ROLES = {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}
PRIVILEGED_ROLES = ADMIN_ROLES | {Role.PARK_ADMIN}

REGISTRY_RESOURCES = (
    "park",
    "enterprise",
    "facility",
    "process",
    "product",
    "device",
    "metering_point",
)


def _rw(domain: str, resources: tuple[str, ...], actions: tuple[str, ...]) -> set[str]:
    return {f"{domain}.{r}:{a}" for r in resources for a in actions}


BUSINESS_READ: set[str] = _rw("registry", REGISTRY_RESOURCES, ("read",))
# Later domains add their permissions here through `extend_role`.

ROLE_PERMISSIONS: dict[Role, set[str]] = {
    Role.PARK_ADMIN: BUSINESS_READ | _rw("registry", REGISTRY_RESOURCES, ("write",)),
    Role.ENTERPRISE_USER: BUSINESS_READ
    | _rw("registry", ("facility", "process", "product", "device", "metering_point"), ("write",))
    | {"registry.enterprise:update"},
    Role.VERIFIER: set(BUSINESS_READ),
    Role.SYSTEM_ADMIN: {"identity.user:read", "identity.user:write"},
    Role.SECURITY_ADMIN: {
        "identity.user:read",
        "identity.grant:write",
        "identity.policy:read",
        "identity.policy:write",
    },
    Role.AUDIT_ADMIN: {"audit.event:read"},
}
# A park admin may update its enterprises too (write implies update).
ROLE_PERMISSIONS[Role.PARK_ADMIN].add("registry.enterprise:update")


def extend_role(role: Role, *perms: str) -> None:
    ROLE_PERMISSIONS[role].update(perms)


def permissions_of(roles: set[Role]) -> set[str]:
    out: set[str] = set()
    for r in roles:
        out |= ROLE_PERMISSIONS.get(r, set())
    return out


def all_permissions() -> set[str]:
    return set().union(*ROLE_PERMISSIONS.values())
