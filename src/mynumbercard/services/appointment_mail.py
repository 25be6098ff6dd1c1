"""The e-mail a booked resident gets, where they gave an address: a reminder the day
before, and word that the office's closing cancelled the booking, with the link to choose
another time (the booking page shows the quietest free slots first).

Queued in the outbox (`services/email.py` sends it), one per key: a reminder per booking
and slot (a booking moved to another day gets its own), a cancellation per booking. A
message names the office, the day and the time, never the resident.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from mynumbercard.domain.appointments import Appointment, AppointmentStatus
from mynumbercard.domain.certificate import JST
from mynumbercard.domain.offices import Office
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.email_notices import SITE, QueuesEmail, message_body
from mynumbercard.services.email_ports import Email
from mynumbercard.services.office_ports import AppointmentRepository, OfficeRepository
from mynumbercard.services.ports import AuditLog, AuditRecord

MAX_REMINDERS = 20_000  # bookings of one office on one day, far above any counter's day
_WEEKDAYS_JA = "月火水木金土日"


class RemindersUnit(QueuesEmail, Protocol):
    """What the day-before reminders read and write."""

    @property
    def offices(self) -> OfficeRepository: ...
    @property
    def appointments(self) -> AppointmentRepository: ...
    @property
    def audit(self) -> AuditLog: ...
    def commit(self) -> None: ...
    def __enter__(self) -> RemindersUnit: ...
    def __exit__(self, *exc: object) -> None: ...


def _when(booking: Appointment) -> tuple[str, str]:
    local = booking.starts_at.astimezone(JST)
    return (f"{local:%Y年%m月%d日}（{_WEEKDAYS_JA[local.weekday()]}）{local:%H:%M}",
            f"{local:%A %d %B %Y}, {local:%H:%M}")


def reminder(booking: Appointment, office: Office) -> Email | None:
    """The reminder of a booking, or None where no address was given."""
    if booking.email is None:
        return None
    ja, en = _when(booking)
    return Email(
        key=f"appointment:{booking.id}:reminder:{booking.starts_at.isoformat()}",
        recipient=booking.email,
        subject="明日の窓口のご予約 / Your visit to the counter tomorrow",
        body=message_body(
            f"{office.name}（{office.address}）のご予約は {ja} です。"
            f"予約番号 {booking.reference}。本人確認書類をお持ちください。"
            f"変更・取消: {SITE}/appointments?office={office.code}",
            f"Your booking at {office.name} ({office.address}) is on {en}. Reference "
            f"{booking.reference}. Bring an identity document. To change or cancel: "
            f"{SITE}/appointments?office={office.code}"))


def cancellation(booking: Appointment, office: Office) -> Email | None:
    """Word that the office's closing cancelled the booking, or None without address."""
    if booking.email is None:
        return None
    ja, en = _when(booking)
    link = f"{SITE}/appointments?office={office.code}"
    return Email(
        key=f"appointment:{booking.id}:office-closed",
        recipient=booking.email,
        subject="窓口のご予約が取り消されました / Your booking was cancelled",
        body=message_body(
            f"{office.name}の窓口が {ja} に開かないため、予約番号 {booking.reference} の"
            f"ご予約を取り消しました。申し訳ありません。別の日時をお選びください"
            f"（空いている時間から表示します）: {link}",
            f"{office.name} is not open on {en}, so booking {booking.reference} was "
            f"cancelled. We are sorry. Please choose another time (the quietest free "
            f"times are shown first): {link}"))


def tell_displaced_in(uow: QueuesEmail, office: Office, cancelled: Sequence[Appointment],
                      *, now: datetime) -> int:
    """Queue the cancellation of each booking the office's change cancelled; how many."""
    told = 0
    for booking in cancelled:
        message = cancellation(booking, office)
        if message is not None:
            told += uow.email.enqueue(message, now=now)
    return told


@dataclass(frozen=True, slots=True)
class Reminded:
    on: date
    bookings: int  # booked for that day, at every office
    queued: int  # reminders queued now (not those queued by an earlier run)


def remind(uow_factory: Callable[[], RemindersUnit], *, actor: Actor, on: date,
           now: datetime) -> Reminded:
    """Queue the reminders of the bookings of day `on` (run the day before, e.g. from
    cron; a second run the same day queues nothing twice)."""
    actor.require(Permission.PRODUCTION)
    start = datetime.combine(on, time(0), JST)
    bookings = queued = 0
    with uow_factory() as uow:
        for office in uow.offices.list():
            day = uow.appointments.between(office.code, start, start + timedelta(days=1),
                                           limit=MAX_REMINDERS)
            for booking in day:
                if booking.status is not AppointmentStatus.BOOKED:
                    continue
                bookings += 1
                message = reminder(booking, office)
                if message is not None:
                    queued += uow.email.enqueue(message, now=now)
        uow.audit.record(AuditRecord(now, actor.name, AuditAction.APPOINTMENT_REMIND,
                                     f"appointments:{on.isoformat()}",
                                     {"bookings": bookings, "queued": queued}))
        uow.commit()
    return Reminded(on, bookings, queued)
