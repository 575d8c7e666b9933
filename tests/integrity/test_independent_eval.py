from __future__ import annotations

from seedtrail.integrity.diversion import DiversionDetector
from seedtrail.integrity.evaluation.independent_corpus import Record, generate, reviews
from seedtrail.integrity.evaluation.independent_eval import ratio, score


def test_empty_counts_are_not_perfect_scores() -> None:
    assert ratio(0, 0) is None
    only_negatives = [Record("快递很快，包装很好", False, "real_review", "dev")]
    out = score(only_negatives)
    assert out["dev"]["precision"] is None and out["dev"]["recall"] is None
    assert out["held_out"]["negatives"] == 0 and out["held_out"]["fp_per_10k_negatives"] is None


def test_a_detector_that_flags_nothing_or_everything_scores_badly() -> None:
    records = list(generate(seed=3, per_family=10))
    assert {r.split for r in records} == {"dev", "held_out"}
    assert any(r.diverting for r in records) and any(not r.diverting for r in records)

    class Nothing(DiversionDetector):
        def find_many(self, texts: list[str]) -> list[list]:  # type: ignore[type-arg]
            return [[] for _ in texts]

    out = score(records, Nothing())
    assert out["dev"]["recall"] == 0.0 and out["dev"]["precision"] is None
    real = score(records)
    assert real["held_out"]["recall"] is not None and real["held_out"]["recall"] > 0.9


def test_the_corpus_does_not_use_the_detectors_term_list() -> None:
    import inspect

    from seedtrail.integrity.evaluation import independent_corpus

    source = inspect.getsource(independent_corpus)
    assert "load_terms" not in source and "diversion.toml" not in source.replace(
        "``integrity/data/diversion.toml``", ""
    )
    assert len(reviews()) > 10_000  # real text
