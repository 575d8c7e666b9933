"""The engine-independent driver: runs the shared SQL steps on whichever engine implements the
few primitives (register a file, run a step, fetch rows, export a relation)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import pyarrow as pa

from seedtrail.attribution import datadriven
from seedtrail.attribution.calibration import calibration_step
from seedtrail.attribution.dialect import Dialect
from seedtrail.attribution.inputs import Inputs, Role, describe, resolve_columns, role_term
from seedtrail.attribution.models import credit_step
from seedtrail.attribution.plan import (
    Source,
    Step,
    base_steps,
    output_paths,
    output_step,
    path_counts_sql,
    paths_step,
)
from seedtrail.attribution.spec import AttributionSpec
from seedtrail.attribution.summary import summary_step
from seedtrail.core.errors import AttributionInputError
from seedtrail.messages import Msg

#: Told each step of a run as it starts, as a message (``progress.*``) the caller renders in its
#: reader's language: the one progress callback of attribution (engines, reports, incremental).
Progress = Callable[[Msg], None]


class SqlEngine(ABC):
    dialect: Dialect
    name: str

    def __init__(self) -> None:
        self.spec: AttributionSpec | None = None
        self.channel_weights: dict[str, float] = {}
        self._base_key: object = None

    # -- primitives each engine provides ------------------------------------------------
    @abstractmethod
    def register(self, relation: str, paths: tuple[Path, ...]) -> list[str]:
        """Expose Parquet/CSV files (or directories of Parquet files) as one relation
        ``relation``, columns matched by name; return its column names."""

    @abstractmethod
    def execute(self, step: Step) -> None:
        """Make ``step.name`` queryable (a table when ``step.materialize``, else a view)."""

    @abstractmethod
    def fetch(self, sql: str) -> list[tuple[Any, ...]]: ...

    @abstractmethod
    def to_arrow(self, relation: str, order_by: str) -> pa.Table: ...

    @abstractmethod
    def close(self) -> None: ...

    def write(self, relation: str, order_by: str, path: Path) -> None:
        """Write a relation to Parquet or CSV (by extension); engines may do it natively."""
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        table = self.to_arrow(relation, order_by)
        if path.suffix.lower() == ".csv":
            pacsv.write_csv(table, path)
        else:
            pq.write_table(table, path)

    # -- the shared driver --------------------------------------------------------------
    def credit_steps(self, spec: AttributionSpec, progress: Progress) -> list[Step]:
        """Steps that produce ``st_credit``; engines may answer some models their own way."""
        steps = [paths_step(spec)]
        if not spec.model.data_driven:
            return [*steps, credit_step(spec.model)]
        for step in steps:
            self.execute(step)
        progress(Msg("progress.learning"))
        rows = self.fetch(path_counts_sql(spec, self.dialect))
        paths = [(list(p), float(c), float(n)) for p, c, n in rows]
        if spec.model.name == "markov":
            self.channel_weights = datadriven.markov_removal_effects(paths, spec.model.markov_order)
        else:
            self.channel_weights = datadriven.shapley_values(paths)
        return [credit_step(spec.model, self.channel_weights)]

    def run(self, spec: AttributionSpec, inputs: Inputs, progress: Progress | None = None) -> None:
        """Compute ``st_out`` (credits) and ``st_summary`` for the spec over the inputs."""
        say = progress or (lambda _msg: None)
        files = inputs.files()
        key = _base_key(files, spec)
        self.spec = spec
        if key is None or key != self._base_key:
            self._base_key = None
            sources: dict[Role, Source] = {}
            for role, paths in files.items():
                say(Msg("progress.reading", {"role": role_term(role), "files": describe(paths)}))
                relation = f"raw_{role}"
                columns = self.register(relation, paths)
                sources[role] = Source(
                    relation, paths, resolve_columns(role, describe(paths), columns)
                )
            say(Msg("progress.matching"))
            for step in base_steps(spec, sources, self.dialect):
                try:
                    self.execute(step)
                except AttributionInputError as exc:
                    failed = _STEP_ROLE.get(step.name)
                    if failed is None or failed not in files:
                        raise
                    raise AttributionInputError(
                        Msg(
                            "problem.attribution-input.role_file",
                            {
                                "role": role_term(failed),
                                "files": describe(files[failed]),
                                "error": exc.msg or exc.detail,
                            },
                        )
                    ) from exc
            self._base_key = key
        say(Msg("progress.crediting_touches", {"model": spec.model.name}))
        self.channel_weights = {}  # the weights shown are this run's own (none for heuristics)
        for step in self.credit_steps(spec, say):
            self.execute(step)
        credit = "st_credit"
        if spec.calibration is not None:
            say(Msg("progress.calibrating"))
            step = calibration_step(spec.calibration)
            self.execute(step)
            credit = step.name
        say(Msg("progress.writing"))
        self.execute(output_step(credit))
        self.execute(summary_step(spec.group_by))

    def credits(self) -> pa.Table:
        return self.to_arrow("st_out", "conversion_id, touch_id")

    def summary(self) -> pa.Table:
        assert self.spec is not None
        return self.to_arrow("st_summary", ", ".join(self.spec.group_by))

    def write_outputs(self, out: Path) -> tuple[Path, Path]:
        assert self.spec is not None
        credits_path, summary_path = output_paths(out)
        self.write("st_out", "conversion_id, touch_id", credits_path)
        self.write("st_summary", ", ".join(self.spec.group_by), summary_path)
        return credits_path, summary_path

    def __enter__(self) -> SqlEngine:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


_STEP_ROLE: dict[str, Role] = {
    "st_touches": "touches",
    "st_conv": "conversions",
    "st_identity": "identity",
}


def _base_key(files: dict[Role, tuple[Path, ...]], spec: AttributionSpec) -> object:
    """What the shared base steps depend on; a second run on the same engine with an equal key
    (same unchanged files, windows and filters, another model) reuses them. ``None`` (never
    reused) when an input is a directory, whose content a stat does not capture."""
    if any(p.is_dir() for paths in files.values() for p in paths):
        return None
    stats = tuple(
        (role, str(p.resolve()), p.stat().st_mtime_ns, p.stat().st_size)
        for role, paths in sorted(files.items())
        for p in paths
    )
    return (stats, spec.windows, spec.filters)
