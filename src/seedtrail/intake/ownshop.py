"""The platform's own shop (``own_shop``, 号店一体): its orders recorded natively.

The community runs this shop itself, so it knows who bought: an order carries the community's own
user key (``user_key``) and, when a tap brought it, the click id. There is nothing to sign (the
call is authenticated by an API key) and nothing to sample (every order is recorded). Each order
becomes an ordinary back-link event of the partner, with the community's key as its
``shop_user_key`` and a sample rate of 1, and goes through the same inbox → sealer → lake path as
any shop's event; attribution then knows the person directly (the clean room is not needed):
:mod:`seedtrail.attribution.deployment` maps an own shop's key to the community key it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any, NotRequired

from pydantic import Field, TypeAdapter, ValidationError

from seedtrail.contracts import BackKind
from seedtrail.core.errors import InvalidInput
from seedtrail.intake.directory import PartnerEntry
from seedtrail.intake.events import Checked, Key, _Event, _rejection, check
from seedtrail.messages import Msg

KIND = "own_shop"


class OwnOrder(_Event):
    """One event of the own shop, as its order system records it: an order, refund, cancel or
    status update (with ``order_id``), or a step before one (search, visit, view, cart)."""

    user_key: Annotated[str, Key]  # the community's own user id of the buyer
    kind: BackKind
    order_id: NotRequired[Annotated[str, Field(max_length=128)] | None]
    keyword: NotRequired[Annotated[str, Field(max_length=200)] | None]
    value: NotRequired[float | None]
    currency: NotRequired[Annotated[str, Field(pattern=r"^[A-Z]{3}$")]]
    click_id: NotRequired[Annotated[str, Field(max_length=64)] | None]
    item_id: NotRequired[Annotated[str, Field(max_length=128)] | None]


ORDER: TypeAdapter[Any] = TypeAdapter(OwnOrder)


def require_own_shop(entry: PartnerEntry) -> None:
    """Only a partner of kind ``own_shop`` records orders natively (422 otherwise)."""
    if entry.kind != KIND:
        raise InvalidInput(
            Msg("problem.invalid-input.not_own_shop", {"partner": entry.slug, "kind": entry.kind}),
            errors=[{"loc": ["partner"], "msg": f"partner kind is {entry.kind}, not {KIND}"}],
        )


def refuse_shop_events(entry: PartnerEntry) -> None:
    """The own shop's orders are recorded natively; shop events for it (a signed postback, or a
    file imported as ``--kind back``) would count them a second time (422)."""
    if entry.kind == KIND:
        raise InvalidInput(
            Msg("problem.invalid-input.own_shop_events", {"partner": entry.slug}),
            errors=[{"loc": ["partner"], "msg": f"partner kind is {KIND}: no shop events"}],
        )


def check_orders(
    records: Iterable[Any], slug: str, received_us: int, *, keep_received: bool = False
) -> Checked:
    """Validate each order on its own (the own shop's contract), then as the back-link event it
    becomes (the shops' rules: a purchase's positive value, a refund's negative one).
    ``keep_received``: trust a ``received_at`` in the record (replaying recorded history)."""
    out = Checked([], [])
    for i, rec in enumerate(records):
        if not isinstance(rec, Mapping):
            err = {"loc": [], "msg": "an order must be a JSON object"}
            out.rejected.append({"index": i, "event_id": None, "errors": [err]})
            continue
        try:
            order: dict[str, Any] = ORDER.validate_python(rec)
        except ValidationError as exc:
            out.rejected.append(_rejection(i, rec, exc))
            continue
        key = order.pop("user_key")
        event = {**order, "shop_user_key": key, "sample_rate": 1.0}
        got = check(
            [event],
            "back",
            slug,
            received_us,
            keep_received=keep_received,
            declared_rate=1.0,
            first_index=i,
        )
        out.rows.extend(got.rows)
        out.rejected.extend(got.rejected)
    return out
