"""Who is acting, from where: passed explicitly into every service that changes data, so the
audit record of the change is written in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    roles: str = ""  # "park_admin@park:1,verifier@enterprise:3"
    source_ip: str | None = None
    request_id: str | None = None
    locale: str = "zh-CN"


SYSTEM_ACTOR = Actor(user_id=None, username="system", roles="system")
