"""The one place where domain errors become HTTP statuses."""

from __future__ import annotations

from enum import StrEnum

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from mynumbercard.domain import errors

STATUSES: dict[type[errors.DomainError], int] = {
    errors.InvalidInput: 422,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.AuthenticationFailed: 401,
    errors.PermissionDenied: 403,
    errors.TooManyRequests: 429,
}


def status_for(error: errors.DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUSES:
            return STATUSES[cls]
    return 400


async def domain_error(_request: Request, error: errors.DomainError) -> JSONResponse:
    status = status_for(error)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if isinstance(error, errors.TooManyRequests):
        headers = {"Retry-After": str(error.retry_after)}
    body: dict[str, object] = {"error": error.code, "message": error.message}
    refusal = getattr(error, "refusal", None)  # what the kiosk's or holder's screen shows
    if isinstance(refusal, StrEnum):
        body["refused"] = refusal.value
    if error.details:
        body["details"] = jsonable_encoder(error.details)
    return JSONResponse(body, status_code=status, headers=headers)


async def malformed_request(_request: Request, error: RequestValidationError) -> JSONResponse:
    """Schema errors get the same shape as domain errors, plus where each one is.

    The offending values are left out: they may be personal data or a password."""
    problems = [
        {"location": list(e.get("loc", ())), "problem": e.get("msg", "")}
        for e in error.errors()
    ]
    message = "; ".join(
        f"{'.'.join(str(part) for part in p['location'])}: {p['problem']}" for p in problems
    )
    return JSONResponse(
        {"error": errors.InvalidInput.code, "message": message,
         "problems": jsonable_encoder(problems)},
        status_code=422,
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(errors.DomainError, domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, malformed_request)  # type: ignore[arg-type]
