"""Typed settings, read from ``SEEDTRAIL_*`` environment variables and an optional TOML file.

Settings are loaded once, by :func:`load_settings`, at the edge of the program (the CLI or the
server factory) and passed down explicitly; nothing reads the environment at import time.

Precedence, highest first: explicit overrides, environment, TOML file, defaults. The TOML file is
``$SEEDTRAIL_CONFIG`` if set, else ``./seedtrail.toml`` if present.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from seedtrail import holdout
from seedtrail.core.errors import ConfigError, InvalidValue, field_errors
from seedtrail.messages import Msg

#: The SQLite database's file in the data directory (when no database_url names another).
DB_FILE = "seedtrail.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SEEDTRAIL_", extra="forbid")

    data_dir: Path = Field(
        default=Path(".seedtrail"),
        description="Holds the SQLite database, the secret key and the event lake.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default SQLite "
        "in data_dir. PostgreSQL: postgresql+psycopg://...",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs viewer cookies; generated into data_dir/secret_key when unset.",
    )
    public_base_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = 8000
    redirect_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="A listener of its own for the click redirect (/r/...), on host: answered "
        "on the event loop with no framework and no thread in between, the fastest way to serve "
        "links. /r/ on port keeps working either way.",
    )
    click_param: str = Field(default="st_click", pattern=r"^[a-z_]{2,20}$")
    duplicate_click_window_s: float = Field(default=60.0, ge=0)
    redirect_rate_per_s: float = Field(
        default=20.0, gt=0, description="Per client address, sustained."
    )
    redirect_rate_burst: int = Field(default=60, ge=1)
    policy_refresh_s: float = Field(
        default=0.25,
        ge=0,
        description="How often a server checks for policy changes made by other processes.",
    )
    click_flush_max: int = Field(default=2048, ge=1)
    click_log: Literal["segment", "store"] = Field(
        default="segment",
        description="segment: each click is fdatasync'd to this process's append-only file "
        "under data_dir/clicks before its redirect, and a mover copies it into the store within "
        "click_move_interval_s; store: each click is committed to the database before its "
        "redirect.",
    )
    click_move_interval_s: float = Field(default=0.5, gt=0)
    trust_forwarded_for: bool = False
    cleanroom_match_threshold: int = Field(
        default=100, ge=1, description="Fewest matched people a matching report reveals."
    )
    cleanroom_k: int = Field(
        default=50, ge=2, description="Fewest people a released report cell covers."
    )
    cleanroom_epsilon_per_period: float = Field(
        default=4.0,
        gt=0,
        le=10.0,
        description="DP budget per brand and campaign per 7-day period (hard cap 10).",
    )
    cleanroom_epsilon_per_report: float = Field(default=1.0, gt=0, le=1.0)
    cleanroom_dp_delta: float = Field(default=1e-7, gt=0, lt=1e-3)
    cleanroom_workers: int = Field(default=2, ge=1, le=64)
    intake_max_events: int = Field(
        default=1000, ge=1, description="Most events in one postback or community batch."
    )
    intake_max_bytes: int = Field(
        default=5 * 1024 * 1024, ge=1024, description="Largest postback body, in bytes."
    )
    intake_signature_tolerance_s: int = Field(default=300, ge=1)
    api_max_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="Largest request body of the JSON API (postbacks and community batches: "
        "intake_max_bytes).",
    )
    partner_key_cache_s: float = Field(
        default=5.0, ge=0, description="How long a revoked partner secret may still verify."
    )
    inbox_flush_max: int = Field(default=256, ge=1, description="Requests per inbox commit.")
    lake_url: str | None = Field(
        default=None,
        description="Event lake root: a directory or an fsspec URL (s3://..., memory://...); "
        "default data_dir/lake.",
    )
    holdout_share: float = Field(
        default=holdout.DEFAULT_SHARE,
        ge=0,
        lt=1,
        description="Share of community users kept out of boosts (the lift holdout).",
    )
    holdout_salt: str = Field(
        default=holdout.DEFAULT_SALT,
        min_length=1,
        description="Keys the holdout hash (src/seedtrail/holdout.py); a new salt draws a new "
        "holdout.",
    )
    health_webhook_url: str | None = Field(
        default=None, description="POSTed a JSON document when a partner's backhaul status changes."
    )

    @field_validator("holdout_salt")
    @classmethod
    def _salt(cls, v: str) -> str:
        if len(v.encode("utf-8")) > holdout.MAX_SALT_BYTES:
            raise InvalidValue(Msg("invalid.salt_bytes", {"max": holdout.MAX_SALT_BYTES}))
        return v

    @field_validator("data_dir")
    @classmethod
    def _expand(cls, v: Path) -> Path:
        return v.expanduser()

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / DB_FILE).resolve()}"

    @property
    def effective_lake_url(self) -> str:
        return self.lake_url or str((self.data_dir / "lake").resolve())

    def resolved_secret_key(self) -> bytes:
        """The signing key; created once in the data directory (mode 0600) when not configured."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        path = self.data_dir / "secret_key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(32))
        return path.read_text().strip().encode()


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(Msg("problem.config-error.file_missing", {"path": str(path)})) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            Msg("problem.config-error.file_toml", {"path": str(path), "error": str(exc)})
        ) from exc
    section = data.get("seedtrail", data)
    if not isinstance(section, dict):
        raise ConfigError(Msg("problem.config-error.file_table", {"path": str(path)}))
    return section


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Load settings once. Raises :class:`ConfigError` naming the bad field and its source."""
    if config_file is None:
        env_path = os.environ.get("SEEDTRAIL_CONFIG")
        if env_path:
            config_file = Path(env_path)
        elif Path("seedtrail.toml").exists():
            config_file = Path("seedtrail.toml")
    file_values = _read_toml(config_file) if config_file else {}
    env_keys = {name for name in Settings.model_fields if f"SEEDTRAIL_{name.upper()}" in os.environ}
    # Environment wins over the file: drop file values the environment sets.
    init = {k: v for k, v in file_values.items() if k not in env_keys}
    init.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings(**init)
    except ValidationError as exc:
        problems = field_errors(exc.errors())
        if config_file:
            raise ConfigError(
                Msg(
                    "problem.config-error.settings_file",
                    {"file": str(config_file), "where": problems},
                )
            ) from exc
        raise ConfigError(Msg("problem.config-error.settings", {"where": problems})) from exc
