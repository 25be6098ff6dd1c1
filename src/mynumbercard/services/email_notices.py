"""The e-mail notices an online applicant asked for: received, deficient (with the reason
and what to do), ready for pick-up (the office and the deadline).

Each is queued in the outbox in the transaction of the event (one per key, ever), in
Japanese then English. A message carries no name, birth date or Individual Number, and
only the last four digits of the Application ID; links are written `{site}/status` and
the e-mail job puts the public address in (`services/email.py`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from mynumbercard.domain.application import Application, DeficiencyReason
from mynumbercard.services.email_ports import Email, EmailOutbox
from mynumbercard.services.mailed_letters import DEFICIENCY_REASONS, DEFICIENCY_STEPS

SITE = "{site}"  # replaced by the public base URL when sent

DEFICIENCY_REASONS_EN: dict[DeficiencyReason, str] = {
    DeficiencyReason.PHOTO: "The ID photo does not meet the standard.",
    DeficiencyReason.SIGNATURE: "The form is not signed.",
    DeficiencyReason.ADDRESS_MISMATCH: "The address on the form is not the one on the "
                                       "resident register.",
    DeficiencyReason.MISSING_INFORMATION: "Something on the form was left blank.",
}
DEFICIENCY_STEPS_EN: dict[DeficiencyReason, str] = {
    DeficiencyReason.PHOTO: "Take a new photo (in the last 6 months, facing the camera, no "
                            "hat, plain background) and apply again with the same "
                            "Application ID.",
    DeficiencyReason.SIGNATURE: "If you apply by post, sign the form.",
    DeficiencyReason.ADDRESS_MISMATCH: "Check the address on your resident register; after "
                                       "a move, apply in your new municipality.",
    DeficiencyReason.MISSING_INFORMATION: "Fill in every required part of the form.",
}
WARNING = (
    "【ご注意】市区町村や地方公共団体情報システム機構（J-LIS）が、電話・メール・手紙で"
    "カードや暗証番号をたずねることはありません。\n"
    "Warning: no one from your municipality or J-LIS will ever ask for your card or your "
    "PIN by phone, e-mail or letter.")
FOOTER = ("このメールは送信専用です。返信はできません。\n"
          "This message was sent automatically; replies are not read.")


class QueuesEmail(Protocol):
    @property
    def email(self) -> EmailOutbox: ...


def masked(application_id: str) -> str:
    """The Application ID as a message shows it: its last four digits only."""
    return f"****-{application_id[-4:]}"


def message_body(*parts: str) -> str:
    """The parts, then the fraud warning and the no-reply footer every message ends with."""
    return "\n\n".join((*parts, WARNING, FOOTER)) + "\n"


def _queue(uow: QueuesEmail, application: Application, key: str, subject: str, body: str,
           *, now: datetime) -> bool:
    recipient = uow.email.address(application.application_id)
    if recipient is None:
        return False
    return uow.email.enqueue(Email(key=key, recipient=recipient, subject=subject, body=body),
                             now=now)


def queue_received_in(uow: QueuesEmail, application: Application, *, now: datetime) -> bool:
    """The application (or a re-application) was received: one per submission."""
    ref = masked(application.application_id)
    return _queue(
        uow, application, f"email:received:{application.id}:{application.submissions}",
        "マイナンバーカードの申請を受け付けました / Application received",
        message_body(
            f"申請書ID {ref} の申請を{application.received_on:%Y年%m月%d日}に受け付けました。"
            "審査の後、カードを作り、お住まいの市区町村の窓口へお送りします。"
            f"\n状況の確認: {SITE}/status",
            f"We received the application of Application ID {ref} on "
            f"{application.received_on.isoformat()}. Once reviewed, the card is made and "
            f"sent to your municipality's office.\nCheck its status: {SITE}/status"),
        now=now)


def queue_deficient_in(uow: QueuesEmail, application: Application, *, now: datetime) -> bool:
    """The application was found deficient: the reason, what to do, how to apply again."""
    reason = application.deficiency_reason or DeficiencyReason.MISSING_INFORMATION
    ref, note = masked(application.application_id), application.deficiency_message or ""
    link = f"{SITE}/apply"
    return _queue(
        uow, application, f"email:deficient:{application.id}:{application.submissions}",
        "申請に不備がありました / Your application needs a correction",
        message_body(
            f"申請書ID {ref} の申請に不備がありました。\n理由: {DEFICIENCY_REASONS[reason]}"
            + (f"\n担当者より: {note}" if note else "")
            + f"\nすること: {DEFICIENCY_STEPS[reason]}\n同じ申請書IDで、もう一度申請できます: "
            f"{link}",
            f"The application of Application ID {ref} needs a correction.\nWhy: "
            f"{DEFICIENCY_REASONS_EN[reason]}"
            + (f"\nThe reviewer's note (in Japanese): {note}" if note else "")
            + f"\nWhat to do: {DEFICIENCY_STEPS_EN[reason]}\nApply again with the same "
            f"Application ID: {link}"),
        now=now)


def queue_ready_in(uow: QueuesEmail, application: Application, *, office_name: str,
                   deadline: date, now: datetime) -> bool:
    """The card arrived at the office: where, until when, and the link to book a visit."""
    ref = masked(application.application_id)
    book = f"{SITE}/appointments?office={application.office_code or ''}"
    return _queue(
        uow, application, f"email:ready:{application.id}",
        "マイナンバーカードを受け取れます / Your card is ready for pick-up",
        message_body(
            f"申請書ID {ref} のカードが{office_name}に届きました。"
            f"{deadline:%Y年%m月%d日}までにお受け取りください。"
            "交付通知書（はがき）と本人確認書類をお持ちください。"
            f"\n来庁の予約: {book}",
            f"The card of Application ID {ref} has arrived at {office_name}. Please pick "
            f"it up by {deadline.isoformat()}, with the notice of issuance (the postcard) "
            f"and your identity documents.\nBook a visit: {book}"),
        now=now)
