"""Whether the authors of near-duplicate texts act together: duplicates alone are not water army.

Phrases many real people write (``姐妹，发热严重吗``, ``求链接``) form large near-duplicate
clusters, each text by a different person on a different note. A scripted campaign's accounts
post on the same handful of notes again and again, so its authors *meet*: two authors meet when
both wrote into templated clusters on the same note, and an author who meets another on two or
more notes is coordinated. A cluster is kept as ``duplicate`` when at least half of its texts are
by coordinated authors (:func:`coordinated_share`).
"""

from __future__ import annotations

import numpy as np

#: notes with more distinct clustered authors than this are skipped when counting meetings
#: (a popular note where everyone writes a stock phrase is no evidence of meeting, and the pair
#: count grows with the square of the authors)
MAX_AUTHORS_PER_NOTE = 300


def coordinated_authors(author: np.ndarray, note: np.ndarray) -> np.ndarray:
    """For each author code (``0..author.max()``): did they meet another author on 2+ notes?

    ``author`` and ``note`` are int codes of the rows (one per text) to consider.
    """
    n_authors = int(author.max()) + 1 if len(author) else 0
    met = np.zeros(n_authors, dtype=bool)
    if len(author) < 2:
        return met
    pairs = np.unique(note.astype(np.int64) * n_authors + author)
    by_note, who = pairs // n_authors, pairs % n_authors
    bounds = np.flatnonzero(np.diff(by_note)) + 1
    keys = []
    for group in np.split(who, bounds):
        if 2 <= len(group) <= MAX_AUTHORS_PER_NOTE:
            i, j = np.triu_indices(len(group), 1)
            keys.append(np.minimum(group[i], group[j]) * n_authors + np.maximum(group[i], group[j]))
    if not keys:
        return met
    met_pairs, times = np.unique(np.concatenate(keys), return_counts=True)
    twice = met_pairs[times >= 2]
    met[twice // n_authors] = True
    met[twice % n_authors] = True
    return met


def coordinated_share(
    label: np.ndarray, author: np.ndarray, note: np.ndarray, n_clusters: int
) -> np.ndarray:
    """Per cluster, the share of its rows written by coordinated authors (rows: ``label >= 0``)."""
    met = coordinated_authors(author, note)
    hits = np.bincount(label, weights=met[author] if len(author) else None, minlength=n_clusters)
    return hits / np.maximum(1, np.bincount(label, minlength=n_clusters))
