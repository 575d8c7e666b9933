"""Dense blocks in a weighted account × note graph (FRAUDAR-style greedy peeling, numpy/scipy).

The suspiciousness of a set ``S`` of accounts and notes is ``g(S) = f(S) / |S|`` where ``f`` is
the total weight of edges inside ``S`` plus each account's prior. FRAUDAR (Hooi et al., KDD 2016)
weights an edge into note ``n`` by ``1 / log(deg(n) + c)``: fraudsters hide their block by adding
edges to popular notes (camouflage), and edges into popular notes count for little, so the
camouflage adds almost nothing to any block that contains it, and a block cannot hide behind it.

Finding the densest ``S`` runs in two steps, both exact in what they compute:

1. batch peeling (Bahmani et al., 2012): every round removes all nodes whose weighted degree is
   at most ``2(1 + eps)`` times the current density; a few dozen vectorized rounds shrink a graph
   of millions of edges to its dense core and keep the snapshot just before the best one;
2. greedy peeling on that snapshot (FRAUDAR's own loop): remove the node of least weighted degree
   one at a time, with a heap; the best prefix is the block.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix

from seedtrail.integrity.arrays import unique_inverse

COLUMN_OFFSET = 5.0


def column_weights(cols: np.ndarray, n_cols: int) -> np.ndarray:
    """FRAUDAR's camouflage-resistant weight of each note: ``1 / log(deg + 5)``."""
    deg = np.bincount(cols, minlength=n_cols).astype(np.float64)
    return 1.0 / np.log(deg + COLUMN_OFFSET)


@dataclass(frozen=True)
class Block:
    """A dense block: the chosen indices of each mode, its density and mass."""

    modes: tuple[np.ndarray, ...]  # sorted indices per mode (accounts, notes[, time buckets])
    density: float  # g(S) = f(S) / |S|
    mass: float  # f(S)
    entries: int

    @property
    def rows(self) -> np.ndarray:
        return self.modes[0]

    @property
    def cols(self) -> np.ndarray:
        return self.modes[1]


def densest_block(
    index: tuple[np.ndarray, ...],
    weight: np.ndarray,
    sizes: tuple[int, ...],
    prior: np.ndarray | None = None,
    eps: float = 0.1,
) -> Block | None:
    """The densest block of a weighted tensor with unique entries ``index`` (one array per mode).

    Two modes are FRAUDAR's bipartite graph; a third mode (time buckets) turns it into a dense
    sub-tensor search (as in D-Cube): a block must then also be tight in time. ``prior`` (per
    index of mode 0, ≥ 0) adds to an account's suspiciousness.
    """
    if len(weight) == 0:
        return None
    k = len(index)
    prior = np.zeros(sizes[0]) if prior is None else prior
    alive = []
    for m in range(k):
        a = np.zeros(sizes[m], dtype=bool)
        a[index[m]] = True
        alive.append(a)
    snapshots: list[list[np.ndarray]] = []
    best_g, best_i = -1.0, 0
    e_alive = np.ones(len(weight), dtype=bool)
    while True:
        ew = weight[e_alive]
        if len(ew) == 0:
            break
        degs: list[np.ndarray] = [
            np.bincount(index[m][e_alive], ew, minlength=sizes[m]) for m in range(k)
        ]
        degs[0] = degs[0] + prior
        size = int(sum(int(a.sum()) for a in alive))
        f = float(ew.sum() + prior[alive[0]].sum())
        g = f / size
        snapshots.append([a.copy() for a in alive])
        if g > best_g:
            best_g, best_i = g, len(snapshots) - 1
        cut = k * (1 + eps) * g
        drops = [alive[m] & (degs[m] <= cut) for m in range(k)]
        if not any(d.any() for d in drops):
            break
        for m in range(k):
            alive[m] &= ~drops[m]
            e_alive &= alive[m][index[m]]
        if len(snapshots) - best_i > 3 and len(snapshots) > 8:
            break  # density has fallen for several rounds: the best core is behind us
    start = snapshots[max(0, best_i - 2)]
    keep = np.ones(len(weight), dtype=bool)
    for m in range(k):
        keep &= start[m][index[m]]
    return _greedy(tuple(ix[keep] for ix in index), weight[keep], prior)


def _greedy(index: tuple[np.ndarray, ...], weight: np.ndarray, prior: np.ndarray) -> Block:
    """FRAUDAR's greedy peeling on a (small) tensor: remove the least-degree node, keep the best."""
    uniq, local = [], []
    offset = 0
    for ix in index:
        u, inv = unique_inverse(ix)
        uniq.append(u)
        local.append(inv.astype(np.int64) + offset)
        offset += len(u)
    n = offset
    e = len(weight)
    # node -> entries incidence (CSR), entry -> nodes
    node_of = np.stack(local, axis=1)  # (e, k)
    inc = csr_matrix(
        (np.ones(e * len(index)), (node_of.ravel(), np.repeat(np.arange(e), len(index)))),
        shape=(n, e),
    )
    deg = np.bincount(node_of.ravel(), np.repeat(weight, len(index)), minlength=n)
    deg[: len(uniq[0])] += prior[uniq[0]]
    f = float(weight.sum() + prior[uniq[0]].sum())
    alive_node = np.ones(n, dtype=bool)
    alive_entry = np.ones(e, dtype=bool)
    heap = [(float(d), i) for i, d in enumerate(deg.tolist())]
    heapq.heapify(heap)
    indptr, entries = inc.indptr, inc.indices
    degl = deg.tolist()
    wl = weight.tolist()
    nodes_l = node_of.tolist()
    order: list[int] = []
    best_g, best_k = f / n, 0
    size = n
    while heap:
        d, v = heapq.heappop(heap)
        if not alive_node[v] or d != degl[v]:
            continue
        alive_node[v] = False
        order.append(v)
        f -= degl[v]
        size -= 1
        for j in entries[indptr[v] : indptr[v + 1]].tolist():
            if not alive_entry[j]:
                continue
            alive_entry[j] = False
            for u in nodes_l[j]:
                if u != v and alive_node[u]:
                    degl[u] -= wl[j]
                    heapq.heappush(heap, (degl[u], u))
        if size and f / size > best_g:
            best_g, best_k = f / size, len(order)
    keep = np.ones(n, dtype=bool)
    keep[order[:best_k]] = False
    inside = keep[node_of].all(axis=1)
    modes = []
    offset = 0
    for u in uniq:
        modes.append(u[keep[offset : offset + len(u)]])
        offset += len(u)
    return Block(
        modes=tuple(modes),
        density=best_g,
        mass=float(weight[inside].sum() + prior[modes[0]].sum()),
        entries=int(inside.sum()),
    )
