"""Certificates on a real card file, a real CA and a real database (SQLite, PostgreSQL)."""

from __future__ import annotations

import subprocess
import threading
from datetime import date, timedelta
from pathlib import Path
from shutil import which

import pytest
from cryptography import x509
from cryptography.x509 import ocsp as x509_ocsp
from sqlalchemy import select

from mynumbercard.adapters.card_terminal import ChipTerminal
from mynumbercard.adapters.db.repositories import SqlUnitOfWork
from mynumbercard.adapters.db.tables import audit_log, certificate_events
from mynumbercard.bootstrap import Container
from mynumbercard.chip import Chip
from mynumbercard.domain.certificate import CertKind, LifeEvent, RevocationReason
from mynumbercard.domain.errors import Conflict, InvalidTransition, NotFound
from mynumbercard.domain.pins import PinKind, PinLocked, WrongPin
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import cards, certificates, crls, ocsp, register

CLERK = Actor("clerk-chiyoda", Role.CLERK, "13101")
OPERATOR = Actor("operator", Role.OPERATOR)
PASSWORD, PIN = "ABC123", "1234"


def _card(container: Container, tmp_path: Path, *, born: date = date(1990, 6, 1),
          name: str = "card") -> tuple[ChipTerminal, int]:
    now = container.clock()
    resident = register.register_resident(
        container.uow, actor=CLERK, now=now, family_name="山田", given_name="花子",
        family_name_kana="ヤマダ", given_name_kana="ハナコ", birth_date=born, sex=Sex.FEMALE,
        municipality_code="13101", postal_code="1000001", address="千代田1番1号",
        registered_on=born)
    management = container.management_key()
    chip = Chip.personalise(tmp_path / f"{name}.json", card_id=f"CARD-{name}",
                            management_public_key_pem=management.public_key_pem,
                            card_face={"name": "山田 花子", "address": "千代田1番1号",
                                       "birth_date": born.isoformat(), "sex": "female",
                                       "individual_number": resident.individual_number or ""})
    card = cards.register_card(container.uow, actor=CLERK, resident_id=resident.id or 0,
                               card_number=f"CARD-{name}", applied_on=date(2026, 11, 1),
                               issued_on=date(2026, 11, 20), now=now)
    terminal = ChipTerminal(chip, management)
    pins = {PinKind.USER_AUTH: PIN, PinKind.RESIDENT_REGISTER: PIN, PinKind.CARD_INFO: PIN}
    if born <= date(2011, 11, 25):
        pins[PinKind.SIGNATURE] = PASSWORD
    terminal.set_initial_pins(pins)
    return terminal, card.id or 0


def _status_in_ocsp(container: Container, kind: CertKind, serial: int) -> x509_ocsp.OCSPResponse:
    with SqlUnitOfWork(container.engine) as uow:
        der = uow.ocsp.get(kind=kind, serial=serial)
    assert der is not None
    return x509_ocsp.load_der_ocsp_response(der)


def test_both_certificates_go_onto_the_chip_and_chain_to_the_root(pki_container: Container,
                                                                    tmp_path: Path):
    terminal, card_id = _card(pki_container, tmp_path)
    issued = certificates.issue_certificates(pki_container.uow, pki_container.authority,
                                             terminal, actor=CLERK, now=pki_container.clock())
    assert [c.kind for c in issued] == [CertKind.SIGN, CertKind.AUTH]
    chip = Chip.open(tmp_path / "card.json")
    hierarchy = pki_container.authority.hierarchy
    for made in issued:
        on_chip = x509.load_pem_x509_certificate(
            chip.read_certificate(made.kind, PASSWORD if made.kind is CertKind.SIGN else None))
        assert on_chip.serial_number == made.serial
        on_chip.verify_directly_issued_by(hierarchy.issuing_certificate(made.kind))
        response = _status_in_ocsp(pki_container, made.kind, made.serial)
        assert response.certificate_status == x509_ocsp.OCSPCertStatus.GOOD
        assert response.serial_number == made.serial
    # Valid through the 5th birthday after issue (2026-11-25 → 2031-06-01), in Japan.
    assert issued[0].not_after.isoformat() == "2031-06-01T14:59:59+00:00"
    with pki_container.engine.connect() as conn:
        actions = conn.execute(select(audit_log.c.action)).scalars().all()
    assert actions.count("certificate:issue") == 2
    _ = card_id


