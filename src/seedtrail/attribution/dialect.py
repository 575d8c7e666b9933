"""The few SQL spellings that differ between the engines; everything else is shared SQL."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dialect:
    name: str
    epoch_us: str  # format string with {x}: a timestamp (or ISO text) to integer microseconds
    intdiv: str  # format string with {a} and {b}: integer division of non-negative integers
    ordered_list: str  # with {value}, {ts}, {tiebreak}: values ordered by ts then tiebreak

    def micros(self, expr: str) -> str:
        return self.epoch_us.format(x=expr)

    def div(self, a: str, b: str) -> str:
        return self.intdiv.format(a=a, b=b)

    def list_agg(self, value: str, ts: str, tiebreak: str) -> str:
        return self.ordered_list.format(value=value, ts=ts, tiebreak=tiebreak)


def quote(name: str) -> str:
    """Quote an identifier for either engine (file column names may be anything)."""
    return "`" + name.replace("`", "``") + "`"


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def num(value: float) -> str:
    """A DOUBLE literal. Spark reads ``0.4`` as a DECIMAL (and then divides with a fixed
    scale), DuckDB as a DECIMAL too; an explicit cast keeps both engines in binary floating
    point so their results agree to the last bits."""
    return f"CAST({float(value)!r} AS DOUBLE)"
