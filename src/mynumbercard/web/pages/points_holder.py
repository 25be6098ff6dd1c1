"""The holder's My Number Points page (docs/services.md "The holder's page").

A browser has no API to the card, so the card program signs the page in: the page shows
a one-use code (and keeps a secret in an HttpOnly cookie), the holder runs `mynumbercard
points sign-in CODE --card FILE|--reader NAME --pin-stdin`, the card signs the code's
challenge with its user-authentication key after the PIN, and the page then shows the
holder's payment service and points for five minutes. The page only shows: the choice of
a service is made with the card program (`points enrol --service ID`), where the holder
names the service; a page signed in with a code someone else showed could otherwise bind
the holder's points for good to a service of that person's choosing. The same services
as the API (services/points_card.py)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mynumbercard.domain.errors import NotFound
from mynumbercard.services import points_card
from mynumbercard.web.deps import ContainerDep, NowDep
from mynumbercard.web.pages import page_router
from mynumbercard.web.pages.staff_auth import secure_cookies
from mynumbercard.web.pages.templating import render

router = page_router(prefix="/points")
COOKIE, COOKIE_PATH = "mnc_points", "/points"
COOKIE_AGE = int((points_card.SIGN_IN_LIFETIME + points_card.SHOWN_FOR).total_seconds())


def _state(request: Request, container: ContainerDep,
           now: NowDep) -> points_card.PageState | None:
    secret = request.cookies.get(COOKIE, "")
    if not secret or len(secret) > 100:
        return None
    try:
        return points_card.page(container.uow, browser_secret=secret, now=now)
    except NotFound:
        return None


def _page(request: Request, container: ContainerDep, now: NowDep) -> HTMLResponse:
    state = _state(request, container, now)
    services = [(s.key_id, s.name) for s in points_card.payment_services(container.uow)] \
        if state is not None and state.points is not None and state.points.enrolment is None \
        else []
    return render(request, "points/index.html", state=state, services=services)


@router.get("", response_class=HTMLResponse)
def points_page(request: Request, container: ContainerDep, now: NowDep) -> HTMLResponse:
    return _page(request, container, now)


@router.post("/start")
def start(request: Request, container: ContainerDep, now: NowDep) -> Response:
    """A new code for the card program (and the browser's cookie)."""
    started = points_card.start_sign_in(container.uow, now=now)
    response = RedirectResponse("/points", status_code=303)
    response.set_cookie(COOKIE, started.browser_secret, max_age=COOKIE_AGE, httponly=True,
                        samesite="strict", secure=secure_cookies(request), path=COOKIE_PATH)
    return response


@router.post("/end")
def end(request: Request) -> Response:
    """Forget the sign-in on this browser (it ends by itself after five minutes)."""
    response = RedirectResponse("/points", status_code=303)
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict",
                           secure=secure_cookies(request))
    return response
