"""The expiry job, CRL publication and the validity-notice job on in-memory fakes
(tests/job_fakes.py); their SQL is tested in tests/integration/ (test_renewal.py,
test_certificates.py, test_validity_notices.py)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from job_fakes import (
    CrlFakeUnit,
    ExpiryFakeUnit,
    FakeCohorts,
    FakeExpiryLedger,
    ValidityNoticesFakeUnit,
)
from mynumbercard.domain.card import Card
from mynumbercard.domain.certificate import JST, Certificate, CertKind, RevocationReason
from mynumbercard.domain.errors import InvalidInput, PermissionDenied
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import crls, expiry, validity_notices
from mynumbercard.services.audit_actions import AuditAction
from mynumbercard.services.mail_ports import CohortCard, CohortCertificates, LetterKind
from mynumbercard.services.pki_ports import Revoked

AGENCY = Actor("agency", Role.OPERATOR)
CLERK = Actor("clerk", Role.CLERK, "13101")
NOW = datetime(2026, 12, 21, 1, tzinfo=UTC)


class FakeCa:
    """What the jobs ask of the CA, as readable bytes."""

    crl_shards = 2

    def shard_of(self, serial: int) -> int:
        return serial % self.crl_shards

    def ocsp_unauthorized(self) -> bytes:
        return b"unauthorized"

    def ocsp_good(self, **_: Any) -> bytes:
        return b"good"

    def crl(self, *, kind: CertKind, shard: int, entries: Any, number: int,
            this_update: datetime, next_update: datetime, delta_base: int | None) -> bytes:
        serials = ",".join(str(e.serial) for e in entries)
        return f"{kind.value}/{shard} #{number} base={delta_base} [{serials}]".encode()

    def crl_name(self, kind: CertKind, shard: int, *, delta: bool) -> str:
        return f"{kind.value}/{shard}{'-delta' if delta else ''}.crl"


class Sink:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def publish(self, name: str, der: bytes) -> str:
        self.files[name] = der
        return name


def _card(card_id: int, expires_on: date) -> Card:
    return Card(card_id, f"C{card_id:011d}", card_id, date(2016, 12, 20), expires_on)


def _certificate(cert_id: int, last_day: date) -> Certificate:
    end = datetime.combine(last_day, datetime.max.time(), JST).replace(microsecond=0)
    return Certificate(cert_id, CertKind.AUTH, 1000 + cert_id, cert_id, end - timedelta(
        days=5 * 365), end)


def test_expiry_records_each_passage_once_and_writes_the_final_ocsp_answer() -> None:
    ledger = FakeExpiryLedger(
        cards=[_card(1, date(2026, 12, 20)), _card(2, date(2026, 12, 21)),
               _card(3, date(2026, 12, 19))],
        certificates=[_certificate(7, date(2026, 12, 20)), _certificate(8, date(2027, 1, 5))])
    uow = ExpiryFakeUnit(ledger)
    run = expiry.expire(uow, FakeCa, actor=AGENCY, on=date(2026, 12, 21), now=NOW)
    assert (run.cards, run.certificates) == (1, 1)
    assert ledger.passages == {("card", 1): date(2026, 12, 21),
                               ("certificate", 7): date(2026, 12, 21)}
    assert uow.ocsp.answers == {(CertKind.AUTH, 1007): b"unauthorized"}
    assert [r.action for r in uow.audit.records] == [AuditAction.CARD_EXPIRE,
                                                     AuditAction.CERTIFICATE_EXPIRE]
    again = expiry.expire(uow, FakeCa, actor=AGENCY, on=date(2026, 12, 21), now=NOW)
    assert (again.cards, again.certificates, len(uow.audit.records)) == (0, 0, 2)
    caught_up = expiry.expire(uow, FakeCa, actor=AGENCY, on=date(2026, 12, 21),
                              since=date(2026, 12, 20), now=NOW)  # a missed day
    assert (caught_up.first, caught_up.cards) == (date(2026, 12, 20), 1)
    assert ("card", 3) in ledger.passages


def test_expiry_is_the_agencys_and_not_for_a_day_to_come() -> None:
    uow = ExpiryFakeUnit(FakeExpiryLedger())
    with pytest.raises(PermissionDenied):
        expiry.expire(uow, FakeCa, actor=CLERK, on=date(2026, 12, 21), now=NOW)
    with pytest.raises(InvalidInput, match="has not come yet"):
        expiry.expire(uow, FakeCa, actor=AGENCY, on=date(2026, 12, 22), now=NOW)
    with pytest.raises(InvalidInput, match="after --on"):
        expiry.expire(uow, FakeCa, actor=AGENCY, on=date(2026, 12, 20),
                      since=date(2026, 12, 21), now=NOW)
    assert uow.commits == 0


def test_crls_full_then_delta_share_one_increasing_number_per_shard() -> None:
    uow, sink = CrlFakeUnit(), Sink()
    hold = Revoked(1002, NOW - timedelta(hours=2), RevocationReason.CERTIFICATE_HOLD)
    uow.certificates.entries[(CertKind.SIGN, 0)] = [hold]
    full = crls.publish_crls(uow, FakeCa(), sink, now=NOW)
    assert full == ["sign/0.crl", "sign/1.crl", "auth/0.crl", "auth/1.crl"]
    assert sink.files["sign/0.crl"] == b"sign/0 #1 base=None [1002]"
    later = Revoked(1004, NOW + timedelta(minutes=30), RevocationReason.KEY_COMPROMISE)
    uow.certificates.entries[(CertKind.SIGN, 0)].append(later)
    deltas = crls.publish_crls(uow, FakeCa(), sink, now=NOW + timedelta(hours=1), delta=True)
    assert deltas[0] == "sign/0-delta.crl"
    assert sink.files["sign/0-delta.crl"] == b"sign/0 #2 base=1 [1004]"  # since the base
    assert uow.crl_numbers.get(CertKind.SIGN, 0) is not None
    assert uow.crl_numbers.states[(CertKind.SIGN, 0)].number == 2
    assert uow.commits == 8  # one per CRL: a number may be skipped, never used twice


def test_a_delta_asked_for_a_shard_without_a_full_crl_is_a_full_one() -> None:
    uow, sink = CrlFakeUnit(), Sink()
    published = crls.publish_crls(uow, FakeCa(), sink, now=NOW, delta=True)
    assert all(not name.endswith("-delta.crl") for name in published)


def test_validity_notices_queue_a_letter_and_a_renewal_form_once_per_card() -> None:
    on = date(2026, 12, 1)  # the window of cards expiring on 2027-03-01 opens
    expires = date(2027, 3, 1)
    cohorts = FakeCohorts(
        cards=[CohortCard(1, 11, "13101", expires, open_application=False),
               CohortCard(2, 12, "13101", expires, open_application=True)],
        certificates=[CohortCertificates(3, 13, "13102", expires, ("sign", "auth"),
                                         card_expires_on=date(2031, 5, 1)),
                      CohortCertificates(1, 11, "13101", expires, ("auth",),
                                         card_expires_on=expires)])
    uow = ValidityNoticesFakeUnit(cohorts)
    queued = validity_notices.queue_validity_notices(
        uow, actor=AGENCY, on=on, now=NOW, rng=random.Random(1), catch_up_days=0)
    assert (queued.days, queued.card_letters, queued.certificate_letters) == (
        ["2026-12-01"], 2, 1)  # card 1's certificates go with its card's letter
    letters = uow.mail.queued
    assert {x.kind for x in letters.values()} == {LetterKind.VALIDITY_CARD,
                                                  LetterKind.VALIDITY_CERTIFICATES}
    forms = {f.resident_id: f for f in uow.applications.forms.values()}
    assert set(forms) == {11}  # who applied already gets no new form
    assert letters[f"validity_card:1:{expires}"].application_id == forms[11].application_id
    again = validity_notices.queue_validity_notices(
        uow, actor=AGENCY, on=on, now=NOW, rng=random.Random(2), catch_up_days=0)
    assert (again.days, again.card_letters, len(uow.applications.forms)) == ([], 0, 1)


def test_a_day_nobody_ran_is_caught_up_and_the_job_is_the_agencys() -> None:
    cohorts = FakeCohorts(cards=[CohortCard(1, 11, "13101", date(2027, 2, 27), False)])
    uow = ValidityNoticesFakeUnit(cohorts)
    with pytest.raises(PermissionDenied):
        validity_notices.queue_validity_notices(uow, actor=CLERK, on=date(2026, 11, 28),
                                                now=NOW)
    queued = validity_notices.queue_validity_notices(
        uow, actor=AGENCY, on=date(2026, 11, 28), now=NOW, catch_up_days=2)
    # The 27th was missed: its cohort is queued by the run of the 28th (days with
    # nothing to do are not listed).
    assert (queued.days, queued.card_letters) == (["2026-11-27"], 1)
