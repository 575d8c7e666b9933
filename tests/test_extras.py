"""Optional dependencies: a feature used without its extra fails with the project's own error,
naming the extra to install (never ``internal error: ModuleNotFoundError``)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from attribution.fixtures import write_world
from seedtrail.cli.main import main
from seedtrail.core.errors import ConfigError, EngineUnavailable
from seedtrail.core.extras import require


def _hide(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    """Make ``import module`` fail as it does where the package is not installed."""
    for name in list(sys.modules):
        if any(name == m or name.startswith(m + ".") for m in modules):
            monkeypatch.delitem(sys.modules, name)
    for m in modules:
        monkeypatch.setitem(sys.modules, m, None)


def test_require_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    _hide(monkeypatch, "opendp")
    with pytest.raises(ConfigError, match=r"pip install 'seedtrail\[dp\]'"):
        require("opendp.prelude", "dp")
    assert require("json", "dp").__name__ == "json"


def test_spark_engine_without_pyspark_is_engine_unavailable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from seedtrail.attribution.engines import open_engine

    _hide(monkeypatch, "pyspark")
    with pytest.raises(EngineUnavailable, match=r"seedtrail\[spark\]"):
        open_engine("spark")


def test_cli_engine_spark_without_pyspark_says_which_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    t, c, i = write_world(tmp_path)
    _hide(monkeypatch, "pyspark")
    with pytest.raises(SystemExit) as exc:
        main(["attribute", "--touches", str(t), "--conversions", str(c), "--identity", str(i),
              "--engine", "spark", "--out", str(tmp_path / "o.parquet")])  # fmt: skip
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert "seedtrail[spark]" in err and "internal error" not in err and "Traceback" not in err


def test_postgres_url_without_psycopg_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from seedtrail.store.db import make_engine

    _hide(monkeypatch, "psycopg")
    with pytest.raises(ConfigError, match=r"seedtrail\[postgres\]"):
        make_engine("postgresql://postgres@127.0.0.1:5432/test")


def test_qr_decode_without_zxing_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from seedtrail.integrity.qr import decode

    _hide(monkeypatch, "zxingcpp")
    with pytest.raises(ConfigError, match=r"seedtrail\[image\]"):
        decode(b"not an image")
