from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from dualcarbon.schematypes import Id, InModel


class LoginIn(InModel):
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=256)]
    totp_code: Annotated[str | None, Field(max_length=10)] = None


class GrantIO(BaseModel):
    role: str
    park_id: int | None = None
    enterprise_id: int | None = None
    park_name: str | None = None
    enterprise_name: str | None = None


class Me(BaseModel):
    id: int
    username: str
    display_name: str
    locale: str
    roles: list[GrantIO]
    permissions: list[str]
    must_change_password: bool
    must_enroll_totp: bool = False


class LoginOut(BaseModel):
    user: Me
    csrf_token: str


class ChangePasswordIn(InModel):
    old_password: Annotated[str, Field(min_length=1, max_length=256)]
    new_password: Annotated[str, Field(min_length=1, max_length=256)]


class TokenIn(InModel):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    expires_days: Annotated[int, Field(ge=1, le=365)] = 90


class TokenOut(BaseModel):
    id: int
    name: str
    token: str
    expires_at: datetime


class TotpCodeIn(InModel):
    code: Annotated[str, Field(min_length=6, max_length=10)]


class GrantIn(InModel):
    role: str
    park_id: Id | None = None
    enterprise_id: Id | None = None


class UserCreate(InModel):
    username: Annotated[str, Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.\-@]+$")]
    display_name: Annotated[str, Field(min_length=1, max_length=100)]
    email: Annotated[str | None, Field(max_length=200)] = None
    password: Annotated[str, Field(min_length=1, max_length=256)]
    roles: list[GrantIn] = Field(default_factory=list, max_length=50)


class UserUpdate(InModel):
    display_name: Annotated[str | None, Field(min_length=1, max_length=100)] = None
    email: Annotated[str | None, Field(max_length=200)] = None
    is_active: bool | None = None
    must_change_password: bool | None = None
    unlock: bool | None = None


class UserRead(BaseModel):
    id: int
    username: str
    display_name: str
    email: str | None
    is_active: bool
    is_locked: bool
    must_change_password: bool
    roles: list[GrantIO]
    created_at: datetime
    last_login_at: datetime | None


class PolicyIO(BaseModel):
    password_min_length: Annotated[int, Field(ge=8, le=128)]
    password_min_classes: Annotated[int, Field(ge=1, le=4)]
    password_history: Annotated[int, Field(ge=0, le=24)]
    password_max_age_days: Annotated[int, Field(ge=0, le=3650)]
    lockout_threshold: Annotated[int, Field(ge=1, le=100)]
    lockout_window_minutes: Annotated[int, Field(ge=1, le=1440)]
    lockout_minutes: Annotated[int, Field(ge=1, le=1440)]
    session_idle_minutes: Annotated[int, Field(ge=1, le=1440)]
    session_absolute_hours: Annotated[int, Field(ge=1, le=168)]
