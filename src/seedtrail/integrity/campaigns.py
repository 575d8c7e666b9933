"""Campaigns: groups of accounts acting together on the same notes, with evidence to read.

The graph: rows are accounts; columns are notes, or (note, hour) pairs when times are known, so
that a dense block is also tight in time (lockstep). Each comment is an edge weighted by its
column's FRAUDAR weight ``1 / log(deg + 5)`` times ``1 + burst_weight·burst +
text_weight·templated`` (see :mod:`seedtrail.integrity.activity`); an account's edge to a column
keeps its heaviest comment; young accounts get a small prior. When times are known only burst or
templated comments enter the graph: organic heavy users on popular notes, the densest part of any
real graph, mostly stay out, and camouflage posted at ordinary times adds nothing.

Dense blocks are taken one after another (:func:`seedtrail.integrity.dense.densest_block`). A
block grows by the accounts with comments in two or more of its columns (or one templated
comment in one), and splits into its connected parts. A part becomes a campaign when

- at least 60% of its accounts commented on two or more of its notes, and at least half met
  another member on two or more notes (chance meetings form chains where each pair meets once);
- its score — the weighted mean of the share of its comments in bursts (0.5), in concentrated
  templates (0.3) and by young accounts (0.2), over the signals the input can give — reaches
  ``min_score``.

A block's accounts then leave the graph, whether it became a campaign or not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

from seedtrail.integrity.activity import Activity, SignalParams, Signals, signals
from seedtrail.integrity.arrays import unique_ints, unique_inverse
from seedtrail.integrity.dense import Block, column_weights, densest_block

LIFT_FULL = 8.0  # with nothing but the graph, 8x the edges chance would give scores 1


@dataclass(frozen=True)
class CampaignParams:
    burst_weight: float = 2.0
    text_weight: float = 1.0
    young_prior: float = 0.05
    min_accounts: int = 5
    min_notes: int = 2
    min_score: float = 0.5
    max_blocks: int = 60
    bucket_seconds: float = 3600.0  # the time mode: comments in the same hour act together
    expand_min: int = 2  # accounts with comments in this many of a block's columns join it
    max_rejected: int = 8  # stop after this many blocks in a row fail the score
    signals: SignalParams = field(default_factory=SignalParams)


@dataclass
class Campaign:
    accounts: list[str]
    notes: list[str]
    comments: np.ndarray  # row indices into the activity
    score: float
    evidence: dict[str, Any]
    time_span: tuple[float, float] | None

    def to_json(self, ids: Callable[[np.ndarray], list[str]]) -> dict[str, object]:
        span = None
        if self.time_span is not None:
            span = [_iso(self.time_span[0]), _iso(self.time_span[1])]
        return {
            "accounts": self.accounts,
            "notes": self.notes,
            "comments": ids(self.comments),
            "score": round(self.score, 4),
            "time_span": span,
            "evidence": self.evidence,
        }


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


def find_campaigns(
    act: Activity,
    params: CampaignParams | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Campaign]:
    """Campaigns in ``act``, best score first."""
    p = params or CampaignParams()
    n = len(act)
    if n == 0:
        return []
    sig = signals(act, p.signals)
    n_rows = len(act.author_names)
    col, col_note, col_bucket = _columns(act, p.bucket_seconds)
    n_cols = len(col_note)
    colw = column_weights(_unique_pairs(act.author, col, n_cols)[1], n_cols)
    w = colw[col] * (1 + p.burst_weight * sig.burst + p.text_weight * sig.templated)
    if act.has_time:
        suspect = sig.burst | sig.templated
        rows, cols, weight = _edges(act.author[suspect], col[suspect], w[suspect], n_cols)
    else:
        rows, cols, weight = _edges(act.author, col, w, n_cols)
    prior = np.zeros(n_rows)
    young_any = np.zeros(n_rows, dtype=bool)
    young_any[act.author[sig.young]] = True
    prior[young_any] = p.young_prior
    by_author = _index_by(act.author, n_rows)
    out: list[Campaign] = []
    rejected = 0
    alive = np.ones(len(weight), dtype=bool)
    taken = np.zeros(n_rows, dtype=bool)
    null = _DegreeModel(rows, cols, n_rows, n_cols)
    for _ in range(p.max_blocks):
        block = densest_block((rows[alive], cols[alive]), weight[alive], (n_rows, n_cols), prior)
        if block is None or len(block.rows) < p.min_accounts:
            break
        if progress:
            progress(1)
        if act.has_time:  # without times a column is a whole note: too coarse to grow by
            block = _expand(
                block, act.author, col, sig.templated, sig.burst, taken, n_cols, p.expand_min
            )
        kept = []
        for part in _components(block, rows, cols, weight):
            camp = _campaign(act, sig, part, col_note, col_bucket, by_author, null, p)
            if camp is not None:
                kept.append(camp)
        taken[block.rows] = True  # the block's accounts leave the graph, campaign or not
        alive &= ~taken[rows]
        out += kept
        rejected = 0 if kept else rejected + 1
        if rejected >= p.max_rejected:
            break
    out.sort(key=lambda c: -c.score)
    return out


def _campaign(
    act: Activity,
    sig: Signals,
    block: Block,
    col_note: np.ndarray,
    col_bucket: np.ndarray,
    by_author: tuple[np.ndarray, np.ndarray],
    null: _DegreeModel,
    p: CampaignParams,
) -> Campaign | None:
    order, starts = by_author
    rows = np.concatenate([order[starts[a] : starts[a + 1]] for a in block.rows.tolist()])
    notes_idx = unique_ints(col_note[block.cols])
    in_notes = np.zeros(len(act.note_names), dtype=bool)
    in_notes[notes_idx] = True
    rows = np.sort(rows[in_notes[act.note[rows]]])
    t0 = np.nanmin(act.ts) if act.has_time else 0.0
    if len(notes_idx) < p.min_notes or len(rows) == 0:
        return None
    shares: dict[str, float] = {}
    weights = {"burst": 0.5, "templated": 0.3, "young": 0.2}
    per_account = np.bincount(
        unique_ints(act.author[rows] * np.int64(len(act.note_names)) + act.note[rows])
        // len(act.note_names),
        minlength=len(act.author_names),
    )[block.rows]
    shares["multi_note"] = float((per_account >= 2).mean())
    shares["repeat_pairs"] = _repeat_pairs(act, rows, block.rows)
    if act.has_time:
        t0 = np.nanmin(act.ts)
        bucket = ((np.nan_to_num(act.ts[rows], nan=t0) - t0) // p.bucket_seconds).astype(np.int64)
        shares["lockstep"] = float(np.isin(bucket, col_bucket[block.cols]).mean())
        shares["burst"] = float(sig.burst[rows].mean())
    if (act.cluster >= 0).any():
        shares["templated"] = float(sig.templated[rows].mean())
    if not np.isnan(act.age_days).all():
        shares["young"] = float(sig.young[rows].mean())
    scored = [k for k in shares if k in weights]
    score: float
    if scored:  # a weighted mean over the signals this input can give
        score = sum(weights[k] * shares[k] for k in scored) / sum(weights[k] for k in scored)
    else:  # nothing but the graph: how many more edges than the accounts' and notes' degrees
        lift = null.lift(block)  # would give by chance
        shares["lift"] = float(lift)
        score = float(np.clip(np.log(max(lift, 1.0)) / np.log(LIFT_FULL), 0.0, 1.0))
    if shares["multi_note"] < 0.6 or shares["repeat_pairs"] < 0.5:
        score = 0.0  # mostly one note each, or chance pairs: a popular moment, not coordination
    if len(block.rows) < p.min_accounts or score < p.min_score:
        return None
    accounts = [act.author_names[i] for i in block.rows.tolist()]
    notes = [act.note_names[i] for i in notes_idx.tolist()]
    ts = act.ts[rows]
    span = None
    if act.has_time and not np.isnan(ts).all():
        span = (float(np.nanmin(ts)), float(np.nanmax(ts)))
    fill = block.entries / max(1, len(accounts) * len(notes))
    evidence = {
        "accounts": len(accounts),
        "notes": len(notes),
        "comments": len(rows),
        "fill": round(fill, 4),
        "density": round(block.density, 4),
        **{
            ("density_lift" if k == "lift" else f"{k}_share"): round(v, 4)
            for k, v in shares.items()
        },
        "summary": _summary(len(accounts), len(notes), len(rows), fill, shares, span),
    }
    return Campaign(accounts, notes, rows, float(score), evidence, span)


class _DegreeModel:
    """Edges expected between accounts and notes by chance given their degrees (``d_a·d_n/E``)."""

    def __init__(self, rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int) -> None:
        self.deg_r = np.bincount(rows, minlength=n_rows).astype(np.float64)
        self.deg_c = np.bincount(cols, minlength=n_cols).astype(np.float64)
        self.edges = max(1, len(rows))

    def lift(self, block: Block) -> float:
        expected = float(self.deg_r[block.rows].sum() * self.deg_c[block.cols].sum()) / self.edges
        return block.entries / max(expected, 1e-12)


def _repeat_pairs(act: Activity, rows: np.ndarray, accounts: np.ndarray) -> float:
    """Share of the block's accounts that share at least two notes with another block account.

    Coordinated accounts meet again and again; a chain of chance meetings (A and B on one note,
    B and C on another) has every pair meeting once.
    """
    a = np.searchsorted(accounts, act.author[rows])
    notes, n = unique_inverse(act.note[rows])
    inc = csr_matrix((np.ones(len(a)), (a, n)), shape=(len(accounts), len(notes)))
    inc.data[:] = 1.0
    inc.sum_duplicates()
    inc.data = np.minimum(inc.data, 1.0)
    co = (inc @ inc.T).tocoo()
    off = (co.row != co.col) & (co.data >= 2)
    met = np.zeros(len(accounts), dtype=bool)
    met[co.row[off]] = True
    return float(met.mean()) if len(accounts) else 0.0


def _summary(
    accounts: int,
    notes: int,
    comments: int,
    fill: float,
    shares: dict[str, float],
    span: tuple[float, float] | None,
) -> list[str]:
    lines = [
        f"{accounts} accounts left {comments} comments on the same {notes} notes "
        f"({fill:.0%} of all account-note pairs in the block)"
    ]
    if span is not None:
        hours = (span[1] - span[0]) / 3600
        lines.append(f"between {_iso(span[0])} and {_iso(span[1])} ({hours:.1f} h)")
    lines.append(
        f"{shares['repeat_pairs']:.0%} of the accounts met another member on two or more of "
        f"these notes; {shares['multi_note']:.0%} commented on two or more of them"
    )
    if "lift" in shares:
        lines.append(f"{shares['lift']:.1f}x the edges their activity would give by chance")
    if "burst" in shares:
        lines.append(f"{shares['burst']:.0%} of them in bursts on a note (many within minutes)")
    if "templated" in shares:
        lines.append(f"{shares['templated']:.0%} of them near-duplicates of a shared template")
    if "young" in shares:
        lines.append(f"{shares['young']:.0%} of them from accounts under 30 days old")
    return lines


def _expand(
    block: Block,
    author: np.ndarray,
    col: np.ndarray,
    templated: np.ndarray,
    burst: np.ndarray,
    taken: np.ndarray,
    n_cols: int,
    k: int,
) -> Block:
    """Grow a block: first its columns, then its accounts.

    Columns (note-hours) where two or more of the block's accounts posted bursts join it; then
    accounts with *any* comments (burst or not) in ``k`` or more of the block's columns, or with
    one templated comment in one of them, unless an earlier block ``taken`` them. Peeling keeps
    only the densest core of a campaign.

    A coordinated account's comment is often not a burst by itself (two or three comments on a
    note in one hour), but it lands in the same note-hours as the rest of the block; an account
    that posted the campaign's script once, in the campaign's note-hour, joins it too.
    """
    n_rows = len(taken)
    members = np.zeros(n_rows, dtype=bool)
    members[block.rows] = True
    burst_in = members[author] & burst
    per_col = np.bincount(
        unique_ints(author[burst_in].astype(np.int64) * n_cols + col[burst_in]) % n_cols,
        minlength=n_cols,
    )
    in_block = per_col >= 2
    in_block[block.cols] = True
    hit = in_block[col]
    pairs = unique_ints(author[hit].astype(np.int64) * n_cols + col[hit])
    per_account = np.bincount(pairs // n_cols, minlength=n_rows)
    scripted = np.zeros(n_rows, dtype=bool)
    scripted[author[hit & templated]] = True
    rows = np.union1d(block.rows, np.flatnonzero(((per_account >= k) | scripted) & ~taken))
    return replace(block, modes=(rows, np.flatnonzero(in_block)))


def _components(
    block: Block, rows: np.ndarray, cols: np.ndarray, weight: np.ndarray
) -> list[Block]:
    """Split a block into its connected parts (over the graph's edges ``rows, cols, weight``).

    Peeling keeps two disjoint dense groups together when their densities are alike, and two
    groups are two campaigns. Parts with under a tenth of the block's accounts are dropped
    (chance co-occurrences around a large part).
    """
    in_r = np.isin(rows, block.rows)
    in_c = np.isin(cols, block.cols)
    hit = in_r & in_c
    r = np.searchsorted(block.rows, rows[hit])
    c = np.searchsorted(block.cols, cols[hit]) + len(block.rows)
    w = weight[hit]
    n = len(block.rows) + len(block.cols)
    graph = coo_matrix((np.ones(len(r), np.int8), (r, c)), shape=(n, n))
    k, comp = connected_components(graph, directed=False)
    out = []
    for i in range(k):
        part_r = block.rows[comp[: len(block.rows)] == i]
        part_c = block.cols[comp[len(block.rows) :] == i]
        if len(part_r) >= 0.1 * len(block.rows) and len(part_c):
            inside = comp[r] == i
            mass = float(w[inside].sum())
            out.append(Block((part_r, part_c), mass / (len(part_r) + len(part_c)), mass,
                             int(inside.sum())))  # fmt: skip
    return out


def _columns(act: Activity, bucket_seconds: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column of each comment: its note, or (note, hour) when times are known.

    Splitting notes by time makes a dense block *tight in time*: accounts commenting on the
    same notes in the same hours (lockstep), not merely on the same popular notes.
    """
    if not act.has_time:
        n = len(act.note_names)
        return act.note, np.arange(n), np.zeros(n, dtype=np.int64)
    t = np.nan_to_num(act.ts, nan=np.nanmin(act.ts))
    bucket = ((t - t.min()) // bucket_seconds).astype(np.int64)
    key = act.note.astype(np.int64) * (int(bucket.max()) + 1) + bucket
    ukey, col = unique_inverse(key)
    return col.astype(np.int64), ukey // (int(bucket.max()) + 1), ukey % (int(bucket.max()) + 1)


def _edges(
    author: np.ndarray, col: np.ndarray, w: np.ndarray, n_cols: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unique (account, column) edges, each with the heaviest weight among its comments."""
    key = author.astype(np.int64) * n_cols + col
    order = np.argsort(key, kind="stable")
    skey = key[order]
    starts = np.flatnonzero(np.r_[True, skey[1:] != skey[:-1]])
    weight = np.maximum.reduceat(w[order], starts)
    ukey = skey[starts]
    return ukey // n_cols, ukey % n_cols, weight


def _unique_pairs(
    author: np.ndarray, note: np.ndarray, n_cols: int
) -> tuple[np.ndarray, np.ndarray]:
    key = unique_ints(author.astype(np.int64) * n_cols + note)
    return key // n_cols, key % n_cols


def _index_by(codes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(n + 1))
    return order, starts
