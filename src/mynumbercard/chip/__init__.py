"""The card's IC chip, as a card file the holder carries (see ``docs/chip.md``).

``Chip.personalise`` creates a card file and ``Chip.open`` opens one; key pairs are
generated on the chip and their private keys never leave it; PINs have retry counters;
administrative commands need the issuer's card-management signature over a one-use
challenge (``admin_message``, ``sign_admin_command``).
"""

from mynumbercard.chip.admin import (
    CHALLENGE_BYTES,
    AdminCommand,
    DeleteKeyPair,
    GenerateKeyPair,
    ResetPin,
    SetInitialPins,
    WriteCaCertificate,
    WriteCertificate,
    admin_message,
    fingerprint,
    management_public_key_pem,
    new_management_key,
    pack_authorization,
    sign_admin_command,
)
from mynumbercard.chip.card import CARD_FACE_FIELDS, Chip, ChipStatus
from mynumbercard.chip.keys import PIN_FOR_KEY, KeyKind

__all__ = [
    "CARD_FACE_FIELDS",
    "CHALLENGE_BYTES",
    "PIN_FOR_KEY",
    "AdminCommand",
    "Chip",
    "ChipStatus",
    "DeleteKeyPair",
    "GenerateKeyPair",
    "KeyKind",
    "ResetPin",
    "SetInitialPins",
    "WriteCaCertificate",
    "WriteCertificate",
    "admin_message",
    "fingerprint",
    "management_public_key_pem",
    "new_management_key",
    "pack_authorization",
    "sign_admin_command",
]
