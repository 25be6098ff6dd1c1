"""The demo's convenience-store kiosk: an operator's key and the offers of the towns where
the demo's cards are registered, so that `mynumbercard kiosk issue --card
var/cards/valid.json ...` prints a certificate on a new data directory (README)."""

from __future__ import annotations

from sqlalchemy import select

from mynumbercard import bootstrap
from mynumbercard.adapters.db.tables import cards, residents
from mynumbercard.domain.kiosk import KioskDocument
from mynumbercard.domain.relying_party import PartyKind
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import kiosk_admin, relying_parties
from mynumbercard.services.relying_parties import PartyCredential

DEMO_KIOSK_FEE = 200  # yen, both documents: what many towns charge at kiosks


def load_kiosk(wired: bootstrap.Container) -> tuple[PartyCredential, list[str]]:
    """A kiosk operator and both documents offered by every municipality holding a demo
    card: the operator's credential (its secret shown this once) and the towns' codes."""
    actor, now = Actor("demo", Role.ADMIN), wired.clock()
    with wired.engine.connect() as conn:
        towns = sorted(conn.execute(select(residents.c.municipality_code).distinct().join(
            cards, cards.c.resident_id == residents.c.id)).scalars())
    for town in towns:
        for document in KioskDocument:
            kiosk_admin.set_offer(wired.uow, actor=actor, municipality_code=town,
                                  document=document, fee=DEMO_KIOSK_FEE, domicile=False,
                                  now=now)
    made = relying_parties.register(wired.uow, wired.party_secrets, actor=actor,
                                    name="デモ・コンビニ (demo kiosk)",
                                    kind=PartyKind.KIOSK_OPERATOR, now=now)
    return made, towns
