"""Backup of a running system and restore into a new data directory and database: the
restored system answers OCSP for its certificates and its audit chain verifies. Also the
`audit seal` / `audit verify` contract and the signed head that `crl publish` writes."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from sqlalchemy import text

from mynumbercard import bootstrap
from mynumbercard.adapters.db.engine import make_engine
from mynumbercard.cli.main import app
from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.errors import InvalidInput

from cli_checks import ok, openssl_ocsp, runner

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None,
                                   reason="the openssl binary is not installed")


def _empty_database(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored' / 'mynumbercard.sqlite3'}"
    cluster = request.getfixturevalue("pg_cluster")
    name = f"restored_{tmp_path.name.lower()[-20:]}".replace("-", "_")
    admin = make_engine(cluster.url)
    with admin.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            text(f"CREATE DATABASE {name} TEMPLATE template0"))
    admin.dispose()
    return str(cluster.database_url(name))


@needs_openssl
def test_a_restored_system_answers_ocsp_and_its_audit_chain_verifies(
        env: dict[str, str], server: str, tmp_path: Path, request: pytest.FixtureRequest,
        monkeypatch: pytest.MonkeyPatch):
    serve_with: Callable[[dict[str, str]], AbstractContextManager[str]] = (
        request.getfixturevalue("serve_with"))
    made = json.loads(ok("card", "demo", str(tmp_path / "card.json"), "--pin-stdin",
                         stdin="1234\nABC123\n"))
    anchor = Path(env["MYNUMBERCARD_HOME"]) / "audit" / "anchor"
    deadline = time.monotonic() + 30
    while not anchor.exists():  # `serve` seals every 5 seconds
        assert time.monotonic() < deadline, "serve did not seal the audit log"
        time.sleep(0.2)
    ok("card", "demo", str(tmp_path / "lost.json"), "--pin-stdin", stdin="1234\nABC123\n")
    published = ok("crl", "publish").split()  # seals, and signs the head beside the CRLs
    for path in published[-2:]:
        with urllib.request.urlopen(f"{server}/crl/audit/{Path(path).name}") as answer:
            assert answer.read() == Path(path).read_bytes()
    backup = tmp_path / "backup"
    ok("backup", str(backup))  # while `serve` runs (and seals)
    assert not (backup / "home" / "ca" / "passphrase").exists()
    assert not (backup / "home" / "session").exists()  # no live token in a backup
    token = (Path(env["MYNUMBERCARD_HOME"]) / "session").read_text().strip()

    restored = {**env, "MYNUMBERCARD_HOME": str(tmp_path / "restored"),
                "MYNUMBERCARD_DATABASE_URL": _empty_database(env["MYNUMBERCARD_DATABASE_URL"],
                                                             tmp_path, request)}
    for key, value in restored.items():
        monkeypatch.setenv(key, value)
    assert "restored the" in ok("restore", str(backup))  # no sign-in: an empty database
    monkeypatch.setenv("MYNUMBERCARD_TOKEN", token)  # the session restored with the rest
    verified = ok("audit", "verify")
    assert verified.startswith("audit log intact:"), verified
    assert "signed head at seal" in verified
    again = runner.invoke(app, ["restore", str(backup)])
    assert again.exit_code == 4  # never over a system
    ok("ca", "export", str(tmp_path / "ca"))
    auth_pem = tmp_path / "auth.pem"
    auth_pem.write_text(ok("card", "cert", str(tmp_path / "card.json"), "--kind", "auth"))
    with serve_with(restored) as base:
        answer = openssl_ocsp(base, tmp_path / "ca", "auth", "-cert", str(auth_pem))
    assert "Response verify OK" in answer
    assert f"{auth_pem}: good" in answer
    assert int(made["auth_serial"], 16) > 0


def test_audit_verify_exits_1_naming_the_changed_record(env: dict[str, str], tmp_path: Path):
    ok("card", "demo", str(tmp_path / "card.json"), "--pin-stdin", stdin="1234\nABC123\n")
    assert ok("audit", "seal").startswith("1 seals")
    assert ok("audit", "verify").startswith("audit log intact: 1 seals")
    anchor = Path(env["MYNUMBERCARD_HOME"]) / "audit" / "anchor"
    assert len(anchor.read_text().splitlines()) == 1
    engine = make_engine(env["MYNUMBERCARD_DATABASE_URL"])
    with engine.begin() as conn:  # the owner, past the triggers
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
        conn.execute(text("UPDATE audit_log SET actor = 'nobody' WHERE id = 2"))
    engine.dispose()
    broken = runner.invoke(app, ["audit", "verify"])
    assert broken.exit_code == 1
    assert broken.stdout == "audit log broken: record 2 was changed (seal 1)\n"


@needs_openssl
def test_crl_publish_writes_a_head_signed_by_the_signature_ca(
        env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    ok("card", "demo", str(tmp_path / "card.json"), "--pin-stdin", stdin="1234\nABC123\n")
    published = ok("crl", "publish").split()
    head, signature = Path(published[-2]), Path(published[-1])
    assert (head.name, signature.name) == ("head.json", "head.json.sig")
    assert json.loads(head.read_text())["seal"] == 1
    ok("ca", "export", str(tmp_path / "ca"))
    key = subprocess.run(["openssl", "x509", "-in", str(tmp_path / "ca" / "sign-ca.pem"),
                          "-noout", "-pubkey"], capture_output=True, check=True).stdout
    (tmp_path / "sign-ca.key").write_bytes(key)
    checked = subprocess.run(["openssl", "dgst", "-sha256", "-verify",
                              str(tmp_path / "sign-ca.key"), "-signature", str(signature),
                              str(head)], capture_output=True, text=True, check=False)
    assert checked.stdout.strip() == "Verified OK"
    # a chain rebuilt in the database, and an anchor file thrown away: the head still knows
    engine = make_engine(env["MYNUMBERCARD_DATABASE_URL"])
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("TRUNCATE audit_seals"))
        else:
            conn.execute(text("DROP TRIGGER audit_seals_no_delete"))
            conn.execute(text("DROP TRIGGER audit_log_no_delete"))
            conn.execute(text("DELETE FROM audit_seals"))
        conn.execute(text("DELETE FROM audit_log WHERE id = 3"))
    engine.dispose()
    (Path(env["MYNUMBERCARD_HOME"]) / "audit" / "anchor").unlink()
    ok("audit", "seal")
    monkeypatch.delenv("MYNUMBERCARD_CA_PASSPHRASE")  # checking the head needs no CA secret
    broken = runner.invoke(app, ["audit", "verify"])
    assert broken.exit_code == 1
    assert "does not match the signed head" in broken.stdout
    head.write_text(head.read_text().replace('"seal": 1', '"seal": 2'))
    forged = runner.invoke(app, ["audit", "verify"])
    assert forged.stdout == "audit log broken: the signed audit head's signature does not verify\n"


def test_backup_restore_and_grant_refuse_what_they_cannot_do(env: dict[str, str],
                                                             tmp_path: Path):
    full = tmp_path / "full"
    full.mkdir()
    (full / "x").write_text("x")
    refused = runner.invoke(app, ["backup", str(full)])
    assert (refused.exit_code, "is not empty" in refused.output) == (4, True)
    refused = runner.invoke(app, ["restore", str(tmp_path / "nothing")])
    assert (refused.exit_code, "is not a backup" in refused.output) == (2, True)
    ok("backup", str(tmp_path / "backup"))
    refused = runner.invoke(app, ["restore", str(tmp_path / "backup")])
    assert (refused.exit_code, "not empty" in refused.output) == (4, True)
    if env["MYNUMBERCARD_DATABASE_URL"].startswith("sqlite"):
        refused = runner.invoke(app, ["db", "grant", "mnc_app"])
        assert (refused.exit_code, "PostgreSQL only" in refused.output) == (2, True)
    with bootstrap.container() as wired, pytest.raises(InvalidInput, match="never DER"):
        wired.authority.hierarchy.sign_statement(CertKind.SIGN, b"\x30\x03\x02\x01\x01")
