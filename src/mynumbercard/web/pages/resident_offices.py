"""/find-office: the office that handles a resident's card, from a postal code or an
address (services/office_finder.py), with its address, telephone and hours and the link
to book a visit (`/appointments?office=CODE`). A GET form: nothing changes."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from mynumbercard.domain.errors import DomainError
from mynumbercard.services import office_finder
from mynumbercard.web.deps import ContainerDep
from mynumbercard.web.errors import status_for
from mynumbercard.web.pages import page_router
from mynumbercard.web.pages.offices_common import hours_lines
from mynumbercard.web.pages.templating import choose_language, render

router = page_router()


@router.get("/find-office")
def find_office(request: Request, container: ContainerDep) -> HTMLResponse:
    postal = request.query_params.get("postal_code", "")[:20]
    address = request.query_params.get("address", "")[:300]
    values = {"postal_code": postal, "address": address}
    if not postal.strip() and not address.strip():
        return render(request, "resident/find_office.html", values=values, found=None,
                      problem=None, hours={})
    try:
        found = office_finder.find(container.uow, container.postal,
                                   postal_code_text=postal or None,
                                   address=address if not postal.strip() else None)
    except DomainError as refused:
        return render(request, "resident/find_office.html", values=values, found=None,
                      problem=refused.message, hours={}, status_code=status_for(refused))
    language = choose_language(request)
    hours = {office.code: hours_lines(language, office)
             for handling in found for office in handling.offices}
    return render(request, "resident/find_office.html", values=values, found=found,
                  problem=None, hours=hours)
