"""The validity-notice job and the outgoing mail, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from mynumbercard.adapters.db.tables import (
    application_forms,
    outgoing_mail,
)
from mynumbercard.adapters.documents import PdfLetterPrinter
from mynumbercard.adapters.letter_files import LetterDirectory
from mynumbercard.bootstrap import Container
from mynumbercard.domain.errors import Conflict
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.domain.validity import notice_window
from mynumbercard.services import mail, validity_notices

from cohorts import NOW, cards_expiring, certificate_expiring

AGENCY = Actor("agency", Role.ADMIN)


def _letters(container: Container) -> list[tuple[str, str, str | None]]:
    with container.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(
            outgoing_mail.c.letter_key, outgoing_mail.c.status,
            outgoing_mail.c.application_id).order_by(outgoing_mail.c.id))]


def test_a_days_cohort_is_queued_once_with_a_renewal_form_each(container: Container) -> None:
    expiry = date(2027, 2, 25)  # its window opens 2026-11-25
    day = notice_window(expiry)[0]
    ids = cards_expiring(container, [expiry] * 5 + [expiry + timedelta(days=1)])
    queued = validity_notices.queue_validity_notices(container.uow, actor=AGENCY, on=day,
                                                     now=NOW, rng=random.Random(1))
    assert queued.card_letters == 5
    letters = _letters(container)
    assert [key for key, _, _ in letters] == [f"validity_card:{i}:{expiry}" for i in ids[:5]]
    with container.engine.connect() as conn:
        live = set(conn.execute(select(application_forms.c.application_id)
                                .where(application_forms.c.dead_at.is_(None))).scalars())
    assert {application_id for _, _, application_id in letters} <= live
    again = validity_notices.queue_validity_notices(container.uow, actor=AGENCY, on=day,
                                                    now=NOW)
    assert (again.card_letters, len(_letters(container))) == (0, 5)


def test_a_day_nobody_ran_is_caught_up_by_the_next_run(container: Container) -> None:
    first, second = date(2027, 2, 24), date(2027, 2, 25)
    cards_expiring(container, [first, second])
    queued = validity_notices.queue_validity_notices(container.uow, actor=AGENCY,
                                                     on=notice_window(second)[0], now=NOW)
    assert queued.days == [notice_window(first)[0].isoformat(),
                           notice_window(second)[0].isoformat()]
    assert queued.card_letters == 2


def test_certificates_get_their_own_letter_unless_they_expire_with_the_card(
        container: Container) -> None:
    card_expiry = date(2031, 6, 1)
    own, shared = cards_expiring(container, [card_expiry, date(2027, 2, 25)])
    certificate_expiring(container, own, date(2027, 2, 25))  # 5 years, before the card
    certificate_expiring(container, shared, date(2027, 2, 25))  # with the card
    queued = validity_notices.queue_validity_notices(container.uow, actor=AGENCY,
                                                     on=date(2026, 11, 25), now=NOW)
    assert (queued.card_letters, queued.certificate_letters) == (1, 1)
    keys = {key for key, _, _ in _letters(container)}
    assert keys == {f"validity_card:{shared}:2027-02-25",
                    f"validity_certificates:{own}:2027-02-25"}


def test_suspended_mail_queues_and_resumed_mail_sends_the_backlog_oldest_first_once(
        container: Container, tmp_path: Path) -> None:
    expiries = [date(2027, 2, 25), date(2027, 2, 20), date(2027, 2, 22)]
    cards_expiring(container, expiries)
    mail.suspend(container.uow, actor=AGENCY, reason="state of emergency", now=NOW)
    with pytest.raises(Conflict, match="suspended already"):
        mail.suspend(container.uow, actor=AGENCY, reason="again", now=NOW)
    validity_notices.queue_validity_notices(container.uow, actor=AGENCY,
                                            on=date(2026, 11, 25), now=NOW)
    printer, sink = PdfLetterPrinter(), LetterDirectory(tmp_path)
    held = mail.dispatch(container.uow, printer, sink, actor=AGENCY, now=NOW,
                         base_url="https://example.jp")
    assert held.suspended
    assert held.letters == 0
    assert mail.status(container.uow).queued == 3
    assert mail.status(container.uow).oldest_queued_due_on == date(2027, 2, 20)
    mail.resume(container.uow, actor=AGENCY, now=NOW)
    sent = mail.dispatch(container.uow, printer, sink, actor=AGENCY, now=NOW,
                         base_url="https://example.jp", chunk_rows=2)
    assert sent.letters == 3
    assert len(sent.files) == 2
    first_file = PdfReader(sent.files[0])
    assert "2027年2月20日" in first_file.pages[1].extract_text()  # the oldest expiry first
    assert {s for _, s, _ in _letters(container)} == {"sent"}
    again = mail.dispatch(container.uow, printer, sink, actor=AGENCY, now=NOW,
                          base_url="https://example.jp")
    assert again.letters == 0


def test_a_batch_left_printing_by_a_stopped_run_is_printed_again_under_its_name(
        container: Container, tmp_path: Path) -> None:
    cards_expiring(container, [date(2027, 2, 25)] * 2)
    validity_notices.queue_validity_notices(container.uow, actor=AGENCY,
                                            on=date(2026, 11, 25), now=NOW)
    with container.engine.begin() as conn:  # as if a run died after marking its batch
        conn.execute(update(outgoing_mail).values(status="printing", batch="mail-x.pdf"))
    sent = mail.dispatch(container.uow, PdfLetterPrinter(), LetterDirectory(tmp_path),
                         actor=AGENCY, now=NOW, base_url="https://example.jp")
    assert [Path(f).name for f in sent.files] == ["mail-x.pdf"]
    assert sent.letters == 2
