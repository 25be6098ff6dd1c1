"""Letters the register and the review queue send through the outgoing mail: the
Individual Number Notice (at birth and on arrival), the deficiency letter, and the form
for a new card when a lost card's loss is confirmed.

They are queued in the transaction of the use case that causes them (one letter per key,
ever) and printed by the mail run (`services/mail.py`), in the print files of the mail
directory, like the validity letters. The queue keeps no personal data: the letter is
filled from the register when it is printed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from mynumbercard.domain.application import Application, DeficiencyReason
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.individual_number import NoticeKind, notice_kind_for
from mynumbercard.domain.municipality import Municipality
from mynumbercard.domain.resident import Resident
from mynumbercard.services.application_ports import ApplicationForm, Applications
from mynumbercard.services.letters import DeficiencyNotice, NumberNotice, ReissueForm
from mynumbercard.services.mail_ports import LetterKind, MailOutbox, NewLetter, QueuedLetter
from mynumbercard.services.notices import Offices


class QueuesMail(Protocol):
    @property
    def mail(self) -> MailOutbox: ...


class ReadsApplications(Protocol):
    @property
    def applications(self) -> Applications: ...


DEFICIENCY_REASONS: dict[DeficiencyReason, str] = {
    DeficiencyReason.PHOTO: "顔写真が基準に合っていません。",
    DeficiencyReason.SIGNATURE: "申請書に署名（または記名・押印）がありません。",
    DeficiencyReason.ADDRESS_MISMATCH: "申請書の住所が、住民票の住所と合っていません。",
    DeficiencyReason.MISSING_INFORMATION: "申請書に記入されていない項目があります。",
}
DEFICIENCY_STEPS: dict[DeficiencyReason, str] = {
    DeficiencyReason.PHOTO: "6か月以内に撮影した、正面・無帽・無背景の写真（縦4.5cm×横3.5cm）"
                            "をご用意ください。",
    DeficiencyReason.SIGNATURE: "郵送で申請する場合は、申請書の署名欄に署名してください。",
    DeficiencyReason.ADDRESS_MISMATCH: "現在の住民票の住所をご確認ください。転居された方は、"
                                       "新しい住所の市区町村で申請してください。",
    DeficiencyReason.MISSING_INFORMATION: "申請書のすべての必要事項を記入してください。",
}
REAPPLY = (
    "同じ申請書IDで、もう一度申請できます。スマートフォン・パソコンからは右のQRコード"
    "または申請書IDで、郵送の場合は申請書に記入して送ってください。",
    "ご不明な点は、下記の窓口へお問い合わせください。",
)


def queue_number_notice_in(uow: QueuesMail, resident: Resident, *, now: datetime) -> bool:
    """Queue the Individual Number Notice of a newly assigned number (none before
    2020-05-25: the notification card was the notice then). True if queued."""
    assigned_on = resident.number_assigned_on
    if (assigned_on is None
            or notice_kind_for(assigned_on) is not NoticeKind.INDIVIDUAL_NUMBER_NOTICE):
        return False
    return uow.mail.enqueue([NewLetter(
        letter_key=f"number_notice:{resident.id}", kind=LetterKind.NUMBER_NOTICE,
        resident_id=resident.id, municipality_code=resident.municipality_code,
        due_on=assigned_on)], now=now) == 1


def queue_deficiency_in(uow: QueuesMail, application: Application, resident: Resident, *,
                        now: datetime) -> None:
    """Queue the letter to the applicant: one per submission found deficient."""
    uow.mail.enqueue([NewLetter(
        letter_key=f"deficiency:{application.id}:{application.submissions}",
        kind=LetterKind.DEFICIENCY, resident_id=application.resident_id,
        municipality_code=resident.municipality_code,
        due_on=now.astimezone(JST).date(), application_id=application.application_id,
        details={"application": application.id})], now=now)


REISSUE_STEPS = (
    "スマートフォン・パソコンからは右のQRコードまたは申請書IDで、顔写真を添えて申請して"
    "ください。窓口でも申請できます。",
    "再交付の手数料（カード800円、電子証明書200円）がかかります。",
    "以前の申請書・申請書IDは使えません。",
)


def queue_reissue_form_in(uow: QueuesMail, form: ApplicationForm, resident: Resident, *,
                       now: datetime) -> None:
    """Queue the form for a new card, one per form (its Application ID)."""
    uow.mail.enqueue([NewLetter(
        letter_key=f"reissue_form:{form.application_id}", kind=LetterKind.REISSUE_FORM,
        resident_id=form.resident_id, municipality_code=resident.municipality_code,
        due_on=now.astimezone(JST).date(), application_id=form.application_id)], now=now)


def reissue_form(letter: QueuedLetter, resident: Resident, town: Municipality, *,
                 now: datetime, offices: Offices, base_url: str) -> ReissueForm:
    office = offices.office(town.prefecture, town.name)
    application_id = letter.application_id or ""
    return ReissueForm(
        holder_name=resident.full_name, holder_name_kana=resident.full_name_kana,
        postal_code=resident.postal_code, address=resident.full_address(town),
        notice_date=now.astimezone(JST).date(), what_to_do=REISSUE_STEPS,
        application_id=application_id,
        application_url=f"{base_url}/apply?application_id={application_id}",
        office_name=office.name, office_address=office.address, office_phone=office.phone,
        office_hours=office.hours, reference=f"L{letter.id:010d}")


def number_notice(letter: QueuedLetter, resident: Resident, town: Municipality, *,
                  now: datetime, offices: Offices) -> NumberNotice:
    office = offices.office(town.prefecture, town.name, town.code)
    return NumberNotice(
        holder_name=resident.name_as_shown, holder_name_kana=resident.full_name_kana,
        birth_date=resident.birth_date, individual_number=resident.individual_number or "",
        postal_code=resident.postal_code, address=resident.full_address(town),
        notice_date=now.astimezone(JST).date(), issuer=f"{town.prefecture}{town.name}長",
        office_name=office.name, office_address=office.address, office_phone=office.phone,
        reference=f"N{letter.id:010d}")


def deficiency_notice_in(uow: ReadsApplications, letter: QueuedLetter, resident: Resident,
                         town: Municipality, *, now: datetime, offices: Offices,
                         base_url: str) -> DeficiencyNotice:
    application = uow.applications.get(int(letter.details["application"]))
    reason = application.deficiency_reason or DeficiencyReason.MISSING_INFORMATION
    office = offices.office(town.prefecture, town.name, town.code)
    return DeficiencyNotice(
        holder_name=resident.full_name, holder_name_kana=resident.full_name_kana,
        postal_code=resident.postal_code, address=resident.full_address(town),
        notice_date=now.astimezone(JST).date(), reason=DEFICIENCY_REASONS[reason],
        message=application.deficiency_message or "",
        what_to_do=(DEFICIENCY_STEPS[reason], *REAPPLY),
        application_id=application.application_id,
        application_url=f"{base_url}/apply?application_id={application.application_id}",
        office_name=office.name, office_address=office.address, office_phone=office.phone,
        office_hours=office.hours, reference=f"L{letter.id:010d}")
