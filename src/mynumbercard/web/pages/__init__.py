"""The pages: server-rendered HTML on the same application and services as the API
(docs/pages.md). `install` adds the static files, the offline API docs, the HTML error
pages and every area's routers (the modules `staff_*`, `resident_*`, `office_*`,
`kiosk_*`, `points_*` beside this file, each with a `router` made by `page_router()`)."""

from __future__ import annotations

import importlib
import pkgutil

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from mynumbercard.domain import errors as domain_errors
from mynumbercard.web import errors
from mynumbercard.web.pages import api_docs, csrf
from mynumbercard.web.pages.templating import render

AREA_PREFIXES = ("staff_", "resident_", "office_", "kiosk_", "points_")
STATIC = __path__[0] + "/static"


def page_router(**kwargs: object) -> APIRouter:
    """A router of pages: out of the OpenAPI schema, every POST's CSRF token checked,
    errors answered as pages."""
    return APIRouter(include_in_schema=False, dependencies=[Depends(csrf.protect)],
                     **kwargs)  # type: ignore[arg-type]


def area_modules() -> list[str]:
    return sorted(f"{__name__}.{info.name}" for info in pkgutil.iter_modules(__path__)
                  if info.name.startswith(AREA_PREFIXES))


def install(app: FastAPI) -> None:
    api_docs.install(app)  # first: its files are under /static/swagger-ui
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_exception_handler(domain_errors.DomainError, _domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _malformed)  # type: ignore[arg-type]
    for name in area_modules():
        app.include_router(importlib.import_module(name).router)


def _is_page(request: Request) -> bool:
    return bool(getattr(request.state, "page", False))


async def _domain_error(request: Request, error: domain_errors.DomainError) -> Response:
    if not _is_page(request):
        return await errors.domain_error(request, error)
    status = errors.status_for(error)
    response = error_page(request, status, error.message)
    if isinstance(error, domain_errors.TooManyRequests):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


async def _malformed(request: Request, error: RequestValidationError) -> Response:
    if not _is_page(request):
        return await errors.malformed_request(request, error)
    return error_page(request, 422, "the form was incomplete or malformed: open it again")


def error_page(request: Request, status: int, message: str) -> Response:
    """The page of a refusal: what happened in the page's language, and a way back (the
    start of the area the page belongs to)."""
    area = request.url.path.split("/")[1] if request.url.path.count("/") else ""
    return render(request, "error.html", status_code=status, status=status, message=message,
                  home=f"/{area}" if area in HOMES else "/")


HOMES = frozenset({"staff"})  # the areas with a start page of their own (additive)