def test_no_signature_certificate_under_15(pki_container: Container, tmp_path: Path):
    terminal, _ = _card(pki_container, tmp_path, born=date(2015, 3, 3))
    issued = certificates.issue_certificates(pki_container.uow, pki_container.authority,
                                             terminal, actor=CLERK, now=pki_container.clock())
    assert [c.kind for c in issued] == [CertKind.AUTH]


def test_reissue_supersedes_the_old_certificates(pki_container: Container, tmp_path: Path):
    terminal, _ = _card(pki_container, tmp_path)
    first = certificates.issue_certificates(pki_container.uow, pki_container.authority,
                                            terminal, actor=CLERK, now=pki_container.clock())
    pki_container.clock.now += timedelta(days=1)  # type: ignore[attr-defined]
    certificates.issue_certificates(pki_container.uow, pki_container.authority, terminal,
                                    actor=CLERK, now=pki_container.clock())
    for old in first:
        status = certificates.certificate_status(pki_container.uow, serial=old.serial,
                                                 now=pki_container.clock())
        assert (status.status, status.reason) == ("revoked", "superseded")


@pytest.mark.parametrize(("event", "expected"), [
    (LifeEvent.PERSONAL_DATA_CHANGED, {"sign": "revoked", "auth": "active"}),
    (LifeEvent.CARD_LOST, {"sign": "suspended", "auth": "suspended"}),
    (LifeEvent.DEATH, {"sign": "revoked", "auth": "revoked"}),
    (LifeEvent.CARD_RETURNED, {"sign": "revoked", "auth": "revoked"}),
])
def test_life_events_follow_the_rules(pki_container: Container, tmp_path: Path,
                                      event: LifeEvent, expected: dict[str, str]):
    terminal, card_id = _card(pki_container, tmp_path)
    issued = certificates.issue_certificates(pki_container.uow, pki_container.authority,
                                             terminal, actor=CLERK, now=pki_container.clock())
    certificates.apply_life_event(pki_container.uow, pki_container.authority, actor=OPERATOR,
                                  card_id=card_id, event=event, now=pki_container.clock())
    for made in issued:
        status = certificates.certificate_status(pki_container.uow, serial=made.serial,
                                                 now=pki_container.clock())
        assert status.status == expected[made.kind.value]
        response = _status_in_ocsp(pki_container, made.kind, made.serial)
        wanted = (x509_ocsp.OCSPCertStatus.GOOD if expected[made.kind.value] == "active"
                  else x509_ocsp.OCSPCertStatus.REVOKED)
        assert response.certificate_status == wanted
    if event is LifeEvent.CARD_LOST:  # found again: revoke both (and re-issue)
        certificates.apply_life_event(pki_container.uow, pki_container.authority,
                                      actor=OPERATOR, card_id=card_id,
                                      event=LifeEvent.CARD_FOUND, now=pki_container.clock())
        response = _status_in_ocsp(pki_container, CertKind.AUTH, issued[1].serial)
        assert response.revocation_reason == x509.ReasonFlags.superseded


def test_revocation_is_final_and_shows_in_ocsp_with_its_reason(pki_container: Container,
                                                                tmp_path: Path):
    terminal, _ = _card(pki_container, tmp_path)
    sign, _auth = certificates.issue_certificates(pki_container.uow, pki_container.authority,
                                                  terminal, actor=CLERK,
                                                  now=pki_container.clock())
    certificates.change_status(pki_container.uow, pki_container.authority, actor=OPERATOR,
                               serial=sign.serial, reason=RevocationReason.KEY_COMPROMISE,
                               now=pki_container.clock())
    response = _status_in_ocsp(pki_container, CertKind.SIGN, sign.serial)
    assert response.revocation_reason == x509.ReasonFlags.key_compromise
    with pytest.raises(InvalidTransition):
        certificates.change_status(pki_container.uow, pki_container.authority, actor=OPERATOR,
                                   serial=sign.serial,
                                   reason=RevocationReason.CERTIFICATE_HOLD,
                                   now=pki_container.clock())
    with pytest.raises(NotFound):
        certificates.certificate_status(pki_container.uow, serial=0xDEAD,
                                        now=pki_container.clock())
    with pki_container.engine.connect() as conn:
        kinds = conn.execute(select(certificate_events.c.kind)).scalars().all()
    assert sorted(kinds) == ["issued", "issued", "revoked"]


