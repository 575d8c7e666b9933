"""The app factory: ``create_app(settings)`` wires the store, the API routers, error handlers and
the click redirect, and returns one ASGI app. ``/r/...`` goes straight to the redirect (the hot
path, no framework in the way); everything else to the FastAPI app."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from seedtrail import __version__
from seedtrail.api import (
    attribution_routes,
    buyer_routes,
    cases_routes,
    cleanroom_routes,
    community_routes,
    funding_routes,
    holdout_routes,
    impact_routes,
    intake_routes,
    links_routes,
    ownshop_routes,
    problems,
    shop_routes,
)
from seedtrail.api.body_limit import BodyLimit
from seedtrail.api.crud import crud_router
from seedtrail.api.redirect_server import RedirectServer
from seedtrail.attribution import runs
from seedtrail.core import heap
from seedtrail.core.catalog import CRUD
from seedtrail.core.settings import Settings, load_settings
from seedtrail.links import mounts
from seedtrail.links.clicklog import ClickLog
from seedtrail.links.mover import ClickMover
from seedtrail.links.moverproc import MoverProcess
from seedtrail.links.ratelimit import RateLimiter
from seedtrail.links.redirect import PREFIX, Receive, RedirectApp, Scope, Send
from seedtrail.links.resolver import Resolver
from seedtrail.links.segment import ClickSegment
from seedtrail.links.viewer import ViewerKeys
from seedtrail.store.schema import partners as partners_table
from seedtrail.store.store import Store
from seedtrail.web import render as web_app
from seedtrail.web.app import create_web


class SeedtrailApp:
    """One ASGI app: the redirect for ``/r/``, the API for everything else."""

    def __init__(self, api: FastAPI, redirect: RedirectApp) -> None:
        self.api = api
        self.redirect = redirect

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(PREFIX):
            await self.redirect(scope, receive, send)
        else:
            await self.api(scope, receive, send)


def _partner_names(store: Store) -> Any:
    cache: dict[int, str] = {}

    def name(partner_id: int) -> str:
        if partner_id not in cache:
            with store.read() as conn:
                cache[partner_id] = (
                    conn.execute(
                        select(partners_table.c.name).where(partners_table.c.id == partner_id)
                    ).scalar()
                    or "shop"
                )
        return cache[partner_id]

    return name


def _routes(api: FastAPI) -> None:
    """Every router, then the OpenAPI document (with the postback's hand-written body)."""
    api.include_router(intake_routes.router)  # first: the postback hot path matches early
    for router in (
        links_routes.router,
        community_routes.router,
        cleanroom_routes.router,
        holdout_routes.router,
        cases_routes.router,
        attribution_routes.router,
        shop_routes.router,
        funding_routes.router,
        impact_routes.router,
        buyer_routes.router,
        ownshop_routes.router,
    ):
        api.include_router(router)
    for res in CRUD:
        api.include_router(crud_router(res))
    api.include_router(crud_router(mounts.RESOURCE, create=False, update=False))

    def openapi() -> dict[str, object]:
        if api.openapi_schema is None:
            doc = get_openapi(
                title=api.title, version=api.version, description=api.description, routes=api.routes
            )
            doc["paths"]["/partners/{partner}/events"] = intake_routes.postback_openapi()
            api.openapi_schema = doc
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]


def create_app(settings: Settings, *, store: Store | None = None) -> SeedtrailApp:
    store = store or Store.from_settings(settings)
    resolver = Resolver(store, settings.policy_refresh_s)
    clicklog: ClickLog | ClickSegment
    mover = mover_proc = None
    if settings.click_log == "segment":
        clicklog = ClickSegment(settings.data_dir / "clicks")
        mover = ClickMover(store.engine, settings.data_dir / "clicks")  # for explicit rounds
        mover_proc = MoverProcess(
            store.engine, settings.data_dir / "clicks", settings.click_move_interval_s
        )
    else:
        clicklog = ClickLog(store.engine, settings.click_flush_max)

    redirect = RedirectApp(
        resolver=resolver,
        clicklog=clicklog,
        viewer_keys=ViewerKeys(settings.resolved_secret_key()),
        limiter=RateLimiter(settings.redirect_rate_per_s, settings.redirect_rate_burst),
        click_param=settings.click_param,
        duplicate_window_s=settings.duplicate_click_window_s,
        partner_names=_partner_names(store),
        trust_forwarded_for=settings.trust_forwarded_for,
        secure_cookies=settings.public_base_url.startswith("https://"),
    )
    listener = RedirectServer(redirect) if settings.redirect_port else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store.ensure_current()
        clicklog.start(asyncio.get_running_loop())
        if mover_proc is not None:
            mover_proc.start()
        if listener is not None and settings.redirect_port:
            await listener.start(settings.host, settings.redirect_port)
        try:
            yield
        finally:
            if listener is not None:
                await listener.stop()
            clicklog.stop()
            if mover_proc is not None:
                mover_proc.stop()

    api = FastAPI(
        title="seedtrail",
        version=__version__,
        lifespan=lifespan,
        description="Shoppable links for content communities. Errors are RFC 9457 "
        "problem details (application/problem+json).",
    )
    api.state.store = store
    api.state.settings = settings
    api.state.resolver = resolver
    api.state.clicklog = clicklog
    api.state.click_mover = mover
    api.state.redirect_listener = listener
    api.state.reports = runs.Reports(settings.data_dir)
    problems.install(api)
    api.add_middleware(BodyLimit, limit=settings.api_max_bytes)
    _routes(api)

    api.mount(web_app.PREFIX, create_web(settings, store, api.state.reports))

    @api.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse(web_app.PREFIX + "/", status_code=307)

    @api.get("/healthz", tags=["ops"], summary="Liveness")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return SeedtrailApp(api, redirect)


def app_from_env() -> SeedtrailApp:
    """Factory for ASGI servers (granian, uvicorn ``--factory``): settings from the environment.
    The server process then settles its heap (:func:`seedtrail.core.heap.settle`; a full
    collection would otherwise show in bench/redirect.py's p99)."""
    app = create_app(load_settings())
    heap.settle()
    return app
