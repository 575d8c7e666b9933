"""Scan texts: per-text detectors (diversion, claims, soft ads) and corpus-wide near-duplicates.

Pass one runs the per-text detectors and keeps each text's MinHash sketch; pass two clusters the
sketches. A text's labels are drawn from ``diversion``, ``duplicate``, ``soft_ad``, ``claim``; a
``duplicate`` finding's value is ``cluster:<n>`` and its span the whole text. Items with images
get ``qr`` findings (label ``diversion``) whose span is the image's index (see ``qr.py``).
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from seedtrail.integrity.activity import Activity
from seedtrail.integrity.arrays import unique_ints
from seedtrail.integrity.claims import ClaimDetector
from seedtrail.integrity.diversion import DiversionDetector
from seedtrail.integrity.findings import Finding
from seedtrail.integrity.minhash import Clusters, LshParams, MinHasher, Sketches, cluster
from seedtrail.integrity.normalize import Normalized, Normalizer
from seedtrail.integrity.qr import QrDetector
from seedtrail.integrity.softads import SoftAdDetector
from seedtrail.integrity.sources import Item

DIVERSION_KINDS = frozenset({"wechat", "qq", "phone", "link", "shop", "steer", "qr"})


@dataclass
class ScanResult:
    """Everything pass one kept: ids, sparse findings, sketches and the activity columns."""

    ids: list[str] = field(default_factory=list)
    findings: dict[int, list[Finding]] = field(default_factory=dict)
    kinds: list[str] = field(default_factory=list)
    authors: list[str | None] = field(default_factory=list)
    notes: list[str | None] = field(default_factory=list)
    ts: list[float | None] = field(default_factory=list)
    created: list[float | None] = field(default_factory=list)
    sketches: list[Sketches] = field(default_factory=list)
    clusters: Clusters | None = None

    def labels(self, i: int) -> list[str]:
        out = set()
        for f in self.findings.get(i, []):
            if f.kind in DIVERSION_KINDS:
                out.add("diversion")
            elif f.kind == "claim":
                out.add("claim")
            elif f.kind in ("brand", "promo", "code"):
                out.add("soft_ad")
        if self._duplicate(i):
            out.add("duplicate")
        return sorted(out)

    def _duplicate(self, i: int) -> bool:
        if self.clusters is None or self.clusters.label[i] < 0:
            return False
        return self._templated is None or bool(self._templated[self.clusters.label[i]])

    def record(self, i: int) -> dict[str, Any]:
        found = [f.to_json() for f in self.findings.get(i, [])]
        if self.clusters is not None and self._duplicate(i):
            end = self._lengths[i] if self._lengths is not None else 0
            found.append({"kind": "duplicate", "value": f"cluster:{self.clusters.label[i]}",
                          "span": [0, int(end)]})  # fmt: skip
        return {"id": self.ids[i], "labels": self.labels(i), "findings": found}

    _lengths: np.ndarray | None = None
    _templated: np.ndarray | None = None  # per cluster: concentrated on few notes (or None)

    def mark_templates(self, concentration: float = 0.5) -> None:
        """Keep as duplicates only clusters concentrated on few notes, when notes are known.

        Stock phrases (``好好看``, ``求链接``) repeat across thousands of notes; a scripted
        campaign repeats on the handful of notes it targets. Without note ids every cluster counts.
        """
        if self.clusters is None or not len(self.clusters.sizes):
            return
        label = self.clusters.label
        rows = np.flatnonzero(label >= 0)
        if any(self.notes[i] is None for i in rows.tolist()):
            return
        codes = _encode([self.notes[i] for i in rows.tolist()])[1]
        k = len(self.clusters.sizes)
        pairs = unique_ints(label[rows] * (int(codes.max()) + 1) + codes)
        notes = np.bincount(pairs // (int(codes.max()) + 1), minlength=k)
        self._templated = notes <= concentration * self.clusters.sizes

    def activity(self) -> Activity:
        """Comment activity for campaign detection (rows without author or note are left out)."""
        rows = [
            i
            for i, (k, a, n) in enumerate(zip(self.kinds, self.authors, self.notes, strict=True))
            if k == "comment" and a is not None and n is not None
        ]
        self._activity_rows = np.array(rows, dtype=np.int64)
        a_names, a_codes = _encode([self.authors[i] for i in rows])
        n_names, n_codes = _encode([self.notes[i] for i in rows])
        ts = np.array([np.nan if self.ts[i] is None else self.ts[i] for i in rows], np.float64)
        created = np.array(
            [np.nan if self.created[i] is None else self.created[i] for i in rows], np.float64
        )
        label = self.clusters.label[rows] if self.clusters is not None else np.full(len(rows), -1)
        return Activity(
            author=a_codes,
            note=n_codes,
            ts=ts,
            cluster=np.asarray(label, dtype=np.int64),
            age_days=(ts - created) / 86400.0,
            author_names=a_names,
            note_names=n_names,
        )

    _activity_rows: np.ndarray | None = None

    def activity_ids(self, rows: np.ndarray) -> list[str]:
        assert self._activity_rows is not None
        return [self.ids[i] for i in self._activity_rows[rows].tolist()]


_Scanned = tuple[dict[int, list[Finding]], Sketches]
_BatchResult = tuple[list[Item], dict[int, list[Finding]], Sketches]
_worker: Scanner | None = None  # set in each worker process by _init_worker, never on import


def _init_worker(scanner: Scanner) -> None:
    global _worker
    _worker = scanner


def _scan_in_worker(batch: list[Item]) -> _Scanned:
    assert _worker is not None
    return _worker.scan_batch(batch)


def _encode(values: list[Any]) -> tuple[list[str], np.ndarray]:
    """Distinct values (as strings) and each value's code: Arrow's dictionary encoding (fast)."""
    import pyarrow as pa

    enc = pa.array(values, type=pa.string()).dictionary_encode()
    codes = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return enc.dictionary.to_pylist(), codes


class Scanner:
    def __init__(
        self,
        *,
        brands: Iterable[str] = (),
        registered: set[str] | None = None,
        diversion_terms: Path | None = None,
        claim_terms: Path | None = None,
        lsh: LshParams | None = None,
        min_cluster: int = 3,
    ) -> None:
        norm = Normalizer()
        self._diversion = DiversionDetector(diversion_terms, normalizer=norm)
        self._claims = ClaimDetector(claim_terms, normalizer=norm)
        self._softads = SoftAdDetector(brands, claim_terms, normalizer=norm)
        self._registered = registered or set()
        self._minhash = MinHasher(lsh, normalizer=norm)
        self._norm = norm
        self._qr: QrDetector | None = None
        self._min_cluster = min_cluster

    def run(
        self,
        batches: Iterator[list[Item]],
        progress: Callable[[str, int], None] | None = None,
        workers: int = 1,
    ) -> ScanResult:
        """Scan every batch (in ``workers`` processes when > 1), then cluster the sketches."""
        res = ScanResult()
        lengths: list[np.ndarray] = []
        pool = None
        if workers > 1:
            ctx = multiprocessing.get_context("fork")
            pool = ctx.Pool(workers, initializer=_init_worker, initargs=(self,))
            # the pool keeps a few batches in flight; imap preserves their order
            pending: deque[list[Item]] = deque()

            def feed() -> Iterator[list[Item]]:
                for b in batches:
                    pending.append(b)
                    yield b

            scanned = pool.imap(_scan_in_worker, feed(), chunksize=1)  # results in batch order
            results: Iterator[_BatchResult] = ((pending.popleft(), *r) for r in scanned)
        else:
            results = ((b, *self.scan_batch(b)) for b in batches)
        try:
            for batch, found, sketches in results:
                base = len(res.ids)
                for j, f in found.items():
                    res.findings[base + j] = f
                res.ids += [it.id for it in batch]
                res.kinds += [it.kind for it in batch]
                res.authors += [it.author for it in batch]
                res.notes += [it.note_id for it in batch]
                res.ts += [it.ts for it in batch]
                res.created += [it.author_created for it in batch]
                res.sketches.append(sketches)
                lengths.append(np.fromiter((len(it.text) for it in batch), np.int64, len(batch)))
                if progress:
                    progress("scan", len(batch))
        finally:
            if pool is not None:
                pool.terminate()
        res._lengths = np.concatenate(lengths) if lengths else np.zeros(0, np.int64)
        sk = Sketches.concat(res.sketches)
        res.sketches = []
        res.clusters = cluster(sk, self._minhash.params.threshold, self._min_cluster)
        res.mark_templates()
        if progress:
            progress("cluster", 1)
        return res

    def scan_batch(self, batch: list[Item]) -> _Scanned:
        """Per-text findings (by position in the batch) and the batch's sketches."""
        folded = []
        found: dict[int, list[Finding]] = {}
        for j, item in enumerate(batch):
            norm = self._norm(item.text)
            folded.append(norm.text)
            f = self.detect(item, norm)
            if f:
                found[j] = f
        return found, self._minhash.sketches(folded, normalized=True)

    def detect(self, item: Item, norm: Normalized | None = None) -> list[Finding]:
        """The per-text findings of one item (everything but near-duplicates)."""
        norm = norm or self._norm(item.text)
        found = self._diversion.find(item.text, norm)
        found += self._claims.find(item.text, norm)
        if item.kind == "note":
            links = sum(f.kind == "link" for f in found)
            found += self._softads.find(
                item.text, registered=item.id in self._registered, links=links, norm=norm
            )
        found.sort(key=lambda f: f.span)
        if item.images:
            if self._qr is None:
                self._qr = QrDetector(self._diversion)
            found += self._qr.find(item.images)
        return found
