"""The public verification page: anyone holding a kiosk document types (or scans) its
code and learns whether it is genuine, for which kind of document, municipality and day
— through the same service as `GET /api/v1/verify/{code}`, nothing of the person."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from mynumbercard.adapters.rate_limits import Rule
from mynumbercard.domain.errors import InvalidInput, NotFound
from mynumbercard.services import kiosk_admin
from mynumbercard.web.deps import ContainerDep, NowDep, client_address, limit
from mynumbercard.web.pages import page_router
from mynumbercard.web.pages.forms import FormErrors
from mynumbercard.web.pages.templating import render

router = page_router()
LABELS = {"residence-certificate": "Certificate of residence",
          "register-items": "Certificate of items on the register"}


@router.get("/verify", response_class=HTMLResponse)
def verify_page(request: Request, container: ContainerDep, now: NowDep,
                code: Annotated[str | None, Query(max_length=60)] = None) -> HTMLResponse:
    errors = FormErrors()
    found, unknown = None, False
    if code is not None and code.strip():
        limit(container, (Rule.VERIFY_CLIENT, client_address(request)))
        try:
            found = kiosk_admin.verify(container.uow, code=code, now=now)
        except InvalidInput:
            errors["code"] = "Type the 16 letters and digits printed under the QR code."
        except NotFound:
            unknown = True
    status = 422 if errors else 404 if unknown else 200
    municipality = None
    if found is not None:
        town = container.municipalities.get(found.municipality)
        municipality = town.prefecture + town.name
    return render(request, "kiosk/verify.html", status_code=status, code=code or "",
                  errors=errors, found=found, unknown=unknown, municipality=municipality,
                  labels=LABELS)
