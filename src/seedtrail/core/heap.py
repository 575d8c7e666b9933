"""Garbage-collector settings for long-running processes (the server, the click mover)."""

from __future__ import annotations

import gc


def settle() -> None:
    """Move every object alive now (modules, apps, templates, models: hundreds of thousands)
    out of the collector's reach and make young collections rarer. Called once a process has
    started: a full collection otherwise walks all of them, stalling the server's requests in
    flight for tens of milliseconds, and the mover's many short-lived rows trigger one every few
    thousand clicks."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
