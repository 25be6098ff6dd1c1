"""Helpers of the CLI tests: run a command that must succeed, ask OpenSSL for an OCSP
status."""

from __future__ import annotations

import subprocess
from pathlib import Path

from typer.testing import CliRunner

from mynumbercard.cli.main import app

runner = CliRunner()


def ok(*args: str, stdin: str | None = None) -> str:
    """Run `mynumbercard ARGS`; it must exit 0; its standard output."""
    result = runner.invoke(app, list(args), input=stdin)
    assert result.exit_code == 0, result.output
    return result.stdout


def openssl_ocsp(base: str, ca: Path, kind: str, *target: str) -> str:
    """`openssl ocsp` against the responder at `base`, with the chain exported in `ca`."""
    chain = ca / f"{kind}-chain.pem"
    chain.write_bytes((ca / "root.pem").read_bytes() + (ca / f"{kind}-ca.pem").read_bytes())
    result = subprocess.run(
        ["openssl", "ocsp", "-issuer", str(ca / f"{kind}-ca.pem"), *target, "-url",
         f"{base}/ocsp", "-CAfile", str(chain), "-resp_text"],
        capture_output=True, text=True, check=False, timeout=30)
    return result.stdout + result.stderr
