"""`mynumbercard serve`."""

from __future__ import annotations

import typer
import uvicorn

from mynumbercard import bootstrap


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    workers: int = typer.Option(1, "--workers", min=1, help="Worker processes."),
) -> None:
    """Serve the API (docs at /docs), /ocsp, the CRLs and the CA certificates."""
    bootstrap.allow_prompts(None)  # nobody answers a prompt in the middle of a request
    # By name, as a factory: the CLI and the web layer stay independent of each other.
    # The HTTP protocol answers plain OCSP requests itself and hands the rest to
    # uvicorn's (web/ocsp_http.py).
    uvicorn.run("mynumbercard.web.app:create_app", factory=True, host=host, port=port,
                workers=workers, log_level="warning" if workers > 1 else "info",
                http="mynumbercard.web.ocsp_http:OcspHttpProtocol")
