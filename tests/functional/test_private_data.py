"""Issue 11, hole 7: the CA passphrase never beside the keys; the data directory private."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mynumbercard.adapters import ca_setup
from mynumbercard.adapters.ca_setup import CaConfig
from mynumbercard.cli.main import app

from cli_checks import ok, runner
from conftest import CA_PASSPHRASE


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _readable_by_others(home: Path) -> list[str]:
    """Everything under `home` that group or others may read, but the public CRLs."""
    found = [] if _mode(home) == 0o700 else [f"{home} {_mode(home):o}"]
    for path in home.rglob("*"):
        if path.is_symlink() or (path.suffix == ".crl" and "crl" in path.parts):
            continue
        if _mode(path) & 0o077:
            found.append(f"{path.relative_to(home)} {_mode(path):o}")
    return found


@pytest.fixture
def bare(tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data directory on SQLite, no passphrase configured; the process umask as a
    careless shell leaves it (022), restored afterwards."""
    home = tmp_path / "home"
    monkeypatch.setenv("MYNUMBERCARD_HOME", str(home))
    monkeypatch.setenv("MYNUMBERCARD_DATABASE_URL", f"sqlite:///{home / 'db.sqlite3'}")
    monkeypatch.setenv("MYNUMBERCARD_CRL_SHARDS", "2")
    for name in ("MYNUMBERCARD_CA_PASSPHRASE", "MYNUMBERCARD_CA_PASSPHRASE_FILE"):
        monkeypatch.delenv(name, raising=False)
    previous = os.umask(0o022)
    yield home
    os.umask(previous)


def test_demo_load_keeps_its_passphrase_apart_and_everything_private(
        bare: Path, monkeypatch: pytest.MonkeyPatch):
    ok("db", "upgrade")
    loaded = ok("demo", "load", "--residents", "60")
    secret = bare / "secrets" / "ca-passphrase"
    assert f"MYNUMBERCARD_CA_PASSPHRASE_FILE={secret}" in loaded
    assert _mode(secret) == 0o600
    assert _mode(secret.parent) == 0o700
    assert not (bare / "ca" / "passphrase").exists()
    assert list((bare / "crl").rglob("*.crl")), "the demo publishes CRLs"
    assert _readable_by_others(bare) == []
    # The other commands (and the server) read it from the file the operator names.
    refused = runner.invoke(app, ["ca", "export", str(bare.parent / "out")])
    assert refused.exit_code != 0
    assert "MYNUMBERCARD_CA_PASSPHRASE_FILE" in refused.output
    monkeypatch.setenv("MYNUMBERCARD_CA_PASSPHRASE_FILE", str(secret))
    ok("ca", "export", str(bare.parent / "out"))


