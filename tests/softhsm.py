"""softhsm2 for the tests: where its PKCS#11 module is, and one token per test session."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SOFTHSM_MODULES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
)
NO_SOFTHSM = (
    "softhsm2 is not installed (apt-get install softhsm2; .ci/run installs it): "
    "the PKCS#11 tests need it"
)


def module_or_skip() -> str:
    module = next((m for m in SOFTHSM_MODULES if Path(m).exists()), None)
    if shutil.which("softhsm2-util") is None or module is None:
        pytest.skip(NO_SOFTHSM)
    return module


def init_token(conf: Path, *, label: str, pin: str, so_pin: str) -> None:
    """A fresh token directory and configuration at `conf`, with one token in it."""
    tokens = conf.parent / "tokens"
    tokens.mkdir(parents=True)
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n")
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", pin,
                    "--so-pin", so_pin], env={**os.environ, "SOFTHSM2_CONF": str(conf)},
                   check=True, capture_output=True)


def softhsm_module(tmp_path_factory: pytest.TempPathFactory,
                   monkeypatch: pytest.MonkeyPatch) -> str:
    """A token labelled "mnc" (user PIN 1234) in this session's temporary directory.
    softhsm2 reads SOFTHSM2_CONF once per process, so every in-process test shares it."""
    module = module_or_skip()
    conf = tmp_path_factory.getbasetemp() / "softhsm2" / "softhsm2.conf"
    if not conf.exists():
        init_token(conf, label="mnc", pin="1234", so_pin="5678")
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    return module
