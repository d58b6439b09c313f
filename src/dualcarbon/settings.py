"""Settings from environment variables (prefix DUALCARBON_, nested groups with `__`) and `.env`.

Documented in docs/configuration.md. Nothing connects at import; `get_settings()` is cached and
`create_app(settings)` takes an explicit instance so tests can build their own.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class DatabaseSettings(BaseModel):
    url: str = ""  # default: sqlite file under data_dir
    echo: bool = False
    pool_size: int = 10


class SecuritySettings(BaseModel):
    secret_key: SecretStr = SecretStr("")
    password_min_length: int = 10
    password_min_classes: int = 3
    password_history: int = 5
    password_max_age_days: int = 90  # 0 = never expires
    lockout_threshold: int = 5
    lockout_window_minutes: int = 15
    lockout_minutes: int = 15
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    cookie_secure: bool = False
    require_totp_for_privileged: bool = False  # forced on in prod (see validator)
    force_password_change_for_seeded: bool = False  # forced on in prod
    login_rate_per_minute: int = 30
    cors_origins: list[str] = Field(default_factory=list)


class JobSettings(BaseModel):
    run_in_process: bool = True  # `serve` runs the worker loop in a thread
    poll_seconds: float = 1.0
    lease_seconds: int = 300


class Hj212Settings(BaseModel):
    enabled: bool = False  # `serve` starts the HJ 212 TCP server when true
    host: str = "0.0.0.0"  # noqa: S104 - loggers connect from the field network
    port: int = 9212


class MqttSettings(BaseModel):
    enabled: bool = False  # `serve` starts the MQTT subscriber when true
    host: str = "127.0.0.1"
    port: int = 1883
    group: str = "dualcarbon"  # shared-subscription group: processes in it split the load
    client_id: str = ""  # fixed per process (persistent session); default from the host name
    username: str = ""
    password: SecretStr = SecretStr("")


class WebSettings(BaseModel):
    dist_dir: str = ""  # built SPA; default: packaged webui/ or web/dist


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="DUALCARBON_",
        env_nested_delimiter="__",
        env_file=".env",
        env_ignore_empty=True,
        extra="ignore",
    )

    env: Literal["dev", "test", "prod"] = "dev"
    data_dir: Path = Path("./data")
    # Shortcut for the most common setting: DUALCARBON_DATABASE_URL (also DATABASE__URL).
    database_url: str = ""
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    jobs: JobSettings = Field(default_factory=JobSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    hj212: Hj212Settings = Field(default_factory=Hj212Settings)
    mqtt: MqttSettings = Field(default_factory=MqttSettings)
    default_locale: str = "zh-CN"
    park_timezone: str = "Asia/Shanghai"

    @model_validator(mode="after")
    def _derive(self) -> Settings:
        if self.database_url and not self.database.url:
            self.database.url = self.database_url
        if not self.database.url:
            self.database.url = f"sqlite:///{self.data_dir.resolve() / 'dualcarbon.db'}"
        if self.env == "prod":
            if not self.security.secret_key.get_secret_value():
                raise ValueError("DUALCARBON_SECURITY__SECRET_KEY must be set in prod")
            self.security.require_totp_for_privileged = True
            self.security.force_password_change_for_seeded = True
            self.security.cookie_secure = True
        elif not self.security.secret_key.get_secret_value():
            self.security.secret_key = SecretStr(_dev_secret(self.data_dir))
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database.url.startswith("sqlite")


def _dev_secret(data_dir: Path) -> str:
    """A per-installation secret kept in the data directory, so `demo` needs no .env."""
    path = data_dir / "secret.key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        data_dir.mkdir(parents=True, exist_ok=True)
        value = secrets.token_urlsafe(48)
        path.write_text(value)
        path.chmod(0o600)
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
