"""Score attribution models against a simulated world's ground truth (``truth/conversions``).

Per model, over notes:

* ``credited_purchases``: the purchases the model credits to notes, scaled for sampling;
  ``true_caused_purchases``: the purchases a note's exposure really caused (``caused``), every
  delivery state included (sampled out, lost in the gap, late): what a perfect system would
  report;
* ``wmape``: Σ|credited − true| / Σ true over notes (0 is perfect);
* ``correlation``: Pearson correlation of credited and true purchases per note;
* ``top_notes_overlap``: share of the 20 notes with most true purchases that are also among the
  model's 20 most credited;
* ``credit_on_true_note``: of the credit given to delivered, caused purchases, the share that
  lands on the note that caused them; ``credit_on_true_touch`` the share on the causing
  exposure itself;
* ``credit_on_uncaused``: the share of all purchase credit given to purchases no note caused
  (baseline demand), which a perfect model would leave uncredited.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

TOP_N = 20


def score(con: duckdb.DuckDBPyConnection, model: str, credit_table: str) -> dict[str, object]:
    per_note = (
        "WITH c AS (SELECT note_id, SUM(credit / sample_rate) AS credited FROM "
        f"{credit_table} WHERE conversion_kind = 'purchase' GROUP BY note_id), "
        "t AS (SELECT note_id, COUNT(*) AS truth FROM w_truth WHERE caused "
        "AND kind = 'purchase' GROUP BY note_id) "
        "SELECT COALESCE(c.note_id, t.note_id) AS note_id, COALESCE(credited, 0.0) AS credited, "
        "COALESCE(truth, 0) AS truth FROM c FULL OUTER JOIN t ON c.note_id = t.note_id"
    )
    row = con.execute(
        "SELECT SUM(credited), SUM(truth), SUM(ABS(credited - truth)) / NULLIF(SUM(truth), 0), "
        f"corr(credited, truth) FROM ({per_note}) x"
    ).fetchone()
    assert row is not None
    credited, truth, wmape, correlation = row
    top = con.execute(
        f"WITH x AS ({per_note}), "
        f"a AS (SELECT note_id FROM x ORDER BY truth DESC, note_id LIMIT {TOP_N}), "
        f"b AS (SELECT note_id FROM x ORDER BY credited DESC, note_id LIMIT {TOP_N}) "
        "SELECT COUNT(*) FROM a JOIN b USING (note_id)"
    ).fetchone()
    shares = con.execute(
        "SELECT SUM(c.credit) FILTER (WHERE t.caused AND c.note_id = t.note_id) "
        "/ NULLIF(SUM(c.credit) FILTER (WHERE t.caused), 0), "
        "SUM(c.credit) FILTER (WHERE t.caused AND c.touch_id = t.exposure_event_id) "
        "/ NULLIF(SUM(c.credit) FILTER (WHERE t.caused), 0), "
        "SUM(c.credit) FILTER (WHERE NOT t.caused) / NULLIF(SUM(c.credit), 0) "
        f"FROM {credit_table} c JOIN w_truth t ON t.event_id = c.conversion_id "
        "WHERE c.conversion_kind = 'purchase'"
    ).fetchone()
    assert top is not None and shares is not None
    return {
        "model": model,
        "credited_purchases": float(credited or 0.0),
        "true_caused_purchases": int(truth or 0),
        "wmape": wmape,
        "correlation": correlation,
        "top_notes_overlap": top[0] / TOP_N,
        "credit_on_true_note": shares[0],
        "credit_on_true_touch": shares[1],
        "credit_on_uncaused": shares[2],
    }


def scores_table(rows: list[dict[str, object]]) -> pa.Table:
    """One row per scored model; no rows (but the ``model`` column) when nothing was scored."""
    if not rows:
        return pa.table({"model": pa.array([], pa.string())})
    return pa.Table.from_pylist(rows)


def campaign_gmv(
    con: duckdb.DuckDBPyConnection, credit_table: str, lifts: pa.Table
) -> dict[str, object]:
    """Net GMV (purchases less refunds, scaled for sampling) a model credits to boosted touches
    of every campaign, beside the GMV boosts truly caused (``lifts``' ``all`` row) and its
    relative error."""
    row = con.execute(
        f"SELECT SUM(value / sample_rate) FROM {credit_table} "
        "WHERE conversion_kind IN ('purchase', 'refund') AND campaign_id IS NOT NULL"
    ).fetchone()
    got = float(row[0] or 0.0) if row else 0.0
    true = next((r["true_incremental_gmv"] for r in lifts.to_pylist() if r["key"] == "all"), None)
    return {
        "campaign_gmv": got,
        "true_incremental_gmv": true,
        "campaign_gmv_error": (got - true) / true if true else None,
    }
