"""Request dependencies: the container, the clock and the signed-in actor."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from mynumbercard.adapters.rate_limits import Rule
from mynumbercard.bootstrap import Container
from mynumbercard.domain.errors import AuthenticationFailed, TooManyRequests
from mynumbercard.domain.staff import Actor
from mynumbercard.services import audit
from mynumbercard.services import staff as staff_service

SESSION_COOKIE = "mnc_session"

_bearer = HTTPBearer(auto_error=False, description="A token from POST /api/v1/auth/token")


# Both `async`: FastAPI runs a plain `def` dependency in its thread pool, a hand-off
# to another thread and back for every request that asks for them (nothing here blocks).
async def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


async def get_now(container: ContainerDep) -> datetime:
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


SIMULATED_HEADER = "Mynumbercard-Simulated"


def maybe_simulated(
    container: ContainerDep, actor: ActorDep, request: Request, response: Response,
    simulate: Annotated[bool, Query(description="Run in a transaction that is rolled back: "
                                    "the answer says what would happen, nothing changes, "
                                    "and a day after today is allowed")] = False,
) -> Iterator[Container]:
    """The container, or (`?simulate=true`) one whose every transaction is rolled back;
    a simulated answer carries the header `Mynumbercard-Simulated: rolled-back`."""
    if not simulate:
        yield container
        return
    with container.simulation() as simulated:
        response.headers[SIMULATED_HEADER] = "rolled-back"
        yield simulated
    subject = ",".join(f"{k.removesuffix('_id')}:{v}"
                       for k, v in request.path_params.items()) or "route"
    audit.record_simulation(container.uow, actor=actor, subject=subject[:200],
                            details={"route": f"{request.method} {request.url.path}"},
                            now=container.clock())


# Declare it after the actor: the sign-in's own transaction is done before this one opens.
SimulatedDep = Annotated[Container, Depends(maybe_simulated)]


def client_address(request: Request) -> str:
    """The client's address (behind a proxy: as uvicorn's --forwarded-allow-ips trusts)."""
    return request.client.host if request.client else "unknown"


def limit(container: Container, *tries: tuple[Rule, str]) -> None:
    """Count one try of each (rule, subject); 429 with Retry-After when any is over.
    Every rule is counted, so a client cannot spare its own budget by varying subjects."""
    waits = [wait for rule, subject in tries
             if (wait := container.rate_limits.hit(rule, subject)) is not None]
    if waits:
        raise TooManyRequests("too many tries: wait before trying again",
                              retry_after=max(waits))
