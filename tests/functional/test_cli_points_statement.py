"""`mynumbercard points sign-in CODE`: before it reads the PIN, the card program prints
what the signature will do, as the service states it (the code's page will see the
points and the chosen service); on a terminal it asks first, and a holder who says no
signs nothing."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from mynumbercard import bootstrap
from mynumbercard.services import points_card

from cli_checks import demo_card

PROGRAM = str(Path(sys.executable).with_name("mynumbercard"))


@pytest.fixture
def card(env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MYNUMBERCARD_ALLOW_SET_CLOCK", "1")
    monkeypatch.setenv("MYNUMBERCARD_CLOCK", "2026-11-30T10:00:00+09:00")
    monkeypatch.setenv("MYNUMBERCARD_VPCD_PORT", "1")  # the card file driven in-process
    demo_card(tmp_path / "card.mnc")
    return tmp_path / "card.mnc"


def _page() -> points_card.StartedSignIn:
    with bootstrap.container() as wired:
        return points_card.start_sign_in(wired.uow, now=wired.clock())


def _state(page: points_card.StartedSignIn) -> str:
    with bootstrap.container() as wired:
        return points_card.page(wired.uow, browser_secret=page.browser_secret,
                                now=wired.clock()).state


def _read_until(fd: int, text: str, *, seconds: float = 120) -> str:
    """What the program wrote on `fd` up to `text` (it waits for us meanwhile)."""
    seen = b""
    while text.encode() not in seen:
        ready, _, _ = select.select([fd], [], [], seconds)
        assert ready, f"no {text!r} within {seconds} s: {seen.decode(errors='replace')}"
        chunk = os.read(fd, 4096)
        assert chunk, f"the program ended before {text!r}: {seen.decode(errors='replace')}"
        seen += chunk
    return seen.decode()


def test_the_statement_is_printed_before_the_pin_is_read(card: Path) -> None:
    page = _page()
    with subprocess.Popen([PROGRAM, "points", "sign-in", page.code, "--card", str(card),
                           "--pin-stdin"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE) as program:
        assert program.stdin is not None
        assert program.stderr is not None
        # nothing written on its standard input yet: the PIN cannot have been read
        shown = _read_until(program.stderr.fileno(), "own screen.")
        assert f"Sign in to the My Number Points page on the device that showed code " \
               f"{page.code}" in shown
        assert f"コード {page.code} を表示した端末" in shown
        assert _state(page) == "waiting"
        out, err = program.communicate(b"1234\n", timeout=120)
    assert program.returncode == 0, out + err
    assert json.loads(out)["code"] == page.code
    assert _state(page) == "signed-in"


def test_on_a_terminal_the_holder_confirms_first_and_no_signs_nothing(card: Path) -> None:
    page = _page()
    terminal, holder_side = pty.openpty()
    try:
        with subprocess.Popen([PROGRAM, "points", "sign-in", page.code, "--card", str(card)],
                              stdin=holder_side, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) as program:
            assert program.stderr is not None
            shown = _read_until(program.stderr.fileno(), "署名しますか")
            assert page.code in shown
            assert "PIN" not in shown  # asked before the PIN
            os.write(terminal, b"n\n")
            out, err = program.communicate(timeout=120)
    finally:
        os.close(terminal)
        os.close(holder_side)
    assert program.returncode == 1, out + err
    assert json.loads(out)["refused"] == "declined"
    assert b"PIN" not in err
    assert _state(page) == "waiting"
