"""The whole CLI with the CA keys in an HSM (softhsm2 over PKCS#11), in fresh processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyotp
import pytest

from softhsm import init_token, module_or_skip


@pytest.fixture
def hsm_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    module = module_or_skip()
    conf = tmp_path / "softhsm2" / "softhsm2.conf"  # its own: these are fresh processes
    init_token(conf, label="mnc-ca", pin="246810", so_pin="13579")
    return {**os.environ, "SOFTHSM2_CONF": str(conf), "MYNUMBERCARD_HOME": str(tmp_path / "home"),
           "MYNUMBERCARD_DATABASE_URL": database_url, "MYNUMBERCARD_PKCS11_MODULE": module,
           "MYNUMBERCARD_PKCS11_TOKEN": "mnc-ca", "MYNUMBERCARD_PKCS11_PIN": "246810",
           "MYNUMBERCARD_CRL_SHARDS": "2"}  # no passphrase: no key is in a file


def _cli(env: dict[str, str], *args: str,
         stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(Path(sys.executable).with_name("mynumbercard")), *args],
                          env=env, capture_output=True, text=True, check=False, timeout=120,
                          input=stdin)


def _set_up(env: dict[str, str]) -> None:
    """Migrate, create the first administrator and sign in (fresh processes all along)."""
    assert _cli(env, "db", "upgrade").returncode == 0
    made = _cli(env, "staff", "add", "root", "--bootstrap", "--password-stdin",
                stdin="root-password-123\n")
    assert made.returncode == 0, made.stderr
    code = pyotp.parse_uri(made.stdout.strip()).now()
    signed_in = _cli(env, "staff", "login", "root", "--password-stdin",
                     stdin=f"root-password-123\n{code}\n")
    assert signed_in.returncode == 0, signed_in.stderr


def test_ca_on_softhsm_issues_revokes_and_publishes(hsm_env: dict[str, str], tmp_path: Path):
    _set_up(hsm_env)
    made = _cli(hsm_env, "ca", "init")
    assert made.returncode == 0, made.stderr
    ca = tmp_path / "home" / "ca"
    assert not list(ca.glob("keys/*.key.pem"))  # no CA key files
    assert not list(ca.glob("*.pem")), "the card-management key is in the token too"
    assert not (ca / "passphrase").exists()
    card = _cli(hsm_env, "card", "demo", str(tmp_path / "card.json"), "--pin-stdin",
                stdin="1234\nABC123\n")
    assert card.returncode == 0, card.stderr
    serials = json.loads(card.stdout)
    revoked = _cli(hsm_env, "cert", "revoke", serials["sign_serial"], "--reason",
                   "keyCompromise", "--yes")
    assert json.loads(revoked.stdout)["status"] == "revoked"
    published = _cli(hsm_env, "crl", "publish")
    assert published.returncode == 0, published.stderr
    assert len(published.stdout.split()) == 4 + 2  # the CRLs, the audit head signed in the HSM
    wrong_pin = _cli({**hsm_env, "MYNUMBERCARD_PKCS11_PIN": "000000"}, "cert", "suspend",
                     serials["auth_serial"])
    assert wrong_pin.returncode == 5
    assert "Traceback" not in wrong_pin.stderr
    status = _cli(hsm_env, "cert", "status", serials["auth_serial"])
    assert json.loads(status.stdout)["status"] == "active"  # the wrong PIN changed nothing


def test_the_card_management_key_in_the_token_unlocks_a_pin(hsm_env: dict[str, str],
                                                            tmp_path: Path):
    _set_up(hsm_env)
    assert _cli(hsm_env, "ca", "init").returncode == 0
    card = tmp_path / "card.json"
    made = _cli(hsm_env, "card", "demo", str(card), "--pin-stdin", stdin="1234\nABC123\n")
    assert made.returncode == 0, made.stderr  # PINs set and certificates written with it
    (tmp_path / "data").write_bytes(b"x")
    sign = ["card", "sign", str(card), "--kind", "auth", "--in", str(tmp_path / "data"),
            "--out", str(tmp_path / "sig")]
    for _ in range(3):
        assert _cli(hsm_env, *sign, "--pin-stdin", stdin="9999\n").returncode != 0
    assert "municipal office" in _cli(hsm_env, *sign, "--pin-stdin", stdin="1234\n").stderr
    unlocked = _cli(hsm_env, "card", "unlock", str(card), "--kind", "auth", "--pin-stdin",
                    stdin="4321\n")
    assert unlocked.returncode == 0, unlocked.stderr
    assert _cli(hsm_env, *sign, "--pin-stdin", stdin="4321\n").returncode == 0
    # Another token (another issuer's key) is refused by the chip: the PIN stays.
    other = tmp_path / "other" / "softhsm2.conf"
    init_token(other, label="mnc-ca", pin="246810", so_pin="13579")
    token = (tmp_path / "home" / "session").read_text().strip()
    elsewhere = {**hsm_env, "SOFTHSM2_CONF": str(other),
                 "MYNUMBERCARD_HOME": str(tmp_path / "elsewhere"), "MYNUMBERCARD_TOKEN": token}
    assert _cli(elsewhere, "ca", "init").returncode == 0
    refused = _cli(elsewhere, "card", "unlock", str(card), "--kind", "auth", "--pin-stdin",
                   stdin="1111\n")
    assert refused.returncode != 0
    assert "card-management key" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert _cli(hsm_env, *sign, "--pin-stdin", stdin="1111\n").returncode != 0
    assert _cli(hsm_env, *sign, "--pin-stdin", stdin="4321\n").returncode == 0
