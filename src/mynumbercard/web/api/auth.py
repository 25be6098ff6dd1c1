"""Sign-in: a short-lived bearer token for the API, the same as a cookie for the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from mynumbercard.adapters.rate_limits import Rule
from mynumbercard.services import staff as staff_service
from mynumbercard.web.deps import (
    SESSION_COOKIE,
    ActorDep,
    ContainerDep,
    NowDep,
    client_address,
    limit,
    session_token,
)

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class Credentials(BaseModel):
    # The characters a username may hold (domain/staff.py): anything else, a NUL among
    # them, is refused before the database is asked.
    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    password: str = Field(max_length=1024, repr=False)
    totp: str | None = Field(default=None, max_length=16, repr=False,
                             description="The 6-digit one-time code, when enrolled "
                                         "(administrators always are)")


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth 2 token type, not a secret
    expires_at: datetime


class WhoAmI(BaseModel):
    username: str
    role: str
    municipality_code: str | None


@router.post("/token", summary="Sign in with username, password and one-time code",
             responses={401: {"description": "Wrong credentials, or a locked account"},
                        429: {"description": "Too many tries; see Retry-After"}})
def sign_in(body: Credentials, request: Request, response: Response, container: ContainerDep,
            now: NowDep) -> TokenOut:
    limit(container, (Rule.SIGN_IN_USER, body.username.lower()),
          (Rule.SIGN_IN_CLIENT, client_address(request)))
    issued = staff_service.sign_in(
        container.uow, container.hasher, username=body.username, password=body.password,
        now=now, lifetime=container.settings.token_lifetime,
        codes=container.one_time_codes, totp=body.totp,
    )
    response.set_cookie(
        SESSION_COOKIE, issued.token, httponly=True, samesite="strict", path="/",
        max_age=int(container.settings.token_lifetime.total_seconds()),
        # Over HTTPS (any real deployment) the cookie never travels in the clear.
        secure=container.settings.public_base_url.startswith("https://"),
    )
    return TokenOut(access_token=issued.token, expires_at=issued.expires_at)


@router.post("/sign-out", status_code=204, summary="End the session",
             responses={401: {"description": "The token is not a live session"}})
def sign_out(response: Response, container: ContainerDep, now: NowDep,
             token: Annotated[str, Depends(session_token)]) -> None:
    staff_service.sign_out(container.uow, token=token, now=now)
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.get("/me", summary="Who is signed in")
def me(actor: ActorDep) -> WhoAmI:
    return WhoAmI(username=actor.name, role=actor.role.value,
                  municipality_code=actor.municipality_code)


class TotpEnrolment(BaseModel):
    password: str = Field(max_length=1024, repr=False)
    totp: str | None = Field(default=None, max_length=16, repr=False,
                             description="The current code, when a secret exists already")


class TotpUri(BaseModel):
    otpauth_uri: str = Field(description="For an authenticator app; shown this once")


@router.post("/totp", summary="Enrol (or replace) your own TOTP second factor",
             responses={401: {"description": "Wrong password or code"}})
def enrol_totp(body: TotpEnrolment, actor: ActorDep, container: ContainerDep,
               now: NowDep) -> TotpUri:
    limit(container, (Rule.SIGN_IN_USER, actor.name.lower()))
    return TotpUri(otpauth_uri=staff_service.enrol_own_totp(
        container.uow, container.hasher, container.one_time_codes, actor=actor,
        password=body.password, totp=body.totp, now=now))
