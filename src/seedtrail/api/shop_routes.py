"""The shop partner's view of attribution, and the item dimension for brands.

* ``GET /shop/{partner}/attribution``: the partner's own conversions and the clicks on its links
  by item, note, creator, campaign or day (the report's ``shop`` table). A partner key reads its
  own partner only; operators any. A partner reads the rows as the clean room releases them to
  brands (:mod:`seedtrail.cleanroom.gate`: each shown row reached k people, the rest summed into
  ``other``).
* ``GET /attribution/items``: the funnel per item (``<partner>:<item id>``); a brand sees the
  items of its own offers, released the same way.

The reading lives in :mod:`seedtrail.attribution.shop_reader`, which the dashboard calls too.

JSON shapes: docs/attribution-reports.md."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from seedtrail.api.attribution_routes import ModelQ, source
from seedtrail.api.deps import Actor, Body, Reader
from seedtrail.attribution import shop_reader
from seedtrail.attribution.shop_reader import Dimension

router = APIRouter(tags=["attribution"])


@router.get(
    "/shop/{partner}/attribution",
    summary="A shop partner's own conversions and link clicks by item, note, creator, "
    "campaign or day (partner keys: their own partner only; released under the k rule)",
)
def shop_attribution(
    partner: str,
    request: Request,
    actor: Actor,
    conn: Reader,
    dimension: Dimension = Query("item", description="Group rows by this key"),
    model: str | None = ModelQ,
) -> Body:
    return shop_reader.shop_attribution(source(request), conn, actor, partner, dimension, model)


@router.get(
    "/attribution/items",
    summary="Funnel per item (`<partner>:<item id>`): brands see the items of their own offers",
)
def items_report(request: Request, actor: Actor, conn: Reader, model: str | None = ModelQ) -> Body:
    return shop_reader.items_report(source(request), conn, actor, model)
