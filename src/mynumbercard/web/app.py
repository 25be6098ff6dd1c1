"""The FastAPI application."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlalchemy import text

from mynumbercard import __version__
from mynumbercard.adapters.db.engine import READ_ONLY
from mynumbercard.bootstrap import Container, container
from mynumbercard.web import errors, pages, status
from mynumbercard.web import logging as access_log
from mynumbercard.web.api import (
    applications,
    appointments,
    audit,
    auth,
    counter_tasks,
    crowding,
    custody_terminal,
    kiosk,
    kiosk_settlement,
    lookups,
    loss,
    offices,
    points,
    points_holder,
    public,
    renewal,
    residents,
    staff,
    terminal,
    validity,
)
from mynumbercard.web.bounds import App, BoundedBodies, SecurityHeaders
from mynumbercard.web.ocsp import OcspResponder, Receive, Scope, Send, is_ocsp


class Application:
    """The ASGI application: /ocsp goes straight to the responder (its own bounds and
    caching), the rest to FastAPI behind bounded bodies and the security headers."""

    def __init__(self, api: FastAPI, responder: OcspResponder) -> None:
        self.api = api
        self.responder = responder
        https = api.state.container.settings.public_base_url.startswith("https://")
        self._guarded: App = SecurityHeaders(BoundedBodies(api), https=https)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if is_ocsp(scope):
            await self.responder(scope, receive, send)
        else:
            await self._guarded(scope, receive, send)


def create_app(wired: Container | None = None) -> Application:
    access_log.install()
    api = create_api(wired)
    return Application(api, OcspResponder(api.state.container))


def create_api(wired: Container | None = None) -> FastAPI:
    app = FastAPI(
        title="mynumbercard",
        version=__version__,
        summary="Japan's Individual Number Card system: the register, the rules, the card's life.",
        docs_url=None, redoc_url=None,  # /docs: served from the application (pages.api_docs)
    )
    app.state.container = wired or container()
    errors.install(app)

    @app.get("/healthz", tags=["public"],
             summary="Liveness, database reachability, the OCSP answer store's state")
    def healthz() -> dict[str, Any]:
        # A read (on SQLite a plain BEGIN): a health check never queues for the write lock
        with app.state.container.engine.connect().execution_options(**READ_ONLY) as conn:
            conn.execute(text("SELECT 1"))
        # The store's state (ok, stale, unavailable: the database answers OCSP then).
        follower = app.state.container.__dict__.get("ocsp_answers")
        store = follower.status() if follower is not None else {"state": "not followed"}
        return {"status": "ok", "ocsp_store": store}

    # lookups.search first: `/residents/search` is not a resident id. The payment
    # services' reports before all: FastAPI tries the routes in order, and matching the
    # hundred before them cost a single report more than its settling did (measured,
    # docs/services.md "My Number Points").
    for router in (points.signed, public.router, auth.router, lookups.search,
                   residents.router, audit.router,
                   status.router, applications.public, applications.staff, renewal.router,
                   validity.router, residents.moving_in_router, loss.router, lookups.staff,
                   staff.router, offices.public, offices.admin, appointments.public,
                   appointments.desk, crowding.public, crowding.desk,
                   terminal.router, counter_tasks.router, kiosk.signed, kiosk.public, kiosk.admin,
                   kiosk_settlement.signed, kiosk_settlement.agency,
                   points.admin, points_holder.router,
                   custody_terminal.router):
        app.include_router(router)
    pages.install(app)  # the HTML pages, their static files, /docs (docs/pages.md)
    return app
