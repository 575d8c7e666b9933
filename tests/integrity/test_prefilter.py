"""The RE2 prefilters are necessary conditions: a text they reject never has a finding."""

from __future__ import annotations

import random
import re

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seedtrail.integrity.claims import ClaimDetector
from seedtrail.integrity.diversion import DiversionDetector
from seedtrail.integrity.evaluation import diversion_corpus
from seedtrail.integrity.normalize import Normalizer
from seedtrail.integrity.prefilter import Prefilter, widen

TRICKY = [
    r"(?<![a-z])v\W?x(?!id)",  # look-arounds and a negated category
    r"^私信$",  # anchors
    r"\bqq\b",
    r"[^\w]{0,3}\d{5,}",
    r"a.{0,4}b",
    r"(?s:a.b)",
    r"x{2000}",  # over RE2's repeat limit
    r"(?:ab)+?c",  # lazy
    r"(?>ab|a)c",  # atomic: widened to a plain group
    r"[\s_]+z",
    r"(?P<cat>祛斑)|(?P<other>降血压)",
]
# characters that exercise those patterns: ASCII letters and digits, spaces, separators, CJK
FIXTURE_OK = [HealthCheck.function_scoped_fixture]  # the fixtures are read-only detectors
ALPHABET = st.sampled_from(list("abvxqidzc0123456789 _\n.-:私信我祛斑降血压微❤🐧\u200b①一"))


@pytest.fixture(scope="module")
def diversion() -> DiversionDetector:
    return DiversionDetector()


@pytest.mark.parametrize("pattern", TRICKY)
@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.text(ALPHABET, max_size=30), min_size=1, max_size=20))
def test_widened_pattern_accepts_every_python_match(pattern: str, texts: list[str]) -> None:
    compiled = re.compile(pattern)
    pre = Prefilter([compiled])
    assert pre.active
    possible = pre.possible(texts)
    for text, ok in zip(texts, possible.tolist(), strict=True):
        if compiled.search(text):
            assert ok, (pattern, text)


def test_widening_is_not_trivial() -> None:
    pre = Prefilter([re.compile(r"(?<![a-z])v\W?x"), re.compile(r"\d{5}")])
    assert pre.possible(["好看", "价格 99 元", "vx", "a vx", "12345"]).tolist() == [
        False, False, True, True, True,
    ]  # fmt: skip


@pytest.mark.parametrize("pattern", [r"(a)\1", r"(?i)vx", r"(a)?(?(1)b|c)"])
def test_patterns_it_cannot_widen_pass_every_text(pattern: str) -> None:
    assert widen(re.compile(pattern)) is None
    pre = Prefilter([re.compile(pattern), re.compile("x")])
    assert not pre.active
    assert pre.possible(["", "nothing here"]).tolist() == [True, True]


def test_lone_surrogates_pass() -> None:
    assert Prefilter([re.compile("x")]).possible(["\ud800", "y"]).tolist() == [True, True]


def _corpus(seed: int) -> list[str]:
    return [r["text"] for r in diversion_corpus.generate(seed, per_cell=4, organic_n=300)]


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.integers(0, 2**32 - 1))
def test_diversion_candidates_are_necessary_on_the_corpus(
    diversion: DiversionDetector, seed: int
) -> None:
    texts = _corpus(seed)
    norm = Normalizer()
    cand = diversion.candidates(pa.array(norm.fold_many(texts)))
    found = [bool(diversion.find(t)) for t in texts]
    assert all(c for c, f in zip(cand.tolist(), found, strict=True) if f)
    assert sum(found) > len(texts) // 3  # the corpus has positives, so this tests something
    # organic texts without five digits or a cue are skipped
    assert not cand.all()


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.text(ALPHABET, max_size=40), min_size=1, max_size=10))
def test_diversion_candidates_are_necessary_on_random_text(
    diversion: DiversionDetector, texts: list[str]
) -> None:
    cand = diversion.candidates(pa.array(Normalizer().fold_many(texts)))
    for text, ok in zip(texts, cand.tolist(), strict=True):
        if diversion.find(text):
            assert ok, text


def test_claim_candidates_are_necessary() -> None:
    claims = ClaimDetector()
    r = random.Random(3)
    words = ["祛斑", "痘印", "淡化", "好用", "降血压", "100%", "有效", "永久", "美白", " ", "的"]
    texts = ["".join(r.choice(words) for _ in range(r.randint(1, 6))) for _ in range(2000)]
    cand = claims.candidates(pa.array(Normalizer().fold_many(texts)))
    found = [bool(claims.find(t)) for t in texts]
    assert all(c for c, f in zip(cand.tolist(), found, strict=True) if f)
    assert 0 < sum(found) < len(texts)
    assert cand.tolist() == found  # these patterns have no look-arounds: exact here


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(list("0123456789一二幺两 ._-acm😀元年斤")), max_size=30))
def test_near_digits_finds_exactly_the_texts_with_a_digit_run(text: str) -> None:
    from seedtrail.integrity.diversion import _DIGIT_RUN, _NEAR_DIGITS

    assert bool(_DIGIT_RUN.search(text)) == bool(_NEAR_DIGITS.search(text))


def test_negative_cues_alone_do_not_make_a_candidate(diversion: DiversionDetector) -> None:
    texts = ["订单到了，快递很快", "物流三天", "订单号 12345678901", "加我vx"]
    assert diversion.candidates(pa.array(texts)).tolist() == [False, False, True, True]


def test_a_pattern_re2_rejects_switches_the_prefilter_off() -> None:
    pre = Prefilter([re.compile("(?:(?:a{1000}){1000}){1000}")])  # too big a program for RE2
    assert not pre.active
    assert pre.possible(["b"]).tolist() == [True]
