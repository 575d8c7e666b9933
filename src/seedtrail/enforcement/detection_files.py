"""The detectors' files as ``seedtrail cases import`` reads them: JSON lines, each checked, a file
with any bad line refused as a whole with the line numbers (up to :data:`MAX_ERRORS` of them)
before anything is opened; the scan's own input (``--texts``) for the ids flagged; and the
import's report, shared by findings (:mod:`seedtrail.enforcement.intake`) and campaigns
(:mod:`seedtrail.enforcement.campaign_intake`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from seedtrail.core.errors import InvalidInput, InvalidValue
from seedtrail.enforcement import autopolicy
from seedtrail.messages import Msg
from seedtrail.store.repo import Row

MAX_ERRORS = 10


@dataclass
class Report:
    lines: int = 0
    unflagged: int = 0
    opened: int = 0
    existing: int = 0
    auto_actions: int = 0
    members: int = 0  # member cases opened under campaign cases
    skipped: list[str] = field(default_factory=list)
    case_ids: list[int] = field(default_factory=list)


def json_lines(path: Path) -> Iterator[tuple[int, Any]]:
    try:
        fh = path.open(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(
            Msg("problem.invalid-input.unreadable", {"path": str(path), "error": exc.strerror})
        ) from None
    with fh:
        for no, raw in enumerate(fh, 1):
            if raw.strip():
                try:
                    yield no, json.loads(raw)
                except json.JSONDecodeError as exc:
                    yield no, InvalidValue(Msg("invalid.line_json", {"error": exc.msg}))


def integer(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise InvalidValue(Msg("invalid.integer_id", {"what": what}))
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdecimal():
        return int(value)
    raise InvalidValue(Msg("invalid.integer_id_not", {"what": what, "value": repr(value)}))


def validated(path: Path, check: Callable[[dict[str, object]], Any]) -> list[Any]:
    good: list[Any] = []
    errors: list[Msg] = []
    for no, obj in json_lines(path):
        try:
            if isinstance(obj, InvalidValue):
                raise obj
            if not isinstance(obj, dict):
                raise InvalidValue(Msg("invalid.line_object"))
            good.append((no, check(obj)))
        except (ValueError, TypeError, KeyError) as exc:
            said = exc.msg if isinstance(exc, InvalidValue) else str(exc)
            where = {"file": path.name, "line": no, "error": said}
            errors.append(Msg("problem.invalid-input.line", where))
    if errors:
        shown = {"n": len(errors), "lines": errors[:MAX_ERRORS]}
        if len(errors) > MAX_ERRORS:
            more = len(errors) - MAX_ERRORS
            raise InvalidInput(Msg("problem.invalid-input.bad_lines_more", {**shown, "more": more}))
        raise InvalidInput(Msg("problem.invalid-input.bad_lines", shown))
    return good


def load_texts(path: Path | None, ids: set[int]) -> dict[int, dict[str, object]]:
    """Text, author, note and time of the given ids from the scan's input file."""
    if path is None or not ids:
        return {}
    out: dict[int, dict[str, object]] = {}
    for no, obj in json_lines(path):
        if not isinstance(obj, dict) or "id" not in obj:
            raise InvalidInput(
                Msg("problem.invalid-input.text_line", {"file": path.name, "line": no})
            )
        try:
            ident = integer(obj["id"], "id")
        except ValueError as exc:
            raise InvalidInput(
                Msg(
                    "problem.invalid-input.line",
                    {"file": path.name, "line": no, "error": getattr(exc, "msg", str(exc))},
                )
            ) from None
        if ident in ids:
            out[ident] = obj
    return out


def tally(
    conn: Any,
    report: Report,
    row: dict[str, Any],
    created: bool,
    auto: list[autopolicy.AutoRule] | None,
) -> None:
    """Count a case opened (or found open) and take the automatic actions on a new one."""
    report.case_ids.append(row["id"])
    if not created:
        report.existing += 1
        return
    report.opened += 1
    take_auto(conn, report, row, auto)


def take_auto(
    conn: Connection, report: Report, row: Row, auto: list[autopolicy.AutoRule] | None
) -> None:
    """The automatic actions ``auto`` takes on a newly opened case, counted in ``report``."""
    if auto:
        taken, skipped = autopolicy.apply(conn, auto, row)
        report.auto_actions += len(taken)
        report.skipped += skipped
