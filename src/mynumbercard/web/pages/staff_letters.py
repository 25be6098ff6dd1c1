"""A resident's letters at the counter, printed again (services/letter_reprint.py): the
PDF served to the clerk, audited under their name. And the life-event block of the
resident's page (`life_event_sections`): the events to record, the letters, the open
correction cases of the wrong-validity audit."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Request
from fastapi.responses import Response

from mynumbercard.domain.resident import Resident
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services import letter_reprint, validity_check
from mynumbercard.services.mail_ports import LetterKind
from mynumbercard.web.deps import ContainerDep, NowDep
from mynumbercard.web.pages import page_router
from mynumbercard.web.pages.staff_auth import StaffActor
from mynumbercard.web.pages.staff_life_events import events_for

router = page_router(prefix="/staff/residents")
MAX_ID = 2**62
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
# What the page says (English msgids, staff.po) of runtime values.
DONE = {
    "registered": "Registered: a new Individual Number is assigned and the Individual Number "
                  "Notice is queued in the outgoing mail (below, to print again).",
    "move": "The move is recorded.", "death": "The death is recorded.",
    "emigration": "The emigration is recorded.", "address": "The address is corrected.",
    "name": "The change of name is recorded.", "stay": "The period of stay is extended.",
    "cancel-moving-out": "The moving-out notification is withdrawn.",
    "moved-in": "The moving-in is recorded.",
}
LETTER_NAMES = {
    LetterKind.NUMBER_NOTICE: "Individual Number Notice",
    LetterKind.DEFICIENCY: "Deficiency letter",
    LetterKind.VALIDITY_CARD: "Notice of the card's expiry",
    LetterKind.VALIDITY_CERTIFICATES: "Notice of the certificates' expiry",
    LetterKind.VALIDITY_CORRECTION: "Notice of a wrong validity",
    LetterKind.REISSUE_FORM: "Form for a new card",
}
MAIL_STATES = {"queued": "Queued", "printing": "Printing", "sent": "Sent"}
CASE_WORDS = {"card": "The card's validity", "certificate": "The certificates' validity",
              "open": "Open", "contacted": "Holder contacted"}


def life_event_sections(request: Request, actor: Actor, container: ContainerDep,
                        resident: Resident, *, moving_out: bool) -> dict[str, Any]:
    """What the resident's page shows of this block (the page's read is audited by its
    own service; these reads check the same visibility)."""
    done = request.query_params.get("done")
    writer = actor.may(Permission.RESIDENT_WRITE)
    return {
        "life_events": events_for(resident, moving_out=moving_out) if writer else [],
        "letters": letter_reprint.letters_of(container.uow, actor=actor,
                                             resident_id=resident.id),
        "may_print": writer,
        "correction_cases": validity_check.cases_of_resident(container.uow, actor=actor,
                                                             resident_id=resident.id),
        "done": DONE.get(done or ""),
        "letter_names": LETTER_NAMES, "mail_states": MAIL_STATES, "case_words": CASE_WORDS,
    }


@router.post("/{resident_id}/letters/{letter_id}/print")
def print_again(actor: StaffActor, container: ContainerDep, now: NowDep, *,
                resident_id: Id, letter_id: Id) -> Response:
    """A POST (it writes an audit record); the PDF comes back as a download."""
    done = letter_reprint.reprint(
        container.uow, container.letter_printer, actor=actor, resident_id=resident_id,
        letter_id=letter_id, now=now,
        base_url=container.settings.public_base_url.rstrip("/"))
    return Response(done.pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{done.filename}"',
        "Cache-Control": "no-store"})
