"""The letters the system mails to residents, as plain data, and the port that prints them.

A use case fills one of these dataclasses from its records and hands it to a
``LetterPrinter``; the printer (``adapters/documents``) lays it out as a PDF in Japanese,
with every date in both the Gregorian and the Japanese era calendar. The letters carry
personal data: never log them, and keep them out of error messages.

Lines that the letter prints one under another (office hours, what to bring, what to
do) are tuples of strings, so that a single string is not taken for a list of lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Protocol


@dataclass(frozen=True, slots=True)
class IssuanceNotice:
    """交付通知書: the card is at the office; come and collect it by the deadline.

    - ``postal_code``: seven digits, with or without the hyphen (``1008799``, ``100-8799``);
    - ``issued_on``: the card's issue date (its validity counts from it), not the pick-up;
    - ``notice_date``: the date printed as the letter's date;
    - ``booking_url``: what the QR code carries, the page to book a visit;
    - ``reference``: the notice or card number printed for the counter to look it up;
    - ``proxy_note``: the rule for pick-up by a proxy, or ``None`` for the default text.
    """

    holder_name: str
    holder_name_kana: str
    postal_code: str
    address: str
    office_name: str
    office_address: str
    office_phone: str
    office_hours: tuple[str, ...]
    things_to_bring: tuple[str, ...]
    pick_up_deadline: date
    issued_on: date
    notice_date: date
    booking_url: str
    reference: str
    proxy_note: str | None = None
    reminder: bool = False  # the reminder after the deadline (再通知): says so, and the
    #                         deadline is then the last day the card is kept


class ValidityKind(StrEnum):
    """What a validity notice is about."""

    CARD = "card"  # 個人番号カードの有効期限
    CERTIFICATES = "certificates"  # 電子証明書（署名用・利用者証明用）の有効期限
    CORRECTION = "correction"  # the card's validity was set wrongly: the right date


@dataclass(frozen=True, slots=True)
class ValidityNotice:
    """有効期限通知書: the card, or the certificates on it, expire on ``expires_on``.

    For a card the letter carries the new Application ID for the renewal application and
    a QR code of ``application_url`` (which carries that ID); for certificates both are
    ``None`` and ``what_to_do`` says to renew them at the office. ``renewal_from`` is the
    first day renewal is possible (three months before expiry).
    """

    kind: ValidityKind
    holder_name: str
    holder_name_kana: str
    postal_code: str
    address: str
    expires_on: date
    renewal_from: date
    notice_date: date
    what_to_do: tuple[str, ...]
    office_name: str
    office_address: str
    office_phone: str
    office_hours: tuple[str, ...]
    reference: str
    application_id: str | None = None
    application_url: str | None = None


@dataclass(frozen=True, slots=True)
class PinSettingForm:
    """暗証番号設定依頼書: enclosed with the notice of issuance, for a pick-up by a proxy.

    The holder writes the PINs in the part that is sealed and seals it; the clerk opens it
    in front of the proxy, keys the form number and the PINs, and destroys it. The form
    number is printed on the sealed part only (never on the notice): a proxy who holds the
    notice must still bring the holder's own sealed form."""

    holder_name: str
    holder_name_kana: str
    office_name: str
    notice_date: date
    reference: str  # the notice's number, to put the form with its notice
    form_number: str = field(repr=False)
    signature_pin: bool = True  # a signature certificate is to be issued (15 or more)


@dataclass(frozen=True, slots=True)
class NumberNotice:
    """個人番号通知書: the number assigned at birth or on arrival from overseas.

    As the real notice: the name, the birth date, the number, the date of the notice and
    the issuing mayor; the address is on the envelope only (the notice is not changed
    when the holder moves), and it says it cannot prove the number."""

    holder_name: str  # as shown, with a former surname if the holder asked for it
    holder_name_kana: str
    birth_date: date
    individual_number: str = field(repr=False)
    postal_code: str = ""
    address: str = ""
    notice_date: date = date(2020, 5, 25)
    issuer: str = ""  # e.g. 東京都千代田区長
    office_name: str = ""
    office_address: str = ""
    office_phone: str = ""
    reference: str = ""


@dataclass(frozen=True, slots=True)
class DeficiencyNotice:
    """申請書の不備のお知らせ: the application cannot go on as it is; what to correct and
    how to apply again with the same Application ID (its QR code for online)."""

    holder_name: str
    holder_name_kana: str
    postal_code: str
    address: str
    notice_date: date
    reason: str  # the reason in plain Japanese
    message: str  # what the reviewer wrote
    what_to_do: tuple[str, ...]
    application_id: str
    application_url: str
    office_name: str
    office_address: str
    office_phone: str
    office_hours: tuple[str, ...]
    reference: str


@dataclass(frozen=True, slots=True)
class ReissueForm:
    """個人番号カード交付申請書（再交付）: the lost card was not found, its certificates are
    revoked, and a new card is applied for on this form: its new Application ID, with a
    QR code of ``application_url`` for applying online."""

    holder_name: str
    holder_name_kana: str
    postal_code: str
    address: str
    notice_date: date
    what_to_do: tuple[str, ...]
    application_id: str
    application_url: str
    office_name: str
    office_address: str
    office_phone: str
    office_hours: tuple[str, ...]
    reference: str


MailedLetter = ValidityNotice | NumberNotice | DeficiencyNotice | ReissueForm


class LetterPrinter(Protocol):
    """Prints letters as PDF bytes, one letter a call (the caller batches and mails)."""

    def issuance_notice(self, notice: IssuanceNotice) -> bytes: ...

    def pin_setting_form(self, form: PinSettingForm) -> bytes: ...

    def number_notice(self, notice: NumberNotice) -> bytes: ...

    def deficiency_notice(self, notice: DeficiencyNotice) -> bytes: ...

    def reissue_form(self, form: ReissueForm) -> bytes: ...

    def mail_batch(self, letters: Sequence[MailedLetter]) -> bytes:
        """A mailing batch of the outgoing mail, letters of any kind, in order."""
        ...

    def validity_notice(self, notice: ValidityNotice) -> bytes: ...

    def validity_notices(self, notices: Sequence[ValidityNotice]) -> bytes:
        """A mailing batch: many letters in one PDF."""
        ...
