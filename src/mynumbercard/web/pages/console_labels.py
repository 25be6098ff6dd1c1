"""The operators' console's words for stored values (statuses, kinds, roles): English
msgids, translated in staff.po like any other (a value itself is never a msgid: "active"
means one thing for a resident and another for a card)."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "letter": {"validity_card": "Validity notice (card)",
               "validity_certificates": "Validity notice (certificates)",
               "validity_correction": "Wrong-validity contact letter",
               "number_notice": "Individual Number Notice",
               "deficiency": "Deficiency letter", "reissue_form": "Re-issue form"},
    "card": {"produced": "Card produced", "destroyed": "Card destroyed",
             "active": "Card active", "lost": "Card lost", "returned": "Card returned",
             "invalidated": "Card invalidated", "lapsed": "Card lapsed"},
    "event": {"suspended": "Hold", "released": "Hold lifted", "revoked": "Revoked"},
    "ca": {"root": "Root CA", "sign": "Signature CA", "auth": "User-authentication CA",
           "sign-ocsp": "OCSP signer (signature)",
           "auth-ocsp": "OCSP signer (user authentication)"},
    "subject": {"card": "Card", "certificate": "Certificate"},
    "case": {"open": "Case open", "contacted": "Holder contacted",
             "corrected": "Case corrected", "dismissed": "Case dismissed"},
    "chunk": {"pending": "Pending", "running": "Running", "failed": "Failed", "done": "Done"},
}


def label(group: str, value: str) -> str:
    """The msgid of a stored value (the value itself where none is known)."""
    return LABELS[group].get(value, value)
