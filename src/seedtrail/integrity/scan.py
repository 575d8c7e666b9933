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
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from seedtrail.integrity.activity import Activity
from seedtrail.integrity.arrays import unique_ints
from seedtrail.integrity.claims import ClaimDetector
from seedtrail.integrity.columns import ColumnBuilder, Columns, encode
from seedtrail.integrity.coordination import coordinated_share
from seedtrail.integrity.diversion import DiversionDetector
from seedtrail.integrity.findings import Finding
from seedtrail.integrity.minhash import Clusters, LshParams, MinHasher, Sketches, cluster
from seedtrail.integrity.normalize import Normalized, Normalizer
from seedtrail.integrity.qr import QrDetector
from seedtrail.integrity.softads import SoftAdDetector
from seedtrail.integrity.sources import KINDS, Item

#: Findings that point off the platform: any of them makes a text ``diversion``. A ``steer``
#: finding (私信我, 看主页, 扣1, 进群) points somewhere inside the community, so it is kept as
#: evidence next to an off-platform finding but is never diversion by itself.
DIVERSION_KINDS = frozenset({"wechat", "qq", "phone", "link", "shop", "qr"})


def labels_of(findings: Iterable[Finding], duplicate: bool = False) -> list[str]:
    """The labels a text's findings give it (``duplicate`` when it is in a template cluster)."""
    out = {"duplicate"} if duplicate else set()
    for f in findings:
        if f.kind in DIVERSION_KINDS:
            out.add("diversion")
        elif f.kind == "claim":
            out.add("claim")
        elif f.kind in ("brand", "promo", "code"):
            out.add("soft_ad")
    return sorted(out)


