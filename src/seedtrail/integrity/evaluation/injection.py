"""Campaign detection on injected blocks: a heavy-tailed organic graph plus one fraud block.

The organic background: accounts with lognormal activity comment on notes with Zipf-like
popularity; notes are published over ``days`` and draw comments with an exponential decay after
publication (so organic bursts right after publication exist, as in real data).

The fraud block: ``block`` accounts × ``block`` target notes, each pair an edge with probability
``density``, posted in 3 bursts (each comment ``Exp(20 min)`` after its burst start). Camouflage:
``none``; ``random`` (each fraud account adds as many comments as it has fraud edges on random
notes at organic times); ``biased`` (the same, on notes chosen by popularity). ``hijacked``
fraud accounts are existing organic accounts (with their organic history) instead of new ones.
There is no text: detection rests on the graph and time alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seedtrail.integrity.activity import Activity
from seedtrail.integrity.campaigns import CampaignParams, find_campaigns

DAY = 86400.0


@dataclass(frozen=True)
class Setting:
    density: float
    camouflage: str  # none | random | biased
    hijacked: bool
    block: int = 200
    accounts: int = 20_000
    notes: int = 4_000
    organic_comments: int = 200_000
    days: int = 30


def inject(setting: Setting, seed: int) -> tuple[Activity, np.ndarray]:
    """The activity and the boolean truth per account code (True: fraud)."""
    rng = np.random.default_rng(seed)
    s = setting
    act_w = rng.lognormal(0, 1.3, s.accounts)
    pop_w = 1.0 / np.arange(1, s.notes + 1) ** 0.9
    rng.shuffle(pop_w)
    publish = rng.uniform(0, s.days * DAY, s.notes)
    n = s.organic_comments
    author = rng.choice(s.accounts, n, p=act_w / act_w.sum())
    note = rng.choice(s.notes, n, p=pop_w / pop_w.sum())
    ts = publish[note] + rng.exponential(2 * DAY, n)
    if s.hijacked:
        fraud = rng.choice(s.accounts, s.block, replace=False)
        n_accounts = s.accounts
    else:
        fraud = np.arange(s.accounts, s.accounts + s.block)
        n_accounts = s.accounts + s.block
    targets = rng.choice(s.notes, s.block, replace=False)
    hit = rng.random((s.block, s.block)) < s.density
    fa, ft = np.nonzero(hit)
    f_author, f_note = fraud[fa], targets[ft]
    bursts = np.sort(rng.uniform(0, s.days * DAY, 3))
    f_ts = np.maximum(publish[f_note], bursts[rng.integers(0, 3, len(fa))])
    f_ts = f_ts + rng.exponential(1200.0, len(fa))
    parts_a, parts_n, parts_t = [author, f_author], [note, f_note], [ts, f_ts]
    if s.camouflage != "none":
        k = len(fa)
        probs = None if s.camouflage == "random" else pop_w / pop_w.sum()
        c_note = rng.choice(s.notes, k, p=probs)
        parts_a.append(f_author)
        parts_n.append(c_note)
        parts_t.append(publish[c_note] + rng.exponential(2 * DAY, k))
    all_a = np.concatenate(parts_a).astype(np.int64)
    all_n = np.concatenate(parts_n).astype(np.int64)
    all_t = np.concatenate(parts_t)
    m = len(all_a)
    act = Activity(
        author=all_a,
        note=all_n,
        ts=all_t,
        cluster=np.full(m, -1, dtype=np.int64),
        age_days=np.full(m, np.nan),
        author_names=[f"a{i}" for i in range(n_accounts)],
        note_names=[f"n{i}" for i in range(s.notes)],
    )
    truth = np.zeros(n_accounts, dtype=bool)
    truth[fraud] = True
    return act, truth


@dataclass(frozen=True)
class Result:
    setting: Setting
    precision: float
    recall: float
    f1: float
    campaigns: int


def evaluate(setting: Setting, seed: int, params: CampaignParams | None = None) -> Result:
    act, truth = inject(setting, seed)
    found = find_campaigns(act, params)
    predicted = np.zeros(len(truth), dtype=bool)
    index = {name: i for i, name in enumerate(act.author_names)}
    for c in found:
        predicted[[index[a] for a in c.accounts]] = True
    # an account with no fraud edge at all (possible at low density) cannot be found
    active = np.zeros(len(truth), dtype=bool)
    active[act.author] = True
    t = truth & active
    tp = int((predicted & t).sum())
    precision = tp / max(1, int(predicted.sum()))
    recall = tp / max(1, int(t.sum()))
    f1 = 2 * precision * recall / max(1e-12, precision + recall)
    return Result(setting, precision, recall, f1, len(found))
