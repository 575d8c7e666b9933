"""``POST /partners/{partner}/orders``: the platform's own shop records its orders natively
(:mod:`seedtrail.intake.ownshop`): no signature, every order, the buyer's community user key.

An operator key, or a key scoped to the own-shop partner itself; other keys get 403, and a partner
that is not of kind ``own_shop`` a 422 (an external shop sends signed postbacks instead). The
answer is the postback's: accepted, stored, duplicates and rejected, once the orders are durable."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request, Response

from seedtrail.api.deps import Actor
from seedtrail.api.intake_routes import intake_state, parse_batch, read_body, store_checked
from seedtrail.core.errors import Forbidden, NotFound, Unauthorized
from seedtrail.core.principals import Principal
from seedtrail.intake.directory import PartnerEntry
from seedtrail.intake.ownshop import check_orders, require_own_shop
from seedtrail.messages import Msg

router = APIRouter(tags=["intake"])


def _entry(request: Request, partner: str, actor: Principal) -> PartnerEntry:
    if actor.role not in ("operator", "partner"):
        raise Forbidden(Msg("problem.forbidden.own_shop_orders"))
    try:
        entry = intake_state(request).directory.get(partner, fresh=True)
    except Unauthorized as exc:  # the caller is signed in: an unknown partner is a 404
        raise NotFound(Msg("problem.not-found.object", {"noun": "partner", "id": partner})) from exc
    if actor.role == "partner" and actor.partner_id != entry.id:
        raise Forbidden(Msg("problem.forbidden.own_shop_orders"))
    require_own_shop(entry)
    return entry


@router.post(
    "/partners/{partner}/orders",
    summary="The platform's own shop records its orders and refunds (operator or own-shop key)",
    description=(
        'A batch (`{"orders": [...]}` or a bare array) of order events: event_id, ts, kind '
        "(purchase, refund, cancel, order_status), user_key (the buyer's community user id), "
        "order_id, value (positive for a purchase, negative for a refund), and optionally "
        "currency, click_id and item_id. Recorded as the partner's back-link events with a "
        "sample rate of 1 and the buyer known (docs/intake.md)."
    ),
)
async def own_shop_orders(partner: str, request: Request, actor: Actor) -> Response:
    entry = _entry(request, partner, actor)
    st = intake_state(request)
    body = await read_body(request, st.settings.intake_max_bytes)
    orders = parse_batch(body, st.settings.intake_max_events, field="orders")
    checked = check_orders(orders, entry.slug, time.time_ns() // 1000)
    return await store_checked(st, checked, field="orders")
