"""Request dependencies: the container, the clock and the signed-in actor."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from mynumbercard.bootstrap import Container
from mynumbercard.domain.errors import AuthenticationFailed
from mynumbercard.domain.staff import Actor
from mynumbercard.services import staff as staff_service

SESSION_COOKIE = "mnc_session"

_bearer = HTTPBearer(auto_error=False, description="A token from POST /api/v1/auth/token")


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def get_now(container: ContainerDep) -> datetime:
    return container.clock()


NowDep = Annotated[datetime, Depends(get_now)]


def session_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    if credentials is not None:
        return credentials.credentials
    if cookie := request.cookies.get(SESSION_COOKIE):
        return cookie
    raise AuthenticationFailed("sign in first: send a bearer token or the session cookie")


def current_actor(
    container: ContainerDep, now: NowDep, token: Annotated[str, Depends(session_token)]
) -> Actor:
    return staff_service.authenticate(container.uow, token=token, now=now)


ActorDep = Annotated[Actor, Depends(current_actor)]
