from __future__ import annotations

from pathlib import Path

import pytest

from seedtrail.core.errors import ConfigError
from seedtrail.integrity.claims import ClaimDetector


def test_flags_medical_and_absolute_claims_with_spans() -> None:
    text = "这款精华七天祛斑，100%有效不反弹！"
    found = ClaimDetector().find(text)
    values = [f.value for f in found]
    assert "medical_beauty:祛斑" in values
    assert "cosmetics_efficacy:100%有效" in values
    for f in found:
        assert f.kind == "claim"
        assert f.value.split(":", 1)[1] == text[slice(*f.span)]


def test_traditional_and_fullwidth_are_normalized() -> None:
    found = ClaimDetector().find("永久美白，１００％有效")
    assert {f.value for f in found} == {
        "cosmetics_efficacy:永久美白",
        "cosmetics_efficacy:100%有效",
    }


def test_ordinary_review_passes() -> None:
    assert ClaimDetector().find("用了两周，保湿不错，味道淡淡的，会回购") == []


def test_own_term_list(tmp_path: Path) -> None:
    terms = tmp_path / "claims.toml"
    terms.write_text("[claims]\nhealth_food = ['增强免疫力']\n", encoding="utf-8")
    found = ClaimDetector(terms).find("每天一包增强免疫力")
    assert [f.value for f in found] == ["health_food:增强免疫力"]
    bad = tmp_path / "bad.toml"
    bad.write_text("[claims]\nhealth_food = ['(']\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="bad pattern"):
        ClaimDetector(bad)
    with pytest.raises(ConfigError, match="claims"):
        empty = tmp_path / "empty.toml"
        empty.write_text("", encoding="utf-8")
        ClaimDetector(empty)
