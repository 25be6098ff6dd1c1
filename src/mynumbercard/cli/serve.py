"""`mynumbercard serve`."""

from __future__ import annotations

from urllib.parse import urlsplit

import typer
import uvicorn

from mynumbercard import bootstrap
from mynumbercard.cli import audit

IDLE_SECONDS = 5
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def base_url_mismatch(public_base_url: str, host: str, port: int) -> str | None:
    """Why the URL written into certificates and letters would not reach this server, or
    None. Behind a proxy the public address differs on purpose: the warning says so."""
    parts = urlsplit(public_base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return (f"MYNUMBERCARD_PUBLIC_BASE_URL {public_base_url!r} is not an http(s) URL: "
                "certificates and letters would point nowhere")
    public_port = parts.port or (443 if parts.scheme == "https" else 80)
    same_host = (parts.hostname == host or host in ("0.0.0.0", "::")  # noqa: S104
                 or (parts.hostname in LOOPBACK and host in LOOPBACK))
    if same_host and public_port == port:
        return None
    return (f"MYNUMBERCARD_PUBLIC_BASE_URL is {public_base_url}, but this server listens on "
            f"{host}:{port}: the OCSP, CRL and CA URLs in certificates and the addresses in "
            "letters point there (fine behind a proxy that forwards it here; otherwise set "
            "the variable)")


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    workers: int = typer.Option(1, "--workers", min=1, help="Worker processes."),
    seal_every: float = typer.Option(
        5.0, "--seal-every", min=0, max=3600,
        help="Seconds between audit seals (0: none; then run `audit seal` from a timer)."),
) -> None:
    """Serve the API (docs at /docs), /ocsp, the CRLs and the CA certificates.

    MYNUMBERCARD_PUBLIC_BASE_URL (default http://127.0.0.1:8000) is where relying parties
    and residents reach this server: it is written into every certificate (OCSP, CRL and
    CA URLs) and letter. At start-up it is checked against --host and --port, with a
    warning on stderr when they differ. A set clock (MYNUMBERCARD_CLOCK) is refused in
    production (docs/operations.md)."""
    config = bootstrap.settings()
    bootstrap.make_clock(config)  # a set clock in production stops here, exit 2
    bootstrap.make_hasher(config)  # and so do cheap password hashes
    if warning := base_url_mismatch(config.public_base_url, host, port):
        typer.echo(f"warning: {warning}", err=True)
    bootstrap.allow_prompts(None)  # nobody answers a prompt in the middle of a request
    stop = audit.sealer_thread(seal_every) if seal_every > 0 else None
    # By name, as a factory: the CLI and the web layer stay independent of each other.
    # The HTTP protocol answers plain OCSP requests itself and hands the rest to
    # uvicorn's (web/ocsp_http.py), bounded (web/http_guard.py): idle and half-sent
    # connections are closed after IDLE_SECONDS, request heads are at most 16 KiB. The
    # loop (web/ocsp_accept.py) answers a one-shot OCSP request right after accept.
    uvicorn.run("mynumbercard.web.app:create_app", factory=True, host=host, port=port,
                workers=workers, log_level="warning" if workers > 1 else "info",
                http="mynumbercard.web.ocsp_http:OcspHttpProtocol",
                loop="mynumbercard.web.ocsp_accept:new_event_loop",
                timeout_keep_alive=IDLE_SECONDS, h11_max_incomplete_event_size=16 * 1024)
    if stop is not None:
        stop.set()
