"""Typed JSON shapes (CONTRIBUTING.md): a shape that crosses a module is a TypedDict, an open one
``dict[str, object]`` or ``Mapping[str, object]``; ``dict[str, Any]`` is left where a value really
is untyped (store and query rows, whose column types the checker cannot see).

The lines under ``src/seedtrail`` that use it are counted (one per line, as ``grep -rn | wc -l``
counts them) against a ceiling that may only fall: adding one fails, and removing some fails
until the ceiling is lowered to the new count."""

from __future__ import annotations

from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "seedtrail"

#: The spellings of an untyped JSON object, each with the number of lines it may not exceed
#: (419 and 29 before the JSON shapes were typed; ``Mapping`` also counts ``MutableMapping``).
CEILINGS = {"dict[str, Any]": 108, "Mapping[str, Any]": 18}


def _counts() -> dict[str, int]:
    lines = [line for p in sorted(SRC.rglob("*.py")) for line in p.read_text("utf-8").splitlines()]
    return {spelling: sum(spelling in line for line in lines) for spelling in CEILINGS}


def test_untyped_json_objects_do_not_spread() -> None:
    counts = _counts()
    over = {s: (n, CEILINGS[s]) for s, n in counts.items() if n > CEILINGS[s]}
    assert not over, f"(count, ceiling): type the new ones (TypedDict, dict[str, object]): {over}"


def test_the_ceiling_follows_the_count_down() -> None:
    counts = _counts()
    lower = {s: n for s, n in counts.items() if n < CEILINGS[s]}
    assert not lower, f"fewer than the ceiling now: lower CEILINGS to {lower}"
