"""`mynumbercard serve`."""

from __future__ import annotations

import typer
import uvicorn


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
) -> None:
    """Serve the API (and its docs at /docs)."""
    # By name, as a factory: the CLI and the web layer stay independent of each other.
    uvicorn.run(
        "mynumbercard.web.app:create_app", factory=True, host=host, port=port, log_level="info"
    )
