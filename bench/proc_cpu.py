"""Where a benchmark's cores went: CPU time of a process tree by role, from ``/proc`` (Linux).

A snapshot before and after a load run gives each role's CPU per request and in cores, and the
machine's idle cores: with every part of seedtrail's redirect (the serving process, the click
segment's syncer, the click mover) in a process of its own, this shows which one a figure is
bound by, and whether the cores were full at all.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
#: a process's role, by a fragment of its command line (others are "server")
ROLES = (("syncer", "syncer.py"), ("mover", "moverproc"))


def _stat(pid: str) -> list[str] | None:
    try:
        return (Path("/proc") / pid / "stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None


def _role(pid: str) -> str:
    try:
        cmdline = (Path("/proc") / pid / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "server"
    return next((role for role, part in ROLES if part in cmdline), "server")


def snapshot(root: int) -> dict[str, int]:
    """CPU ticks (user + system) of ``root`` and every process descended from it, by role."""
    parents: dict[str, str] = {}
    stats: dict[str, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(entry.name)) is not None:
            stats[entry.name], parents[entry.name] = fields, fields[1]
    tree, grew = {str(root)}, True
    while grew:
        kids = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= kids
        grew = bool(kids)
    out: dict[str, int] = {}
    for pid in tree & stats.keys():
        role = _role(pid)
        out[role] = out.get(role, 0) + int(stats[pid][11]) + int(stats[pid][12])
    return out


def idle_ticks() -> int:
    """The machine's idle and iowait ticks, summed over its cores."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    return int(fields[4]) + int(fields[5])


@dataclass(frozen=True)
class Usage:
    by_role: dict[str, float]  # seconds of CPU
    idle: float  # seconds of idle core time
    seconds: float

    @classmethod
    def between(
        cls, before: dict[str, int], after: dict[str, int], idle: int, seconds: float
    ) -> Usage:
        roles = {r: (after.get(r, 0) - before.get(r, 0)) / TICK for r in after.keys() | before}
        return cls(roles, idle / TICK, seconds)

    def line(self, requests: int) -> str:
        parts = [
            f"{role} {cpu / requests * 1e6:.1f} us ({cpu / self.seconds:.2f} cores)"
            for role, cpu in sorted(self.by_role.items(), key=lambda kv: -kv[1])
        ]
        idle = self.idle / self.seconds
        return f"CPU per request: {', '.join(parts)}; idle {idle:.2f} of {os.cpu_count()} cores"