def test_two_operators_revoking_at_once_exactly_one_wins(pki_container: Container,
                                                          tmp_path: Path):
    terminal, _ = _card(pki_container, tmp_path)
    sign, _ = certificates.issue_certificates(pki_container.uow, pki_container.authority,
                                              terminal, actor=CLERK, now=pki_container.clock())
    outcomes: list[str] = []
    barrier = threading.Barrier(2, timeout=10)
    postgres = pki_container.engine.dialect.name == "postgresql"

    def revoke(reason: RevocationReason) -> None:
        try:
            with SqlUnitOfWork(pki_container.engine) as uow:
                (certificate,) = uow.certificates.find(sign.serial)
                if postgres:
                    barrier.wait()
                certificate.revoke(reason=reason, at=pki_container.clock())
                uow.certificates.save(certificate, actor="op", now=pki_container.clock())
                uow.commit()
                outcomes.append("revoked")
        except (Conflict, InvalidTransition) as refused:
            outcomes.append(type(refused).__name__)

    threads = [threading.Thread(target=revoke, args=(reason,)) for reason in
               (RevocationReason.KEY_COMPROMISE, RevocationReason.AFFILIATION_CHANGED)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("revoked") == 1
    assert len(outcomes) == 2


def test_crls_full_and_delta_list_exactly_the_revoked(pki_container: Container, tmp_path: Path):
    terminal, card_id = _card(pki_container, tmp_path)
    sign, auth = certificates.issue_certificates(pki_container.uow, pki_container.authority,
                                                 terminal, actor=CLERK,
                                                 now=pki_container.clock())
    certificates.change_status(pki_container.uow, pki_container.authority, actor=OPERATOR,
                               serial=sign.serial, reason=RevocationReason.KEY_COMPROMISE,
                               now=pki_container.clock())
    full = crls.publish_crls(pki_container.uow, pki_container.authority, pki_container.crl_sink,
                             now=pki_container.clock())
    assert len(full) == 2 * 4
    pki_container.clock.now += timedelta(hours=1)  # type: ignore[attr-defined]
    certificates.apply_life_event(pki_container.uow, pki_container.authority, actor=OPERATOR,
                                  card_id=card_id, event=LifeEvent.CARD_LOST,
                                  now=pki_container.clock())
    pki_container.clock.now += timedelta(hours=1)  # type: ignore[attr-defined]
    deltas = crls.publish_crls(pki_container.uow, pki_container.authority,
                               pki_container.crl_sink, now=pki_container.clock(), delta=True)
    assert all(path.endswith("-delta.crl") for path in deltas)
    hierarchy = pki_container.authority.hierarchy
    shards = hierarchy.crl_shards
    sign_full = x509.load_der_x509_crl(Path(full[sign.serial % shards]).read_bytes())
    assert [r.serial_number for r in sign_full] == [sign.serial]
    auth_delta = x509.load_der_x509_crl(Path(deltas[shards + auth.serial % shards]).read_bytes())
    assert [r.serial_number for r in auth_delta] == [auth.serial]
    entry = auth_delta.get_revoked_certificate_by_serial_number(auth.serial)
    assert entry is not None
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason \
        == x509.ReasonFlags.certificate_hold
    sign_delta = x509.load_der_x509_crl(Path(deltas[sign.serial % shards]).read_bytes())
    assert list(sign_delta) == []  # revoked before the base: only in the full CRL
    delta_number = sign_delta.extensions.get_extension_for_class(x509.CRLNumber).value
    base_number = sign_delta.extensions.get_extension_for_class(x509.DeltaCRLIndicator).value
    assert delta_number.crl_number > base_number.crl_number
    if not _have_openssl():
        pytest.skip("the openssl binary is not installed")
    exported = tmp_path / "export"
    hierarchy.export(exported)
    for kind, paths in (("sign", full[:shards]), ("auth", deltas[shards:])):
        chain = tmp_path / f"{kind}-chain.pem"
        chain.write_bytes((exported / "root.pem").read_bytes()
                          + (exported / f"{kind}-ca.pem").read_bytes())
        for path in paths:
            result = subprocess.run(
                ["openssl", "crl", "-in", path, "-inform", "DER", "-CAfile", str(chain),
                 "-verify", "-noout"], capture_output=True, text=True, check=False)
            assert "verify OK" in result.stderr + result.stdout, result.stderr


def _have_openssl() -> bool:
    return which("openssl") is not None


def test_ocsp_refresh_re_signs_responses_before_they_go_stale(pki_container: Container,
                                                               tmp_path: Path):
    terminal, _ = _card(pki_container, tmp_path)
    issued = certificates.issue_certificates(pki_container.uow, pki_container.authority,
                                             terminal, actor=CLERK, now=pki_container.clock())
    assert ocsp.refresh_responses(pki_container.uow, pki_container.authority,
                                  now=pki_container.clock()) == 0
    pki_container.clock.now += timedelta(days=3, hours=1)  # type: ignore[attr-defined]
    assert ocsp.refresh_responses(pki_container.uow, pki_container.authority,
                                  now=pki_container.clock(), chunk_rows=1) == 2
    response = _status_in_ocsp(pki_container, CertKind.AUTH, issued[1].serial)
    assert response.this_update_utc == pki_container.clock().replace(microsecond=0)


def test_unlock_resets_a_locked_pin_and_is_audited(pki_container: Container, tmp_path: Path):
    terminal, _ = _card(pki_container, tmp_path)
    chip = Chip.open(tmp_path / "card.json")
    for _ in range(3):
        with pytest.raises((WrongPin, PinLocked)):
            chip.verify_pin(PinKind.USER_AUTH, "9999")
    with pytest.raises(PinLocked):
        chip.verify_pin(PinKind.USER_AUTH, PIN)
    other_town = Actor("clerk-minato", Role.CLERK, "13103")
    with pytest.raises(NotFound):  # another town's card: as if it were not there
        cards.unlock_pin(pki_container.uow, terminal, actor=other_town, kind=CertKind.AUTH,
                         new_pin="4321", now=pki_container.clock())
    cards.unlock_pin(pki_container.uow, terminal, actor=CLERK, kind=CertKind.AUTH,
                     new_pin="4321", now=pki_container.clock())
    chip.verify_pin(PinKind.USER_AUTH, "4321")
    with pki_container.engine.connect() as conn:
        assert "pin:unlock" in conn.execute(select(audit_log.c.action)).scalars().all()


def test_a_move_revokes_the_signature_certificate_and_a_death_both(pki_container: Container,
                                                                    tmp_path: Path):
    terminal, card_id = _card(pki_container, tmp_path)
    sign, auth = certificates.issue_certificates(pki_container.uow, pki_container.authority,
                                                 terminal, actor=CLERK,
                                                 now=pki_container.clock())
    with SqlUnitOfWork(pki_container.engine) as uow:
        resident_id = uow.cards.get(card_id).resident_id
    register.move_resident(pki_container.uow, actor=CLERK, resident_id=resident_id,
                           to_municipality="13101", postal_code="1000002",
                           address="千代田2番2号", moved_on=date(2026, 11, 24),
                           now=pki_container.clock(), ca=lambda: pki_container.authority)

    def status(serial: int) -> tuple[object, object]:
        answer = certificates.certificate_status(pki_container.uow, serial=serial,
                                                 now=pki_container.clock())
        return answer.status, answer.reason

    assert status(sign.serial) == ("revoked", "affiliationChanged")
    assert status(auth.serial) == ("active", None)
    register.record_death(pki_container.uow, actor=CLERK, resident_id=resident_id,
                          died_on=date(2026, 11, 25), now=pki_container.clock(),
                          ca=lambda: pki_container.authority)
    assert status(auth.serial) == ("revoked", "cessationOfOperation")
    response = _status_in_ocsp(pki_container, CertKind.AUTH, auth.serial)
    assert response.certificate_status == x509_ocsp.OCSPCertStatus.REVOKED


def test_a_death_without_a_ca_is_refused_when_certificates_exist(pki_container: Container,
                                                                  tmp_path: Path):
    terminal, card_id = _card(pki_container, tmp_path)
    certificates.issue_certificates(pki_container.uow, pki_container.authority, terminal,
                                    actor=CLERK, now=pki_container.clock())
    with SqlUnitOfWork(pki_container.engine) as uow:
        resident_id = uow.cards.get(card_id).resident_id
    with pytest.raises(Conflict):
        register.record_death(pki_container.uow, actor=CLERK, resident_id=resident_id,
                              died_on=date(2026, 11, 25), now=pki_container.clock())
    with SqlUnitOfWork(pki_container.engine) as uow:
        assert uow.residents.get(resident_id).status.value == "active"  # nothing changed
