"""The counter terminal's task loop (docs/chip.md "Counter tasks"): take the member's
next task from the server, run it on the card in the reader with the existing terminal
flows (the holder types any PIN on this terminal's PIN pad), and report the outcome.
The outcome is a code, which the clerk's page words in the clerk's language, and a
message (the flow's answer or the error's, in English, never holding a PIN) as its detail.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mynumbercard.adapters import counter_terminal, custody_runner
from mynumbercard.adapters.server_client import ServerClient
from mynumbercard.chip import ResetPin
from mynumbercard.chip.client import CardClient
from mynumbercard.domain.certificate import CertKind
from mynumbercard.domain.counter_tasks import OutcomeCode
from mynumbercard.domain.errors import DomainError, InvalidInput
from mynumbercard.domain.pins import PinKind, validate_new_pin

PIN_OF = {CertKind.AUTH: PinKind.USER_AUTH, CertKind.SIGN: PinKind.SIGNATURE}
AskNewPin = Callable[[CertKind], str]  # the holder's new PIN, typed twice on the PIN pad


class WrongCard(InvalidInput):
    """Another card is in the reader than the task's."""


def _same_card(card: CardClient, card_number: str) -> None:
    if card.card_id != card_number:
        raise WrongCard(f"the card in the reader is card {card.card_id}, not card "
                        f"{card_number}: put the holder's card in the reader")


def _unlock(client: ServerClient, card: CardClient, task: dict[str, Any],
            ask_new_pin: AskNewPin) -> str:
    kind = CertKind(task["details"]["kind"])
    _same_card(card, task["card_number"])
    new_pin = ask_new_pin(kind)
    validate_new_pin(PIN_OF[kind], new_pin)
    challenge = card.admin_challenge()
    authorization = client.pin_reset_authorization(task["card_number"], kind, challenge)
    card.admin(ResetPin(PIN_OF[kind], new_pin), authorization)
    return f"the {kind.value} PIN of card {task['card_number']} is reset"


def _certificates(answer: dict[str, Any]) -> str:
    return ", ".join(f"{c['kind']} until {str(c['not_after'])[:10]}"
                     for c in answer.get("certificates", []))


def _correct(client: ServerClient, card: CardClient, task: dict[str, Any]
             ) -> tuple[OutcomeCode, str]:
    _same_card(card, task["card_number"])
    answer = counter_terminal.correct(client, card, int(task["details"]["case"]))
    dates = (f"card {task['card_number']}: valid until {answer.get('card_expires_on')} "
             f"(was {answer.get('card_expired_on')})")
    if answer.get("certificates"):
        return (OutcomeCode.CORRECTED,
                f"{dates}; certificates re-issued: {_certificates(answer)}")
    why = ("the card is not valid any more" if not answer.get("card_valid")
           else "no certificate ran past the card")
    return OutcomeCode.CORRECTED_REGISTER, f"{dates}; no certificate re-issued: {why}"


def run(client: ServerClient, card: CardClient, task: dict[str, Any], *,
        ask_pins: counter_terminal.AskPins, ask_new_pin: AskNewPin
        ) -> tuple[OutcomeCode, str]:
    """Run one task on the card in the reader: the outcome's code and message, or raise."""
    kind = task["kind"]
    if kind == "hand_over":
        _same_card(card, task["card_number"])
        answer = counter_terminal.hand_over(client, card, task["card_number"],
                                            identity=task["details"], ask_pins=ask_pins)
        return OutcomeCode.HANDED_OVER, (
            f"card {task['card_number']} handed over; certificates: "
            f"{_certificates(answer)}; PINs set: {', '.join(answer.get('pins', []))}")
    if kind == "unlock":
        return OutcomeCode.PIN_RESET, _unlock(client, card, task, ask_new_pin)
    if kind == "renew":
        _same_card(card, task["card_number"])
        kinds = [CertKind(k) for k in task["details"]["kinds"]]
        answer = counter_terminal.renew(client, card, kinds)
        return (OutcomeCode.RENEWED,
                f"card {task['card_number']} renewed: {_certificates(answer)}")
    if kind == "correct":
        return _correct(client, card, task)
    if kind == "custody":
        return OutcomeCode.CUSTODY_STEP, custody_runner.run(client, card, task)
    raise InvalidInput(f"this terminal does not know the task kind {kind!r}")


def run_and_report(client: ServerClient, open_card: Callable[[], Any], task: dict[str, Any],
                   *, ask_pins: counter_terminal.AskPins,
                   ask_new_pin: AskNewPin) -> tuple[bool, str]:
    """Run `task` with the card `open_card()` gives (a context manager: the reader), and
    report it to the server: (done, message). A domain error is reported as the failure."""
    try:
        with open_card() as card:
            code, message = run(client, card, task, ask_pins=ask_pins,
                                ask_new_pin=ask_new_pin)
    except DomainError as failed:
        message = str(failed)
        code = OutcomeCode.WRONG_CARD if isinstance(failed, WrongCard) else OutcomeCode.REFUSED
        client.report_task(int(task["id"]), ok=False, message=message, code=code.value)
        return False, message
    client.report_task(int(task["id"]), ok=True, message=message, code=code.value)
    return True, message
