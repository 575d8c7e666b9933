"""Helpers for the clean-room tests: run the whole protocol in one process."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from seedtrail.cleanroom.identifiers import IdType
from seedtrail.cleanroom.join import JoinResult, join_tokens
from seedtrail.cleanroom.matching import BlindResult, blind_ids, reblind_tokens
from seedtrail.cleanroom.runfiles import PartyKey, RunSecret


class Protocol:
    """Runs both parties and the joiner in one process (processes=1 keeps tests fast)."""

    def __init__(self) -> None:
        self.run = RunSecret.new()
        self.ka = PartyKey.new(self.run.run_id, "a")
        self.kb = PartyKey.new(self.run.run_id, "b")

    def blind(self, party: str, columns: dict[IdType, Sequence[str | None]]) -> BlindResult:
        key = self.ka if party == "a" else self.kb
        return blind_ids(columns, self.run, key, processes=1)

    def match(
        self,
        a: dict[IdType, Sequence[str | None]],
        b: dict[IdType, Sequence[str | None]],
        threshold: int = 1,
    ) -> tuple[JoinResult, BlindResult, BlindResult]:
        ra, rb = self.blind("a", a), self.blind("b", b)
        da, _ = reblind_tokens(ra.tokens, ra.meta, self.kb, processes=1)
        db, _ = reblind_tokens(rb.tokens, rb.meta, self.ka, processes=1)
        return join_tokens(da, db, threshold=threshold), ra, rb


def matched_rows(result: JoinResult, ra: BlindResult, rb: BlindResult) -> set[tuple[int, int, str]]:
    """Map the handle pairs back to input row numbers (what only the parties together could)."""
    a_rows = dict(zip(ra.handles["handle"].to_pylist(), ra.handles["row"].to_pylist(), strict=True))
    b_rows = dict(zip(rb.handles["handle"].to_pylist(), rb.handles["row"].to_pylist(), strict=True))
    m = result.matches
    return {
        (a_rows[x], b_rows[y], t)
        for x, y, t in zip(
            m["a_handle"].to_pylist(),
            m["b_handle"].to_pylist(),
            m["id_type"].to_pylist(),
            strict=True,
        )
    }


def token_set(table: pa.Table) -> set[bytes]:
    return set(table.column("token").to_pylist())


# A point of order 8 (torsion); adding it moves a point out of the prime-order subgroup.
TORSION = bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")


PERIOD = __import__("datetime").date(2026, 11, 2)  # a Monday


def funnel_rows(
    people_per_note: dict[tuple[str, str], int], *, campaign: int = 1, offset: int = 0
) -> pa.Table:
    """Per-person rows: ``people_per_note[(creator, note)]`` distinct people, one purchase and
    100 CNY each, spread over the days of ``PERIOD``."""
    from datetime import timedelta

    cols: dict[str, list[object]] = {
        k: []
        for k in (
            *("person", "campaign_id", "creator_id", "note_id", "day", "group"),
            *("impressions", "reads", "clicks", "purchases", "gmv"),
        )
    }
    person = offset
    for (creator, note), n in sorted(people_per_note.items()):
        for i in range(n):
            person += 1
            cols["person"].append(f"p{person}")
            cols["campaign_id"].append(campaign)
            cols["creator_id"].append(creator)
            cols["note_id"].append(note)
            cols["day"].append(PERIOD + timedelta(days=i % 7))
            cols["group"].append("exposed" if note != "control" else "control")
            cols["impressions"].append(3)
            cols["reads"].append(1)
            cols["clicks"].append(1)
            cols["purchases"].append(1)
            cols["gmv"].append(100.0)
    return pa.table(cols)
