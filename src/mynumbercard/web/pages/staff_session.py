"""Staff sign-in and sign-out, and the start page with the role's menu.

Sign-in is the API's: the same accounts (argon2id), the TOTP second factor where the
account has one, the same rate limits, lock and audit. The session is a cookie on the
staff pages' path only (HttpOnly, SameSite=Strict, Secure behind HTTPS) that ends when
left idle (staff_auth)."""

from __future__ import annotations

import re
from contextlib import suppress

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mynumbercard.adapters.rate_limits import Rule
from mynumbercard.domain.errors import AuthenticationFailed, TooManyRequests
from mynumbercard.services import staff as staff_service
from mynumbercard.web.deps import ContainerDep, NowDep, client_address, limit
from mynumbercard.web.pages import forms, page_router
from mynumbercard.web.pages.staff_auth import (
    COOKIE,
    COOKIE_PATH,
    HOME,
    StaffActor,
    render_staff,
    secure_cookies,
)
from mynumbercard.web.pages.templating import render

router = page_router(prefix="/staff")
USERNAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
SAFE_NEXT = re.compile(r"/staff(/[A-Za-z0-9/_.%=&?-]*)?")


def _next(target: str | None) -> str:
    """Back to the page that asked for the sign-in, if it is a staff page here."""
    return target if target and SAFE_NEXT.fullmatch(target) and len(target) < 500 else HOME


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request, next: str | None = None,
                 signed_out: bool = False) -> HTMLResponse:
    return render(request, "staff/sign_in.html", errors={}, username="", next=_next(next),
                  signed_out=signed_out, failure=None)


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in(request: Request, container: ContainerDep, now: NowDep, *,
            username: str = Form("", max_length=200), password: str = Form("", max_length=1024),
            totp: str = Form("", max_length=40), next: str = Form("", max_length=500),
            ) -> Response:
    name = forms.plain(username)
    errors = forms.FormErrors()
    if not USERNAME.fullmatch(name):
        errors["username"] = "Enter your username: letters, digits, '.', '_' or '-'"
    if not password:
        errors["password"] = "Enter your password"  # noqa: S105 - a message, not a secret
    code = forms.digits(totp)
    if code and not code.isdigit():
        errors["totp"] = "The one-time code is the 6 digits your authenticator shows"
    target = _next(next)
    page: dict[str, object] = {"username": name, "next": target, "signed_out": False}
    if errors:
        return render(request, "staff/sign_in.html", status_code=422, errors=errors,
                      failure=None, **page)
    try:
        limit(container, (Rule.SIGN_IN_USER, name.lower()),
              (Rule.SIGN_IN_CLIENT, client_address(request)))
        issued = staff_service.sign_in(
            container.uow, container.hasher, username=name, password=password, now=now,
            lifetime=container.settings.token_lifetime, codes=container.one_time_codes,
            totp=code or None)
    except (AuthenticationFailed, TooManyRequests) as error:
        status = 429 if isinstance(error, TooManyRequests) else 401
        return render(request, "staff/sign_in.html", status_code=status, errors={},
                      failure=error.message, **page)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, issued.token, httponly=True, samesite="strict",
                        secure=secure_cookies(request), path=COOKIE_PATH)
    return response


@router.post("/sign-out")
def sign_out(request: Request, container: ContainerDep, now: NowDep) -> Response:
    token = request.cookies.get(COOKIE, "")
    if token and len(token) <= 200:
        # Already over (idle, ended by an administrator): nothing left to end.
        with suppress(AuthenticationFailed):
            staff_service.sign_out(container.uow, token=token, now=now)
    response = RedirectResponse("/staff/sign-in?signed_out=true", status_code=303)
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict",
                           secure=secure_cookies(request))
    return response


@router.get("", response_class=HTMLResponse)
def home(request: Request, actor: StaffActor) -> HTMLResponse:
    return render_staff(request, "staff/home.html", actor)
