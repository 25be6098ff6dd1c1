"""The counter terminal's custody tasks (services/custody_tasks.py): the card stays in
the office's reader from the drop-off until it leaves, and each step is run with it
there. The terminal checks the card in its reader is the task's (the server checks it
again), has the server record the step, and for a renewal makes the key pairs on the chip
and writes the certificates. The message says where the card goes next."""

from __future__ import annotations

from typing import Any

from mynumbercard.adapters import counter_terminal
from mynumbercard.adapters.server_client import ServerClient
from mynumbercard.chip.client import CardClient
from mynumbercard.domain.errors import InvalidInput

WHERE_NEXT = {
    "leave": "taken into custody: it stays in the office's reader",
    "mail": "mailed: take it out of the reader into the envelope",
    "collect": "collected: take it out of the reader and hand it to the holder",
    "cancel": "given back unrenewed: take it out of the reader and hand it to the holder",
    "returned": "back from the post: it stays in the office's reader",
}


def run(client: ServerClient, card: CardClient, task: dict[str, Any]) -> str:
    """One custody step on the card in the reader: the outcome's message, or raise."""
    number, step = str(task["card_number"]), str(task["details"].get("step"))
    if card.card_id != number:
        raise InvalidInput(f"the card in the reader is card {card.card_id}, not card "
                           f"{number}: put the card in custody in the reader")
    if step == "renew":
        answer = counter_terminal.renew_in_custody(client, card, int(task["id"]))
        renewed = ", ".join(f"{c['kind']} until {str(c['not_after'])[:10]}"
                            for c in answer.get("certificates", []))
        return (f"card {number} renewed in custody {answer['custody']['id']}: {renewed}; "
                "it stays in the office's reader")
    if step not in WHERE_NEXT:
        raise InvalidInput(f"this terminal does not know the custody step {step!r}")
    answer = client.custody_step(int(task["id"]), number)
    return f"card {number} {WHERE_NEXT[step]} (custody {answer['custody']['id']})"
