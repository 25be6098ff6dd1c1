"""`mynumbercard staff totp-enrol`: the safe way in for an administrator."""

from __future__ import annotations

import pyotp
from fastapi.testclient import TestClient

from mynumbercard.bootstrap import container
from mynumbercard.cli.main import app
from mynumbercard.web.app import create_app

from cli_checks import ok, runner

PASSWORD = "correct horse battery"


def test_an_admin_enrolled_by_the_cli_signs_in_with_a_code(env: dict[str, str]):
    ok("staff", "add", "root", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    with container() as wired, TestClient(create_app(wired)) as client:
        refused = client.post("/api/v1/auth/token",
                              json={"username": "root", "password": PASSWORD})
        assert refused.status_code == 401
        assert "totp-enrol" in refused.json()["message"]
        uri = ok("staff", "totp-enrol", "root").strip()
        assert uri.startswith("otpauth://totp/")
        code = pyotp.parse_uri(uri).now()
        signed_in = client.post("/api/v1/auth/token",
                                json={"username": "root", "password": PASSWORD, "totp": code})
        assert signed_in.status_code == 200, signed_in.text
        with wired.uow() as uow:
            actions = [r.action for _, r in uow.audit.list(subject=None, limit=5,
                                                           before_id=None)]
    assert actions[:2] == ["staff:sign-in", "staff:enrol-totp"]
    unknown = runner.invoke(app, ["staff", "totp-enrol", "nobody"])
    assert unknown.exit_code == 3
    assert "nobody" in unknown.output


def test_the_demo_prints_the_admins_current_code(env: dict[str, str]):
    code = ok("demo", "totp").strip()
    assert len(code) == 6
    assert code.isdigit()
