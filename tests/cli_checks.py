"""Helpers of the CLI tests: run a command that must succeed, sign in, ask OpenSSL for
an OCSP status."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pyotp
import pytest
from typer.testing import CliRunner

from mynumbercard import bootstrap
from mynumbercard.bootstrap import Container
from mynumbercard.cli import session
from mynumbercard.cli.main import app
from mynumbercard.domain.staff import SYSTEM, Role
from mynumbercard.services import staff_admin

runner = CliRunner()


def ok(*args: str, stdin: str | None = None) -> str:
    """Run `mynumbercard ARGS`; it must exit 0; its standard output."""
    result = runner.invoke(app, list(args), input=stdin)
    assert result.exit_code == 0, result.output
    return result.stdout


def console_script() -> str:
    """The installed `mynumbercard` command of the Python running the tests."""
    scripts = Path(sysconfig.get_path("scripts"))
    found = shutil.which("mynumbercard", path=str(scripts)) or shutil.which(
        "mynumbercard", path=str(Path(sys.executable).parent)
    )
    if found is None:
        pytest.fail("the `mynumbercard` console script is not installed (pip install -e .)")
    return found


def demo_card(path: Path) -> dict[str, str]:
    """`card demo` at `path`, PIN 1234 and signature password ABC123 on standard input;
    the card's JSON."""
    return json.loads(ok("card", "demo", str(path), "--pin-stdin", stdin="1234\nABC123\n"))


ADMIN, ADMIN_PASSWORD = "test-admin", "test-admin-password"


def bootstrap_admin(username: str = ADMIN, password: str = ADMIN_PASSWORD) -> pyotp.TOTP:
    """`staff add --bootstrap`: the first administrator; its one-time-code generator."""
    return pyotp.parse_uri(ok("staff", "add", username, "--bootstrap", "--password-stdin",
                              stdin=password + "\n").strip())


def login(username: str, password: str, totp: pyotp.TOTP | None = None) -> str:
    """`staff login` with the secrets on standard input, as a script would."""
    # The code of the moment the server will check it at: the set clock of a test, if any.
    now = bootstrap.make_clock(bootstrap.settings())()
    return ok("staff", "login", username, "--password-stdin",
              stdin=password + "\n" + (totp.at(now) + "\n" if totp else ""))


def sign_in_admin() -> pyotp.TOTP:
    """A fresh installation's first administrator, signed in (the data directory's
    session file); its one-time-code generator."""
    totp = bootstrap_admin()
    login(ADMIN, ADMIN_PASSWORD, totp)
    return totp


def service_credential(container: Container, path: Path, *scopes: str,
                       role: Role = Role.OPERATOR) -> Path:
    """A cron job's service account with `scopes`; its credential written to `path` (0600),
    as `staff add-service` does."""
    made = staff_admin.add_service_account(
        container.uow, container.hasher, actor=SYSTEM, username=f"cron-{path.stem}",
        role=role, municipality_code=None, scopes=frozenset(scopes), now=container.clock())
    session.save_token(path, made.credential)
    return path


def openssl_ocsp(base: str, ca: Path, kind: str, *target: str) -> str:
    """`openssl ocsp` against the responder at `base`, with the chain exported in `ca`."""
    chain = ca / f"{kind}-chain.pem"
    chain.write_bytes((ca / "root.pem").read_bytes() + (ca / f"{kind}-ca.pem").read_bytes())
    result = subprocess.run(
        ["openssl", "ocsp", "-issuer", str(ca / f"{kind}-ca.pem"), *target, "-url",
         f"{base}/ocsp", "-CAfile", str(chain), "-resp_text"],
        capture_output=True, text=True, check=False, timeout=30)
    return result.stdout + result.stderr
