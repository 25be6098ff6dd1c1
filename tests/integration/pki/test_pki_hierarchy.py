"""The CA hierarchy on file keys: set-up, profiles as JPKI, and refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from mynumbercard.adapters.pki import (
    CaAlreadyInitialised,
    CaHierarchy,
    CaKeyMismatch,
    CaKeyNotFound,
    CaNotInitialised,
    CertKind,
    FileKeyStore,
    HolderIdentity,
    InvalidCsr,
    MissingHolderIdentity,
    PersonalDataNotAllowed,
    WrongCaKeyPassphrase,
    parse_ocsp_request,
)
from mynumbercard.adapters.pki.profiles import era_birth_date
from mynumbercard.domain import errors

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
BASE = "http://ca.example.test"
PASSPHRASE = "a long CA passphrase"
HOLDER = HolderIdentity(
    name="山田　花子",
    name_kana="ヤマダ　ハナコ",
    birth_date=date(1990, 2, 28),
    sex="female",
    address="東京都千代田区千代田１番１号",
)
JPKI = "1.2.392.200149.8.5"


def make_csr(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name([]))
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def holder_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def ca_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ca")


@pytest.fixture(scope="module")
def ca(ca_dir: Path) -> CaHierarchy:
    keys = FileKeyStore(ca_dir / "keys", PASSPHRASE)
    return CaHierarchy.initialise(ca_dir / "ca", keys=keys, now=NOW, base_url=BASE + "/")


def issue(ca: CaHierarchy, key: rsa.RSAPrivateKey, kind: CertKind, serial: int) -> x509.Certificate:
    return ca.issue(
        kind=kind,
        csr_pem=make_csr(key),
        serial=serial,
        holder=HOLDER if kind is CertKind.SIGN else None,
        not_before=NOW,
        not_after=NOW + timedelta(days=5 * 365),
    )


def ext(cert: x509.Certificate, kind: type[x509.ExtensionType]) -> x509.Extension:  # type: ignore[type-arg]
    return cert.extensions.get_extension_for_class(kind)


def test_export_writes_exactly_the_four_files(ca: CaHierarchy, tmp_path: Path) -> None:
    written = ca.export(tmp_path / "out")
    assert sorted(p.name for p in written) == ["auth-ca.pem", "ocsp.pem", "root.pem", "sign-ca.pem"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in written)
    ocsp_certs = x509.load_pem_x509_certificates((tmp_path / "out" / "ocsp.pem").read_bytes())
    assert [c.issuer for c in ocsp_certs] == [
        ca.issuing_certificate(CertKind.SIGN).subject,
        ca.issuing_certificate(CertKind.AUTH).subject,
    ]


def test_a_second_initialise_is_refused_and_changes_nothing(ca: CaHierarchy, ca_dir: Path) -> None:
    before = (ca_dir / "ca" / "ca.json").read_bytes()
    other_keys = FileKeyStore(ca_dir / "other-keys", PASSPHRASE)
    with pytest.raises(CaAlreadyInitialised):
        CaHierarchy.initialise(ca_dir / "ca", keys=other_keys, now=NOW, base_url=BASE)
    assert (ca_dir / "ca" / "ca.json").read_bytes() == before
    assert not (ca_dir / "other-keys").exists()


def test_open_finds_the_hierarchy_or_says_there_is_none(ca: CaHierarchy, ca_dir: Path) -> None:
    keys = FileKeyStore(ca_dir / "keys", PASSPHRASE)
    reopened = CaHierarchy.open(ca_dir / "ca", keys=keys)
    reopened.verify_keys()
    assert reopened.root_certificate == ca.root_certificate
    assert reopened.base_url == BASE
    assert reopened.crl_shards == 64
    with pytest.raises(CaNotInitialised):
        CaHierarchy.open(ca_dir / "nothing-here", keys=keys)


def test_a_wrong_passphrase_shows_as_a_domain_error(
    ca: CaHierarchy, ca_dir: Path, holder_key: rsa.RSAPrivateKey
) -> None:
    wrong = CaHierarchy.open(ca_dir / "ca", keys=FileKeyStore(ca_dir / "keys", "not it"))
    with pytest.raises(WrongCaKeyPassphrase):
        wrong.verify_keys()
    with pytest.raises(WrongCaKeyPassphrase):
        issue(wrong, holder_key, CertKind.AUTH, 77)


def test_keys_from_elsewhere_are_refused(ca: CaHierarchy, ca_dir: Path, tmp_path: Path) -> None:
    empty = CaHierarchy.open(ca_dir / "ca", keys=FileKeyStore(tmp_path / "empty", PASSPHRASE))
    with pytest.raises(CaKeyNotFound):
        empty.verify_keys()
    # The right labels holding someone else's keys.
    impostor = FileKeyStore(tmp_path / "impostor", PASSPHRASE)
    for path in (ca_dir / "keys").iterdir():
        impostor.generate(path.name.removesuffix(".key.pem"))
    with pytest.raises(CaKeyMismatch):
        CaHierarchy.open(ca_dir / "ca", keys=impostor).verify_keys()


def test_the_root_and_issuing_cas(ca: CaHierarchy) -> None:
    root = ca.root_certificate
    assert ext(root, x509.BasicConstraints).value == x509.BasicConstraints(ca=True, path_length=1)
    for kind in CertKind:
        issuing = ca.issuing_certificate(kind)
        assert issuing.issuer == root.subject
        assert ext(issuing, x509.BasicConstraints).critical
        assert ext(issuing, x509.BasicConstraints).value.path_length == 0
        usage = ext(issuing, x509.KeyUsage)
        assert usage.critical
        assert usage.value.key_cert_sign
        assert usage.value.crl_sign
        assert not usage.value.digital_signature
        assert (
            ext(issuing, x509.AuthorityKeyIdentifier).value.key_identifier
            == ext(root, x509.SubjectKeyIdentifier).value.digest
        )
        issuing.verify_directly_issued_by(root)


def test_the_delegated_ocsp_signers(ca: CaHierarchy) -> None:
    for kind in CertKind:
        responder = ca.ocsp_certificate(kind)
        responder.verify_directly_issued_by(ca.issuing_certificate(kind))
        assert ext(responder, x509.ExtendedKeyUsage).value == x509.ExtendedKeyUsage(
            [ExtendedKeyUsageOID.OCSP_SIGNING]
        )
        assert isinstance(ext(responder, x509.OCSPNoCheck).value, x509.OCSPNoCheck)
        assert ext(responder, x509.BasicConstraints).value.ca is False
        assert responder.not_valid_after_utc == NOW + timedelta(days=365)


def test_the_signature_certificate_profile(ca: CaHierarchy, holder_key: rsa.RSAPrivateKey) -> None:
    cert = issue(ca, holder_key, CertKind.SIGN, 0x10A5)
    cert.verify_directly_issued_by(ca.issuing_certificate(CertKind.SIGN))
    assert cert.serial_number == 0x10A5
    assert cert.not_valid_before_utc == NOW
    assert cert.not_valid_after_utc == NOW + timedelta(days=5 * 365)
    names = ext(cert, x509.SubjectAlternativeName).value.get_values_for_type(x509.OtherName)
    values = {n.type_id.dotted_string: n.value for n in names}
    assert [n.type_id.dotted_string for n in names] == [f"{JPKI}.5.{i}" for i in (1, 4, 3, 5, 2, 6)]
    assert values[f"{JPKI}.5.1"] == b"\x0c\x0f" + "山田　花子".encode()
    assert values[f"{JPKI}.5.4"] == b"\x0c\x09419900228"  # Heisei (4), 1990-02-28
    assert values[f"{JPKI}.5.3"] == b"\x0c\x012"  # female
    assert values[f"{JPKI}.5.5"][2:].decode() == HOLDER.address
    assert values[f"{JPKI}.5.2"] == b"\x0c\x0500000"
    assert "ヤマダ" not in cert.public_bytes(serialization.Encoding.PEM).decode()
    usage = ext(cert, x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature
    assert usage.value.content_commitment
    assert not usage.value.key_encipherment
    policies = ext(cert, x509.CertificatePolicies).value
    assert [p.policy_identifier.dotted_string for p in policies] == [f"{JPKI}.1.1.20"]
    with pytest.raises(x509.ExtensionNotFound):
        ext(cert, x509.ExtendedKeyUsage)
    _check_common(ca, cert, CertKind.SIGN)


def test_the_user_authentication_certificate_carries_no_personal_data(
    ca: CaHierarchy, holder_key: rsa.RSAPrivateKey
) -> None:
    cert = issue(ca, holder_key, CertKind.AUTH, 0x20B7)
    cert.verify_directly_issued_by(ca.issuing_certificate(CertKind.AUTH))
    assert [a.oid for a in cert.subject] == [NameOID.COUNTRY_NAME, NameOID.COMMON_NAME]
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "20B7"
    with pytest.raises(x509.ExtensionNotFound):
        ext(cert, x509.SubjectAlternativeName)
    text = cert.public_bytes(serialization.Encoding.DER)
    assert "山田".encode() not in text
    assert b"1990" not in text
    usage = ext(cert, x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature
    assert not usage.value.content_commitment
    assert list(ext(cert, x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    policies = ext(cert, x509.CertificatePolicies).value
    assert [p.policy_identifier.dotted_string for p in policies] == [f"{JPKI}.1.3.30"]
    _check_common(ca, cert, CertKind.AUTH)


def _check_common(ca: CaHierarchy, cert: x509.Certificate, kind: CertKind) -> None:
    issuer = ca.issuing_certificate(kind)
    assert (
        ext(cert, x509.AuthorityKeyIdentifier).value.key_identifier
        == ext(issuer, x509.SubjectKeyIdentifier).value.digest
    )
    assert ext(cert, x509.SubjectKeyIdentifier).value == x509.SubjectKeyIdentifier.from_public_key(
        cert.public_key()
    )
    shard = ca.shard_of(cert.serial_number)
    (point,) = ext(cert, x509.CRLDistributionPoints).value
    assert point.full_name == [x509.UniformResourceIdentifier(f"{BASE}/crl/{kind}/{shard}.crl")]
    (fresh,) = ext(cert, x509.FreshestCRL).value
    assert fresh.full_name == [
        x509.UniformResourceIdentifier(f"{BASE}/crl/{kind}/{shard}-delta.crl")
    ]
    access = {
        a.access_method: a.access_location.value
        for a in ext(cert, x509.AuthorityInformationAccess).value
    }
    assert access == {
        AuthorityInformationAccessOID.OCSP: f"{BASE}/ocsp",
        AuthorityInformationAccessOID.CA_ISSUERS: f"{BASE}/ca/{kind}-ca.cer",
    }


@pytest.mark.parametrize(
    ("born", "expected"),
    [
        (date(1868, 10, 22), "018681022"),
        (date(1868, 10, 23), "118681023"),
        (date(1912, 7, 29), "119120729"),
        (date(1912, 7, 30), "219120730"),
        (date(1926, 12, 24), "219261224"),
        (date(1926, 12, 25), "319261225"),
        (date(1989, 1, 7), "319890107"),
        (date(1989, 1, 8), "419890108"),
        (date(2019, 4, 30), "420190430"),
        (date(2019, 5, 1), "520190501"),
    ],
)
def test_birth_dates_carry_the_era_code(born: date, expected: str) -> None:
    assert era_birth_date(born) == expected


def test_csrs_must_prove_possession_of_an_rsa_2048_key(
    ca: CaHierarchy, holder_key: rsa.RSAPrivateKey
) -> None:
    der = bytearray(
        x509.load_pem_x509_csr(make_csr(holder_key)).public_bytes(serialization.Encoding.DER)
    )
    der[-5] ^= 0x01  # inside the signature
    tampered = x509.load_der_x509_csr(bytes(der)).public_bytes(serialization.Encoding.PEM)
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - refused, as it should be
    for csr, message in [
        (tampered, "does not verify"),
        (b"-----BEGIN CERTIFICATE REQUEST-----\nnonsense\n", "not a readable"),
        (b"", "not a readable"),
        (make_csr(ec.generate_private_key(ec.SECP256R1())), "RSA key"),
        (make_csr(small), "RSA key"),
    ]:
        with pytest.raises(InvalidCsr, match=message):
            ca.issue(
                kind=CertKind.AUTH,
                csr_pem=csr,
                serial=99,
                holder=None,
                not_before=NOW,
                not_after=NOW + timedelta(days=1),
            )


def test_holder_identity_rules(ca: CaHierarchy, holder_key: rsa.RSAPrivateKey) -> None:
    csr = make_csr(holder_key)
    window = {"not_before": NOW, "not_after": NOW + timedelta(days=30)}
    with pytest.raises(MissingHolderIdentity):
        ca.issue(kind=CertKind.SIGN, csr_pem=csr, serial=5, holder=None, **window)
    with pytest.raises(PersonalDataNotAllowed):
        ca.issue(kind=CertKind.AUTH, csr_pem=csr, serial=5, holder=HOLDER, **window)
    for bad in [
        HolderIdentity("名前", "ナマエ", date(1990, 1, 1), "other", "東京都"),
        HolderIdentity("名前", "ナマエ", date(1990, 1, 1), "male", "東" * 201),
        HolderIdentity(" ", "ナマエ", date(1990, 1, 1), "male", "東京都"),
    ]:
        with pytest.raises(errors.InvalidInput):
            ca.issue(kind=CertKind.SIGN, csr_pem=csr, serial=5, holder=bad, **window)
    assert "山田" not in repr(HOLDER)


def test_serials_and_validity_are_checked(ca: CaHierarchy, holder_key: rsa.RSAPrivateKey) -> None:
    csr = make_csr(holder_key)
    issuer_end = ca.issuing_certificate(CertKind.AUTH).not_valid_after_utc
    cases: list[tuple[int, datetime, datetime, type[Exception]]] = [
        (0, NOW, NOW + timedelta(days=1), errors.InvalidInput),
        (-3, NOW, NOW + timedelta(days=1), errors.InvalidInput),
        (2**159, NOW, NOW + timedelta(days=1), errors.InvalidInput),
        (7, NOW, NOW, errors.InvalidDates),
        (7, NOW, issuer_end + timedelta(seconds=1), errors.InvalidDates),
        (7, NOW - timedelta(days=1), NOW + timedelta(days=1), errors.InvalidDates),
        (7, NOW.replace(tzinfo=None), NOW + timedelta(days=1), errors.InvalidInput),
    ]
    for serial, start, end, error in cases:
        with pytest.raises(error):
            ca.issue(
                kind=CertKind.AUTH,
                csr_pem=csr,
                serial=serial,
                holder=None,
                not_before=start,
                not_after=end,
            )
    cert = ca.issue(
        kind=CertKind.AUTH,
        csr_pem=csr,
        serial=2**159 - 1,
        holder=None,
        not_before=NOW,
        not_after=issuer_end,
    )
    assert cert.not_valid_after_utc == issuer_end


def test_shards_and_their_urls(ca: CaHierarchy) -> None:
    assert ca.shard_of(64 * 1000 + 17) == 17
    assert ca.crl_url(CertKind.SIGN, 17) == f"{BASE}/crl/sign/17.crl"
    assert ca.crl_url(CertKind.AUTH, 17, delta=True) == f"{BASE}/crl/auth/17-delta.crl"
    with pytest.raises(errors.InvalidInput):
        ca.crl_url(CertKind.SIGN, 64)


def test_initialise_checks_its_settings(tmp_path: Path) -> None:
    keys = FileKeyStore(tmp_path / "keys", PASSPHRASE)
    for settings in [{"base_url": "ftp://x"}, {"base_url": BASE, "crl_shards": 0}]:
        with pytest.raises(errors.InvalidInput):
            CaHierarchy.initialise(tmp_path / "ca", keys=keys, now=NOW, **settings)  # type: ignore[arg-type]
    with pytest.raises(errors.InvalidInput):
        CaHierarchy.initialise(
            tmp_path / "ca", keys=keys, now=NOW.replace(tzinfo=None), base_url=BASE
        )
    assert not (tmp_path / "ca").exists()


@pytest.mark.parametrize("algorithm", [hashes.SHA1(), hashes.SHA256()])  # noqa: S303
def test_ocsp_cert_ids_map_to_our_issuing_cas(
    ca: CaHierarchy, holder_key: rsa.RSAPrivateKey, algorithm: hashes.HashAlgorithm
) -> None:
    for kind in CertKind:
        cert = issue(ca, holder_key, kind, 0x3000 + len(kind))
        request = (
            ocsp.OCSPRequestBuilder()
            .add_certificate(cert, ca.issuing_certificate(kind), algorithm)
            .build()
            .public_bytes(serialization.Encoding.DER)
        )
        (query,) = parse_ocsp_request(request)
        assert query.serial == cert.serial_number
        assert (
            ca.kind_for_issuer(
                issuer_name_hash=query.issuer_name_hash,
                issuer_key_hash=query.issuer_key_hash,
                hash_algorithm=query.hash_algorithm,
            )
            is kind
        )
    # The root is not an issuer of end-entity certificates we answer for.
    foreign = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(ca.issuing_certificate(CertKind.SIGN), ca.root_certificate, algorithm)
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    (query,) = parse_ocsp_request(foreign)
    assert (
        ca.kind_for_issuer(
            issuer_name_hash=query.issuer_name_hash,
            issuer_key_hash=query.issuer_key_hash,
            hash_algorithm=query.hash_algorithm,
        )
        is None
    )


def test_the_ocsp_signer_can_be_renewed(tmp_path: Path) -> None:
    keys = FileKeyStore(tmp_path / "keys", PASSPHRASE)
    ca = CaHierarchy.initialise(tmp_path / "ca", keys=keys, now=NOW, base_url=BASE, crl_shards=4)
    old = ca.ocsp_certificate(CertKind.SIGN)
    later = NOW + timedelta(days=300)
    new = ca.renew_ocsp_signer(CertKind.SIGN, now=later)
    assert new.serial_number != old.serial_number
    assert new.public_key() != old.public_key()
    assert new.not_valid_before_utc == later
    reopened = CaHierarchy.open(tmp_path / "ca", keys=keys)
    reopened.verify_keys()
    assert reopened.ocsp_certificate(CertKind.SIGN) == new
    assert reopened.ocsp_certificate(CertKind.AUTH) == ca.ocsp_certificate(CertKind.AUTH)
    response = ocsp.load_der_ocsp_response(
        reopened.ocsp_response(
            kind=CertKind.SIGN,
            serial=9,
            status="good",  # type: ignore[arg-type]
            revoked_at=None,
            reason=None,
            this_update=later,
            next_update=later + timedelta(days=1),
        )
    )
    assert response.certificates == [new]
    assert response.responder_key_hash == ext(new, x509.SubjectKeyIdentifier).value.digest


def test_the_root_key_can_go_offline_after_set_up(
    tmp_path: Path, holder_key: rsa.RSAPrivateKey
) -> None:
    keys = FileKeyStore(tmp_path / "keys", PASSPHRASE)
    CaHierarchy.initialise(tmp_path / "ca", keys=keys, now=NOW, base_url=BASE, crl_shards=2)
    (root_key,) = (tmp_path / "keys").glob("*-root.key.pem")
    root_key.rename(tmp_path / "offline-root.key.pem")
    ca = CaHierarchy.open(tmp_path / "ca", keys=keys)
    ca.verify_keys()
    issue(ca, holder_key, CertKind.SIGN, 12)
