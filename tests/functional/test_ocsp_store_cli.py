"""A generated register answers: `residents generate --with-cards` signs every answer,
`ocsp build-store` builds the answer store, `serve` answers from it; `ocsp produce
--workers 2` makes the answers that are missing."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.x509 import ocsp as x509_ocsp
from sqlalchemy import func, select
from typer.testing import CliRunner

from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.adapters.db.tables import certificates, ocsp_responses
from mynumbercard.adapters.pki import ocsp_request
from mynumbercard.cli.main import app

from cli_checks import ok

runner = CliRunner()


def _alive(database_url: str, *, everyone: bool = False) -> list[tuple[str, int]]:
    """The unexpired certificates (`everyone`: revoked and suspended too)."""
    engine = make_engine(database_url)
    query = select(certificates.c.kind, certificates.c.serial).where(
        certificates.c.not_after > datetime.now(UTC))
    if not everyone:
        query = query.where(certificates.c.status == "active")
    try:
        with engine.connect() as conn:
            rows = conn.execute(query)
            return [(kind, int(serial, 16)) for kind, serial in rows]
    finally:
        engine.dispose()


def _ask(base: str, issuer: x509.Certificate, serial: int) -> x509_ocsp.OCSPResponse:
    request = urllib.request.Request(f"{base}/ocsp", data=ocsp_request(issuer, serial),
                                     headers={"Content-Type": "application/ocsp-request"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.headers["ETag"]
        assert answer.headers["Last-Modified"]
        return x509_ocsp.load_der_ocsp_response(answer.read())


def _store_state(base: str) -> str:
    with urllib.request.urlopen(f"{base}/healthz", timeout=10) as health:
        state: str = json.loads(health.read())["ocsp_store"]["state"]
        return state


def test_a_generated_cards_certificate_is_good_from_the_served_store(
        env: dict[str, str], serve_with: Callable[[dict[str, str]],
                                                  AbstractContextManager[str]]) -> None:
    ok("residents", "generate", "--count", "40", "--with-cards", "--seed", "3")
    alive = _alive(env["MYNUMBERCARD_DATABASE_URL"])
    assert alive
    built = json.loads(ok("ocsp", "build-store"))
    assert built["entries"] >= len(alive)
    export = Path(env["MYNUMBERCARD_HOME"]) / "export"
    ok("ca", "export", str(export))
    issuers = {kind: x509.load_pem_x509_certificate((export / f"{kind}-ca.pem").read_bytes())
               for kind in ("sign", "auth")}
    with serve_with(env) as base:
        deadline = time.monotonic() + 10
        while _store_state(base) != "ok":
            assert time.monotonic() < deadline, "the store was never followed"
            time.sleep(0.1)
        for kind, serial in alive[:10]:
            answer = _ask(base, issuers[kind], serial)
            assert answer.certificate_status is x509_ocsp.OCSPCertStatus.GOOD


def test_produce_with_two_workers_makes_the_missing_answers(env: dict[str, str]) -> None:
    home = Path(env["MYNUMBERCARD_HOME"])
    (home / "ca").rename(home / "ca-away")  # a register loaded before the CA existed
    made = runner.invoke(app, ["residents", "generate", "--count", "40", "--with-cards",
                               "--seed", "5"])
    assert made.exit_code == 0, made.output
    assert "ocsp produce" in made.output
    (home / "ca-away").rename(home / "ca")
    missing = len(_alive(env["MYNUMBERCARD_DATABASE_URL"], everyone=True))
    done = json.loads(ok("ocsp", "produce", "--workers", "2"))
    assert done["produced"] == missing
    assert json.loads(ok("ocsp", "produce"))["produced"] == 0  # the same run, resumed: done
    engine = make_engine(env["MYNUMBERCARD_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(ocsp_responses)) == missing
    finally:
        engine.dispose()