@dataclass
class ScanResult:
    """Everything pass one kept: metadata columns, sparse findings and the duplicate clusters."""

    cols: Columns
    findings: dict[int, list[Finding]] = field(default_factory=dict)
    clusters: Clusters | None = None
    _templated: np.ndarray | None = None  # per cluster: concentrated on few notes (or None)
    _activity_rows: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.cols)

    def ids(self) -> list[str]:
        return list(self.cols.ids.to_pylist())

    def labels(self, i: int) -> list[str]:
        return labels_of(self.findings.get(i, []), self._duplicate(i))

    def _duplicate(self, i: int) -> bool:
        """Comments and notes only: a bio or message like many others is no water army."""
        if self.clusters is None or self.clusters.label[i] < 0 or self.cols.kinds[i] > 1:
            return False
        return self._templated is None or bool(self._templated[self.clusters.label[i]])

    def record(self, i: int, rid: str | None = None) -> dict[str, Any]:
        found = [f.to_json() for f in self.findings.get(i, [])]
        if self.clusters is not None and self._duplicate(i):
            found.append({"kind": "duplicate", "value": f"cluster:{self.clusters.label[i]}",
                          "span": [0, int(self.cols.lengths[i])]})  # fmt: skip
        rid = rid if rid is not None else str(self.cols.ids[i].as_py())
        out = {"id": rid, "labels": self.labels(i), "findings": found}
        if self.cols.kinds[i] == KINDS.index("dm"):  # a message's case is about its sender
            out["author"] = self.cols.authors[i].as_py()
        return out

    def records(self, chunk: int = 100_000) -> Iterator[dict[str, Any]]:
        """Every text's record, in input order (ids converted a chunk at a time)."""
        for start in range(0, len(self), chunk):
            ids = self.cols.ids.slice(start, chunk).to_pylist()
            for k, rid in enumerate(ids):
                yield self.record(start + k, rid)

    def mark_templates(self, concentration: float = 0.5, coordinated: float = 0.5) -> None:
        """Keep as duplicates only clusters concentrated on few notes whose authors act
        together, when notes are known (authors too for the second test).

        Stock phrases (``好好看``, ``求链接``) repeat across thousands of notes; a scripted
        campaign repeats on the handful of notes it targets. Phrases many people write can still
        gather on fewer notes than texts; a campaign's authors also meet each other on two or
        more notes (:mod:`coordination`), so at least ``coordinated`` of a cluster's texts must
        be by such authors. Without note ids every cluster counts.
        """
        if self.clusters is None or not len(self.clusters.sizes):
            return
        label = self.clusters.label
        rows = np.flatnonzero((label >= 0) & (self.cols.is_comment | self.cols.is_note))
        notes = self.cols.notes.take(rows)
        if notes.null_count:
            return
        codes = encode(notes)[1]
        k = len(self.clusters.sizes)
        pairs = unique_ints(label[rows] * (int(codes.max()) + 1) + codes)
        per_cluster = np.bincount(pairs // (int(codes.max()) + 1), minlength=k)
        self._templated = per_cluster <= concentration * self.clusters.sizes
        authors = self.cols.authors.take(rows)
        if authors.null_count:
            return
        inside = self._templated[label[rows]]
        a_codes = encode(authors.filter(pa.array(inside)))[1]
        share = coordinated_share(label[rows][inside], a_codes, codes[inside], k)
        self._templated &= share >= coordinated

    def activity(self) -> Activity:
        """Comment activity for campaign detection (rows without author or note are left out)."""
        c = self.cols
        keep = c.is_comment & _valid(c.authors) & _valid(c.notes)
        rows = np.flatnonzero(keep)
        self._activity_rows = rows
        a_names, a_codes = encode(c.authors.take(rows))
        n_names, n_codes = encode(c.notes.take(rows))
        ts = c.ts[rows]
        label = self.clusters.label[rows] if self.clusters is not None else np.full(len(rows), -1)
        return Activity(
            author=a_codes,
            note=n_codes,
            ts=ts,
            cluster=np.asarray(label, dtype=np.int64),
            age_days=(ts - c.created[rows]) / 86400.0,
            author_names=a_names,
            note_names=n_names,
        )

    def activity_ids(self, rows: np.ndarray) -> list[str]:
        assert self._activity_rows is not None
        return list(self.cols.ids.take(self._activity_rows[rows]).to_pylist())


def _valid(values: pa.Array) -> np.ndarray:
    return np.asarray(values.is_valid().to_numpy(zero_copy_only=False), dtype=bool)


# what a worker needs of a batch: every text, and the few items (notes, images) needing more
_Payload = tuple[list[str], dict[int, Item]]
_Scanned = tuple[dict[int, list[Finding]], Sketches]
_worker: Scanner | None = None  # set in each worker process by _init_worker, never on import


def _init_worker(scanner: Scanner) -> None:
    global _worker
    _worker = scanner


def _scan_in_worker(payload: _Payload) -> _Scanned:
    assert _worker is not None
    return _worker.scan_texts(*payload)


def _payload(batch: list[Item]) -> _Payload:
    """Texts, and the items whose findings need more than their text: notes (soft ads depend on
    the note's registration) and items with images (QR codes). A comment, bio, name or message is
    scanned by its text alone, so equal texts share one result."""
    special = {j: it for j, it in enumerate(batch) if it.kind == "note" or it.images}
    return [it.text for it in batch], special


def distinct(texts: list[str]) -> tuple[list[str], np.ndarray]:
    """The distinct texts in first-seen order, and for each text its index among them."""
    index: dict[str, int] = {}
    inverse = np.fromiter((index.setdefault(t, len(index)) for t in texts), np.int64, len(texts))
    return list(index), inverse


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
        per_text: bool = True,
    ) -> None:
        """``per_text=False`` skips the per-text detectors (sketches and clusters only)."""
        norm = Normalizer()
        self._diversion = DiversionDetector(diversion_terms, normalizer=norm)
        self._claims = ClaimDetector(claim_terms, normalizer=norm)
        self._softads = SoftAdDetector(brands, claim_terms, normalizer=norm)
        self._registered = registered or set()
        self._minhash = MinHasher(lsh, normalizer=norm)
        self._norm = norm
        self._qr: QrDetector | None = None
        self._min_cluster = min_cluster
        self._per_text = per_text

    def run(
        self,
        batches: Iterator[list[Item]],
        progress: Callable[[str, int], None] | None = None,
        workers: int = 1,
    ) -> ScanResult:
        """Scan every batch (in ``workers`` processes when > 1), then cluster the sketches."""
        cols = ColumnBuilder()
        findings: dict[int, list[Finding]] = {}
        sketches: list[Sketches] = []
        if workers > 1:
            results = self._in_pool(batches, workers)
        else:
            results = ((b, self.scan_batch(b)) for b in batches)
        for batch, (found, sk) in results:
            base = len(cols)
            findings.update((base + j, f) for j, f in found.items())
            cols.add(batch)
            sketches.append(sk)
            if progress:
                progress("scan", len(batch))
        res = ScanResult(cols.finish(), findings)
        all_sketches = Sketches.drain(sketches)
        res.clusters = cluster(all_sketches, self._minhash.params.threshold, self._min_cluster)
        res.mark_templates()
        if progress:
            progress("cluster", 1)
        return res

    def _in_pool(
        self, batches: Iterator[list[Item]], workers: int
    ) -> Iterator[tuple[list[Item], _Scanned]]:
        """Batches and their results in input order, at most ``2 * workers`` batches in flight."""
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(workers, initializer=_init_worker, initargs=(self,)) as pool:
            inflight: deque[tuple[list[Item], AsyncResult[_Scanned]]] = deque()
            for b in batches:
                inflight.append((b, pool.apply_async(_scan_in_worker, (_payload(b),))))
                if len(inflight) >= 2 * workers:
                    done, result = inflight.popleft()
                    yield done, result.get()
            while inflight:
                done, result = inflight.popleft()
                yield done, result.get()

    def scan_batch(self, batch: list[Item]) -> _Scanned:
        """Per-text findings (by position in the batch) and the batch's sketches."""
        return self.scan_texts(*_payload(batch))

    def scan_texts(self, texts: list[str], special: dict[int, Item]) -> _Scanned:
        """Findings and sketches of ``texts``; ``special`` holds the notes and items with images
        by position (see :func:`_payload`).

        Each distinct text is folded, prefiltered and sketched once (water-army comments and
        stock phrases repeat). RE2 prefilters (necessary conditions, see ``prefilter.py``) pick
        the texts that may have a diversion, claim or brand finding; only those, and items with
        images, go through the per-text detectors: once per distinct text for plain items, once
        per item for notes. The result equals :meth:`detect` on every item.
        """
        uniq, inverse = distinct(texts)
        folded = self._norm.fold_many(uniq)
        sk = self._minhash.sketches(folded, normalized=True)
        sketches = Sketches(sk.bands[inverse], sk.sketch[inverse], sk.valid[inverse])
        found: dict[int, list[Finding]] = {}
        if not self._per_text:
            return found, sketches
        arr = pa.array(folded, pa.string())
        maybe = self._diversion.candidates(arr) | self._claims.candidates(arr)
        notes = any(it.kind == "note" for it in special.values())
        brand = self._softads.candidates(arr) if notes else np.zeros(len(uniq), dtype=bool)
        by_text: dict[int, list[Finding]] = {}
        for j in np.flatnonzero(maybe[inverse]).tolist():
            if j not in special:
                u = int(inverse[j])
                if u not in by_text:
                    by_text[u] = self.detect(Item("", texts[j]))
                if by_text[u]:
                    found[j] = list(by_text[u])
        for j, item in special.items():
            u = int(inverse[j])
            if item.images or maybe[u] or (item.kind == "note" and brand[u]):
                f = self.detect(item)
                if f:
                    found[j] = f
        return dict(sorted(found.items())), sketches

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
