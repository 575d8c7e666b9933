from __future__ import annotations

from pathlib import Path

import pytest

from seedtrail.core.errors import ConfigError
from seedtrail.core.settings import load_settings


def test_defaults_use_sqlite_in_data_dir(tmp_path: Path) -> None:
    s = load_settings(data_dir=tmp_path)
    assert s.effective_database_url == f"sqlite:///{tmp_path.resolve() / 'seedtrail.db'}"


def test_env_beats_file_and_overrides_beat_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "seedtrail.toml"
    cfg.write_text('[seedtrail]\nport = 9001\nhost = "0.0.0.0"\n')
    monkeypatch.setenv("SEEDTRAIL_PORT", "9002")
    s = load_settings(cfg)
    assert (s.port, s.host) == (9002, "0.0.0.0")
    assert load_settings(cfg, port=9003).port == 9003


def test_bad_value_names_field_and_file(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text("port = 'not a number'\n")
    with pytest.raises(ConfigError, match=r"bad\.toml.*port"):
        load_settings(cfg)


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    cfg = tmp_path / "x.toml"
    cfg.write_text("prot = 1\n")
    with pytest.raises(ConfigError, match="prot"):
        load_settings(cfg)


def test_secret_key_is_generated_once_private(tmp_path: Path) -> None:
    s = load_settings(data_dir=tmp_path)
    k1 = s.resolved_secret_key()
    assert k1 == load_settings(data_dir=tmp_path).resolved_secret_key()
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert "secret" not in repr(load_settings(secret_key="hunter2")).replace("secret_key", "")


def test_holdout_settings_are_checked(tmp_path: Path) -> None:
    s = load_settings(data_dir=tmp_path)
    assert (s.holdout_share, s.holdout_salt) == (0.1, "seedtrail-holdout")
    for bad in ({"holdout_share": 1.0}, {"holdout_salt": ""}, {"holdout_salt": "盐" * 22}):
        with pytest.raises(ConfigError, match="holdout_s"):
            load_settings(data_dir=tmp_path, **bad)
