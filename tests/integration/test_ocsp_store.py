"""The OCSP answer store (LMDB) and the job that answers every certificate, on a real CA
and a real database (SQLite, PostgreSQL): a register generated in bulk, its answers
produced, the store built, followed and distrusted when it should be."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import lmdb
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp as x509_ocsp
from cryptography.x509.oid import NameOID
from sqlalchemy import func, select

from mynumbercard.adapters.db.ocsp_reader import OcspFeed
from mynumbercard.adapters.db.repositories import SqlUnitOfWork
from mynumbercard.adapters.db.tables import certificates as certificates_table
from mynumbercard.adapters.db.tables import ocsp_changes
from mynumbercard.adapters.ocsp_answers import AnswerStore
from mynumbercard.adapters.ocsp_follow import STALE_AFTER, AnswerFollower, build_from_database
from mynumbercard.adapters.pki import ocsp_request
from mynumbercard.bootstrap import Container
from mynumbercard.domain.certificate import CertKind, RevocationReason
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.generators.bulk import generate_register
from mynumbercard.services import certificates, ocsp
from mynumbercard.web.ocsp import MALFORMED, UNAUTHORIZED, Answer, OcspResponder, Query

OPERATOR = Actor("operator", Role.OPERATOR)
S = x509_ocsp.OCSPCertStatus


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def register(pki_container: Container) -> Iterator[Container]:
    """Sixty synthetic residents with their card histories, no answer produced yet."""
    generate_register(pki_container.engine, count=60, seed=7, today=date(2026, 11, 25),
                      now=pki_container.clock(), with_cards=True, crl_shards=4)
    yield pki_container
    follower = pki_container.__dict__.get("ocsp_answers")
    if follower is not None:
        follower.stop()


def _alive(container: Container) -> list[tuple[CertKind, int]]:
    with container.engine.connect() as conn:
        rows = conn.execute(select(certificates_table.c.kind, certificates_table.c.serial)
                            .where(certificates_table.c.not_after > container.clock())
                            .order_by(certificates_table.c.id))
        return [(CertKind(kind), int(serial, 16)) for kind, serial in rows]


def _issuer(container: Container, kind: CertKind) -> x509.Certificate:
    return container.authority.hierarchy.issuing_certificate(kind)


def _request(container: Container, kind: CertKind, serial: int,
             algorithm: hashes.HashAlgorithm | None = None) -> bytes:
    return ocsp_request(_issuer(container, kind), serial, algorithm)


def _status(answer: Answer) -> x509_ocsp.OCSPCertStatus:
    response = x509_ocsp.load_der_ocsp_response(answer.payload)
    assert response.response_status is x509_ocsp.OCSPResponseStatus.SUCCESSFUL
    return response.certificate_status


def _produce(container: Container) -> int:
    return ocsp.produce_missing(container.uow, container.authority, actor=OPERATOR,
                                now=container.clock(), chunk_rows=7)


def _built(container: Container) -> OcspResponder:
    """Every answer produced, the store built, a responder that follows it."""
    _produce(container)
    _build(container, container.settings.ocsp_store_directory)
    container.__dict__["ocsp_answers"] = AnswerFollower(
        container.settings.ocsp_store_directory, OcspFeed(container.engine),
        _prefixes(container), clock=Ticks())
    responder = OcspResponder(container, follow=False)
    responder.follow()
    container.ocsp_answers.stop()  # the test reads the feed itself (sync_once)
    container.ocsp_answers.sync_once()
    return responder


def _prefixes(container: Container) -> dict[CertKind, bytes]:
    return {kind: container.authority.hierarchy.issuer_key_hash(kind) for kind in CertKind}


def _build(container: Container, directory: Path) -> dict[str, int]:
    return build_from_database(directory, OcspFeed(container.engine), _prefixes(container))


def _other_ca() -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Another CA")])
    now = datetime.now(UTC)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1).not_valid_before(now)
            .not_valid_after(now + timedelta(days=1)).sign(key, hashes.SHA256()))


def _answer(responder: OcspResponder, der: bytes | None) -> Answer:
    found = responder.at_once(der)
    return responder.look_up(found) if isinstance(found, Query) else found


def test_the_bulk_job_answers_every_unexpired_certificate_once(register: Container) -> None:
    alive = _alive(register)
    assert alive
    responder = OcspResponder(register, follow=False)  # no store: the database answers
    unknown = _status(_answer(responder, _request(register, *alive[0])))
    assert unknown is x509_ocsp.OCSPCertStatus.UNKNOWN  # the symptom
    assert _produce(register) == len(alive)
    assert _produce(register) == 0  # the same run: every chunk done
    for kind, serial in alive:
        assert _status(_answer(responder, _request(register, kind, serial))) in (
            x509_ocsp.OCSPCertStatus.GOOD, x509_ocsp.OCSPCertStatus.REVOKED)


def test_the_store_answers_without_the_database_and_a_revocation_at_once(
        register: Container) -> None:
    responder = _built(register)
    kind, serial = _alive(register)[0]
    request = _request(register, kind, serial)
    found = responder.at_once(request)
    assert isinstance(found, Answer)  # from the store, on the event loop: no look-up
    assert _status(found) is x509_ocsp.OCSPCertStatus.GOOD
    headers = dict(found.headers)
    assert headers[b"cache-control"].startswith(b"max-age=")
    assert headers[b"etag"].startswith(b'"')
    assert b"last-modified" in headers

    certificates.change_status(register.uow, register.authority, actor=OPERATOR,
                               serial=serial, kind=kind,
                               reason=RevocationReason.KEY_COMPROMISE, now=register.clock())
    revoked = responder.at_once(request)  # written into the store after the commit
    assert isinstance(revoked, Answer)
    assert _status(revoked) is x509_ocsp.OCSPCertStatus.REVOKED


def test_another_machine_follows_the_change_feed(register: Container, tmp_path: Path) -> None:
    _built(register)
    elsewhere = tmp_path / "elsewhere"
    _build(register, elsewhere)  # another machine's copy, built before the change
    follower = AnswerFollower(elsewhere, OcspFeed(register.engine), _prefixes(register),
                              clock=Ticks())
    follower.sync_once()
    kind, serial = _alive(register)[1]
    # The change is committed by a process that does not write `elsewhere`.
    certificates.change_status(lambda: SqlUnitOfWork(register.engine), register.authority,
                               actor=OPERATOR, serial=serial, kind=kind,
                               reason=RevocationReason.KEY_COMPROMISE, now=register.clock())
    store = follower.usable
    assert store is not None
    prefix = _prefixes(register)[kind]
    before = store.get(prefix, serial)
    assert before is not None
    assert x509_ocsp.load_der_ocsp_response(before.der).certificate_status is S.GOOD
    assert follower.sync_once() >= 1
    after = store.get(prefix, serial)
    assert after is not None
    assert x509_ocsp.load_der_ocsp_response(after.der).certificate_status is S.REVOKED
    assert follower.status()["state"] == "ok"


def test_a_stale_store_is_not_trusted(register: Container) -> None:
    responder = _built(register)
    kind, serial = _alive(register)[2]
    # Revoked by a process that does not write this machine's store, and the follower
    # stopped reading the feed: the store still says good.
    certificates.change_status(lambda: SqlUnitOfWork(register.engine), register.authority,
                               actor=OPERATOR, serial=serial, kind=kind,
                               reason=RevocationReason.KEY_COMPROMISE, now=register.clock())
    follower = register.ocsp_answers
    follower._clock.now += STALE_AFTER + 1  # type: ignore[attr-defined]
    assert follower.usable is None
    assert follower.status()["state"] == "stale"
    found = responder.at_once(_request(register, kind, serial))
    assert isinstance(found, Query)  # to the database
    assert _status(responder.look_up(found)) is x509_ocsp.OCSPCertStatus.REVOKED


def test_a_missing_or_half_written_store_is_said_and_the_database_answers(
        register: Container) -> None:
    _produce(register)
    kind, serial = _alive(register)[3]
    certificates.change_status(register.uow, register.authority, actor=OPERATOR,
                               serial=serial, kind=kind,
                               reason=RevocationReason.KEY_COMPROMISE, now=register.clock())
    directory = register.settings.ocsp_store_directory
    responder = OcspResponder(register, follow=False)
    responder.follow()
    register.ocsp_answers.stop()
    register.ocsp_answers.sync_once()
    assert register.ocsp_answers.status()["state"] == "unavailable"
    assert "no answer store" in str(register.ocsp_answers.status()["detail"])
    assert _status(_answer(responder, _request(register, kind, serial))) is S.REVOKED

    # A store copied half-way: an environment without its completion mark.
    half = directory / "answers-half"
    directory.mkdir()
    env = lmdb.open(str(half), max_dbs=2)
    with env.begin(write=True, db=env.open_db(b"answers")) as txn:
        txn.put(_prefixes(register)[kind] + serial.to_bytes(16, "big").lstrip(b"\0"), b"x")
    env.close()
    (directory / "current").symlink_to(half.name)
    register.ocsp_answers.sync_once()
    assert "half-written" in str(register.ocsp_answers.status()["detail"])
    assert _status(_answer(responder, _request(register, kind, serial))) is S.REVOKED

    # Built properly, it answers; a feed pruned past it makes it unavailable again.
    (directory / "current").unlink()
    shutil.rmtree(half)
    _build(register, directory)
    register.ocsp_answers.sync_once()
    assert register.ocsp_answers.status()["state"] == "ok"
    for kind, serial in _alive(register)[4:6]:  # two changes this machine misses
        certificates.change_status(lambda: SqlUnitOfWork(register.engine),
                                   register.authority, actor=OPERATOR, serial=serial,
                                   kind=kind, reason=RevocationReason.KEY_COMPROMISE,
                                   now=register.clock())
    with register.engine.begin() as conn:  # the first pruned before the store read it
        last = conn.scalar(select(func.max(ocsp_changes.c.id)))
        conn.execute(ocsp_changes.delete().where(ocsp_changes.c.id < last))
    register.ocsp_answers.sync_once()
    assert register.ocsp_answers.usable is None
    assert "behind the change feed" in str(register.ocsp_answers.status()["detail"])
    assert "behind the change feed" in str(register.ocsp_answers.status()["detail"])


def test_a_stale_answer_in_the_store_goes_to_the_database(register: Container) -> None:
    responder = _built(register)
    kind, serial = _alive(register)[0]
    register.clock.now += timedelta(days=5)  # type: ignore[attr-defined]  # past nextUpdate
    assert isinstance(responder.at_once(_request(register, kind, serial)), Query)


def test_bad_requests_and_other_cas(register: Container) -> None:
    responder = _built(register)
    kind, serial = _alive(register)[0]
    request = _request(register, kind, serial)
    assert responder.at_once(request[:-3]) is MALFORMED  # truncated
    assert responder.at_once(request + b"\0") is MALFORMED  # trailing bytes
    assert responder.at_once(None) is MALFORMED  # oversized: read as None at the edge
    foreign = _request(register, CertKind.SIGN if kind is CertKind.AUTH else CertKind.AUTH,
                       serial)
    # The other issuing CA of ours: its serial space does not hold this serial.
    assert _status(_answer(responder, foreign)) is S.UNKNOWN
    # Another CA altogether (RFC 6960 §2.3): unauthorized.
    assert responder.at_once(ocsp_request(_other_ca(), serial)) is UNAUTHORIZED
    # SHA-256 CertIDs: the stored answer, re-signed under that CertID.
    answer = _answer(responder, _request(register, kind, serial, hashes.SHA256()))
    assert _status(answer) is S.GOOD


def test_a_build_writes_a_new_environment_and_swaps(register: Container) -> None:
    _produce(register)
    directory = register.settings.ocsp_store_directory
    first = _build(register, directory)
    assert first["entries"] == len(_alive(register))
    old = (directory / "current").resolve()
    _build(register, directory)
    assert (directory / "current").resolve() != old
    assert not old.exists()
    store = AnswerStore(directory)
    assert store.cursor() == first["cursor"]
    # Kept without the responder certificate, given back bit for bit.
    assert first["bytes"] < 1200 * first["entries"] + 200_000
    alive = _alive(register)
    with SqlUnitOfWork(register.engine) as uow:
        for kind, serial in alive:
            found = store.get(_prefixes(register)[kind], serial)
            assert found is not None
            assert found.der == uow.ocsp.get(kind=kind, serial=serial)
    store.close()
