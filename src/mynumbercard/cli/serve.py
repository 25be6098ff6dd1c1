"""`mynumbercard serve`."""

from __future__ import annotations

import typer
import uvicorn

from mynumbercard import bootstrap
from mynumbercard.cli import audit

IDLE_SECONDS = 5


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    workers: int = typer.Option(1, "--workers", min=1, help="Worker processes."),
    seal_every: float = typer.Option(
        5.0, "--seal-every", min=0, max=3600,
        help="Seconds between audit seals (0: none; then run `audit seal` from a timer)."),
) -> None:
    """Serve the API (docs at /docs), /ocsp, the CRLs and the CA certificates."""
    bootstrap.allow_prompts(None)  # nobody answers a prompt in the middle of a request
    stop = audit.sealer_thread(seal_every) if seal_every > 0 else None
    # By name, as a factory: the CLI and the web layer stay independent of each other.
    # The HTTP protocol answers plain OCSP requests itself and hands the rest to
    # uvicorn's (web/ocsp_http.py), bounded (web/http_guard.py): idle and half-sent
    # connections are closed after IDLE_SECONDS, request heads are at most 16 KiB.
    uvicorn.run("mynumbercard.web.app:create_app", factory=True, host=host, port=port,
                workers=workers, log_level="warning" if workers > 1 else "info",
                http="mynumbercard.web.ocsp_http:OcspHttpProtocol",
                timeout_keep_alive=IDLE_SECONDS, h11_max_incomplete_event_size=16 * 1024)
    if stop is not None:
        stop.set()
