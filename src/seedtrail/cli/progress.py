"""The CLI's one progress display: a rich bar (or a spinner when the total is unknown) on
stderr, so that stdout carries only results."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from seedtrail.cli.context import err_console


class Bar:
    """One task of a progress display: ``say`` changes its text, ``advance`` and ``update`` its
    count."""

    def __init__(self, progress: Progress, task: TaskID) -> None:
        self._progress, self._task = progress, task

    def say(self, message: str) -> None:
        self._progress.update(self._task, description=message)

    def advance(self, n: int = 1, total: int | None = None) -> None:
        """Count ``n`` more done (and set the total, once it is known)."""
        if total is not None:
            self._progress.update(self._task, total=total)
        self._progress.advance(self._task, n)

    def update(self, completed: int, total: int | None = None, **fields: Any) -> None:
        self._progress.update(self._task, completed=completed, total=total, **fields)


@contextmanager
def progress(
    label: str,
    total: int | None = None,
    *,
    count: bool = True,
    extra: str = "",
    sized: bool = False,
) -> Iterator[Bar]:
    """A progress display for one task: a bar with done/total when ``total`` is known (or, when
    ``sized``, will be: the work's first ``advance`` gives it), else a spinner (with the running
    count unless ``count`` is false); ``extra`` is a rich format string shown after the label
    (e.g. ``"{task.fields[rows]:,} rows"``)."""
    columns: list[ProgressColumn | str] = [SpinnerColumn(), TextColumn("{task.description}")]
    if total is not None or sized:
        columns += [BarColumn(), MofNCompleteColumn()]
    elif count:
        columns.append(TextColumn("{task.completed:,}"))
    if extra:
        columns.append(TextColumn(extra))
    columns.append(TimeElapsedColumn())
    fields: dict[str, Any] = {"rows": 0} if "rows" in extra else {}
    with Progress(*columns, console=err_console) as bar:
        yield Bar(bar, bar.add_task(label, total=total, **fields))
