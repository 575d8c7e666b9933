"""Proposed changes, simulated and kept: ``seedtrail policy impact --world-spec ... --change ...
--save`` writes the result under ``<data_dir>/impact/studies/<id>.json`` (atomically: a reader
sees the whole study or none), and the operator's impact page lists them beside the past
changes. A study is derived data, like a report run: deleting the folder loses nothing else."""

from __future__ import annotations

import json
import os
import re
import secrets
from datetime import UTC, datetime
from pathlib import Path

from seedtrail.core.errors import NotFound
from seedtrail.messages import Msg

_ID = re.compile(r"^[0-9a-f]{12}$")


def root(data_dir: Path) -> Path:
    return data_dir / "impact" / "studies"


def save(data_dir: Path, result: dict[str, object], *, actor: str) -> dict[str, object]:
    """Keep a simulated result (``SimResult.to_dict()``); returns the study with its id."""
    study = {
        "id": secrets.token_hex(6),
        "created_at": datetime.now(UTC).isoformat(),
        "created_by": actor,
        **result,
    }
    folder = root(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{study['id']}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(study, ensure_ascii=False, default=str))
    tmp.replace(folder / f"{study['id']}.json")
    return study


def listing(data_dir: Path) -> list[dict[str, object]]:
    """Every kept study without its rows, newest first."""
    out = []
    for path in root(data_dir).glob("*.json"):
        if not _ID.match(path.stem):
            continue
        study = json.loads(path.read_text())
        out.append({k: v for k, v in study.items() if k not in ("rows", "responses")})
    return sorted(out, key=lambda s: s["created_at"], reverse=True)


def load(data_dir: Path, study_id: str) -> dict[str, object]:
    path = root(data_dir) / f"{study_id}.json"
    if not _ID.match(study_id) or not path.is_file():
        raise NotFound(Msg("problem.not-found.impact_study", {"id": study_id}))
    study: dict[str, object] = json.loads(path.read_text())
    return study
