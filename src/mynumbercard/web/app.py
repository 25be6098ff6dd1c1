"""The FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import text

from mynumbercard import __version__
from mynumbercard.bootstrap import Container, container
from mynumbercard.web import errors, status
from mynumbercard.web.api import audit, auth, public, residents


def create_app(wired: Container | None = None) -> FastAPI:
    app = FastAPI(
        title="mynumbercard",
        version=__version__,
        summary="Japan's Individual Number Card system: the register, the rules, the card's life.",
    )
    app.state.container = wired or container()
    errors.install(app)

    @app.get("/healthz", tags=["public"], summary="Liveness and database reachability")
    def healthz() -> dict[str, str]:
        with app.state.container.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok"}

    for router in (public.router, auth.router, residents.router, audit.router, status.router):
        app.include_router(router)
    return app
