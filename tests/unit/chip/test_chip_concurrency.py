"""The PIN counter is exact under any concurrency: 50 processes (or threads) released at
once against one card file make exactly as many wrong comparisons as the PIN allows."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from collections import Counter
from pathlib import Path

import pytest

from mynumbercard.chip import (
    Chip,
    GenerateKeyPair,
    KeyKind,
    SetInitialPins,
    management_public_key_pem,
    new_management_key,
    sign_admin_command,
)
from mynumbercard.domain.pins import POLICIES, PinKind, PinLocked, WrongPin

FACE = {"name": "Yamada Hanako", "address": "1-1 Chiyoda", "birth_date": "1990-04-01",
        "sex": "female", "individual_number": "123456789018"}
PINS = {PinKind.SIGNATURE: "HANAKO1990", PinKind.USER_AUTH: "4821",
        PinKind.RESIDENT_REGISTER: "5930", PinKind.CARD_INFO: "6047"}
WRONG = {PinKind.SIGNATURE: "WRONG0000", PinKind.USER_AUTH: "0000",
         PinKind.RESIDENT_REGISTER: "0000", PinKind.CARD_INFO: "0000"}
CALLERS = 50


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    key = new_management_key()
    path = tmp_path_factory.mktemp("template") / "card.json"
    chip = Chip.personalise(path, card_id="RACE", card_face=FACE,
                            management_public_key_pem=management_public_key_pem(key))
    for command in (SetInitialPins(PINS), GenerateKeyPair(KeyKind.SIGN),
                    GenerateKeyPair(KeyKind.AUTH)):
        challenge = chip.admin_challenge()
        chip.admin(command, sign_admin_command(key, chip.card_id, challenge, command))  # type: ignore[call-overload]
    return path.read_bytes()


@pytest.fixture
def card(tmp_path: Path, template: bytes) -> Path:
    path = tmp_path / "card.json"
    path.write_bytes(template)
    return path


# Each caller uses the operation that needs its PIN: signing, the card face, a bare check.
RACE = textwrap.dedent(
    """
    import json, multiprocessing, sys
    from mynumbercard.chip import Chip
    from mynumbercard.domain.pins import PinLocked, WrongPin

    def attempt(path, kind, entry, barrier, answers):
        chip = Chip.open(path)
        barrier.wait()
        try:
            if kind == "signature":
                chip.sign("sign", entry, b"data")
            elif kind == "user_auth":
                chip.sign("auth", entry, b"data")
            elif kind == "card_info":
                chip.read_card_face(entry)
            else:
                chip.verify_pin(kind, entry)
            answers.put("accepted")
        except WrongPin:
            answers.put("wrong")
        except PinLocked:
            answers.put("locked")
        except BaseException as exc:
            answers.put(type(exc).__name__)

    if __name__ == "__main__":
        path, kind, entry, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
        context = multiprocessing.get_context("fork")  # a fresh, single-threaded parent
        barrier, answers = context.Barrier(n), context.Queue()
        workers = [context.Process(target=attempt, args=(path, kind, entry, barrier, answers))
                   for _ in range(n)]
        for worker in workers:
            worker.start()
        got = [answers.get(timeout=120) for _ in workers]
        for worker in workers:
            worker.join()
        print(json.dumps(got))
    """
)


@pytest.mark.parametrize("kind", list(PinKind))
def test_fifty_processes_at_once_make_exactly_the_allowed_wrong_comparisons(
    card: Path, kind: PinKind
) -> None:
    done = subprocess.run([sys.executable, "-c", RACE, str(card), kind.value, WRONG[kind],
                           str(CALLERS)], capture_output=True, text=True, check=False,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    answers = Counter(json.loads(done.stdout))
    limit = POLICIES[kind].max_tries
    assert answers == {"wrong": limit, "locked": CALLERS - limit}
    chip = Chip.open(card)  # the file is whole
    assert chip.tries_left(kind) == 0
    with pytest.raises(PinLocked):
        chip.verify_pin(kind, PINS[kind])
    assert sorted(p.name for p in card.parent.iterdir()) == ["card.json"]


def test_fifty_threads_at_once_make_exactly_the_allowed_wrong_comparisons(
    card: Path,
) -> None:
    kind = PinKind.SIGNATURE
    barrier, answers, lock = threading.Barrier(CALLERS), Counter[str](), threading.Lock()

    def attempt() -> None:
        chip = Chip.open(card)  # one handle per caller, as separate readers would have
        barrier.wait()
        try:
            chip.sign(KeyKind.SIGN, WRONG[kind], b"data")
            answer = "accepted"
        except WrongPin:
            answer = "wrong"
        except PinLocked:
            answer = "locked"
        with lock:
            answers[answer] += 1

    threads = [threading.Thread(target=attempt) for _ in range(CALLERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == {"wrong": 5, "locked": CALLERS - 5}
    with pytest.raises(PinLocked):
        Chip.open(card).sign(KeyKind.SIGN, PINS[kind], b"data")


def test_a_right_entry_racing_wrong_ones_never_restores_a_spent_try(card: Path) -> None:
    """The right PIN's restore and a wrong PIN's spend on one file, at the same moment:
    whatever the order, every wrong entry leaves its mark (no lost update)."""
    kind = PinKind.USER_AUTH
    chip = Chip.open(card)
    for _ in range(20):
        barrier = threading.Barrier(2)
        outcome: list[str] = []

        def right(barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            chip.verify_pin(kind, PINS[kind])

        def wrong(barrier: threading.Barrier = barrier, outcome: list[str] = outcome) -> None:
            barrier.wait()
            try:
                Chip.open(card).verify_pin(kind, WRONG[kind])
            except WrongPin as refused:
                outcome.append(str(refused.tries_left))

        threads = [threading.Thread(target=right), threading.Thread(target=wrong)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # Right first: 3 -> 3, then wrong: 2 left. Wrong first: 2 left, then right: 3.
        left = chip.tries_left(kind)
        assert (outcome, left) in ((["2"], 2), (["2"], 3)), (outcome, left)
        chip.verify_pin(kind, PINS[kind])  # back to 3 for the next round
