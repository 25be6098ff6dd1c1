"""Custody through the counter terminal over HTTP (services/custody_tasks.py): the
terminal, with the task's card in its reader, has the server run the custody step; for a
renewal it sends the CSRs the chip made (key generation authorised with
`purpose=custody`) and then writes the certificates the answer names. No PIN comes here.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from mynumbercard.domain import bounds
from mynumbercard.domain.certificate import CertKind
from mynumbercard.services import custody_tasks
from mynumbercard.web.api.schemas.common import CertificateIssued
from mynumbercard.web.api.schemas.renewal import Custody
from mynumbercard.web.api.terminal import Csr, _issued, _relayed
from mynumbercard.web.deps import ActorDep, ContainerDep, NowDep
from mynumbercard.web.inputs import IdPath

router = APIRouter(prefix="/api/v1/counter-tasks", tags=["counter terminal (staff)"])


class CustodyStepIn(BaseModel):
    card_number: str = Field(max_length=32, pattern=f"^{bounds.CARD_NUMBER_PATTERN}$",
                             description="The card in the terminal's reader (read from "
                             "its chip)")
    csrs: dict[CertKind, Csr] = Field({}, description="For a renewal: the chip's CSR of "
                                      "each key pair made on the card in the reader")


class CustodyStepOut(BaseModel):
    custody: Custody
    certificates: list[CertificateIssued] = Field(description="A renewal's certificates, "
                                                  "for the terminal to write onto the card")


@router.post("/{task_id}/custody", summary="The counter terminal has the custody task's "
             "card in its reader: the step (taken in, renewed, mailed, collected, given "
             "back, back from the post) recorded, a renewal issued for the chip's CSRs")
def custody_step(task_id: IdPath, body: CustodyStepIn, actor: ActorDep,
                 container: ContainerDep, now: NowDep) -> CustodyStepOut:
    done = custody_tasks.run_step(
        container.uow, container.ca, actor=actor, task_id=task_id,
        card_in_reader=body.card_number, now=now,
        terminal=lambda number: _relayed(number, body.csrs))
    return CustodyStepOut(custody=Custody.of(done.custody),
                          certificates=_issued(done.certificates))
