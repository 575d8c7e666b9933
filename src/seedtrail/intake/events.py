"""The two event contracts (front-link touches from the community, back-link conversions from
shops) and per-record validation that keeps the good records and names the bad ones."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal, NotRequired

import orjson
from pydantic import AwareDatetime, ConfigDict, Field, TypeAdapter, ValidationError
from typing_extensions import TypedDict

from seedtrail.contracts import COMMUNITY_KINDS, BackKind, FrontKind, Placement

FRONT_KINDS: tuple[str, ...] = COMMUNITY_KINDS  # clicks are the redirect's own (contracts)
Stream = Literal["front", "back"]
COMMUNITY = "community"  # the inbox source of front-link events
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
Key = Field(min_length=1, max_length=128)


class _Event(TypedDict):
    __pydantic_config__ = ConfigDict(extra="forbid", str_strip_whitespace=True)  # type: ignore[misc]

    event_id: Annotated[str, Key]
    ts: AwareDatetime
    received_at: NotRequired[AwareDatetime | None]  # set by seedtrail; kept on file import


class FrontEvent(_Event):
    user_key: Annotated[str, Key]
    #: none only for a view of an account's card: a search result's brand card or a live room
    note_id: NotRequired[Annotated[str, Key] | Annotated[int, Field(ge=0)] | None]
    kind: FrontKind
    click_id: NotRequired[Annotated[str, Field(max_length=64)] | None]
    placement: NotRequired[Placement | None]
    dwell_ms: NotRequired[Annotated[int, Field(ge=0, le=2**31 - 1)] | None]
    campaign_id: NotRequired[int | None]
    boosted: NotRequired[bool]


class BackEvent(_Event):
    partner: NotRequired[Annotated[str, Field(max_length=40)] | None]
    shop_user_key: NotRequired[Annotated[str, Field(max_length=128)] | None]
    kind: BackKind
    value: NotRequired[float | None]
    currency: NotRequired[Annotated[str, Field(pattern=r"^[A-Z]{3}$")]]
    order_id: NotRequired[Annotated[str, Field(max_length=128)] | None]
    click_id: NotRequired[Annotated[str, Field(max_length=64)] | None]
    keyword: NotRequired[Annotated[str, Field(max_length=200)] | None]
    sample_rate: Annotated[float, Field(gt=0, le=1)]
    item_id: NotRequired[Annotated[str, Field(max_length=128)] | None]


Problem = tuple[str, str] | None  # (field, message)
#: Views of an account's card, which carry no note: the kind and the placements it may sit on.
NOTELESS = {"search_view": ("search_card",), "live_view": ("live_room",)}


def _front_rules(ev: dict[str, object]) -> Problem:
    ev.setdefault("boosted", False)
    if ev["kind"] == "click":
        return "kind", (
            "clicks are recorded by seedtrail's own redirect (/r/{code}) and sealed from its "
            "click log; post impressions, reads and engagements"
        )
    if ev.get("note_id") is None:
        if ev["kind"] not in NOTELESS or ev.get("placement") not in NOTELESS[ev["kind"]]:
            return "note_id", (
                "an event needs note_id; only search_view (placement search_card) and live_view "
                "(placement live_room) may come without one"
            )
        ev["note_id"] = None
    else:
        ev["note_id"] = str(ev["note_id"])  # external ids are strings, kept unchanged
    if ev.get("dwell_ms") is not None and ev["kind"] != "read":
        return "dwell_ms", "dwell_ms is only for read events"
    return None


def _back_rules(ev: dict[str, Any]) -> Problem:
    ev.setdefault("currency", "CNY")
    kind, value = ev["kind"], ev.get("value")
    if not ev.get("click_id") and not ev.get("shop_user_key"):
        return "click_id", "an event needs click_id or shop_user_key"
    if kind == "purchase" and (value is None or value <= 0):
        return "value", "a purchase needs a positive value"
    if kind == "refund" and (value is None or value >= 0):
        return "value", "a refund needs a negative value"
    if kind in ("purchase", "refund", "cancel", "order_status") and not ev.get("order_id"):
        return "order_id", f"a {kind} event needs order_id"
    return None


ADAPTERS: dict[str, TypeAdapter[Any]] = {
    "front": TypeAdapter(FrontEvent),
    "back": TypeAdapter(BackEvent),
}
RULES: dict[str, Callable[[dict[str, object]], Problem]] = {
    "front": _front_rules,
    "back": _back_rules,
}


def micros(t: datetime) -> int:
    return (t - _EPOCH) // _US


#: An inbox row: (stream, source, event_id, kind, ts_us, received_us, payload JSON).
InboxRow = tuple[str, str, str, str, int, int, bytes]


@dataclass
class Checked:
    rows: list[InboxRow]
    rejected: list[dict[str, Any]]  # {"index": i, "event_id": ..., "errors": [{loc, msg}]}


def check(
    records: Iterable[Any],
    stream: Stream,
    source: str,
    received_us: int,
    *,
    keep_received: bool = False,
    declared_rate: float | None = None,
    first_index: int = 0,
) -> Checked:
    """Validate each record on its own. ``source`` is the partner slug (back) or ``community``.
    ``keep_received``: trust a ``received_at`` in the record (file import/replay).
    ``declared_rate``: the partner's declared sample rate, recorded with each back-link event."""
    validate = ADAPTERS[stream].validate_python
    rules = RULES[stream]
    rows: list[InboxRow] = []
    rejected: list[dict[str, object]] = []
    for i, rec in enumerate(records, first_index):
        if not isinstance(rec, Mapping):
            err = {"loc": [], "msg": "an event must be a JSON object"}
            rejected.append({"index": i, "event_id": None, "errors": [err]})
            continue
        try:
            ev: dict[str, Any] = validate(rec)
        except ValidationError as exc:
            rejected.append(_rejection(i, rec, exc))
            continue
        problem = rules(ev)
        if problem is None and stream == "back":
            if ev.get("partner") not in (None, source):
                problem = "partner", f"event is for partner {ev['partner']!r}"
            ev["partner"] = source
            ev["declared_sample_rate"] = declared_rate
        if problem is not None:
            err = {"loc": [problem[0]], "msg": problem[1]}
            rejected.append({"index": i, "event_id": ev["event_id"], "errors": [err]})
            continue
        event_id = ev.pop("event_id")
        kind = ev.pop("kind")
        ts = micros(ev.pop("ts"))
        got = ev.pop("received_at", None)
        got = micros(got) if keep_received and got is not None else received_us
        rows.append((stream, source, event_id, kind, ts, got, orjson.dumps(ev)))
    return Checked(rows, rejected)


def _rejection(i: int, rec: Any, exc: ValidationError) -> dict[str, object]:
    errors = [
        {"loc": [str(p) for p in e["loc"]] or ["event"], "msg": e["msg"]} for e in exc.errors()
    ]
    event_id = rec.get("event_id") if isinstance(rec, Mapping) else None
    return {
        "index": i,
        "event_id": event_id if isinstance(event_id, str) else None,
        "errors": errors,
    }