def test_the_demo_kiosk_prints_a_certificate_from_a_new_data_directory(
        bare: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """What `demo load` prints to try the kiosk works as printed: the operator's key in
    the private secrets, the towns of the demo's cards offering the documents."""
    monkeypatch.setenv("MYNUMBERCARD_CLOCK", "2026-12-15T10:00:00+09:00")  # kiosk hours
    ok("db", "upgrade")
    loaded = ok("demo", "load", "--residents", "60")
    credential = bare / "secrets" / "kiosk-operator.json"
    assert f"--credential {credential}" in loaded
    assert _mode(credential) == 0o600
    monkeypatch.setenv("MYNUMBERCARD_CA_PASSPHRASE_FILE", str(bare / "secrets" / "ca-passphrase"))
    out = tmp_path / "certificate.pdf"
    result = runner.invoke(app, [
        "kiosk", "issue", "--card", str(bare / "cards" / "valid.json"), "--document",
        "residence-certificate", "--pin-stdin", "--out", str(out), "--credential",
        str(credential)], input="1234\n")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["fee"] == 200
    towns = re.search(r"demo's cards \(([\d, ]+)\) offer", loaded)
    assert towns is not None
    assert answer["municipality"] in towns.group(1).split(", ")
    assert out.read_bytes().startswith(b"%PDF")


def test_db_upgrade_makes_an_old_readable_data_directory_private(bare: Path):
    ok("db", "upgrade")
    letters = bare / "letters"
    letters.mkdir()
    (letters / "notice.pdf").write_bytes(b"%PDF-1.7 a letter")
    public_crl = bare / "crl" / "sign" / "0.crl"
    public_crl.parent.mkdir(parents=True)
    public_crl.write_bytes(b"0")
    for path in (bare, letters, letters / "notice.pdf", bare / "db.sqlite3", public_crl):
        path.chmod(0o755 if path.is_dir() else 0o644)
    upgraded = ok("db", "upgrade")
    assert "private" in upgraded
    assert _readable_by_others(bare) == []
    assert _mode(public_crl) == 0o644  # CRLs are public: served at /crl/...


def test_a_passphrase_beside_the_keys_is_refused_with_the_command_that_moves_it(
        bare: Path, ca_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    shutil.copytree(ca_template, bare / "ca")
    (bare / "ca" / "passphrase").write_text(CA_PASSPHRASE)
    monkeypatch.setenv("MYNUMBERCARD_CA_PASSPHRASE", CA_PASSPHRASE)
    refused = runner.invoke(app, ["ca", "export", str(tmp_path / "out")])
    assert refused.exit_code == 4, refused.output
    assert "beside the keys" in refused.output
    assert "mv " in refused.output
    assert "MYNUMBERCARD_CA_PASSPHRASE_FILE" in refused.output
    assert CA_PASSPHRASE not in refused.output


def test_demo_load_moves_the_demo_passphrase_out_of_the_ca_directory(
        bare: Path, ca_template: Path):
    shutil.copytree(ca_template, bare / "ca")
    (bare / "ca" / "passphrase").write_text(CA_PASSPHRASE)
    ok("db", "upgrade")
    ok("demo", "load", "--residents", "60")
    assert not (bare / "ca" / "passphrase").exists()
    moved = bare / "secrets" / "ca-passphrase"
    assert moved.read_text() == CA_PASSPHRASE
    assert _mode(moved) == 0o600


def _config(ca: Path, **changes: object) -> CaConfig:
    return CaConfig(**{"directory": ca, "passphrase": None, "base_url": "http://x",
                       "crl_shards": 2, **changes})  # type: ignore[arg-type]


def test_a_passphrase_file_inside_the_ca_directory_or_readable_by_others_is_refused(
        ca_template: Path, tmp_path: Path):
    ca = tmp_path / "ca"
    shutil.copytree(ca_template, ca)
    inside = ca / "ca-passphrase"
    inside.write_text(CA_PASSPHRASE)
    inside.chmod(0o600)
    with pytest.raises(ca_setup.PassphraseBesideKeys, match="inside the CA's directory"):
        ca_setup.open_authority(_config(ca, passphrase_file=inside)).hierarchy.verify_keys()
    outside = tmp_path / "secrets" / "ca-passphrase"
    outside.parent.mkdir()
    outside.write_text(CA_PASSPHRASE + "\n")
    outside.chmod(0o640)
    with pytest.raises(ca_setup.InvalidInput, match="chmod 600"):
        ca_setup.key_store(_config(ca, passphrase_file=outside))
    outside.chmod(0o600)
    ca_setup.open_authority(_config(ca, passphrase_file=outside)).hierarchy.verify_keys()


def test_on_a_terminal_the_passphrase_is_asked_for(ca_template: Path, tmp_path: Path):
    ca = tmp_path / "ca"
    shutil.copytree(ca_template, ca)
    asked: list[str] = []

    def prompt(question: str) -> str:
        asked.append(question)
        return CA_PASSPHRASE

    ca_setup.open_authority(_config(ca, prompt=prompt)).hierarchy.verify_keys()
    assert asked == ["CA key passphrase: "]
    with pytest.raises(ca_setup.NoPassphrase, match="MYNUMBERCARD_CA_PASSPHRASE_FILE"):
        ca_setup.key_store(_config(ca))


def test_ca_init_writes_a_named_passphrase_file_that_does_not_exist(tmp_path: Path):
    secret = tmp_path / "etc" / "ca-passphrase"
    ca_setup.initialise(_config(tmp_path / "ca", passphrase_file=secret),
                        now=datetime(2026, 1, 1, tzinfo=UTC))
    assert _mode(secret) == 0o600
    assert _mode(secret.parent) == 0o700
    assert not (tmp_path / "ca" / "passphrase").exists()
