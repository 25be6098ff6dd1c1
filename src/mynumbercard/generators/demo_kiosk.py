"""The demo's convenience-store kiosk: an operator's key and the offers of the towns where
the demo's cards are registered, so that `mynumbercard kiosk issue --card
var/cards/valid.json ...` prints a certificate on a new data directory (README)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from sqlalchemy import select

from mynumbercard import bootstrap
from mynumbercard.adapters.db.tables import cards, residents
from mynumbercard.domain.kiosk import KioskDocument
from mynumbercard.domain.relying_party import PartyKind
from mynumbercard.domain.staff import Actor, Role
from mynumbercard.services import kiosk_admin, relying_parties

DEMO_KIOSK_FEE = 200  # yen, both documents: what many towns charge at kiosks


def credential_path(home: Path) -> Path:
    return home / "secrets" / "kiosk-operator.json"


def load_kiosk(wired: bootstrap.Container) -> tuple[Path, list[str]]:
    """A kiosk operator (its key in the data directory's secrets, 0600) and both documents
    offered by every municipality holding a demo card; the credential's path and the
    municipalities' codes."""
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
    path = credential_path(wired.settings.home)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as written:
        json.dump({"key_id": made.key_id, "secret": made.secret, "name": made.name,
                   "kind": made.kind.value}, written, ensure_ascii=False)
    return path, towns
