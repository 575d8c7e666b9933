"""Integrity at scale: N comments by M accounts through scan and campaigns, with figures.

    python bench/integrity.py --scale 0.01              # 100k comments, 10k accounts: seconds
    flock /work/heavy.lock nice -n 10 python bench/integrity.py   # 10M comments, 1M accounts

The data: organic comments from the simulator's text model (templated, about a third carrying
numbers), accounts with lognormal activity, notes with Zipf popularity published over 30 days,
0.5% obfuscated diversion comments, and water-army campaigns (200 accounts x 200 notes, density
0.05, scripted texts in three bursts each, camouflage on popular notes). Targets (issue 7):
scan >= 20,000 comments/s, campaigns on 10M comments < 15 min, peak memory < 16 GB. Baseline
measured in the same run: one normalization pass over every text (the per-text floor).
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from seedtrail.integrity.campaigns import find_campaigns
from seedtrail.integrity.normalize import Normalizer
from seedtrail.integrity.scan import Scanner
from seedtrail.integrity.sources import Item
from seedtrail.sim.text import diversion, water_army
from seedtrail.sim.text.comments import organic_comments

DAY = 86400.0
T0 = 1_740_787_200.0  # 2025-03-01


def _peak_gb() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest (finished) worker, in GB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return own / 1024**2, kids / 1024**2


@dataclass
class Data:
    """The benchmark's comments as columns; :meth:`batches` makes :class:`Item` rows on the fly.

    Holding ten million ``Item`` objects would cost several GB on its own (and measure the
    benchmark, not the scanner); a real source (JSONL, Parquet) also yields batch after batch.
    """

    text: pa.Array
    author: np.ndarray
    note: np.ndarray
    ts: np.ndarray
    batch: int = 50_000

    def __len__(self) -> int:
        return len(self.text)

    def texts(self) -> Iterator[list[str]]:
        for s in range(0, len(self), self.batch):
            yield self.text.slice(s, self.batch).to_pylist()

    def batches(self) -> Iterator[list[Item]]:
        for k, texts in enumerate(self.texts()):
            s = k * self.batch
            au = self.author[s : s + self.batch].tolist()
            no = self.note[s : s + self.batch].tolist()
            ts = self.ts[s : s + self.batch].tolist()
            yield [Item(str(s + i), t, str(au[i]), str(no[i]), ts[i]) for i, t in enumerate(texts)]


def build(n: int, accounts: int, campaigns: int, seed: int) -> tuple[Data, set[str]]:
    rng = np.random.default_rng(seed)
    notes = max(1000, n // 20)
    act = rng.lognormal(0, 1.3, accounts)
    pop = 1.0 / np.arange(1, notes + 1) ** 0.9
    rng.shuffle(pop)
    publish = T0 + rng.uniform(0, 30 * DAY, notes)
    n_div = n // 200
    n_wa = campaigns * 2000
    n_org = n - n_div - n_wa
    author = [rng.choice(accounts, n_org, p=act / act.sum())]
    note = [rng.choice(notes, n_org, p=pop / pop.sum())]
    ts = [publish[note[0]] + rng.exponential(2 * DAY, n_org)]
    texts = [organic_comments(rng, rng.integers(0, 8, n_org))]
    div = [diversion.make(rng, diversion.FAMILIES[int(i)])
           for i in rng.integers(len(diversion.FAMILIES), size=n_div)]  # fmt: skip
    author.append(rng.integers(accounts, size=n_div))
    note.append(rng.integers(notes, size=n_div))
    ts.append(np.full(n_div, T0))
    texts.append(pa.array([d.text for d in div], pa.string()))
    truth: set[str] = set()
    for c in range(campaigns):
        members = rng.choice(accounts, 200, replace=False)
        truth |= {str(a) for a in members.tolist()}
        targets = rng.choice(notes, 200, replace=False)
        scripts = water_army.scripts_for(rng, 3)
        bursts = T0 + np.sort(rng.uniform(0, 30 * DAY, 3))
        rows = []
        for _ in range(2000):
            a, t = int(rng.integers(200)), int(rng.integers(200))
            when = max(float(publish[targets[t]]), float(bursts[rng.integers(3)]))
            text = water_army.vary(rng, scripts[int(rng.integers(3))], f"品牌{c}", "精华")
            rows.append((int(members[a]), int(targets[t]), when + rng.exponential(1200), text))
        author.append(np.array([r[0] for r in rows]))
        note.append(np.array([r[1] for r in rows]))
        ts.append(np.array([r[2] for r in rows]))
        texts.append(pa.array([r[3] for r in rows], pa.string()))
    order = rng.permutation(n)
    data = Data(
        pa.concat_arrays([t.cast(pa.string()) for t in texts]).take(pa.array(order)),
        np.concatenate(author)[order],
        np.concatenate(note)[order],
        np.concatenate(ts)[order],
    )
    return data, truth


def _line(stage: str, seconds: float, n: int, base: float, target: str = "") -> None:
    rate = n / seconds if seconds > 0 else float("inf")
    print(f"{stage:<44} {seconds:8.1f} s {rate:12,.0f} comments/s {rate / base:6.2f}x baseline"
          + (f"  {target}" if target else ""), flush=True)  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0, help="1.0 = 10M comments, 1M accounts")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--campaigns-only",
        action="store_true",
        help="skip the per-text detectors: sketch, cluster and find campaigns only",
    )
    args = ap.parse_args()
    n = int(10_000_000 * args.scale)
    accounts = max(1000, int(1_000_000 * args.scale))
    campaigns = max(1, int(20 * args.scale))
    t = time.perf_counter()
    data, truth = build(n, accounts, campaigns, args.seed)
    n = len(data)
    print(f"data: {n:,} comments, {accounts:,} accounts, {campaigns} campaigns "
          f"({time.perf_counter() - t:.0f} s to build)", flush=True)  # fmt: skip

    norm = Normalizer()
    t = time.perf_counter()
    for texts in data.texts():
        for text in texts:
            norm(text)
    base_s = time.perf_counter() - t
    base = n / base_s
    _line("baseline: one normalization pass", base_s, n, base)

    ticks: dict[str, float] = {}

    def tick(stage: str, count: int) -> None:
        ticks[stage] = time.perf_counter()

    t = time.perf_counter()
    scanner = Scanner(per_text=not args.campaigns_only)
    res = scanner.run(data.batches(), tick, workers=args.workers)
    scan_s = time.perf_counter() - t
    one = "sketch only" if args.campaigns_only else "detectors + sketch"
    _line(f"scan pass 1 ({one}, {args.workers} workers)", ticks["scan"] - t, n, base)
    _line("scan pass 2 (cluster near-duplicates)", ticks["cluster"] - ticks["scan"], n, base)
    rate = n / scan_s
    _line("scan total", scan_s, n, base, f"target >= 20,000/s: {rate / 20_000:.2f}x")
    labels: dict[str, int] = {}
    for rec in res.records():
        for lab in rec["labels"]:
            labels[lab] = labels.get(lab, 0) + 1
    print(f"labels {labels}", flush=True)

    t = time.perf_counter()
    act = res.activity()
    found = find_campaigns(act)
    camp_s = time.perf_counter() - t
    _line("campaigns (activity + dense blocks)", camp_s, n, base, f"target < 900 s: {camp_s:.0f} s")
    predicted = {a for c in found for a in c.accounts}
    tp = len(predicted & truth)
    p = tp / max(1, len(predicted))
    r = tp / max(1, len(truth))
    print(f"campaigns found {len(found)}; account precision {p:.3f} recall {r:.3f}")
    own, kids = _peak_gb()
    print(f"total {scan_s + camp_s:.0f} s; peak memory: main process {own:.1f} GB, largest "
          f"worker {kids:.1f} GB (target < 16 GB)")  # fmt: skip


if __name__ == "__main__":
    main()
