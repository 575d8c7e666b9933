"""Catalogue keys of the tables `seedtrail report build|show|score` print (their headings and a
campaign's calibration status), listed once so that extraction finds the keys built at run time."""

from __future__ import annotations

from seedtrail.messages import N_

#: Column headings of the scores table, by field.
SCORE_HEADS = {
    "model": N_("cli.report.col.model"),
    "credited_purchases": N_("cli.report.col.credited_purchases"),
    "true_caused_purchases": N_("cli.report.col.true_caused_purchases"),
    "wmape": N_("cli.report.col.wmape"),
    "correlation": N_("cli.report.col.correlation"),
    "top_notes_overlap": N_("cli.report.col.top_notes_overlap"),
    "credit_on_true_note": N_("cli.report.col.credit_on_true_note"),
    "credit_on_true_touch": N_("cli.report.col.credit_on_true_touch"),
    "credit_on_uncaused": N_("cli.report.col.credit_on_uncaused"),
    "campaign_gmv": N_("cli.report.col.campaign_gmv"),
    "true_incremental_gmv": N_("cli.report.col.true_incremental_gmv"),
    "campaign_gmv_error": N_("cli.report.col.campaign_gmv_error"),
}
CALIBRATION_HEADS = (
    *(N_("cli.report.col.campaign"), N_("cli.report.col.status")),
    *(N_("cli.report.col.attributed"), N_("cli.report.col.own_factor")),
    *(N_("cli.report.col.factor"), N_("cli.report.col.calibrated")),
)
#: A campaign's calibration status (attribution/calibration.py).
STATUS_KEYS = (
    *(N_("cli.report.status.calibrated"), N_("cli.report.status.no_holdout")),
    *(N_("cli.report.status.not_enough_data"), N_("cli.report.status.nothing_attributed")),
    N_("cli.report.status.pooled"),
)


def status_key(status: str) -> str:
    """The key of a calibration status (one of :data:`STATUS_KEYS`)."""
    return f"cli.report.status.{status}"
