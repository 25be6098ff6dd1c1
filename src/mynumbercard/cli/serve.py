"""`mynumbercard serve`."""

from __future__ import annotations

import typer
import uvicorn

from mynumbercard.web.app import create_app


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
) -> None:
    """Serve the API (and its docs at /docs)."""
    uvicorn.run(create_app(), host=host, port=port, log_level="info")
