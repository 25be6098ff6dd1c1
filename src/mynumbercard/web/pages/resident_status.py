"""/status: where the card is, with the Application ID and the birth date (the use case of
`POST /api/v1/applications/status`, rate-limited alike: per client and per ID; a wrong
birth date and an unknown ID get the same page)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse

from mynumbercard.domain.application import DeficiencyReason, VoidReason
from mynumbercard.domain.errors import DomainError
from mynumbercard.services import application_views as views
from mynumbercard.services.email_notices import DEFICIENCY_REASONS_EN, DEFICIENCY_STEPS_EN
from mynumbercard.services.mailed_letters import DEFICIENCY_REASONS, DEFICIENCY_STEPS
from mynumbercard.web.api.applications import limit_public
from mynumbercard.web.deps import ContainerDep
from mynumbercard.web.errors import status_for
from mynumbercard.web.pages import page_router
from mynumbercard.web.pages.forms import FormErrors, parse_date
from mynumbercard.web.pages.resident_apply import _application_id, problem_text
from mynumbercard.web.pages.templating import render

router = page_router()
Text = Annotated[str, Form()]

# What the resident reads for each status (msgids; resident.po has the Japanese).
NOW = {
    "not_received": "No application on this form has reached us yet.",
    "received": "Your application has been received and waits for review.",
    "in_review": "Your application is being reviewed.",
    "deficient": "Your application needs a correction.",
    "in_production": "Your card is being made.",
    "shipped": "Your card is on its way to your municipality's office.",
    "ready_for_pick_up": "Your card is ready for pick-up.",
    "handed_over": "You have received your card.",
    "voided": "This application is void.",
}
NEXT = {
    "not_received": "Apply online with this Application ID, or send the form by post.",
    "received": "Nothing to do: we write if something must be corrected.",
    "in_review": "Nothing to do: we write if something must be corrected.",
    "in_production": "Nothing to do: a notice of issuance (a postcard) comes when the card "
                     "is at the office, about a month after the application.",
    "shipped": "Nothing to do: the notice of issuance (a postcard) comes when the card has "
               "arrived.",
    "ready_for_pick_up": "Bring the notice of issuance and your identity documents to the "
                         "office before the deadline; booking a time saves waiting.",
    "handed_over": "Keep your PINs safe; the card is valid until the date printed on it.",
}
VOID = {
    VoidReason.RELOCATION: "You moved to another municipality before picking up the card.",
    VoidReason.UNCOLLECTED: "The card was not picked up within the keeping period.",
    VoidReason.NEW_FORM: "A new form was issued: its Application ID replaces this one.",
    VoidReason.WITHDRAWN: "The application was withdrawn.",
    VoidReason.DEATH: "The holder has died.",
    VoidReason.LOSS_OF_RESIDENCE: "The holder is no longer registered as a resident.",
}
NEW_FORM = ("To apply again you need a new form: ask your municipality's office for one "
            "(free of charge), at the counter or by post.")


def _page(request: Request, values: dict[str, str], *, errors: FormErrors | None = None,
          problem: str | None = None, found: views.ResidentStatus | None = None,
          status_code: int = 200) -> HTMLResponse:
    reason = (found.deficiency.reason if found and found.deficiency else None
              ) or DeficiencyReason.MISSING_INFORMATION
    return render(request, "resident/status.html", status_code=status_code, values=values,
                  errors=errors or FormErrors(), problem=problem, found=found, now_text=NOW,
                  next_text=NEXT, void_text=VOID, new_form=NEW_FORM,
                  why={"en": DEFICIENCY_REASONS_EN[reason], "ja": DEFICIENCY_REASONS[reason]},
                  what={"en": DEFICIENCY_STEPS_EN[reason], "ja": DEFICIENCY_STEPS[reason]})


@router.get("/status")
def status_form(request: Request) -> HTMLResponse:
    return _page(request, {"application_id": request.query_params.get("application_id",
                                                                       "")[:40],
                           "birth_date": ""})


@router.post("/status")
def status(request: Request, container: ContainerDep, application_id: Text = "",
           birth_date: Text = "") -> HTMLResponse:
    values = {"application_id": application_id[:40], "birth_date": birth_date[:40]}
    errors = FormErrors()
    number = errors.check("application_id", _application_id, values["application_id"])
    born = errors.check("birth_date", parse_date, values["birth_date"])
    if errors or not isinstance(number, str) or not isinstance(born, date):
        return _page(request, values, errors=errors, status_code=422)
    limit_public(container, request, number)
    try:
        found = views.status_for_resident(container.uow, application_id=number,
                                          birth_date=born)
    except DomainError as refused:
        return _page(request, values, problem=problem_text(refused),
                     status_code=status_for(refused))
    return _page(request, values, found=found)
