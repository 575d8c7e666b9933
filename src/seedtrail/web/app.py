"""The dashboard's ASGI app, mounted by :func:`seedtrail.api.app.create_app` under ``/ui``."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from seedtrail.attribution.runs import Reports
from seedtrail.core.errors import NotFound
from seedtrail.core.settings import Settings
from seedtrail.messages import Msg
from seedtrail.store.store import Store
from seedtrail.web.render import Web, context, error_page
from seedtrail.web.views import (
    auth,
    brand,
    commission,
    creator,
    health,
    impact,
    items,
    moderator,
    note,
    operator,
    shop,
)

#: Every dashboard route; tests walk the GET pages from here, so a page added later is walked too.
ROUTES: list[BaseRoute] = [
    Route("/", auth.home),
    Route("/signin", auth.signin_form, methods=["GET"]),
    Route("/signin", auth.signin, methods=["POST"]),
    Route("/signout", auth.signout, methods=["POST"]),
    Route("/lang/{lang}", auth.set_lang),
    Route("/operator", operator.policy_page),
    Route("/operator/preview", operator.preview_page),
    Route("/operator/partners/{ident:int}/kill-switch", operator.kill_switch, methods=["POST"]),
    Route("/operator/impact", impact.impact_page),
    Route("/operator/impact/changes/{ident:int}", impact.change_page),
    Route("/operator/impact/stated", impact.stated_page),
    Route("/operator/impact/studies/{ident}", impact.study_page),
    Route("/health", health.health_page),
    Route("/health/partners/{ident:int}/hold", health.hold, methods=["POST"]),
    Route("/health/partners/{ident:int}/release", health.release, methods=["POST"]),
    Route("/creator", creator.creator_page),
    Route("/shop", shop.shop_page),
    Route("/items", items.items_page),
    Route("/commission", commission.commission_page),
    Route("/brand", brand.campaigns_page),
    Route("/brand/campaigns/{ident:int}", brand.campaign_page),
    Route("/brand/campaigns/{ident:int}/export.csv", brand.export_csv),
    Route("/n/{ident:int}", note.note_page),  # the community's public note page (no key)
    Route("/moderator", moderator.queue_page),
    Route("/moderator/cases/{ident:int}", moderator.case_page),
    Route("/moderator/cases/{ident:int}/actions", moderator.take_action, methods=["POST"]),
    Route(
        "/moderator/cases/{ident:int}/group-actions",
        moderator.take_group_action,
        methods=["POST"],
    ),
    Route("/moderator/cases/{ident:int}/dismiss", moderator.dismiss, methods=["POST"]),
    Route("/moderator/cases/{ident:int}/appeal", moderator.file_appeal, methods=["POST"]),
    Route("/moderator/actions/{ident:int}/reverse", moderator.reverse, methods=["POST"]),
    Route("/moderator/appeals/{ident:int}/decision", moderator.decide_appeal, methods=["POST"]),
    Mount("/static", StaticFiles(packages=[("seedtrail.web", "static")]), name="static"),
]


async def no_such_page(request: Request, exc: Exception) -> Response:
    """An address no route answers (``/ui/n/12x``, a typo): the dashboard's 404 page in the
    visitor's language, not a bare "Not Found"."""
    ctx = await run_in_threadpool(context, request)
    missing = NotFound(Msg("web.error.no_such_page", {"path": request.url.path}))
    return await run_in_threadpool(error_page, ctx, missing)


def create_web(settings: Settings, store: Store, reports: Reports) -> Starlette:
    app = Starlette(routes=ROUTES, exception_handlers={404: no_such_page})
    app.state.web = Web.create(settings, store)
    app.state.settings = settings  # the report reader (attribution.reader) reads these
    app.state.reports = reports
    return app
