"""HTTP intake: ``POST /partners/{slug_or_id}/events`` (signed shop postbacks) and
``POST /community/events`` (front-link events from the community's own services)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field, TypeAdapter

from seedtrail.api.deps import Actor, Bodies, Body, Reader, Writer
from seedtrail.core.errors import BadRequest, Forbidden, InvalidInput, PayloadTooLarge, Unauthorized
from seedtrail.core.settings import Settings
from seedtrail.intake import holds, ownshop, signature
from seedtrail.intake.directory import PartnerDirectory
from seedtrail.intake.events import COMMUNITY, BackEvent, Checked, Stream, check
from seedtrail.intake.health import assess, require_reader, window_end
from seedtrail.intake.inbox import Inbox
from seedtrail.lake.layout import Lake
from seedtrail.messages import Msg
from seedtrail.store.store import Store

router = APIRouter(tags=["intake"])


@dataclass
class IntakeState:
    settings: Settings
    inbox: Inbox
    directory: PartnerDirectory


def intake_state(request: Request) -> IntakeState:
    """Created on first use, once per app (no await between the check and the set)."""
    app_state = request.app.state
    st: IntakeState | None = getattr(app_state, "intake", None)
    if st is None:
        settings: Settings = app_state.settings
        store: Store = app_state.store
        st = IntakeState(
            settings,
            Inbox(store.engine, settings.inbox_flush_max),
            PartnerDirectory(store, settings.partner_key_cache_s),
        )
        app_state.intake = st
    return st


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused with 413 as soon as it is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(
            Msg("problem.payload-too-large.declared", {"size": declared, "limit": limit})
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(Msg("problem.payload-too-large.body", {"limit": limit}))
        chunks.append(chunk)
    return b"".join(chunks)


def parse_batch(body: bytes, max_events: int, field: str = "events") -> list[Any]:
    """``{"<field>": [...]}`` or a bare JSON array."""
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(Msg("problem.bad-request.json", {"error": str(exc)})) from exc
    events = doc.get(field) if isinstance(doc, dict) else doc
    if not isinstance(events, list):
        raise InvalidInput(
            Msg("problem.invalid-input.batch_shape"),
            errors=[{"loc": [field], "msg": "must be an array"}],
        )
    if len(events) > max_events:
        raise PayloadTooLarge(
            Msg("problem.payload-too-large.batch", {"n": len(events), "max": max_events})
        )
    return events


async def _ingest(
    st: IntakeState,
    events: list[Any],
    stream: Stream,
    source: str,
    declared_rate: float | None = None,
    delivery: str | None = None,
) -> Response:
    checked = check(events, stream, source, time.time_ns() // 1000, declared_rate=declared_rate)
    return await store_checked(st, checked, delivery)


async def store_checked(
    st: IntakeState, checked: Checked, delivery: str | None = None, field: str = "events"
) -> Response:
    """Store the valid records of ``checked`` durably and answer with the counts; 422 naming
    the first problems when no record is valid."""
    if checked.rejected and not checked.rows:
        where = "; ".join(
            f"{field[:-1]} {r['index']} {'.'.join(r['errors'][0]['loc'])}: {r['errors'][0]['msg']}"
            for r in checked.rejected[:5]
        )
        raise InvalidInput(
            Msg("problem.invalid-input.batch_invalid", {"where": where}),
            errors=[
                {"loc": [field, r["index"], *e["loc"]], "msg": e["msg"]}
                for r in checked.rejected
                for e in r["errors"]
            ],
            rejected=checked.rejected,
        )
    receipt = await st.inbox.put(checked.rows, delivery) if checked.rows else None
    body = {
        "accepted": len(checked.rows),
        "stored": receipt.stored if receipt else 0,
        "duplicates": receipt.duplicates if receipt else 0,
        "rejected": checked.rejected,
    }
    if delivery is not None:
        body["repeated_delivery"] = bool(receipt and receipt.repeated_delivery)
    return Response(orjson.dumps(body), media_type="application/json")


async def partner_events(request: Request) -> Response:
    """Shop postback: a signed batch of back-link events (docs/intake.md). A plain Starlette
    route (no dependency solving): this is the intake hot path."""
    partner: str = request.path_params["partner"]
    st = intake_state(request)
    entry = st.directory.get(partner)
    body = await read_body(request, st.settings.intake_max_bytes)
    headers = request.headers
    tolerance = st.settings.intake_signature_tolerance_s
    now = time.time()
    try:
        delivery = signature.verify_request(headers, body, entry.secrets, now, tolerance)
    except Unauthorized:
        entry = st.directory.get(partner, fresh=True)  # a secret created since the cache filled
        delivery = signature.verify_request(headers, body, entry.secrets, now, tolerance)
    ownshop.refuse_shop_events(entry)  # after the signature: the kind is no stranger's to learn
    events = parse_batch(body, st.settings.intake_max_events)
    return await _ingest(st, events, "back", entry.slug, entry.declared_sample_rate, delivery)


router.add_route("/partners/{partner}/events", partner_events, methods=["POST"])


def postback_openapi() -> dict[str, object]:
    """The OpenAPI path item of the postback, which as a plain route FastAPI cannot describe."""
    event = TypeAdapter(BackEvent).json_schema(ref_template="#/components/schemas/{model}")
    batch = {
        "oneOf": [
            {"type": "object", "properties": {"events": {"type": "array", "items": event}}},
            {"type": "array", "items": event},
        ]
    }
    problem = {"application/problem+json": {"schema": {"type": "object"}}}
    return {
        "post": {
            "tags": ["intake"],
            "summary": "Shop postback: a signed batch of back-link events",
            "description": (
                f"Sign the raw body with one of the partner's active secrets and send "
                f"`{signature.HEADER}: t=<unix seconds>,v1=<hex HMAC-SHA256 of t.body>`, or "
                "sign it as Standard Webhooks do (`webhook-id`, `webhook-timestamp`, "
                "`webhook-signature: v1,<base64 HMAC> v1a,<base64 Ed25519>`). "
                "Answers once every accepted event is durable; repeats of stored event ids are "
                "counted as duplicates, never stored twice, and so is a delivery whose "
                "`webhook-id` was stored before (`repeated_delivery`). See docs/intake.md."
            ),
            "operationId": "partner_events",
            "parameters": [
                {"name": "partner", "in": "path", "required": True, "schema": {"type": "string"}},
                *(
                    {"name": name, "in": "header", "required": False, "schema": {"type": "string"}}
                    for name in (
                        signature.HEADER,
                        signature.WEBHOOK_ID,
                        signature.WEBHOOK_TIMESTAMP,
                        signature.WEBHOOK_SIGNATURE,
                    )
                ),
            ],
            "requestBody": {"required": True, "content": {"application/json": {"schema": batch}}},
            "responses": {
                "200": {
                    "description": "accepted, stored, duplicates and rejected counts",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "401": {
                    "description": "missing, malformed, stale or forged signature, or unknown "
                    "partner (the same answer, so partners cannot be enumerated)",
                    "content": problem,
                },
                "413": {"description": "body or batch over the limit", "content": problem},
                "422": {"description": "no event in the batch is valid", "content": problem},
            },
        }
    }


@router.post(
    "/community/events",
    summary="Front-link events from the community (operator key)",
    description="Same answers as the partner postback; authenticated by an operator API key.",
)
async def community_events(request: Request, actor: Actor) -> Response:
    if actor.role != "operator":
        raise Forbidden(Msg("problem.forbidden.community_events"))
    st = intake_state(request)
    body = await read_body(request, st.settings.intake_max_bytes)
    events = parse_batch(body, st.settings.intake_max_events)
    return await _ingest(st, events, "front", COMMUNITY)


@router.get(
    "/partners/{partner}/health",
    summary="Backhaul health per hour with a status (ok/degraded/broken; no_data when the "
    "window holds nothing to judge) and reasons",
)
def partner_health(
    partner: str, request: Request, actor: Actor, hours: int = Query(24, ge=1, le=24 * 31)
) -> Response:
    st = intake_state(request)
    entry = st.directory.get(partner)
    require_reader(actor, entry.id)
    store: Store = request.app.state.store
    with store.read() as conn:  # read-only: alerts are sent by `seedtrail health` runs
        health = assess(conn, Lake(st.settings.effective_lake_url), entry, window_end(), hours)
    return Response(orjson.dumps(health.to_dict()), media_type="application/json")


class HoldIn(BaseModel):
    reason: str = Field(min_length=3, max_length=500)


@router.post(
    "/partners/{ident}/hold",
    tags=["partners"],
    summary="Hold a partner: its figures are withheld from brand reports until released",
)
def hold_partner(ident: int, body: HoldIn, actor: Actor, conn: Writer) -> Body:
    return holds.hold(conn, actor, ident, body.reason).to_dict()


@router.post(
    "/partners/{ident}/release",
    tags=["partners"],
    summary="Release a partner's hold: its figures return to brand reports",
)
def release_partner(ident: int, body: HoldIn, actor: Actor, conn: Writer) -> Body:
    return holds.release(conn, actor, ident, body.reason).to_dict()


@router.get("/holds", tags=["partners"], summary="Partners held now, with the reason")
def holds_now(actor: Actor, conn: Reader) -> Bodies:
    if actor.role not in ("operator", "moderator"):
        raise Forbidden(Msg("problem.forbidden.holds"))
    return [h.to_dict() for h in holds.holds_in_force(conn).values()]
