"""CSRF: a random token in a cookie (HttpOnly, SameSite=Strict) that every form repeats in
a hidden field (`{{ csrf_field() }}`); every POST to a page must carry both, equal, and
come from this origin when the browser says where it comes from.

Every page router is made by `page_router()` (pages/__init__.py), which puts `protect`
before its routes: no page route can forget it.
"""

from __future__ import annotations

import hmac
import re
import secrets

from fastapi import Request, Response

from mynumbercard.domain.errors import PermissionDenied

COOKIE = "mnc_csrf"
FIELD = "csrf_token"
_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


class CsrfRefused(PermissionDenied):
    code = "csrf_refused"


def token_for(request: Request) -> tuple[str, bool]:
    """The browser's token, or a new one (True: to be set as the cookie)."""
    cookie = request.cookies.get(COOKIE, "")
    if _SHAPE.fullmatch(cookie):
        return cookie, False
    made = getattr(request.state, "csrf_token", None)
    if made is None:
        made = request.state.csrf_token = secrets.token_urlsafe(32)
    return made, True


def set_cookie(response: Response, token: str, *, secure: bool) -> None:
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=secure,
                        path="/")


async def protect(request: Request) -> None:
    """The pages' router dependency: marks the request as a page's (errors answer in
    HTML) and checks the token of every POST."""
    request.state.page = True
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    origin = request.headers.get("origin")
    if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
        raise CsrfRefused("the form was sent from another site")
    cookie = request.cookies.get(COOKIE, "")
    form = await request.form()
    sent = form.get(FIELD)
    if not (_SHAPE.fullmatch(cookie) and isinstance(sent, str)
            and hmac.compare_digest(cookie.encode(), sent.encode())):
        raise CsrfRefused("the form has expired: open the page again and send it again")
