"""A case in the reader's language: its summary rendered from its code and parameters, its subject
and the accounts and notes of its evidence by name (handle, note title) rather than id, and the
campaign detector's evidence as sentences.

Cases store their summary as a code (``finding``, ``water_army.campaign``, ``water_army.member``)
with parameters; a case without one (opened by hand, or before codes) shows its stored summary,
which is the moderator's own text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from seedtrail.enforcement import subjects
from seedtrail.messages import N_

Translate = Callable[..., str]
#: Keys :func:`term` and the case page build from a value (``"detector." + label``), named here so
#: extraction finds them (docs/i18n.md).
BUILT_KEYS = (
    *(N_("detector.diversion"), N_("detector.duplicate"), N_("detector.soft_ad")),
    *(N_("detector.claim"), N_("detector.water_army"), N_("detector.manual")),
    *(N_("kind.wechat"), N_("kind.qq"), N_("kind.phone"), N_("kind.link"), N_("kind.shop")),
    *(N_("kind.steer"), N_("kind.qr"), N_("kind.claim"), N_("kind.promo"), N_("kind.code")),
    N_("kind.duplicate"),
    *(N_("action.label"), N_("action.hide"), N_("action.throttle"), N_("action.remove")),
    *(N_("action.ban"), N_("action.revoke_link_privileges")),
    *(N_("tie.repeat_pairs_share"), N_("tie.multi_note_share"), N_("tie.burst_share")),
    *(N_("tie.templated_share"), N_("tie.young_share"), N_("tie.density_lift")),
    *(N_("case.outcome.upheld"), N_("case.outcome.overturned")),
)
#: the campaign detector's evidence figures shown as sentences (shares as percentages)
TIES = (
    "repeat_pairs_share",
    "multi_note_share",
    "burst_share",
    "templated_share",
    "young_share",
    "density_lift",
)


@dataclass
class Names:
    """Handles and note titles for display; an id not in the store shows as ``#id``."""

    handles: dict[int, str] = field(default_factory=dict)
    titles: dict[int, str] = field(default_factory=dict)

    @classmethod
    def load(cls, conn: Connection, accounts: Iterable[Any], notes: Iterable[Any]) -> Names:
        return cls(*subjects.names(conn, _ints(accounts), _ints(notes)))

    def account(self, ident: Any) -> str:
        i = _int(ident)
        return f"@{self.handles[i]}" if i in self.handles else f"#{ident}"

    def note(self, ident: Any) -> str:
        i = _int(ident)
        return f"《{self.titles[i]}》" if i in self.titles else f"#{ident}"


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _ints(values: Iterable[Any]) -> list[int]:
    return [i for i in (_int(v) for v in values) if i is not None]


def ids_of(rows: Iterable[dict[str, object]]) -> tuple[list[Any], list[Any]]:
    """The accounts and notes named by these cases (subjects, owners, summary parameters)."""
    accounts: list[Any] = []
    notes: list[Any] = []
    for r in rows:
        if r.get("owner_account_id") is not None:
            accounts.append(r["owner_account_id"])
        if r.get("subject_type") == "account":
            accounts.append(r["subject_id"])
        elif r.get("subject_type") == "note":
            notes.append(r["subject_id"])
    return accounts, notes


def term(t: Translate, prefix: str, code: Any) -> str:
    """``t(prefix + code)``, or the code itself when the catalogue has no such key."""
    key = f"{prefix}.{code}"
    out = t(key)
    return str(code) if out == key else out


def subject(t: Translate, row: dict[str, Any], names: Names) -> str:
    kind, sid = row.get("subject_type"), row.get("subject_id")
    if kind == "account":
        return t("subject.account", name=names.account(sid))
    if kind == "note":
        return t("subject.note", name=names.note(sid))
    if kind == "campaign":
        params = row.get("summary_params") or {}
        return t("subject.campaign", n=params.get("accounts", "?"))
    return t("subject.comment", id=sid)


def summary(t: Translate, row: dict[str, Any], names: Names) -> str:
    """The case's summary in the reader's language."""
    code, p = row.get("summary_code"), row.get("summary_params") or {}
    if code == "finding":
        found = t(N_("list.comma")).join(
            f"{term(t, 'kind', k)} {v}" for k, v in p.get("findings", []) if v not in (None, "None")
        )
        return t(
            "summary.finding",
            detector=term(t, "detector", p.get("label")),
            subject=subject(t, row, names),
            findings=found or t("summary.no_detail"),
        )
    if code == "water_army.campaign":
        return t("summary.water_army.campaign", **_counts(p))
    if code == "water_army.member":
        return t(
            "summary.water_army.member",
            account=names.account(p.get("account")),
            campaign_case=p.get("campaign_case"),
            **_counts(p),
        )
    return str(row.get("summary", ""))


def _counts(p: dict[str, object]) -> dict[str, object]:
    return {k: p.get(k, "?") for k in ("accounts", "comments", "notes")}


def ties(t: Translate, evidence: dict[str, object]) -> list[str]:
    """What tied a campaign's accounts, one sentence per figure the detector gave."""
    out = []
    for key in TIES:
        value = evidence.get(key)
        if not isinstance(value, int | float):
            continue
        shown = f"{value:.1f}" if key == "density_lift" else f"{value:.0%}"
        tie = f"tie.{key}"  # listed in BUILT_KEYS
        out.append(t(tie, v=shown))
    return out
