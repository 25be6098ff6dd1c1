"""/apply: applying online with the Application ID (typed, or from the form's QR code) and
the birth date, an e-mail address for the notices, and the photo (docs/resident.md).

1. `GET /apply[?application_id=…]`: the form (the ID filled in from the QR code).
2. `POST /apply`: the form's fields read (full-width digits, hyphens and spaces
   accepted), the form looked up as `submit` would (nothing written), the photo checked
   at once; its findings in plain words with the guide's advice and drawn on the photo.
   A hard defect: the form again (422), nothing kept. Otherwise the photo waits
   (`PendingPhotos`, 30 minutes at most) for the resident's confirmation.
3. `POST /apply/confirm`: the same use case as `POST /api/v1/applications/online`
   (`applications.submit`), then the receipt.
Both POSTs count against the same rate limits as the API (per client, per ID).
"""

from __future__ import annotations

import base64
from datetime import date
from typing import Annotated

from fastapi import File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from mynumbercard.domain import application_id as application_ids
from mynumbercard.domain.application import ApplicationKind, Channel
from mynumbercard.domain.appointments import check_email
from mynumbercard.domain.errors import DomainError, InvalidApplicationId
from mynumbercard.domain.photo import PhotoFinding, Severity
from mynumbercard.services import applications as apps
from mynumbercard.services.application_ports import PhotoVerdict
from mynumbercard.web.api.applications import limit_public
from mynumbercard.web.bounds import LARGEST_PHOTO
from mynumbercard.web.deps import ContainerDep, NowDep
from mynumbercard.web.errors import status_for
from mynumbercard.web.pages import page_router
from mynumbercard.web.pages.forms import FormErrors, digits, parse_date, plain
from mynumbercard.web.pages.templating import render

router = page_router()

# The application guide's advice for each defect (msgids; resident.po has the Japanese).
ADVICE = {
    "format": "Choose a photo file in JPEG or PNG (a phone camera's photo is one).",
    "file_size": "Choose a photo of 20 KB to 7 MB: a phone camera's photo, not a screenshot "
                 "or a scan of a print.",
    "resolution": "Use a photo at least 480 pixels on each side and at most 6000.",
    "no_face": "Face the camera, with your whole face in the photo.",
    "multiple_faces": "Only you may be in the photo.",
    "too_close": "Hold the camera at arm's length, or ask someone else to take the photo: "
                 "your head and the top of your shoulders in the frame, with a little "
                 "space above your head.",
    "too_small": "Come closer: hold the camera at arm's length, or ask someone else to take "
                 "the photo from about one metre.",
    "off_center": "Keep your face in the middle of the photo.",
    "background": "Stand in front of a plain wall, with nothing behind you.",
    "too_dark": "Face the light: stand facing a window or a lamp.",
    "too_bright": "Face the light, but not the sun or a bright lamp head-on; avoid a flash.",
    "blurred": "Hold the camera still and let it focus; wipe the lens.",
}
FEES = {ApplicationKind.FIRST: "Free of charge.",
        ApplicationKind.RENEWAL: "A renewal is free of charge.",
        ApplicationKind.REISSUE: "A new card after a loss costs 1,000 yen (the card 800 yen, "
                                 "the certificates 200 yen), paid at the counter."}


def _application_id(text: str) -> str:
    """As typed (full-width, hyphens, spaces); the domain's reasons in fixed words."""
    try:
        return application_ids.parse(digits(text))
    except InvalidApplicationId as refused:
        if "check digit" in refused.message:
            raise InvalidApplicationId("The Application ID fails its check: a digit is "
                                       "mistyped or two are swapped.") from None
        raise InvalidApplicationId("An Application ID has 23 digits (0-9), with or without "
                                   "hyphens.") from None


def problem_text(refused: DomainError) -> str:
    """A refusal as the page says it (a msgid): a message with a value in it gets fixed
    words, so that it can be translated."""
    if refused.message.startswith("the resident is "):
        return ("The holder of this form is not registered as living here any more: ask "
                "your municipality's office.")
    return refused.message


def _email(text: str) -> str | None:
    return check_email(plain(text) or None)


def _form_page(request: Request, values: dict[str, str], *, errors: FormErrors | None = None,
               problem: str | None = None, findings: tuple[PhotoFinding, ...] = (),
               drawn: str | None = None, status_code: int = 200) -> HTMLResponse:
    return render(request, "resident/apply.html", status_code=status_code, values=values,
                  errors=errors or FormErrors(), problem=problem, findings=findings,
                  advice=ADVICE, drawn=drawn)


