"""The leak scan (tests/leaks.py, run at the end of every test run by leak_plugin.py) finds
what is planted, in every form, and leaves alone what is where it belongs."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

import leaks
from mynumbercard.generators.demo import DEMO_PASSWORD

NUMBER = "123456789018"  # valid check digit
OTHER = "987654321098"
STAFF_PASSWORD = "a staff password planted"


def _database(path: Path, *, audit: str) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE residents (id INTEGER, individual_number TEXT)")
        db.executemany("INSERT INTO residents VALUES (?, ?)", [(1, NUMBER), (2, OTHER)])
        db.execute("CREATE TABLE audit_log (id INTEGER, details TEXT)")
        db.execute("INSERT INTO audit_log VALUES (1, ?)", (audit,))
    db.close()


def _pem(encrypted: bool) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    protection = (serialization.BestAvailableEncryption(b"pw") if encrypted
                  else serialization.NoEncryption())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             protection)


def _der(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


@pytest.fixture
def planted(tmp_path: Path) -> Iterator[Path]:
    """A directory for planted leaks, removed afterwards: the run's own scan must not
    find them."""
    yield tmp_path / "planted"
    shutil.rmtree(tmp_path / "planted", ignore_errors=True)


def test_planted_leaks_are_found_in_every_form(planted: Path):
    home = planted / "home"
    (home / "letters").mkdir(parents=True)
    (home / "exports").mkdir()
    (home / "ca" / "keys").mkdir(parents=True)
    _database(home / "db.sqlite3", audit='{"number": "１２３４－５６７８－９０１８"}')
    (home / "letters" / "note.txt").write_text("番号: 9876 5432 1098\n", encoding="utf-8")
    (home / "exports" / "plain.log").write_text(f"login admin {DEMO_PASSWORD}\n"
                                                f"login clerk {STAFF_PASSWORD}\n")
    (home / "exports" / "key.pem").write_bytes(_pem(encrypted=False))
    (home / "exports" / "key.der").write_bytes(_der(ec.generate_private_key(ec.SECP256R1())))
    (home / "exports" / "stolen.pem").write_bytes(_pem(encrypted=True))
    found = {str(f) for f in leaks.scan_tree(
        home, secrets={DEMO_PASSWORD, STAFF_PASSWORD})}
    expected = {
        f"{home / 'db.sqlite3'}#audit_log: Individual Number …9018",
        f"{home / 'letters' / 'note.txt'}: Individual Number …1098",
        f"{home / 'exports' / 'plain.log'}: a password the tests use (de…)",
        f"{home / 'exports' / 'plain.log'}: a password the tests use (a …)",
        f"{home / 'exports' / 'key.pem'}: a private key in PEM (PRIVATE KEY)",
        f"{home / 'exports' / 'key.pem'}: a PKCS#8 EC key (base64)",
        f"{home / 'exports' / 'key.der'}: a PKCS#8 EC key (DER)",
        f"{home / 'exports' / 'stolen.pem'}: an encrypted private key outside a CA directory",
    }
    assert found == expected


def test_what_is_where_it_belongs_is_not_a_finding(tmp_path: Path):
    home = tmp_path / "home"
    (home / "ca" / "keys").mkdir(parents=True)
    (home / "secrets").mkdir()
    (home / "cards").mkdir()
    _database(home / "db.sqlite3", audit='{"resident": 1}')
    (home / "ca" / "keys" / "root.key.pem").write_bytes(_pem(encrypted=True))
    (home / "secrets" / "ca-passphrase").write_text(STAFF_PASSWORD)
    (home / "cards" / "valid.json").write_text(json.dumps(
        {"body": {"card_face": {"individual_number": NUMBER}, "management_key": {}},
         "format": "mynumbercard-card-file"}, indent=1))
    (home / "letters.pdf").write_bytes(f"%PDF-1.7 {NUMBER}".encode())
    (home / "serials.txt").write_text("serial 111122223333, not anyone's number\n")
    assert leaks.scan_tree(home, secrets={STAFF_PASSWORD}) == []


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_a_test_run_that_logs_a_password_fails(planted: Path, workers: list[str]):
    """The plugin itself: a run whose test logs the demo password exits 1 and says why,
    also under pytest-xdist (`make test`), where a worker's log is in its own directory
    and only the worker knows the secrets of what it imported."""
    tmp_path = planted
    tmp_path.mkdir()
    test = tmp_path / "test_planted.py"
    test.write_text(
        "import logging\n"
        "from mynumbercard.generators.demo import DEMO_PASSWORD\n\n"
        "def test_logs_a_password():\n"
        "    logging.getLogger('planted').warning('signed in with %s', DEMO_PASSWORD)\n")
    tests = Path(__file__).resolve().parents[1]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "leak_plugin",
         *workers, "--basetemp", str(tmp_path / "base"), "--rootdir", str(tmp_path),
         str(test)],
        capture_output=True, text=True, check=False, timeout=120, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tests), "MYNUMBERCARD_LEAK_SCAN": "1"})
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 passed" in run.stdout
    assert "leak scan" in run.stdout
    log = tmp_path / "base" / ("popen-gw0" if workers else "") / "test-run.log"
    logs = [log, log.parent.with_name("popen-gw1") / log.name] if workers else [log]
    assert any(f"{where}: a password the tests use" in run.stdout for where in logs), \
        run.stdout
