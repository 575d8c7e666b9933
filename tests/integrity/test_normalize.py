from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seedtrail.integrity.normalize import Normalizer, Squeezer, squeezed_out


@pytest.fixture(scope="module")
def norm() -> Normalizer:
    return Normalizer()


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("ＡＢＣ１２３", "abc123"),
        ("①②③❶➊", "12311"),
        ("𝟏𝟐𝟑", "123"),
        ("微\u200b信\u200d", "微信"),
        ("衛星聯繫", "卫星联系"),
        ("ѵх", "vx"),
        ("VX", "vx"),
    ],
)
def test_folds(norm: Normalizer, raw: str, folded: str) -> None:
    assert norm(raw).text == folded


def test_spans_map_back_through_deletions_and_expansions(norm: Normalizer) -> None:
    raw = "a\u200b⑩b"  # zero-width removed, ⑩ expands to "10"
    n = norm(raw)
    assert n.text == "a10b"
    assert n.span(1, 3) == (2, 3)  # "10" came from the circled ten
    assert n.span(3, 4) == (3, 4)
    assert raw[slice(*n.span(0, 4))] == raw


def test_identity_has_no_origin_table(norm: Normalizer) -> None:
    n = norm("普通的评论")
    assert n.origin is None
    assert n.span(1, 3) == (1, 3)


def test_squeeze_drops_emoji_and_spaces_keeping_map(norm: Normalizer) -> None:
    raw = "1😀3 8"
    sq = Squeezer()(norm(raw))
    assert sq.text == "138"
    assert sq.span(0, 3) == (0, len(raw))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(st.sampled_from(list("aＡ①衛\u200b\x00 😀é\u0301x")), max_size=8), max_size=6)
)
def test_fold_many_equals_one_text_at_a_time(texts: list[str]) -> None:
    batch, single = Normalizer(), Normalizer()
    assert batch.fold_many(texts) == [single(t).text for t in texts]


def test_squeezed_out_table_agrees_with_the_squeezer(norm: Normalizer) -> None:
    table = squeezed_out()
    sample = "1😀3 8·、~中a\u0301\u3000\ue000"
    kept = "".join(ch for ch in sample if not table[ord(ch)])
    assert Squeezer()(norm(sample)).text == kept == "138中a"
