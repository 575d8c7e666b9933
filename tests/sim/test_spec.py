from __future__ import annotations

from pathlib import Path

import pytest

from seedtrail.core.errors import ConfigError
from seedtrail.sim.spec import SCALES, load_spec


def test_custom_toml_overrides_a_base(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('base = "tiny"\nviewers = 2500\ndays = 3\n', "utf-8")
    spec = load_spec(str(path))
    assert (spec.name, spec.viewers, spec.days) == ("mine", 2500, 3)
    assert spec.creators == SCALES["tiny"].creators


def test_custom_json_and_errors_name_the_field(tmp_path: Path) -> None:
    good = tmp_path / "w.json"
    good.write_text('{"viewers": 1200}', "utf-8")
    assert load_spec(str(good)).viewers == 1200
    bad = tmp_path / "bad.json"
    bad.write_text('{"viewrs": 12}', "utf-8")
    with pytest.raises(ConfigError, match="viewrs"):
        load_spec(str(bad))
    with pytest.raises(ConfigError, match="unknown scale"):
        load_spec("huge")
    with pytest.raises(ConfigError, match="does_not_exist"):
        load_spec(str(tmp_path / "does_not_exist.toml"))


def test_holdout_share_and_salt_are_spec_fields(tmp_path: Path) -> None:
    path = tmp_path / "h.toml"
    path.write_text('holdout_share = 0.2\nholdout_salt = "春季"\n', "utf-8")
    spec = load_spec(str(path))
    assert (spec.holdout_share, spec.holdout_salt) == (0.2, "春季")
    path.write_text('holdout_salt = ""\n', "utf-8")
    with pytest.raises(ConfigError, match="salt"):
        load_spec(str(path))
    path.write_text("holdout_share = 1.0\n", "utf-8")
    with pytest.raises(ConfigError, match="share"):
        load_spec(str(path))


def test_large_reaches_the_issue_targets() -> None:
    large = SCALES["large"]
    assert large.expected_impressions() >= 100_000_000
    reads = large.expected_impressions() * large.read_rate
    assert reads * large.comment_rate >= 10_000_000
