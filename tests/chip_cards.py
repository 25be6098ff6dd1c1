"""A card file issued the way the counter issues one, but entirely over APDUs: PINs,
both key pairs made on the chip, certificates from a test CA (RSA, like the JPKI CAs)
and the CA certificates for readers. Shared by the chip, reader and OpenSC tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from mynumbercard.chip import (
    AdminCommand,
    Chip,
    GenerateKeyPair,
    KeyKind,
    SetInitialPins,
    WriteCaCertificate,
    WriteCertificate,
    management_public_key_pem,
    new_management_key,
    sign_admin_command,
)
from mynumbercard.chip.client import CardClient
from mynumbercard.chip.processor import CardSession
from mynumbercard.domain.pins import PinKind

FACE = {
    "name": "山田 花子",
    "address": "東京都千代田区千代田1-1",
    "birth_date": "1990-04-01",
    "sex": "female",
    "individual_number": "123456789018",
}
PINS = {
    PinKind.SIGNATURE: "HANAKO1990",
    PinKind.USER_AUTH: "1234",
    PinKind.RESIDENT_REGISTER: "5678",
    PinKind.CARD_INFO: "2468",
}


@dataclass
class CardIssuer:
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    management_key: ec.EllipticCurvePrivateKey

    @classmethod
    def create(cls, name: str = "Test JPKI CA") -> CardIssuer:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        certificate = (
            x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(datetime(2025, 1, 1, tzinfo=UTC))
            .not_valid_after(datetime(2035, 1, 1, tzinfo=UTC))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(key, hashes.SHA256())
        )
        return cls(key, certificate, new_management_key())

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def issue(self, csr_pem: bytes, kind: KeyKind) -> bytes:
        csr = x509.load_pem_x509_csr(csr_pem)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"holder {kind.value}")])
        certificate = (
            x509.CertificateBuilder().subject_name(subject)
            .issuer_name(self.certificate.subject).public_key(csr.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(datetime(2025, 1, 1, tzinfo=UTC))
            .not_valid_after(datetime(2030, 1, 1, tzinfo=UTC))
            .sign(self.key, hashes.SHA256())
        )
        return certificate.public_bytes(serialization.Encoding.PEM)


def run(client: CardClient, ca: CardIssuer, card_id: str, command: AdminCommand) -> bytes:
    authorization = sign_admin_command(ca.management_key, card_id, client.admin_challenge(),
                                       command)
    return client.admin(command, authorization)


def issue_card(path: Path, ca: CardIssuer, card_id: str = "CARD-0001") -> Path:
    Chip.personalise(path, card_id=card_id,
                     management_public_key_pem=management_public_key_pem(ca.management_key),
                     card_face=FACE)
    client = CardClient(CardSession(path).transmit)
    run(client, ca, card_id, SetInitialPins(PINS))
    for kind in KeyKind:
        csr = run(client, ca, card_id, GenerateKeyPair(kind))
        run(client, ca, card_id, WriteCertificate(kind, ca.issue(csr, kind)))
        run(client, ca, card_id, WriteCaCertificate(kind, ca.pem))
    return path
