"""Fixtures of the functional tier: a data directory with the test CA, and `serve` running
on it as a real process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mynumbercard.bootstrap import Container
from mynumbercard.web.app import create_app

from api_checks import Account, ApiClient, add_accounts
from cli_checks import sign_in_admin
from conftest import CA_PASSPHRASE
from pcsc_env import Pcscd, pcscd, require
from pgcluster import free_port


@pytest.fixture(scope="session")
def pcsc_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pcscd]:
    """One private pcscd with a virtual reader for the run (skipped, naming the Debian
    packages, where they are missing). libpcsclite takes the socket's name once per
    process, so every reader test of the run shares it."""
    require()
    with pcscd(tmp_path_factory.mktemp("pcscd")) as running:
        os.environ["PCSCLITE_CSOCK_NAME"] = str(running.socket_path)
        try:
            yield running
        finally:
            os.environ.pop("PCSCLITE_CSOCK_NAME", None)


@pytest.fixture
def env(database_url: str, tmp_path: Path, ca_template: Path,
        monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The settings of a data directory holding a copy of the test CA (set for the CLI
    runner, and returned for subprocesses), with the first administrator signed in
    (`cli_checks.ADMIN`; its session file is in the data directory)."""
    home = tmp_path / "home"
    shutil.copytree(ca_template, home / "ca")
    values = {"MYNUMBERCARD_HOME": str(home), "MYNUMBERCARD_DATABASE_URL": database_url,
              "MYNUMBERCARD_CA_PASSPHRASE": CA_PASSPHRASE, "MYNUMBERCARD_CRL_SHARDS": "4"}
    if database_url.startswith("sqlite"):  # refused on PostgreSQL: it counts as production
        values["MYNUMBERCARD_TEST_CHEAP_PASSWORD_HASHES"] = "1"  # argon2id at its lowest cost
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    for key in ("MYNUMBERCARD_TOKEN", "MYNUMBERCARD_CREDENTIAL_FILE"):
        monkeypatch.delenv(key, raising=False)
    sign_in_admin()
    return values


@pytest.fixture
def api_client() -> Iterator[ApiClient]:
    """`api_client(container, accounts)`: the API of `container` through FastAPI's test
    client (`options` go to TestClient), the staff `accounts` added first with the API
    tests' password (api_checks.add_accounts); closed when the test ends."""
    with ExitStack() as stack:
        def start(container: Container, accounts: Iterable[Account] = (),
                  **options: Any) -> TestClient:
            add_accounts(container, accounts)
            return stack.enter_context(TestClient(create_app(container), **options))

        yield start


@pytest.fixture
def server(env: dict[str, str]) -> Iterator[str]:
    """`mynumbercard serve` on a free port; its base URL once /healthz answers."""
    with serving(env) as base:
        yield base


@pytest.fixture
def serve_with() -> Callable[[dict[str, str]], AbstractContextManager[str]]:
    """`serving`, for a test that runs a server on settings of its own."""
    return serving


@contextmanager
def serving(env: dict[str, str]) -> Iterator[str]:
    """`mynumbercard serve` with the settings `env`, while the block runs. Its output (the
    access log) goes to server.log beside the data directory, which the leak scan reads."""
    tmp_path = Path(env["MYNUMBERCARD_HOME"]).parent
    port = free_port()
    executable = Path(sys.executable).with_name("mynumbercard")
    with (tmp_path / "server.log").open("wb") as log, \
            subprocess.Popen([str(executable), "serve", "--port", str(port)],
                             env={**os.environ, **env}, stdout=log,
                             stderr=subprocess.STDOUT) as process:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz"):
                    break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        try:
            yield base
        finally:
            process.terminate()
            process.wait(timeout=10)