@router.get("/apply")
def apply_form(request: Request) -> HTMLResponse:
    """The form; from a QR code `application_id` comes filled in (the channel: phone)."""
    given = request.query_params.get("application_id", "")[:40]
    values = {"application_id": application_ids.printed_form(given)
              if application_ids.is_valid(digits(given)) else given,
              "birth_date": "", "email": "", "via": "qr" if given else "typed"}
    return _form_page(request, values)


def _data_url(jpeg: bytes | None) -> str | None:
    return None if jpeg is None else "data:image/jpeg;base64," + base64.b64encode(jpeg).decode()


def _photo(upload: UploadFile | None) -> bytes | None:
    """The upload's bytes, at most one past the largest photo (the check refuses it by its
    size, and never reads a 50 MB file whole)."""
    if upload is None or not upload.filename:
        return None
    return upload.file.read(LARGEST_PHOTO + 1)


Text = Annotated[str, Form()]


def _values(application_id: str, birth_date: str, email: str, via: str) -> dict[str, str]:
    return {"application_id": application_id[:40], "birth_date": birth_date[:40],
            "email": email[:254], "via": "qr" if via == "qr" else "typed"}


@router.post("/apply")
def check(request: Request, container: ContainerDep, now: NowDep,  # noqa: PLR0917
          application_id: Text = "", birth_date: Text = "", email: Text = "",
          via: Text = "", photo: Annotated[UploadFile | None, File()] = None) -> HTMLResponse:
    """Sync: FastAPI runs it in its thread pool, so the photo check and the database never
    hold up the event loop; FastAPI closes the upload's spooled file after the answer."""
    values = _values(application_id, birth_date, email, via)
    errors = FormErrors()
    number = errors.check("application_id", _application_id, values["application_id"])
    born = errors.check("birth_date", parse_date, values["birth_date"])
    address = errors.check("email", _email, values["email"])
    data = _photo(photo)
    if not data:
        errors["photo"] = "Choose your photo, or take one with the camera."
    if errors or not isinstance(number, str) or not isinstance(born, date) or not data:
        return _form_page(request, values, errors=errors, status_code=422)
    limit_public(container, request, number)
    try:
        checked = apps.check_form(container.uow, application_id=number, birth_date=born,
                                  now=now)
    except DomainError as refused:
        return _form_page(request, values, problem=problem_text(refused),
                          status_code=status_for(refused))
    verdict: PhotoVerdict = container.photo_inspector.inspect(data)
    codes = [f.code.value for f in verdict.findings]
    drawn = _data_url(container.photo_overlay.draw(data, codes)) if codes else None
    if not verdict.accepted:
        return _form_page(request, values, findings=verdict.findings, drawn=drawn,
                          status_code=422)
    token = container.pending_photos.put(data)
    preview = drawn  # a clean photo is not decoded a second time: the answer stays fast
    return render(request, "resident/confirm.html", values=values, checked=checked,
                  printed=application_ids.printed_form(number), born=born,
                  email=address if isinstance(address, str) else None, token=token,
                  findings=verdict.findings, advice=ADVICE, preview=preview, drawn=drawn,
                  fee=FEES[checked.kind], renewal=checked.kind is ApplicationKind.RENEWAL)


@router.post("/apply/confirm")
def confirm(request: Request, container: ContainerDep, now: NowDep,  # noqa: PLR0917
            application_id: Text = "", birth_date: Text = "", email: Text = "",
            via: Text = "", token: Text = "", signature: Text = "") -> HTMLResponse:
    values = _values(application_id, birth_date, email, via)
    errors = FormErrors()
    number = errors.check("application_id", _application_id, values["application_id"])
    born = errors.check("birth_date", parse_date, values["birth_date"])
    address = errors.check("email", _email, values["email"])
    if errors or not isinstance(number, str) or not isinstance(born, date):
        return _form_page(request, values, errors=errors, status_code=422)
    photo = container.pending_photos.get(token[:64]) if token else None
    if photo is None:
        return _form_page(request, values, status_code=410,
                          problem="The photo waited too long and was discarded: choose it "
                                  "again.")
    limit_public(container, request, number)
    channel = Channel.SMARTPHONE if values["via"] == "qr" else Channel.PC
    try:
        submitted = apps.submit(
            container.uow, container.photos, container.photo_inspector,
            actor=apps.online_applicant(channel), channel=channel, application_id=number,
            birth_date=born, photo=photo, want_signature_certificate=signature == "yes",
            want_auth_certificate=True, email=address if isinstance(address, str) else None,
            now=now)
    except DomainError as refused:
        return _form_page(request, values, problem=problem_text(refused),
                          status_code=status_for(refused))
    container.pending_photos.drop(token[:64])
    return render(request, "resident/receipt.html", submitted=submitted,
                  printed=application_ids.printed_form(number),
                  email=address if isinstance(address, str) else None,
                  warnings=[f for f in submitted.warnings if f.severity is Severity.SOFT],
                  advice=ADVICE)
