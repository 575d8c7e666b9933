from __future__ import annotations

import numpy as np

from seedtrail.integrity.dense import column_weights, densest_block


def _graph(seed: int, camouflage: bool) -> tuple[np.ndarray, np.ndarray, int, int]:
    rng = np.random.default_rng(seed)
    n_rows, n_cols = 2000, 500
    rows = rng.integers(0, n_rows, 6000)
    cols = rng.integers(0, n_cols, 6000)
    fr, fc = np.meshgrid(np.arange(30), np.arange(30), indexing="ij")
    keep = rng.random(fr.shape) < 0.5
    parts_r, parts_c = [rows, fr[keep] + n_rows - 30], [cols, fc[keep]]
    if camouflage:  # fraud accounts add as many edges to the most popular columns
        parts_r.append(fr[keep] + n_rows - 30)
        parts_c.append(rng.integers(400, 500, int(keep.sum())))
    r, c = np.concatenate(parts_r), np.concatenate(parts_c)
    key = np.unique(r * n_cols + c)
    return key // n_cols, key % n_cols, n_rows, n_cols


def test_finds_planted_block_with_and_without_camouflage() -> None:
    for camouflage in (False, True):
        rows, cols, n_rows, n_cols = _graph(3, camouflage)
        w = column_weights(cols, n_cols)[cols]
        block = densest_block((rows, cols), w, (n_rows, n_cols))
        assert block is not None
        fraud = set(range(n_rows - 30, n_rows))
        found = set(block.rows.tolist())
        assert len(found & fraud) >= 28
        assert len(found - fraud) <= 2
        assert set(block.cols.tolist()) <= set(range(30)) | set(range(400, 500))


def test_column_weights_favour_rare_columns() -> None:
    w = column_weights(np.array([0, 0, 0, 0, 1]), 2)
    assert w[1] > w[0]


def test_empty_graph() -> None:
    e = np.empty(0, np.int64)
    assert densest_block((e, e), np.empty(0), (0, 0)) is None
