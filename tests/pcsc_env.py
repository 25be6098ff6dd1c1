"""A private pcscd with vsmartcard's virtual reader for the reader tests, and a card
file served into it by the real `mynumbercard card insert`.

pcscd runs in the foreground with its own reader configuration (vpcd on a free port)
and its own socket, so a system pcscd on the default socket and port does not get in
the way; it is stopped at the end. pcsc-lite 1.9 takes its socket path at build time
(only clients read PCSCLITE_CSOCK_NAME), so when we may (root, `unshare`), pcscd runs
in a mount namespace of its own with a private directory over /run/pcscd; otherwise it
is started with PCSCLITE_CSOCK_NAME set, which newer pcsc-lite honours. Without the
Debian packages the tests are skipped with a message naming them, never silently.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
OPENSC_PKCS11 = next((p for p in (Path("/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"),
                                  Path("/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so"),
                                  Path("/usr/lib/opensc-pkcs11.so"))
                      if p.exists()), Path("opensc-pkcs11.so"))
PACKAGES = "pcscd vsmartcard-vpcd opensc pcsc-tools"
READER = "Virtual PCD"


def missing() -> list[str]:
    """What is missing to run the reader tests (Debian package names)."""
    lacking = []
    if shutil.which("pcscd") is None:
        lacking.append("pcscd")
    if not VPCD_DRIVER.exists():
        lacking.append("vsmartcard-vpcd")
    if shutil.which("pkcs15-tool") is None or shutil.which("pkcs11-tool") is None \
            or not OPENSC_PKCS11.exists():
        lacking.append("opensc")
    try:
        import smartcard  # noqa: F401, PLC0415
    except ImportError:  # pragma: no cover - pyscard is a dependency
        lacking.append("pyscard (pip)")
    return lacking


def require() -> None:
    lacking = missing()
    if lacking:
        pytest.skip(f"reader tests need {', '.join(lacking)}: apt-get install {PACKAGES}")


def free_port() -> int:
    """A port with the next one free too (vpcd listens on two: one per slot)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port < 65535:
            with socket.socket() as second, contextlib.suppress(OSError):
                second.bind(("127.0.0.1", port + 1))
                return port
    raise RuntimeError("no free port pair")


@dataclass
class Pcscd:
    socket_path: Path
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "PCSCLITE_CSOCK_NAME": str(self.socket_path)}


def _can_unshare() -> bool:
    return os.geteuid() == 0 and shutil.which("unshare") is not None and subprocess.run(
        ["unshare", "-m", "true"], capture_output=True, check=False).returncode == 0


@contextlib.contextmanager
def pcscd(folder: Path) -> Iterator[Pcscd]:
    """A private pcscd with one vpcd reader; stopped (and waited for) at the end."""
    port = free_port()
    config = folder / "reader.conf.d"
    config.mkdir()
    (config / "vpcd").write_text(
        f'FRIENDLYNAME "{READER}"\nDEVICENAME /dev/null:{port}\n'
        f"LIBPATH {VPCD_DRIVER}\nCHANNELID {port}\n")
    run = folder / "run"
    run.mkdir()
    socket_path = run / "pcscd.comm"
    log = folder / "pcscd.log"
    command = ["pcscd", "--foreground", "--config", str(config)]
    if _can_unshare():
        inner = ("mkdir -p /run/pcscd && mount --bind \"$0\" /run/pcscd && exec \"$@\"")
        command = ["unshare", "-m", "sh", "-c", inner, str(run), *command]
    env = {**os.environ, "PCSCLITE_CSOCK_NAME": str(socket_path)}
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env,
                                   start_new_session=True)
    daemon = Pcscd(socket_path, port, process, log)
    try:
        deadline = time.monotonic() + 10
        while not socket_path.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.skip("could not start a private pcscd (needs root for its own "
                            f"socket with pcsc-lite 1.9): {log.read_text()[-500:]}")
            time.sleep(0.05)
        yield daemon
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def cli() -> list[str]:
    script = Path(sys.executable).with_name("mynumbercard")
    return [str(script)] if script.exists() else [sys.executable, "-m", "mynumbercard"]


@contextlib.contextmanager
def inserted(card: Path, daemon: Pcscd, *extra: str) -> Iterator[subprocess.Popen[bytes]]:
    """`mynumbercard card insert CARD --port PORT` until the block ends (SIGTERM: the
    card is pulled out)."""
    process = subprocess.Popen([*cli(), "card", "insert", str(card), "--port",
                                str(daemon.port), *extra],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=daemon.env)
    try:
        wait_for_card(daemon)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.communicate(timeout=10)
        # pcscd notices the card gone only at its next poll: until then the next test's
        # card would look inserted already and be pulled out under its first command
        wait_for_card(daemon, present=False)


def wait_for_card(daemon: Pcscd, timeout: float = 15, *, present: bool = True) -> None:
    """Until pcscd sees a card in the virtual reader (or, `present=False`, none)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        scan = subprocess.run(["opensc-tool", "--list-readers"], capture_output=True,
                              env=daemon.env, check=False, timeout=10)
        if (b"Yes" in scan.stdout) == present:
            return
        time.sleep(0.2)
    state = "a card" if present else "the card gone"
    raise AssertionError(f"no {state} in the virtual reader: {daemon.log.read_text()[-800:]}")
