"""Payment services and enrolled people for the points tests: a registered party that
signs its requests as a payment service would, and a resident enrolled with it."""

from __future__ import annotations

import secrets
from datetime import date

from mynumbercard.bootstrap import Container
from mynumbercard.domain.relying_party import PartyKind, sign_request
from mynumbercard.domain.resident import Sex
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import points, register, relying_parties
from mynumbercard.services.relying_parties import SignedRequest

ADMIN = Actor("admin", Role.ADMIN)


class PaymentService:
    """A relying party registered by the administrator (a payment service unless told)."""

    def __init__(self, wired: Container, name: str,
                 kind: PartyKind = PartyKind.PAYMENT_SERVICE) -> None:
        key = relying_parties.register(wired.uow, wired.party_secrets, actor=ADMIN,
                                       name=name, kind=kind, now=wired.clock())
        self.wired, self.key_id, self.secret = wired, key.key_id, bytes.fromhex(key.secret)

    def signed(self, path: str, body: bytes) -> SignedRequest:
        """A POST of `body` to `path`, signed now with a new nonce."""
        stamp, nonce = int(self.wired.clock().timestamp()), secrets.token_urlsafe(18)
        signature = sign_request(self.secret, timestamp=stamp, nonce=nonce, method="POST",
                                 path=path, body=body)
        return SignedRequest(self.key_id, str(stamp), nonce, signature, "POST", path, body)


def enrolled(wired: Container, service: PaymentService, given: str) -> str:
    """A new resident enrolled with `service`: the enrolment id."""
    person = register.register_resident(
        wired.uow, actor=ADMIN, now=wired.clock(), family_name="山田", given_name=given,
        family_name_kana="ヤマダ", given_name_kana="ハナコ", birth_date=date(1990, 1, 20),
        sex=Sex.FEMALE, municipality_code="13101", postal_code="1000001",
        address="千代田1番1号", registered_on=date(1990, 1, 20))
    return points.enrol(wired.uow, actor=ADMIN, resident_id=person.id or 0,
                        service=service.key_id, now=wired.clock()).enrolment_id
