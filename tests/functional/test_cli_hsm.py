"""The whole CLI with the CA keys in an HSM (softhsm2 over PKCS#11), in fresh processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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
           "MYNUMBERCARD_CA_PASSPHRASE": "card-management key passphrase",
           "MYNUMBERCARD_CRL_SHARDS": "2"}


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(Path(sys.executable).with_name("mynumbercard")), *args],
                          env=env, capture_output=True, text=True, check=False, timeout=120)


def test_ca_on_softhsm_issues_revokes_and_publishes(hsm_env: dict[str, str], tmp_path: Path):
    assert _cli(hsm_env, "db", "upgrade").returncode == 0
    made = _cli(hsm_env, "ca", "init")
    assert made.returncode == 0, made.stderr
    assert not list((tmp_path / "home" / "ca").glob("keys/*.key.pem"))  # no CA key files
    card = _cli(hsm_env, "card", "demo", str(tmp_path / "card.json"), "--pin", "1234",
                "--password", "ABC123")
    assert card.returncode == 0, card.stderr
    serials = json.loads(card.stdout)
    revoked = _cli(hsm_env, "cert", "revoke", serials["sign_serial"], "--reason",
                   "keyCompromise")
    assert json.loads(revoked.stdout)["status"] == "revoked"
    published = _cli(hsm_env, "crl", "publish")
    assert published.returncode == 0, published.stderr
    assert len(published.stdout.split()) == 4
    wrong_pin = _cli({**hsm_env, "MYNUMBERCARD_PKCS11_PIN": "000000"}, "cert", "suspend",
                     serials["auth_serial"])
    assert wrong_pin.returncode == 5
    assert "Traceback" not in wrong_pin.stderr
